import { Aws, Token } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { DEFAULT_WATCH_TAG_KEY, DEFAULT_WATCH_TAG_VALUE } from '../../lambda/contracts/sources';
import { InvalidWatcherConfigError, validateRegions } from '../config';
import {
  nagRegion,
  ReadOnlySource,
  type SourceBindOptions,
  type SourceReadAccess,
  type SourceSetting,
} from './source';

export { DEFAULT_WATCH_TAG_KEY, DEFAULT_WATCH_TAG_VALUE };

// Prefixes become resource ARNs: no IAM wildcard may slip in.
const PREFIX_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,256}$/;
const TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;

/** How a Secrets Manager or Parameter Store source selects what it reads, and where. */
export interface StoredValueSourceProps {
  /**
   * Regions whose secrets or parameters are read.
   * @default the watcher's regions
   */
  readonly regions?: readonly string[];
  /**
   * Tag key selecting what is read (when `prefixes` is absent). Reading is granted only on items
   * carrying this tag with `tagValue`.
   * @default 'cert-watch:watch'
   */
  readonly tagKey?: string;
  /**
   * Tag value selecting what is read.
   * @default 'true'
   */
  readonly tagValue?: string;
  /**
   * Select by name prefixes instead of the tag (e.g. `['certs/', 'tls/']`); reading is granted on
   * those names only.
   * @default - select by the tag
   */
  readonly prefixes?: readonly string[];
  /**
   * Also read values (and JSON fields) holding base64 of a DER certificate.
   * @default false
   */
  readonly base64?: boolean;
  /**
   * The customer managed KMS keys encrypting the selected values: kms:Decrypt is granted on them
   * only (always only through the service, `kms:ViaService`).
   * @default - any KMS key of this account in the regions, only through the service
   */
  readonly encryptionKeys?: readonly kms.IKey[];
}

/** What differs between the two stores' grants. */
interface StoreGrants {
  readonly kind: string;
  /** Statement id prefix, e.g. `Secrets`. */
  readonly sid: string;
  /** The listing action (no resource-level permissions exist for it). */
  readonly listAction: string;
  /** The value-reading action. */
  readonly readAction: string;
  /** Reading an item's tags when the listing does not return them (routing to owners). */
  readonly tagAction?: string;
  /** The service's endpoint name for `kms:ViaService` (`secretsmanager`, `ssm`). */
  readonly service: string;
  /** The item ARN up to the name for a region, partition and account (`...:secret:`, `...:parameter/`). */
  readonly arnBase: (partition: string, region: string, account: string) => string;
  /** A name prefix as it appears in the ARN. */
  readonly arnName: (prefix: string) => string;
}

const fail = (kind: string, message: string) => new InvalidWatcherConfigError(`${kind} ${message}`);

const optionList = (raw: unknown): string[] | undefined =>
  raw === undefined
    ? undefined
    : (typeof raw === 'string' ? raw.split(',') : (raw as string[]))
        .map((p) => String(p).trim())
        .filter(Boolean);

/**
 * A store whose values hold certificates (Secrets Manager, Parameter Store): grants the listing
 * (`Resource: "*"`, the only form IAM has for it), reading values only of the selected items
 * (tag condition `aws:ResourceTag/<key>`, or ARNs narrowed to the name prefixes), and
 * kms:Decrypt only through the service (`kms:ViaService`).
 */
export abstract class StoredValueSource extends ReadOnlySource {
  readonly kind: string;
  private readonly regions?: readonly string[];
  private readonly tag?: { readonly key: string; readonly value: string };
  private readonly prefixes?: readonly string[];
  private readonly base64: boolean;
  private readonly encryptionKeys?: readonly kms.IKey[];

  protected constructor(
    private readonly grants: StoreGrants,
    props: StoredValueSourceProps,
  ) {
    super();
    const { kind } = grants;
    this.kind = kind;
    this.regions = props.regions ? validateRegions(props.regions) : undefined;
    if (props.prefixes !== undefined) {
      if (props.tagKey !== undefined || props.tagValue !== undefined)
        throw fail(kind, 'selects by tag (tagKey/tagValue) or by name prefixes, not both');
      if (props.prefixes.length === 0) throw fail(kind, 'prefixes must name at least one prefix');
      props.prefixes.forEach((p, i) => {
        if (!Token.isUnresolved(p) && !PREFIX_PATTERN.test(p))
          throw fail(
            kind,
            `prefixes[${i}] must be 1-256 letters, digits or /_+=.@- (no wildcards), got '${p}'`,
          );
      });
      this.prefixes = [...new Set(props.prefixes)];
    } else {
      const key = props.tagKey ?? DEFAULT_WATCH_TAG_KEY;
      const value = props.tagValue ?? DEFAULT_WATCH_TAG_VALUE;
      for (const [name, v] of [
        ['tagKey', key],
        ['tagValue', value],
      ])
        if (!TAG_PATTERN.test(v ?? '')) throw fail(kind, `${name} must be a non-empty tag text, got '${v}'`);
      this.tag = { key, value };
    }
    this.base64 = props.base64 ?? false;
    if (props.encryptionKeys?.length === 0)
      throw fail(kind, 'encryptionKeys must name at least one key; omit it for any key of the account');
    this.encryptionKeys = props.encryptionKeys;
  }

  /** The props of a `watcher:sources` setting (`{"kind":"secrets","options":{"prefixes":["certs/"]}}`). */
  protected static propsOf(setting: SourceSetting): StoredValueSourceProps {
    const o = setting.options ?? {};
    return {
      regions: setting.regions,
      tagKey: o.tagKey as string | undefined,
      tagValue: o.tagValue as string | undefined,
      prefixes: optionList(o.prefixes),
      base64: o.base64 === true || o.base64 === 'true',
    };
  }

  readAccess(options: SourceBindOptions): SourceReadAccess {
    const g = this.grants;
    const regions = this.regions ?? options.regions;
    const items = (partition: string, account: string, region: (r: string) => string) =>
      regions.flatMap((r) =>
        (this.prefixes ?? ['']).map((p) => `${g.arnBase(partition, region(r), account)}${g.arnName(p)}*`),
      );
    const keyArns = (partition: string, account: string, region: (r: string) => string) =>
      regions.map((r) => `arn:${partition}:kms:${region(r)}:${account}:key/*`);
    const grants = [
      { sid: `${g.sid}List`, actions: [g.listAction], resources: ['*'] },
      {
        sid: `${g.sid}ReadValues`,
        actions: g.tagAction ? [g.readAction, g.tagAction] : [g.readAction],
        resources: items(Aws.PARTITION, Aws.ACCOUNT_ID, (r) => r),
        ...(this.tag
          ? { conditions: { StringEquals: { [`aws:ResourceTag/${this.tag.key}`]: this.tag.value } } }
          : {}),
      },
      {
        sid: `${g.sid}Decrypt`,
        actions: ['kms:Decrypt'],
        resources:
          this.encryptionKeys?.map((k) => k.keyArn) ?? keyArns(Aws.PARTITION, Aws.ACCOUNT_ID, (r) => r),
        conditions: {
          StringEquals: { 'kms:ViaService': regions.map((r) => `${g.service}.${r}.${Aws.URL_SUFFIX}`) },
        },
      },
    ];
    const nag = (arn: string) => `AwsSolutions-IAM5[Resource::${arn}]`;
    const selected = this.tag
      ? `carrying the tag ${this.tag.key}=${this.tag.value} (aws:ResourceTag condition)`
      : `named with a configured prefix (${this.prefixes?.join(', ')})`;
    const acknowledgments = [
      {
        id: nag('*'),
        reason: `${g.listAction} supports no resource-level permissions; IAM requires Resource "*" for it. Lists names and tags, no values.`,
      },
      ...items('<AWS::Partition>', '<AWS::AccountId>', nagRegion).map((arn) => ({
        id: nag(arn),
        reason:
          `${g.readAction} only on this account's ${g.kind} items in a configured region ${selected}: the items are ` +
          'chosen by their owners after deployment, so names end in a wildcard. Values are parsed for certificates; ' +
          'private keys are skipped unread.',
      })),
      ...(this.encryptionKeys
        ? []
        : keyArns('<AWS::Partition>', '<AWS::AccountId>', nagRegion).map((arn) => ({
            id: nag(arn),
            reason:
              `kms:Decrypt only through ${g.service} (kms:ViaService) for the selected values: their keys are chosen ` +
              'by their owners and unknown at deploy time (pass encryptionKeys to name them). Each key policy must ' +
              'also allow it.',
          }))),
    ];
    return { grants, acknowledgments };
  }

  protected setting(options: SourceBindOptions): SourceSetting {
    return {
      kind: this.kind,
      regions: [...(this.regions ?? options.regions)],
      options: {
        ...(this.tag
          ? { tagKey: this.tag.key, tagValue: this.tag.value }
          : { prefixes: [...(this.prefixes ?? [])] }),
        ...(this.base64 ? { base64: true } : {}),
      },
    };
  }
}

/**
 * AWS Secrets Manager (opt-in): certificates kept in secrets selected by a tag or name prefixes,
 * one scope per region (`secrets#<account>#<region>`). Every selected secret's value is read on
 * each scan (a certificate's expiry is unknown until then); private keys in it are skipped.
 */
export class SecretsSource extends StoredValueSource {
  /** The binding for a `watcher:sources` setting (`{"kind":"secrets","options":{"prefixes":"certs/"}}`). */
  static fromSetting(setting: SourceSetting): SecretsSource {
    return new SecretsSource(StoredValueSource.propsOf(setting));
  }

  constructor(props: StoredValueSourceProps = {}) {
    super(
      {
        kind: 'secrets',
        sid: 'Secrets',
        listAction: 'secretsmanager:ListSecrets',
        readAction: 'secretsmanager:GetSecretValue',
        service: 'secretsmanager',
        arnBase: (p, r, a) => `arn:${p}:secretsmanager:${r}:${a}:secret:`,
        // Secret ARNs end in -<6 random characters>, which the wildcard covers.
        arnName: (prefix) => prefix,
      },
      props,
    );
  }
}
