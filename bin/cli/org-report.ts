/**
 * What `cert-watch scan <source> --org` prints: the certificates with their account, the scopes
 * that failed (with the coverage reason), what was skipped, and the coverage summary the deployed
 * watcher's heartbeat carries (lambda/core/coverage.ts), built from the same scope outcomes.
 */
import { CoverageReason, type ScanUnit } from '../../lambda/contracts/organization';
import { scopeKeyOf } from '../../lambda/contracts/sources';
import {
  type CoverageSummary,
  coverageReasonOf,
  type ScopeOutcome,
  summarizeCoverage,
} from '../../lambda/core/coverage';
import { overallSeverity } from '../../lambda/core/evaluate';
import { countSeverities, type ScanResult } from '../../lambda/core/scan';
import { outcomeScope } from '../../lambda/handlers/scan-scope';
import type { SkippedAccount } from '../../lambda/sources/organization/accounts';
import { exitCodeFor } from './exit-codes';
import { certificateLines, errorDetail, toJson } from './scan';

/** One organization scan: the engine's result over the scopes it could list, and every scope's outcome. */
export interface OrgScan {
  readonly result: ScanResult;
  /** One per planned unit, in plan order (accounts by id, then regions as given). */
  readonly outcomes: readonly ScopeOutcome[];
  /** Accounts not scanned at all: suspended, closing, excluded. */
  readonly skippedAccounts: readonly SkippedAccount[];
}

/**
 * Every unit's outcome: the ones `readerForUnit` settled (skipped region, role not assumed) as
 * they are, the others from the scan engine's result (scanned, or failed with the reason of its
 * error code, as the scan worker records them).
 */
export const outcomesOf = (
  units: readonly ScanUnit[],
  settled: ReadonlyMap<string, ScopeOutcome>,
  result: ScanResult,
): ScopeOutcome[] => {
  const failures = new Map(result.scopesFailed.map((f) => [f.scope.key, f]));
  const scanned = new Map(result.scopesScanned.map((s) => [s.key, s]));
  return units.map((u): ScopeOutcome => {
    const key = scopeKeyOf(u.kind, u.account.id, u.region);
    const done = settled.get(key);
    if (done) return done;
    const counts = countSeverities(result.certificates.filter((c) => c.scope === key));
    const failure = failures.get(key);
    if (failure)
      return {
        ...outcomeScope(failure.scope, u.account.name),
        status: 'failed',
        reason: coverageReasonOf(failure.code),
        code: failure.code,
        message: failure.message,
        counts,
        eventsPublished: 0,
      };
    const scope = scanned.get(key);
    if (!scope) throw new Error(`scope ${key} has no result`);
    return { ...outcomeScope(scope, u.account.name), status: 'scanned', counts, eventsPublished: 0 };
  });
};

/** Certificates, then scope failures and item errors, as the Nagios exit code counts them. */
export const orgExitCode = (scan: OrgScan): number =>
  exitCodeFor([
    ...scan.result.certificates.map((c) => overallSeverity(c.evaluation)),
    ...scan.outcomes.filter((o) => o.status === 'failed').map(() => 'error' as const),
    ...scan.result.itemErrors.map(() => 'error' as const),
  ]);

const byScope = (outcomes: readonly ScopeOutcome[]) => new Map(outcomes.map((o) => [o.scope, o]));

const nullable = <T>(value: T | undefined): T | null => value ?? null;

/** A failed or skipped scope in the JSON: where it is and why. */
const scopeEntry = (o: ScopeOutcome) => ({
  scope: o.scope,
  account: o.account,
  accountName: nullable(o.accountName),
  region: nullable(o.region),
  reason: o.reason ?? CoverageReason.Other,
});

export interface OrgCoverage extends CoverageSummary {
  /** Accounts the scan did not plan (suspended, closing, excluded). */
  readonly accountsSkipped: number;
}

export const orgCoverage = (scan: OrgScan): OrgCoverage => ({
  ...summarizeCoverage(scan.outcomes),
  accountsSkipped: scan.skippedAccounts.length,
});

/**
 * The JSON: `scan <source>`'s contract (certificates, errors, counts) with `account` and
 * `accountName` on every certificate and error, plus `skipped` and `coverage`.
 */
export const orgJson = (scan: OrgScan) => {
  const scopes = byScope(scan.outcomes);
  const base = toJson(scan.result);
  const who = (scope: string) => {
    const o = scopes.get(scope);
    return { account: o?.account ?? null, accountName: nullable(o?.accountName) };
  };
  const failed = scan.outcomes.filter((o) => o.status === 'failed');
  const skippedScopes = scan.outcomes.filter((o) => o.status === 'skipped');
  return {
    scanId: base.scanId,
    certificates: base.certificates.map((c, i) => ({
      ...c,
      ...who(scan.result.certificates[i]?.scope ?? ''),
    })),
    errors: [
      ...failed.map((o) => ({
        ...scopeEntry(o),
        code: o.code ?? o.reason ?? CoverageReason.Other,
        message: o.message ?? '',
      })),
      ...scan.result.itemErrors.map((e) => ({
        item: e.item,
        scope: e.scope,
        ...who(e.scope),
        code: e.code,
        message: e.message,
      })),
    ],
    skipped: [
      ...scan.skippedAccounts.map((s) => ({
        account: s.account.id,
        accountName: nullable(s.account.name),
        reason: s.reason,
      })),
      ...skippedScopes.map((o) => ({ ...scopeEntry(o), message: o.message ?? '' })),
    ],
    coverage: orgCoverage(scan),
    counts: base.counts,
  };
};

const byReason = (counts: Partial<Record<string, number>>): string => {
  const parts = Object.entries(counts).map(([reason, n]) => `${reason} ${n}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
};

/** `REASON: message`, with the error code too when it says more than the reason. */
const reasonDetail = (o: ScopeOutcome): string => {
  const reason = o.reason ?? CoverageReason.Other;
  const message = o.message ?? '';
  return o.code && o.code !== reason ? `${reason}: ${errorDetail(o.code, message)}` : `${reason}: ${message}`;
};

const accountLabel = (id: string, name: string | undefined) => (name ? `${id} (${name})` : id);

/** The one-line coverage summary that ends the table output. */
export const coverageLine = (scan: OrgScan): string => {
  const c = orgCoverage(scan);
  const reasons = (status: ScopeOutcome['status']) =>
    byReason(
      scan.outcomes
        .filter((o) => o.status === status)
        .reduce<Record<string, number>>((acc, o) => {
          const r = o.reason ?? CoverageReason.Other;
          acc[r] = (acc[r] ?? 0) + 1;
          return acc;
        }, {}),
    );
  const skippedAccounts = byReason(
    scan.skippedAccounts.reduce<Record<string, number>>((acc, s) => {
      acc[s.reason] = (acc[s.reason] ?? 0) + 1;
      return acc;
    }, {}),
  );
  const failing = new Set(scan.outcomes.filter((o) => o.status === 'failed').map((o) => o.account)).size;
  return (
    `Coverage: ${c.expected} scope(s) expected, ${c.scanned} scanned, ${c.failed} failed${reasons('failed')}, ` +
    `${c.skipped} skipped${reasons('skipped')}; accounts: ${c.accounts} expected (${failing} with failures), ` +
    `${c.accountsSkipped} skipped${skippedAccounts}`
  );
};

/** The table output: certificates with their account, what failed and was skipped, then coverage. */
export const orgTable = (scan: OrgScan): string => {
  const scopes = byScope(scan.outcomes);
  const lines = certificateLines(scan.result.certificates, (c) => {
    const o = scopes.get(c.scope);
    return { id: o?.account ?? c.record.account ?? '-', ...(o?.accountName ? { name: o.accountName } : {}) };
  });
  const counts = scan.result.counts;
  const accountsWithCertificates = new Set(
    scan.result.certificates.map((c) => scopes.get(c.scope)?.account ?? ''),
  ).size;
  lines.push(
    '',
    `${counts.total} certificate(s): ${counts.expired} expired, ${counts.critical} critical, ` +
      `${counts.warning} warning, ${counts.ok} ok in ${accountsWithCertificates} account(s)`,
  );
  lines.push(...scopeLines(scan));
  return `${lines.join('\n')}\n`;
};

/**
 * What ends every organization table (`scan --org`, `discover --org`): a line per failed scope
 * and unreadable item, per skipped account or scope, then the coverage line.
 */
export const scopeLines = (scan: OrgScan): string[] => {
  const lines: string[] = [];
  for (const o of scan.outcomes.filter((x) => x.status === 'failed'))
    lines.push(
      `UNKNOWN: ${o.scope} of account ${accountLabel(o.account, o.accountName)} could not be read: ` +
        reasonDetail(o),
    );
  const outcomeOf = new Map(scan.outcomes.map((o) => [o.scope, o]));
  for (const e of scan.result.itemErrors) {
    // Named with its account, as a failed scope is (the JSON has account and accountName too).
    const o = outcomeOf.get(e.scope);
    const where = o ? ` in account ${accountLabel(o.account, o.accountName)}` : '';
    lines.push(`UNKNOWN: ${e.item}${where}: ${errorDetail(e.code, e.message)}`);
  }
  for (const s of scan.skippedAccounts)
    lines.push(`skipped: account ${accountLabel(s.account.id, s.account.name)}: ${s.reason}`);
  for (const o of scan.outcomes.filter((x) => x.status === 'skipped'))
    lines.push(
      `skipped: ${o.scope} of account ${accountLabel(o.account, o.accountName)}: ${o.reason ?? CoverageReason.Other}`,
    );
  lines.push(coverageLine(scan));
  return lines;
};
