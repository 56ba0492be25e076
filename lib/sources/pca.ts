import { Aws } from 'aws-cdk-lib';
import { parsePcaOptions } from '../../lambda/contracts/pca-options';
import { InvalidSourceSettingError } from '../../lambda/contracts/sources';
import { InvalidWatcherConfigError, validateRegions } from '../config';
import {
  nagRegion,
  ReadOnlySource,
  type SourceBindOptions,
  type SourceReadAccess,
  type SourceSetting,
} from './source';

export interface PcaSourceProps {
  /**
   * Regions whose private CAs are listed.
   * @default the watcher's regions
   */
  readonly regions?: readonly string[];
  /**
   * Alert tiers for CAs, in days, strictly descending; the largest is the warning window. A CA
   * must be replaced long before its end, so these are far longer than a leaf's.
   * @default [365, 180, 90, 30]
   */
  readonly tiersDays?: readonly number[];
  /**
   * At or below this many days a CA is critical.
   * @default 30
   */
  readonly criticalDays?: number;
  /**
   * The validity the CAs usually issue, in days: a CA with less life left caps every certificate
   * it issues at its own expiry, and its record says so (`renewalReason` ISSUANCE_CAPPED).
   * @default 395
   */
  readonly issuanceValidityDays?: number;
}

/**
 * AWS Private CA: every CA (root and subordinate, every status) of each region, one scope per region
 * (`pca#<account>#<region>`), graded by CA tiers. Grants `acm-pca:ListCertificateAuthorities` (no
 * resource-level permissions exist for it) and `acm-pca:GetCertificateAuthorityCertificate` on this
 * account's CAs in exactly the configured regions.
 */
export class PcaSource extends ReadOnlySource {
  readonly kind = 'pca';
  private readonly regions?: readonly string[];
  private readonly options: Readonly<Record<string, number | readonly number[]>>;

  /** The binding for a `watcher:sources` setting (`{"kind":"pca","options":{"criticalDays":60}}`). */
  static fromSetting(setting: SourceSetting): PcaSource {
    const o = setting.options ?? {};
    // Checked by the constructor: parsePcaOptions reads numbers and the context's numeric strings.
    const { thresholds, issuanceValidityDays } = PcaSource.parse(o);
    return new PcaSource({
      regions: setting.regions,
      ...(o.tiersDays !== undefined ? { tiersDays: thresholds.tiersDays } : {}),
      ...(o.criticalDays !== undefined ? { criticalDays: thresholds.criticalDays } : {}),
      ...(o.issuanceValidityDays !== undefined ? { issuanceValidityDays } : {}),
    });
  }

  private static parse(options: Readonly<Record<string, unknown>>) {
    try {
      return parsePcaOptions(options);
    } catch (error) {
      if (error instanceof InvalidSourceSettingError) throw new InvalidWatcherConfigError(error.message);
      throw error;
    }
  }

  constructor(props: PcaSourceProps = {}) {
    super();
    this.regions = props.regions ? validateRegions(props.regions) : undefined;
    const given = {
      ...(props.tiersDays !== undefined ? { tiersDays: [...props.tiersDays] } : {}),
      ...(props.criticalDays !== undefined ? { criticalDays: props.criticalDays } : {}),
      ...(props.issuanceValidityDays !== undefined
        ? { issuanceValidityDays: props.issuanceValidityDays }
        : {}),
    };
    // Checked now with the defaults filled in; only what was given goes to the Lambda.
    PcaSource.parse(given);
    this.options = given;
  }

  readAccess(options: SourceBindOptions): SourceReadAccess {
    const regions = this.regions ?? options.regions;
    // CA ids are random and appear whenever someone creates a CA: the id must be a wildcard;
    // region and account are pinned.
    const grants = [
      {
        sid: 'PcaListCertificateAuthorities',
        actions: ['acm-pca:ListCertificateAuthorities'],
        resources: ['*'],
      },
      {
        sid: 'PcaGetCaCertificates',
        actions: ['acm-pca:GetCertificateAuthorityCertificate', 'acm-pca:ListTags'],
        resources: regions.map(
          (r) => `arn:${Aws.PARTITION}:acm-pca:${r}:${Aws.ACCOUNT_ID}:certificate-authority/*`,
        ),
      },
    ];
    const acknowledgments = [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'acm-pca:ListCertificateAuthorities supports no resource-level permissions; IAM requires Resource "*" for it.',
      },
      ...regions.map((r) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:acm-pca:${nagRegion(r)}:<AWS::AccountId>:certificate-authority/*]`,
        reason:
          "acm-pca:GetCertificateAuthorityCertificate and acm-pca:ListTags (tags, for routing to owners) on this account's CAs in a configured region: CA ids are random and " +
          "unknown at deploy time. It returns the CA's public certificate and chain, never a private key.",
      })),
    ];
    return { grants, acknowledgments };
  }

  protected setting(options: SourceBindOptions): SourceSetting {
    return {
      kind: this.kind,
      regions: [...(this.regions ?? options.regions)],
      ...(Object.keys(this.options).length > 0 ? { options: this.options } : {}),
    };
  }
}
