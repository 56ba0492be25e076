/**
 * Closes a scan period: every scope the period expected gets an outcome (NOT_COMPLETED when its
 * unit never finished), then the period's heartbeats, its Coverage Gap events and its metrics go
 * out once. Run by the scan worker that completes the last unit, or by the next planner run when
 * a unit never completed (dead-lettered), so a period is never left without a heartbeat.
 */
import { CoverageReason } from '../contracts/organization';
import {
  addCounts,
  coverageGapEvent,
  heartbeatsForPeriod,
  isCoverageGap,
  type ScopeOutcome,
  summarizeCoverage,
  ZERO_COUNTS,
} from '../core/coverage';
import type { Logger } from '../core/ports';
import type { MetricsSink } from '../shared/metrics';
import { type DynamoDbCoverageStore, outcomeOf } from '../sinks/state/coverage-store';
import type { Publisher } from './scan-scope';

/** Consecutive missed periods that make a coverage gap. @see isCoverageGap */
export const DEFAULT_COVERAGE_GAP_PERIODS = 3;

export type CoverageStore = Pick<
  DynamoDbCoverageStore,
  | 'currentPeriod'
  | 'period'
  | 'startPeriod'
  | 'recordOutcome'
  | 'completeUnit'
  | 'claimFinalize'
  | 'releaseFinalize'
  | 'listCoverage'
>;

export interface FinalizeDeps {
  readonly coverage: CoverageStore;
  readonly publisher: Publisher;
  readonly logger: Logger;
  readonly metrics: MetricsSink;
  readonly clock?: () => Date;
  /** @default DEFAULT_COVERAGE_GAP_PERIODS */
  readonly gapPeriods?: number;
}

export interface PeriodSummary {
  readonly scanId: string;
  readonly outcomes: readonly ScopeOutcome[];
  readonly gaps: number;
}

/**
 * Finalizes `scanId` unless another run already did.
 * @returns the period's outcomes, or null when it was already finalized or is unknown
 * @throws when publishing failed (the claim is handed back so a later run finalizes it)
 */
export const finalizePeriod = async (deps: FinalizeDeps, scanId: string): Promise<PeriodSummary | null> => {
  const clock = deps.clock ?? (() => new Date());
  const gapPeriods = deps.gapPeriods ?? DEFAULT_COVERAGE_GAP_PERIODS;
  const period = await deps.coverage.period(scanId);
  if (!period || period.finalizedAt) return null;
  const now = clock();
  if (!(await deps.coverage.claimFinalize(scanId, now))) return null;
  try {
    const records = (await deps.coverage.listCoverage()).filter((r) => r.expectedScanId === scanId);
    const outcomes: ScopeOutcome[] = [];
    const missed = new Map<string, number>();
    const lastScanned = new Map<string, string>();
    for (const record of records) {
      let outcome: ScopeOutcome;
      let periodsMissed = record.missed ?? 0;
      if (record.lastScanId === scanId) outcome = outcomeOf(record);
      else {
        outcome = {
          ...outcomeOf({ ...record, status: 'failed' }),
          reason: CoverageReason.NotCompleted,
          code: CoverageReason.NotCompleted,
          message:
            'the scope was not scanned in this period: its unit failed every attempt (see the scan dead-letter queue)',
          counts: ZERO_COUNTS,
          eventsPublished: 0,
        };
        if (await deps.coverage.recordOutcome(scanId, outcome, now)) periodsMissed += 1;
      }
      missed.set(outcome.scope, periodsMissed);
      if (record.lastScannedAt) lastScanned.set(outcome.scope, record.lastScannedAt);
      outcomes.push(outcome);
    }
    const gaps = outcomes
      .filter((o) => o.status === 'failed' && isCoverageGap(missed.get(o.scope) ?? 0, gapPeriods))
      .map((o) =>
        coverageGapEvent(o, {
          scanId,
          at: now,
          periodsMissed: missed.get(o.scope) ?? 0,
          lastScannedAt: o.status === 'failed' ? lastScanned.get(o.scope) : undefined,
        }),
      );
    const heartbeats = heartbeatsForPeriod(outcomes, period.kinds, {
      scanId,
      startedAt: new Date(period.startedAt),
      finishedAt: now,
    });
    await deps.publisher.publish([...gaps, ...heartbeats]);
    const summary = summarizeCoverage(outcomes);
    const counts = outcomes.reduce((sum, o) => addCounts(sum, o.counts), ZERO_COUNTS);
    deps.metrics({
      ScanSucceeded: summary.failed === 0 ? 1 : 0,
      ScopesFailed: summary.failed,
      ScopesSkipped: summary.skipped,
      ScopesExpected: summary.expected,
      CoverageGaps: gaps.length,
      // A level, not an edge: every scope in a gap now, so an alarm stays in ALARM while one lasts.
      ScopesInCoverageGap: outcomes.filter(
        (o) => o.status === 'failed' && (missed.get(o.scope) ?? 0) >= gapPeriods,
      ).length,
      CertificatesTotal: counts.total,
      CertificatesExpiring: counts.warning + counts.critical,
      CertificatesExpired: counts.expired,
      // By severity, for the dashboard's "certificates by severity over time" (lib/dashboard.ts).
      CertificatesOk: counts.ok,
      CertificatesWarning: counts.warning,
      CertificatesCritical: counts.critical,
    });
    // Per source: the scopes it listed completely this period (the dashboard's scan health).
    for (const kind of period.kinds)
      deps.metrics(
        { ScopesSucceeded: outcomes.filter((o) => o.kind === kind && o.status === 'scanned').length },
        { Source: kind },
      );
    deps.logger.info('scan period completed', { scanId, coverage: summary, gaps: gaps.length });
    return { scanId, outcomes, gaps: gaps.length };
  } catch (error) {
    await deps.coverage.releaseFinalize(scanId).catch(() => {});
    throw error;
  }
};
