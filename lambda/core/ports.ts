import type { CertificateRecord } from './certificate';

/** A place certificates live (one ACM region, ...). Adapters in lambda/sources implement it. */
export interface CertificateSource {
  /** What this source covers, e.g. the region; reported in scan results. */
  readonly scope: string;
  /**
   * Every certificate, cheaply (summary data only). An item that cannot be read is passed to
   * `reportItemError` and skipped, so one bad item never costs the rest of the scope.
   */
  list(reportItemError?: (error: ItemError) => void): AsyncIterable<CertificateRecord>;
  /** Details worth fetching only for the few certificates being reported. */
  enrich?(record: CertificateRecord): Promise<CertificateRecord>;
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
