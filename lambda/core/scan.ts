/**
 * The inventory engine shared by the Lambda and the CLI: list every source, evaluate every
 * certificate at one instant, enrich only the ones being reported. One failing source is
 * recorded and never stops the others.
 */
import type { CertificateRecord } from './certificate';
import { type Evaluation, evaluate, type Thresholds } from './evaluate';
import type { ScopeError, SeverityCounts } from './events';
import { type CertificateSource, type ItemError, type Logger, silentLogger } from './ports';

export interface ScannedCertificate {
  readonly record: CertificateRecord;
  readonly evaluation: Evaluation;
}

export interface ScanResult {
  readonly scanId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly scopesScanned: string[];
  readonly scopesFailed: ScopeError[];
  /** Single items a source could not read (the rest of their scope was still scanned). */
  readonly itemErrors: (ItemError & { readonly scope: string })[];
  readonly certificates: ScannedCertificate[];
  readonly counts: SeverityCounts;
}

export interface ScanOptions {
  readonly scanId: string;
  /** The instant every certificate is evaluated at. */
  readonly now: Date;
  readonly thresholds: Thresholds;
  /** Wall clock for durations (defaults to Date.now). */
  readonly clock?: () => Date;
  /** Parallel enrich calls per source. */
  readonly enrichConcurrency?: number;
  readonly logger?: Logger;
}

export const errorCode = (error: unknown): string => {
  if (error && typeof error === 'object') {
    const e = error as { name?: unknown; code?: unknown };
    if (typeof e.code === 'string' && e.code) return e.code;
    if (typeof e.name === 'string' && e.name && e.name !== 'Error') return e.name;
  }
  return 'Error';
};
export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

export const isReported = (e: Evaluation): boolean => e.severity !== 'ok';

export const countSeverities = (items: readonly { evaluation: Evaluation }[]): SeverityCounts => {
  const counts = { total: items.length, ok: 0, warning: 0, critical: 0, expired: 0 };
  for (const { evaluation } of items) counts[evaluation.severity] += 1;
  return counts;
};

const mapLimit = async <T, R>(
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

const scanSource = async (
  source: CertificateSource,
  opts: ScanOptions,
  logger: Logger,
  itemErrors: (ItemError & { scope: string })[],
): Promise<ScannedCertificate[]> => {
  const listed: ScannedCertificate[] = [];
  const report = (e: ItemError) => {
    logger.warn('could not read one item; skipping it', { scope: source.scope, ...e });
    itemErrors.push({ scope: source.scope, ...e });
  };
  for await (const record of source.list(report)) {
    listed.push({ record, evaluation: evaluate(record, opts.now, opts.thresholds) });
  }
  const enrich = source.enrich?.bind(source);
  if (!enrich) return listed;
  return mapLimit(listed, opts.enrichConcurrency ?? 4, async (item) => {
    if (!isReported(item.evaluation)) return item;
    try {
      const record = await enrich(item.record);
      return { record, evaluation: evaluate(record, opts.now, opts.thresholds) };
    } catch (error) {
      // Reporting with summary data beats not reporting: keep the item, say why it is thinner.
      logger.warn('could not enrich certificate; reporting summary data', {
        scope: source.scope,
        id: item.record.id,
        code: errorCode(error),
        error: errorMessage(error),
      });
      return item;
    }
  });
};

export const runScan = async (
  sources: readonly CertificateSource[],
  opts: ScanOptions,
): Promise<ScanResult> => {
  const clock = opts.clock ?? (() => new Date());
  const logger = opts.logger ?? silentLogger;
  const startedAt = clock();
  const itemErrors: (ItemError & { scope: string })[] = [];
  const settled = await Promise.allSettled(sources.map((s) => scanSource(s, opts, logger, itemErrors)));
  const certificates: ScannedCertificate[] = [];
  const scopesScanned: string[] = [];
  const scopesFailed: ScopeError[] = [];
  settled.forEach((outcome, i) => {
    const scope = sources[i]?.scope ?? `source-${i}`;
    if (outcome.status === 'fulfilled') {
      scopesScanned.push(scope);
      certificates.push(...outcome.value);
    } else {
      const failure = {
        region: scope,
        code: errorCode(outcome.reason),
        message: errorMessage(outcome.reason),
      };
      logger.error('source failed', { ...failure });
      scopesFailed.push(failure);
    }
  });
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
