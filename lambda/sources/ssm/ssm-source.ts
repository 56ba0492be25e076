/**
 * Parameter Store adapter: the parameters selected by a tag (default `cert-watch:watch` = `true`)
 * or by name prefixes, in one region per scope (`ssm#<account>#<region>`). DescribeParameters
 * lists them (50 per page); GetParameters reads their values ten at a time, SecureStrings
 * decrypted. A value is parsed for certificates and dropped, never logged or kept.
 */
import {
  DescribeParametersCommand,
  GetParametersCommand,
  ListTagsForResourceCommand,
  type Parameter,
  type ParameterMetadata,
  type ParameterStringFilter,
  SSMClient,
  type SSMClientConfig,
} from '@aws-sdk/client-ssm';
import type { CertificateRecord } from '../../core/certificate';
import type { ItemError, Scope } from '../../core/ports';
import { errorCode, mapLimit } from '../../core/scan';
import { sdkClientConfig } from '../client-config';
import { nameSelected, type StoredSelection, type StoredValueOptions } from '../stored-value';
import {
  ITEM_DELETED,
  partitionOf,
  RegionalStoredValueSource,
  StoredValueReader,
  storedValueScope,
} from '../stored-value-reader';
import { withStoreTags } from '../tags';

export const SSM_KIND = 'ssm';
/** DescribeParameters' largest page. */
export const SSM_PAGE_SIZE = 50;
/** GetParameters takes at most ten names. */
export const SSM_BATCH_SIZE = 10;

/** The SSM client a scope reader uses by default; `overrides` adds an endpoint or credentials. */
export const defaultSsmClient = (region: string, overrides: Partial<SSMClientConfig> = {}): SSMClient =>
  new SSMClient(sdkClientConfig(region, overrides));

export const ssmScope = (account: string, region: string): Scope =>
  storedValueScope(SSM_KIND, account, region);

const filtersOf = (selection: StoredSelection): ParameterStringFilter[] =>
  selection.by === 'tag'
    ? [{ Key: `tag:${selection.key}`, Values: [selection.value] }]
    : [{ Key: 'Name', Option: 'BeginsWith', Values: [...selection.prefixes] }];

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** GetParameters fails as a whole when one name is denied (it authorizes every name): then each is read alone. */
const isPerNameFailure = (error: unknown): boolean =>
  /AccessDenied|KMS|Decrypt|KeyId/i.test(errorCode(error));

/** Parameter Store in the configured regions of an account. */
export class SsmSource extends RegionalStoredValueSource<SSMClient> {
  constructor(
    regions: readonly string[],
    options: StoredValueOptions,
    clientFor: (region: string) => SSMClient = defaultSsmClient,
  ) {
    super(SSM_KIND, regions, options, clientFor, (s, o, c) => new SsmScopeReader(s, o, c));
  }
}

/** The selected parameters of one region. */
export class SsmScopeReader extends StoredValueReader<SSMClient> {
  constructor(
    scope: Scope,
    options: StoredValueOptions,
    client: SSMClient = defaultSsmClient(scope.region ?? ''),
  ) {
    super(scope, options, 'ssm', client);
  }

  /** The parameter's tags (DescribeParameters does not return them), for routing to its owner. */
  async enrich(record: CertificateRecord): Promise<CertificateRecord> {
    const name = record.labels?.name;
    if (!name) return record;
    return withStoreTags(
      record,
      async () =>
        (
          await this.client.send(
            new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }),
          )
        )?.TagList,
    );
  }

  protected async *listItems(report: (e: ItemError) => void): AsyncIterable<CertificateRecord> {
    const { selection } = this.options;
    let NextToken: string | undefined;
    do {
      const page = await this.client.send(
        new DescribeParametersCommand({
          ParameterFilters: filtersOf(selection),
          MaxResults: SSM_PAGE_SIZE,
          NextToken,
        }),
      );
      const selected = (page.Parameters ?? []).filter(
        (p) => p.Name && (selection.by === 'tag' || nameSelected(selection, p.Name)),
      );
      const batches = await mapLimit(chunks(selected, SSM_BATCH_SIZE), this.options.concurrency, (batch) =>
        this.readBatch(batch, report),
      );
      for (const records of batches) yield* records;
      NextToken = page.NextToken;
    } while (NextToken);
  }

  private arnOf(name: string, known?: string): string {
    if (known) return known;
    const region = this.scope.region ?? '';
    return `arn:${partitionOf(region)}:ssm:${region}:${this.scope.account}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
  }

  private async readBatch(
    batch: readonly ParameterMetadata[],
    report: (e: ItemError) => void,
  ): Promise<CertificateRecord[]> {
    const names = batch.map((p) => p.Name ?? '');
    const arns = new Map(batch.map((p) => [p.Name ?? '', this.arnOf(p.Name ?? '', p.ARN)]));
    let parameters: Parameter[];
    try {
      const out = await this.client.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
      parameters = out.Parameters ?? [];
      for (const name of out.InvalidParameters ?? [])
        report({
          item: arns.get(name) ?? this.arnOf(name),
          code: ITEM_DELETED,
          message: 'deleted while being read; skipped',
        });
    } catch (error) {
      if (batch.length > 1 && isPerNameFailure(error)) {
        const alone = await mapLimit(batch, 2, (p) => this.readBatch([p], report));
        return alone.flat();
      }
      for (const name of names) this.failed(arns.get(name) ?? this.arnOf(name), error, report);
      return [];
    }
    return parameters.flatMap((p) => {
      const name = p.Name ?? '';
      return this.records(
        { arn: this.arnOf(name, p.ARN ?? arns.get(name)), name },
        p.Value ?? '',
        report,
        p.Type === 'StringList',
      );
    });
  }
}
