/**
 * The reading side of the stored-value sources (Secrets Manager, Parameter Store): one regional
 * scope per configured region, a reader that fetches the selected values with bounded concurrency,
 * and the mapping of a read failure to an item error that names the item and never the value.
 */
import { scopeKeyOf } from '../contracts/sources';
import type { CertificateRecord } from '../core/certificate';
import type { CertificateSource, ItemError, Scope, ScopeReader } from '../core/ports';
import { errorCode, errorMessage } from '../core/scan';
import { recordsFromStoredValue, type StoredValueOptions } from './stored-value';

export const ITEM_ACCESS_DENIED = 'ITEM_ACCESS_DENIED';
export const ITEM_DECRYPT_FAILED = 'ITEM_DECRYPT_FAILED';
export const ITEM_DELETED = 'ITEM_DELETED';
export const ITEM_READ_FAILED = 'ITEM_READ_FAILED';

export interface ReadFailure {
  readonly error: ItemError;
  /** The item exists but its value is unknown: its scope's listing is not complete. */
  readonly unread: boolean;
}

/** A failed value read as one item's error (the SDK's message names actions and ARNs, never values). */
export const readFailure = (item: string, error: unknown, service: 'secretsmanager' | 'ssm'): ReadFailure => {
  const code = errorCode(error);
  const detail = `${code}: ${errorMessage(error)}`;
  if (/AccessDenied/i.test(code) && !/kms/i.test(errorMessage(error)))
    return {
      unread: true,
      error: {
        item,
        code: ITEM_ACCESS_DENIED,
        message: `reading the value was denied; the rest of the scope continues (${detail})`,
      },
    };
  if (/Decrypt|KMS|KeyId/i.test(code) || /kms/i.test(errorMessage(error)))
    return {
      unread: true,
      error: {
        item,
        code: ITEM_DECRYPT_FAILED,
        message: `the value could not be decrypted: the KMS key must allow kms:Decrypt via ${service} (${detail})`,
      },
    };
  if (/NotFound/i.test(code))
    return {
      unread: false,
      error: { item, code: ITEM_DELETED, message: `deleted while being read; skipped (${detail})` },
    };
  return { unread: true, error: { item, code: ITEM_READ_FAILED, message: detail } };
};

/** The partition of a region, for ARNs the service did not return. */
export const partitionOf = (region: string): string =>
  region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

// ---------------------------------------------------------------------------------------------
// The source and reader shapes both stores share

/** One region of a regional store: `<kind>#<account>#<region>`. */
export const storedValueScope = (kind: string, account: string, region: string): Scope => ({
  key: scopeKeyOf(kind, account, region),
  kind,
  account,
  region,
  label: region,
});

/**
 * A store read region by region: one scope per configured region, one reader per scope on that
 * region's client.
 */
export class RegionalStoredValueSource<C> implements CertificateSource {
  constructor(
    readonly kind: string,
    private readonly regions: readonly string[],
    private readonly options: StoredValueOptions,
    private readonly clientFor: (region: string) => C,
    private readonly readerOf: (scope: Scope, options: StoredValueOptions, client: C) => ScopeReader,
  ) {}

  scopes(account: string): Scope[] {
    return this.regions.map((r) => storedValueScope(this.kind, account, r));
  }

  reader(scope: Scope): ScopeReader {
    return this.readerOf(scope, this.options, this.clientFor(scope.region ?? ''));
  }
}

/**
 * A reader of one region's selected values. An item that exists but could not be read leaves the
 * listing incomplete: its certificates are unknown, not gone, so nothing in the region is counted
 * removed.
 */
export abstract class StoredValueReader<C> implements ScopeReader {
  private unread = 0;

  protected constructor(
    readonly scope: Scope,
    protected readonly options: StoredValueOptions,
    private readonly service: 'secretsmanager' | 'ssm',
    protected readonly client: C,
  ) {}

  async *list(report: (e: ItemError) => void = () => {}): AsyncIterable<CertificateRecord> {
    this.unread = 0;
    yield* this.listItems(report);
  }

  /** One listing of the selected items' records, after the unread count is reset. */
  protected abstract listItems(report: (e: ItemError) => void): AsyncIterable<CertificateRecord>;

  complete(): boolean {
    return this.unread === 0;
  }

  protected failed(item: string, error: unknown, report: (e: ItemError) => void): void {
    const failure = readFailure(item, error, this.service);
    if (failure.unread) this.unread++;
    report(failure.error);
  }

  protected records(
    item: { readonly arn: string; readonly name: string; readonly tags?: Readonly<Record<string, string>> },
    value: string | Uint8Array,
    report: (e: ItemError) => void,
    list = false,
  ): CertificateRecord[] {
    return recordsFromStoredValue(
      { ...item, source: this.scope.kind, account: this.scope.account, region: this.scope.region ?? '' },
      value,
      { base64: this.options.base64, list },
      report,
    );
  }
}
