/**
 * Proof of coverage: what became of every scope a scan period expected (scanned, failed with a
 * reason, skipped), the period's heartbeats built from it, and when a scope that keeps failing is a
 * coverage gap. Pure: the deployed finalizer reads the outcomes from the state table, the
 * in-process scan (CLI, tests) has them in memory; both build the same events here.
 */
import { CoverageReason } from '../contracts/organization';
import {
  type BusEvent,
  DetailType,
  eventIdOf,
  SCHEMA_VERSION,
  type ScanCompletedDetail,
  type ScopeError,
  type SeverityCounts,
  scanCompletedEvent,
} from './events';

export type ScopeStatus = 'scanned' | 'failed' | 'skipped';

/** One scope's result in one period. */
export interface ScopeOutcome {
  /** `<kind>#<account>#<region>` or `<kind>#<account>`. */
  readonly scope: string;
  readonly kind: string;
  readonly account: string;
  readonly accountName?: string;
  readonly region?: string;
  readonly status: ScopeStatus;
  /** Why it was not scanned (failed or skipped). */
  readonly reason?: CoverageReason;
  /** The error code behind a failure (an AWS error name, SCOPE_INCOMPLETE, ...). */
  readonly code?: string;
  readonly message?: string;
  /** Certificates listed in the scope, by severity (zeros when it failed). */
  readonly counts: SeverityCounts;
  /** Lifecycle events the scope's scan put on the bus. */
  readonly eventsPublished: number;
}

export const ZERO_COUNTS: SeverityCounts = { total: 0, ok: 0, warning: 0, critical: 0, expired: 0 };

export const addCounts = (a: SeverityCounts, b: SeverityCounts): SeverityCounts => ({
  total: a.total + b.total,
  ok: a.ok + b.ok,
  warning: a.warning + b.warning,
  critical: a.critical + b.critical,
  expired: a.expired + b.expired,
});

const ACCESS_DENIED =
  /^(AccessDenied(Exception)?|UnauthorizedOperation|UnauthorizedException|AuthorizationError|InvalidClientTokenId|UnrecognizedClientException|AccessDeniedException)$/;
const THROTTLED =
  /^(Throttling(Exception)?|ThrottledException|TooManyRequestsException|RequestLimitExceeded|SlowDown|ProvisionedThroughputExceededException)$/;

/** The coverage reason of a scope failure's error code (docs/organizations.md, "Coverage"). */
export const coverageReasonOf = (code: string): CoverageReason => {
  if (code === CoverageReason.RoleNotAssumed) return CoverageReason.RoleNotAssumed;
  if (code === CoverageReason.RegionNotEnabled) return CoverageReason.RegionNotEnabled;
  if (code === CoverageReason.NotCompleted) return CoverageReason.NotCompleted;
  if (ACCESS_DENIED.test(code)) return CoverageReason.AccessDenied;
  if (THROTTLED.test(code)) return CoverageReason.Throttled;
  return CoverageReason.Other;
};

export interface CoverageSummary {
  readonly expected: number;
  readonly scanned: number;
  readonly failed: number;
  readonly skipped: number;
  /** Failed and skipped scopes by reason. */
  readonly byReason: Partial<Record<CoverageReason, number>>;
  /** Distinct accounts with at least one expected scope. */
  readonly accounts: number;
}

export const summarizeCoverage = (outcomes: readonly ScopeOutcome[]): CoverageSummary => {
  const byReason: Partial<Record<CoverageReason, number>> = {};
  let scanned = 0;
  let failed = 0;
  let skipped = 0;
  for (const o of outcomes) {
    if (o.status === 'scanned') scanned += 1;
    else {
      if (o.status === 'failed') failed += 1;
      else skipped += 1;
      const reason = o.reason ?? CoverageReason.Other;
      byReason[reason] = (byReason[reason] ?? 0) + 1;
    }
  }
  return {
    expected: outcomes.length,
    scanned,
    failed,
    skipped,
    byReason,
    accounts: new Set(outcomes.map((o) => o.account)).size,
  };
};

/**
 * Scope lists in one heartbeat are cut to this many entries (the `coverage` counts stay exact), so
 * a period over thousands of scopes still fits EventBridge's 256 KiB entry limit.
 */
export const MAX_SCOPES_IN_HEARTBEAT = 500;

const scopeError = (o: ScopeOutcome): ScopeError => ({
  scope: o.scope,
  code: o.code ?? o.reason ?? CoverageReason.Other,
  message: o.message ?? '',
});

export interface PeriodTimes {
  readonly scanId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

/**
 * The period's heartbeats: one `Scan Completed` per source kind (also a kind whose every scope
 * failed), with its scopes, its coverage counts and its certificates' counts.
 */
export const heartbeatsForPeriod = (
  outcomes: readonly ScopeOutcome[],
  kinds: readonly string[],
  period: PeriodTimes,
): BusEvent<ScanCompletedDetail>[] =>
  kinds.map((kind) => {
    const mine = outcomes.filter((o) => o.kind === kind);
    const failed = mine.filter((o) => o.status === 'failed');
    const skipped = mine.filter((o) => o.status === 'skipped');
    const scanned = mine.filter((o) => o.status === 'scanned');
    const summary = summarizeCoverage(mine);
    const cut = <T>(list: readonly T[]): T[] => list.slice(0, MAX_SCOPES_IN_HEARTBEAT);
    return scanCompletedEvent({
      scanId: period.scanId,
      source: kind,
      startedAt: period.startedAt.toISOString(),
      finishedAt: period.finishedAt.toISOString(),
      durationMs: Math.max(0, period.finishedAt.getTime() - period.startedAt.getTime()),
      scopesScanned: cut(scanned.map((o) => o.scope)),
      scopesFailed: cut(failed.map(scopeError)),
      scopesSkipped: cut(skipped.map(scopeError)),
      coverage: {
        expected: summary.expected,
        scanned: summary.scanned,
        failed: summary.failed,
        skipped: summary.skipped,
        accounts: summary.accounts,
      },
      counts: mine.reduce((sum, o) => addCounts(sum, o.counts), ZERO_COUNTS),
      eventsPublished: mine.reduce((sum, o) => sum + o.eventsPublished, 0),
    });
  });

/** A scope without a successful scan for `gapPeriods` periods in a row (schema coverage-gap.schema.json). */
export interface CoverageGapDetail {
  readonly schemaVersion: string;
  readonly eventId: string;
  readonly scanId: string;
  readonly scope: string;
  readonly source: string;
  readonly account: string;
  readonly accountName?: string;
  readonly region?: string;
  /** Consecutive periods without a successful scan, this one included. */
  readonly periodsMissed: number;
  /** When the scope was last scanned successfully; absent if never. */
  readonly lastScannedAt?: string;
  readonly reason: CoverageReason;
  readonly code: string;
  readonly message: string;
}

/**
 * Whether the `missed`-th consecutive missed period raises a Coverage Gap: at `gapPeriods` and then
 * every `gapPeriods` periods while it lasts, so a lasting gap is reminded, not repeated every scan.
 */
export const isCoverageGap = (missed: number, gapPeriods: number): boolean =>
  missed >= gapPeriods && missed % gapPeriods === 0;

export const coverageGapEvent = (
  outcome: ScopeOutcome,
  ctx: {
    readonly scanId: string;
    readonly at: Date;
    readonly periodsMissed: number;
    readonly lastScannedAt?: string;
  },
): BusEvent<CoverageGapDetail> => ({
  detailType: DetailType.CoverageGap,
  time: ctx.at,
  resources: [],
  detail: {
    schemaVersion: SCHEMA_VERSION,
    eventId: eventIdOf(DetailType.CoverageGap, outcome.scope, ctx.scanId),
    scanId: ctx.scanId,
    scope: outcome.scope,
    source: outcome.kind,
    account: outcome.account,
    ...(outcome.accountName ? { accountName: outcome.accountName } : {}),
    ...(outcome.region ? { region: outcome.region } : {}),
    periodsMissed: ctx.periodsMissed,
    ...(ctx.lastScannedAt ? { lastScannedAt: ctx.lastScannedAt } : {}),
    reason: outcome.reason ?? CoverageReason.Other,
    code: outcome.code ?? outcome.reason ?? CoverageReason.Other,
    message: (outcome.message ?? '').slice(0, 1024),
  },
});
