/**
 * The inventory engine shared by the Lambda and the CLI: list every scope, evaluate every
 * certificate at one instant, enrich only the ones being reported. One failing scope is
 * recorded and never stops the others; at most `scopeConcurrency` scopes are listed at once.
 */
import type { CertificateRecord } from './certificate';
import { type Evaluation, evaluate, overallSeverity, type Thresholds, type VerdictPolicy } from './evaluate';
import type { ScopeError, SeverityCounts } from './events';

/** The heartbeat's view of a failure: the scope's key with the code and message. */
export const toScopeError = (f: ScopeFailure): ScopeError => ({
  scope: f.scope.key,
  code: f.code,
  message: f.message,
});

import { type ItemError, type Logger, type Scope, type ScopeReader, silentLogger } from './ports';

export interface ScannedCertificate {
  readonly record: CertificateRecord;
  readonly evaluation: Evaluation;
  /** Key of the scope it was listed in (the lifecycle's scope: never derived from the record). */
  readonly scope: string;
}

/** A scope that could not be listed (or not completely: code SCOPE_INCOMPLETE). */
export interface ScopeFailure {
  readonly scope: Scope;
  readonly code: string;
  readonly message: string;
}

export const SCOPE_INCOMPLETE = 'SCOPE_INCOMPLETE';

export interface ScanResult {
  readonly scanId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  /** Scopes listed completely. */
  readonly scopesScanned: Scope[];
  readonly scopesFailed: ScopeFailure[];
  /** Single items a source could not read (the rest of their scope was still scanned). */
  readonly itemErrors: (ItemError & { readonly scope: string })[];
  readonly certificates: ScannedCertificate[];
  readonly counts: SeverityCounts;
}

export interface ScanOptions {
  readonly scanId: string;
  /** The instant every certificate is evaluated at. */
  readonly now: Date;
  /**
   * The verdict policy `evaluate` applies: day tiers, or a whole `VerdictPolicy` (a LifecycleConfig
   * is one) so the scan grades exactly as the lifecycle (lifetime rule, managed delay).
   */
  readonly thresholds: Thresholds | VerdictPolicy;
  /** Wall clock for durations (defaults to Date.now). */
  readonly clock?: () => Date;
  /** Parallel enrich calls per scope. @default 4 */
  readonly enrichConcurrency?: number;
  /** Scopes listed at once. @default 8 */
  readonly scopeConcurrency?: number;
  readonly logger?: Logger;
}

/**
 * The HTTP status of an answer the AWS SDK could not parse (a proxy's or an emulator's error page
 * for a call it does not implement): smithy attaches the raw `$response` to such an error, which
 * is no service exception (those carry `$fault`). `undefined` for other errors.
 */
const unparsedResponseStatus = (error: unknown): number | 'unknown' | undefined => {
  if (!error || typeof error !== 'object' || '$fault' in error) return undefined;
  const response = (error as { $response?: { statusCode?: unknown } }).$response;
  if (!response) return undefined;
  return typeof response.statusCode === 'number' ? response.statusCode : 'unknown';
};

export const errorCode = (error: unknown): string => {
  if (unparsedResponseStatus(error) !== undefined) return 'UnexpectedResponse';
  if (error && typeof error === 'object') {
    const e = error as { name?: unknown; code?: unknown };
    if (typeof e.code === 'string' && e.code) return e.code;
    if (typeof e.name === 'string' && e.name && e.name !== 'Error') return e.name;
  }
  return 'Error';
};
export const errorMessage = (error: unknown): string => {
  const status = unparsedResponseStatus(error);
  if (status !== undefined)
    return (
      `the endpoint's answer (HTTP ${status}) is not an AWS API response: the endpoint does not implement ` +
      'this call (e.g. a local emulator), or a proxy answered instead of AWS'
    );
  return error instanceof Error ? error.message : String(error);
};

/** Needs attention: the overall verdict (a certificate not valid yet counts, whatever its expiry) is not ok. */
export const isReported = (e: Evaluation): boolean => overallSeverity(e) !== 'ok';

export const countSeverities = (items: readonly { evaluation: Evaluation }[]): SeverityCounts => {
  const counts = { total: items.length, ok: 0, warning: 0, critical: 0, expired: 0 };
  for (const { evaluation } of items) counts[evaluation.severity] += 1;
  return counts;
};

export const mapLimit = async <T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> => {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
};

const scanScope = async (
  reader: ScopeReader,
  opts: ScanOptions,
  logger: Logger,
  itemErrors: (ItemError & { scope: string })[],
): Promise<ScannedCertificate[]> => {
  const scope = reader.scope.key;
  const listed: ScannedCertificate[] = [];
  const report = (e: ItemError) => {
    logger.warn('could not read one item; skipping it', { scope, ...e });
    itemErrors.push({ scope, ...e });
  };
  for await (const record of reader.list(report)) {
    listed.push({ record, evaluation: evaluate(record, opts.now, opts.thresholds), scope });
  }
  const enrich = reader.enrich?.bind(reader);
  if (!enrich) return listed;
  return mapLimit(listed, opts.enrichConcurrency ?? 4, async (item) => {
    if (!isReported(item.evaluation)) return item;
    try {
      const record = await enrich(item.record);
      return { record, evaluation: evaluate(record, opts.now, opts.thresholds), scope };
    } catch (error) {
      // Reporting with summary data beats not reporting: keep the item, say why it is thinner.
      logger.warn('could not enrich certificate; reporting summary data', {
        scope,
        id: item.record.id,
        code: errorCode(error),
        error: errorMessage(error),
      });
      return item;
    }
  });
};

export const runScan = async (readers: readonly ScopeReader[], opts: ScanOptions): Promise<ScanResult> => {
  const clock = opts.clock ?? (() => new Date());
  const logger = opts.logger ?? silentLogger;
  const startedAt = clock();
  const itemErrors: (ItemError & { scope: string })[] = [];
  const certificates: ScannedCertificate[] = [];
  const scopesScanned: Scope[] = [];
  const scopesFailed: ScopeFailure[] = [];
  await mapLimit(readers, opts.scopeConcurrency ?? 8, async (reader) => {
    try {
      const listed = await scanScope(reader, opts, logger, itemErrors);
      certificates.push(...listed);
      if (reader.complete?.() === false) {
        // Its certificates count; its absences prove nothing (the lifecycle treats it as not listed).
        const failure = {
          scope: reader.scope,
          code: SCOPE_INCOMPLETE,
          message: 'the listing stopped short of the whole scope',
        };
        logger.warn('scope listed incompletely', { scope: reader.scope.key, code: failure.code });
        scopesFailed.push(failure);
      } else scopesScanned.push(reader.scope);
    } catch (error) {
      const failure = { scope: reader.scope, code: errorCode(error), message: errorMessage(error) };
      logger.error('scope failed', { scope: reader.scope.key, code: failure.code, message: failure.message });
      scopesFailed.push(failure);
    }
  });
  const order = new Map(readers.map((r, i) => [r.scope.key, i]));
  const byInput = (a: { scope: Scope }, b: { scope: Scope }) =>
    (order.get(a.scope.key) ?? 0) - (order.get(b.scope.key) ?? 0);
  scopesScanned.sort((a, b) => byInput({ scope: a }, { scope: b }));
  scopesFailed.sort(byInput);
  certificates.sort(
    (a, b) =>
      (a.record.notAfter?.getTime() ?? Number.POSITIVE_INFINITY) -
        (b.record.notAfter?.getTime() ?? Number.POSITIVE_INFINITY) || a.record.id.localeCompare(b.record.id),
  );
  return {
    scanId: opts.scanId,
    startedAt,
    finishedAt: clock(),
    scopesScanned,
    scopesFailed,
    itemErrors,
    certificates,
    counts: countSeverities(certificates),
  };
};
