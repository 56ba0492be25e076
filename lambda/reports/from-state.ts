/**
 * The estate report from the deployed watcher's state table: every location it tracks (removed
 * ones left out) graded now, as `cert-watch status` grades them, with its last lifecycle
 * transition, acknowledgement and ticket. An endpoint that never served a readable certificate
 * (a placeholder state) is a `critical` row carrying its problem.
 */
import { DEFAULT_LIFECYCLE_CONFIG, type LifecycleConfig } from '../contracts/lifecycle-config';
import { evaluate } from '../core/evaluate';
import { detailTypeOf, recordFromDetail } from '../lifecycle/lifecycle-events';
import type { TrackedState } from '../lifecycle/model';
import { isAcked } from '../lifecycle/tracked-state';
import { byExpiry, reportCertificateOf, withoutUndefined } from './from-scan';
import { type EstateReport, REPORT_VERSION, type ReportCertificate } from './model';

/** What a coverage item says about its scope (lambda/sinks/state/coverage-store.ts `CoverageRecord`). */
export interface ScopeCoverageLike {
  readonly scope: string;
  readonly status?: 'scanned' | 'failed' | 'skipped';
  readonly code?: string;
  readonly reason?: string;
  readonly message?: string;
}

/**
 * The report's coverage from the coverage items of the latest period: scanned scopes, failed ones
 * with their code; skipped scopes (an opt-in region not enabled) are neither.
 */
export const coverageFromRecords = (records: readonly ScopeCoverageLike[]): EstateReport['coverage'] => ({
  scopesScanned: records.filter((r) => r.status === 'scanned').map((r) => r.scope),
  scopesFailed: records
    .filter((r) => r.status === 'failed' || r.status === undefined)
    .map((r) => ({
      scope: r.scope,
      code: r.code ?? r.reason ?? 'UNKNOWN',
      message: r.message ?? 'no successful scan recorded',
    })),
});

/** The lifecycle state in words: missing, the problem announced, or the last transition's detail type. */
export const lifecycleStateOf = (s: TrackedState): string => {
  if (s.missingScans > 0) return `Missing (${s.missingScans} scan${s.missingScans === 1 ? '' : 's'})`;
  if (s.problem) return detailTypeOf(s.problem.kind);
  if (s.alert.lastTransition) return detailTypeOf(s.alert.lastTransition);
  return 'Tracked';
};

/**
 * One tracked location as a report row, graded at `now` under `config` (the same `evaluate` as
 * `status` and the lifecycle); null for a removed entry.
 */
export const reportCertificateOfState = (
  s: TrackedState,
  now: Date,
  config: LifecycleConfig = DEFAULT_LIFECYCLE_CONFIG,
): ReportCertificate | null => {
  if (s.removedAt !== null) return null;
  const record = recordFromDetail(s.certificate);
  const problems = s.problem?.problems ?? [];
  const lifecycle = withoutUndefined({
    scope: s.scope,
    lifecycleState: lifecycleStateOf(s),
    acknowledged:
      s.ack && isAcked(s, now)
        ? withoutUndefined({ until: s.ack.until ?? 'renewal', by: s.ack.by, reason: s.ack.reason })
        : undefined,
    ticket: s.ticket ? withoutUndefined({ ...s.ticket }) : undefined,
  });
  if (s.placeholder) {
    const error = problems[0] ?? { code: 'CHECK_FAILED', message: 'no certificate was ever read' };
    return withoutUndefined<ReportCertificate>({
      location: s.location,
      source: s.source,
      account: record.account,
      region: record.region,
      domain: record.domain,
      sans: [],
      severity: 'critical',
      inUseBy: [],
      problems: problems.map((p) => p.code),
      error: { code: error.code, message: error.message },
      ...lifecycle,
    });
  }
  const evaluation = evaluate(record, now, config, s.lifetimeDays);
  return { ...reportCertificateOf(record, evaluation, { problems }), location: s.location, ...lifecycle };
};

/**
 * The report of the deployed watcher's state.
 * @param states the state table's location items (bookkeeping items already left out)
 * @param coverage the latest period's coverage (`coverageFromRecords`)
 * @param origin what made it, e.g. `state table cert-watch-state`
 * @param now the instant certificates are graded at
 * @param config the watcher's lifecycle configuration (tiers, lifetime rule)
 */
export const reportFromState = (
  states: readonly TrackedState[],
  coverage: EstateReport['coverage'],
  origin: string,
  now: Date,
  config: LifecycleConfig = DEFAULT_LIFECYCLE_CONFIG,
): EstateReport =>
  estateReport(
    states
      .map((s) => reportCertificateOfState(s, now, config))
      .filter((c): c is ReportCertificate => c !== null),
    coverage,
    origin,
    now,
  );

/** A report from rows already made (a reader that maps the state table page by page), soonest expiry first. */
export const estateReport = (
  certificates: readonly ReportCertificate[],
  coverage: EstateReport['coverage'],
  origin: string,
  now: Date,
): EstateReport => ({
  reportVersion: REPORT_VERSION,
  generatedAt: now.toISOString(),
  origin,
  certificates: [...certificates].sort(byExpiry),
  coverage,
});
