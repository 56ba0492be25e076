import type { CertificateRecord } from './certificate';

/**
 * One complete listing unit of a source: an ACM region of an account, an account's IAM server
 * certificates, a file. The lifecycle counts a tracked certificate missing only from a scope that
 * was listed completely, so the key must name exactly what one listing covers.
 */
export interface Scope {
  /** `<kind>#<account>#<region>`, `<kind>#<account>` or `<kind>#<path>` (lambda/contracts/sources.ts). */
  readonly key: string;
  readonly kind: string;
  readonly account?: string;
  readonly region?: string;
  /** What people call it: the region, the file path, the account. */
  readonly label: string;
}

/** Reads one scope. Adapters in lambda/sources implement it (AcmScopeReader, PemFileSource, ...). */
export interface ScopeReader {
  readonly scope: Scope;
  /**
   * Every certificate, cheaply (summary data only). An item that cannot be read is passed to
   * `reportItemError` and skipped, so one bad item never costs the rest of the scope. Throws when
   * the scope cannot be listed at all.
   */
  list(reportItemError?: (error: ItemError) => void): AsyncIterable<CertificateRecord>;
  /** Details worth fetching only for the few certificates being reported. */
  enrich?(record: CertificateRecord): Promise<CertificateRecord>;
  /**
   * Asked once `list` has finished: false when the listing stopped short of the whole scope (a
   * page limit, a filter the service could not apply), so an absent certificate proves nothing.
   * @default true
   */
  complete?(): boolean;
}

/**
 * A kind of certificate store. The registry (lambda/sources/registry.ts) builds the configured
 * sources from one setting; the inventory lists every scope of every source.
 */
export interface CertificateSource {
  readonly kind: string;
  /** The scopes this source covers in `account`: one per configured region, or one for a global store. */
  scopes(account: string): readonly Scope[];
  reader(scope: Scope): ScopeReader;
}

export interface ItemError {
  /** What could not be read, e.g. `bundle.pem#2`. */
  readonly item: string;
  readonly code: string;
  readonly message: string;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
