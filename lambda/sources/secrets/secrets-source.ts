/**
 * Secrets Manager adapter: the secrets selected by a tag (default `cert-watch:watch` = `true`) or
 * by name prefixes, in one region per scope (`secrets#<account>#<region>`). A secret's expiry is
 * unknown until its value is read, so `list` reads every selected secret (GetSecretValue, a few at
 * a time) and keeps only the certificates: the value is parsed and dropped, never logged or kept.
 */
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  type ListSecretsRequest,
  type SecretListEntry,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import type { CertificateRecord } from '../../core/certificate';
import type { ItemError, Scope } from '../../core/ports';
import { errorCode, errorMessage, mapLimit } from '../../core/scan';
import { sdkClientConfig } from '../client-config';
import { nameSelected, type StoredSelection, type StoredValueOptions } from '../stored-value';
import { RegionalStoredValueSource, StoredValueReader, storedValueScope } from '../stored-value-reader';

export const SECRETS_KIND = 'secrets';
/** ListSecrets' largest page. */
export const SECRETS_PAGE_SIZE = 100;
export const SECRET_SCHEDULED_FOR_DELETION = 'SECRET_SCHEDULED_FOR_DELETION';

/** The Secrets Manager client a scope reader uses by default; `overrides` adds an endpoint or credentials. */
export const defaultSecretsClient = (
  region: string,
  overrides: Partial<SecretsManagerClientConfig> = {},
): SecretsManagerClient => new SecretsManagerClient(sdkClientConfig(region, overrides));

export const secretsScope = (account: string, region: string): Scope =>
  storedValueScope(SECRETS_KIND, account, region);

/**
 * The listings that cover the selection: one filtered by tag key and value, or one per name
 * prefix. The filters are prefix matches on any key and any value, so entries are re-checked.
 */
const listings = (selection: StoredSelection): ListSecretsRequest['Filters'][] =>
  selection.by === 'tag'
    ? [
        [
          { Key: 'tag-key', Values: [selection.key] },
          { Key: 'tag-value', Values: [selection.value] },
        ],
      ]
    : selection.prefixes.map((p) => [{ Key: 'name', Values: [p] }]);

export const secretSelected = (selection: StoredSelection, entry: SecretListEntry): boolean =>
  selection.by === 'tag'
    ? (entry.Tags ?? []).some((t) => t.Key === selection.key && t.Value === selection.value)
    : nameSelected(selection, entry.Name ?? '');

/** Secrets Manager in the configured regions of an account. */
export class SecretsSource extends RegionalStoredValueSource<SecretsManagerClient> {
  constructor(
    regions: readonly string[],
    options: StoredValueOptions,
    clientFor: (region: string) => SecretsManagerClient = defaultSecretsClient,
  ) {
    super(SECRETS_KIND, regions, options, clientFor, (s, o, c) => new SecretsScopeReader(s, o, c));
  }
}

/** The selected secrets of one region. */
export class SecretsScopeReader extends StoredValueReader<SecretsManagerClient> {
  constructor(
    scope: Scope,
    options: StoredValueOptions,
    client: SecretsManagerClient = defaultSecretsClient(scope.region ?? ''),
  ) {
    super(scope, options, 'secretsmanager', client);
  }

  protected async *listItems(report: (e: ItemError) => void): AsyncIterable<CertificateRecord> {
    const seen = new Set<string>();
    for (const Filters of listings(this.options.selection)) {
      let NextToken: string | undefined;
      do {
        const page = await this.client.send(
          new ListSecretsCommand({
            Filters,
            IncludePlannedDeletion: true,
            MaxResults: SECRETS_PAGE_SIZE,
            NextToken,
          }),
        );
        const selected = (page.SecretList ?? []).filter((e) => {
          if (!e.ARN || seen.has(e.ARN) || !secretSelected(this.options.selection, e)) return false;
          seen.add(e.ARN);
          if (!e.DeletedDate) return true;
          report({
            item: e.ARN,
            code: SECRET_SCHEDULED_FOR_DELETION,
            message: `scheduled for deletion since ${e.DeletedDate.toISOString()}; skipped, its value is not read`,
          });
          return false;
        });
        const perSecret = await mapLimit(selected, this.options.concurrency, (e) => this.read(e, report));
        for (const records of perSecret) yield* records;
        NextToken = page.NextToken;
      } while (NextToken);
    }
  }

  private async read(entry: SecretListEntry, report: (e: ItemError) => void): Promise<CertificateRecord[]> {
    const arn = entry.ARN ?? '';
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: arn }));
      const value = out.SecretString ?? out.SecretBinary;
      if (value === undefined) {
        report({ item: arn, code: 'NOT_A_CERTIFICATE', message: 'the secret has no value' });
        return [];
      }
      const tags = Object.fromEntries(
        (entry.Tags ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']),
      );
      return this.records({ arn, name: entry.Name ?? arn, tags }, value, report);
    } catch (error) {
      // Scheduled for deletion between the listing and the read: skipped, and said so.
      if (
        errorCode(error) === 'InvalidRequestException' &&
        /marked (for )?delet/i.test(errorMessage(error))
      ) {
        report({
          item: arn,
          code: SECRET_SCHEDULED_FOR_DELETION,
          message: 'scheduled for deletion while being read; skipped',
        });
        return [];
      }
      this.failed(arn, error, report);
      return [];
    }
  }
}
