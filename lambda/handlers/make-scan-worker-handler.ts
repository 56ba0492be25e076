/**
 * A source's scan worker: reads scan units from the source's queue (one scope of one account
 * each), lists the scope with the member role's credentials, runs the lifecycle, records the
 * scope's outcome, and finalizes the period when it completed the last unit. A unit whose listing
 * fails is an outcome (failed, with its reason), not a retry; a unit whose events could not be
 * published fails and is retried by SQS, then dead-lettered (the period marks it NOT_COMPLETED).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { parseScanUnit } from '../contracts/organization';
import type { ScopeOutcome } from '../core/coverage';
import { errorMessage } from '../core/scan';
import type { MetricsSink } from '../shared/metrics';
import { SQS_BATCH_OPTIONS } from '../shared/sqs-batch';
import { type CoverageStore, type FinalizeDeps, finalizePeriod } from './finalize-period';
import { readerForUnit, type ScopeScanDeps, scanScope, type UnitReaderDeps } from './scan-scope';

export interface ScanWorkerDeps extends ScopeScanDeps {
  readonly units: UnitReaderDeps;
  readonly coverage: CoverageStore;
  /** Consecutive missed periods that raise a Coverage Gap. @default DEFAULT_COVERAGE_GAP_PERIODS */
  readonly gapPeriods?: number;
  readonly metrics: MetricsSink;
}

/** Scans one unit: its outcome once recorded; finalizes the period after its last unit. */
export const scanUnit = async (deps: ScanWorkerDeps, body: string): Promise<ScopeOutcome> => {
  const clock = deps.clock ?? (() => new Date());
  const unit = parseScanUnit(body);
  const resolved = await readerForUnit(deps.units, unit);
  const outcome =
    'outcome' in resolved
      ? resolved.outcome
      : await scanScope(deps, resolved.reader, {
          scanId: unit.scanId,
          now: new Date(unit.scanAt),
          accountName: unit.account.name,
          ouPath: unit.account.ouPath,
        });
  deps.logger.info('scope scanned', {
    scanId: unit.scanId,
    scope: outcome.scope,
    status: outcome.status,
    reason: outcome.reason,
    certificates: outcome.counts.total,
  });
  if (!(await deps.coverage.recordOutcome(unit.scanId, outcome, clock()))) return outcome; // a redelivery
  const remaining = await deps.coverage.completeUnit(unit.scanId);
  if (remaining <= 0) {
    try {
      const finalizeDeps: FinalizeDeps = { ...deps, clock };
      await finalizePeriod(finalizeDeps, unit.scanId);
    } catch (error) {
      // The unit itself is done; the next planner run finalizes the period.
      deps.logger.error('finalizing the scan period failed; the next period finalizes it', {
        scanId: unit.scanId,
        error: errorMessage(error),
      });
    }
  }
  return outcome;
};

export const makeScanWorkerHandler = (deps: ScanWorkerDeps) => {
  const record = async (r: SQSRecord) => {
    await scanUnit(deps, r.body);
  };
  return (event: SQSEvent) =>
    processPartialResponse(event, record, new BatchProcessor(EventType.SQS), SQS_BATCH_OPTIONS);
};
