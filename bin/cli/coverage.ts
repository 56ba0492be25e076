/**
 * `cert-watch coverage`: the deployed watcher's proof of coverage from its state table (the items
 * the scan planner and workers write, lambda/sinks/state/coverage-store.ts): the latest scan
 * period and every scope's record, failures first. docs/organizations.md, "From the CLI".
 */
import { parseArgs } from 'node:util';
import type { CoverageReason } from '../../lambda/contracts/organization';
import type { ScopeStatus } from '../../lambda/core/coverage';
import {
  type CoverageRecord,
  DynamoDbCoverageStore,
  type PeriodRecord,
} from '../../lambda/sinks/state/coverage-store';
import { stateTableClient } from './ack';
import { ExitCode, UsageError } from './exit-codes';
import {
  explainTableNotFound,
  type ParameterLister,
  stateTableOf,
  WATCHER_HELP,
  WATCHER_OPTIONS,
} from './find-watcher';
import type { CliIo } from './io';
import { renderTable } from './table';

export const COVERAGE_USAGE = `Usage: cert-watch coverage [--gaps] [--json] [--table <name> | --stack <name>]

What the deployed watcher's latest scan period covered: its scan id, when it ran, the scopes
(source x account x region) it expected, scanned, failed and skipped, whether it is finalized or
still running; then every scope's record (account, region, status, reason, last successful scan,
consecutive periods missed), failures first.
  --gaps             only scopes with at least one period missed
  --json             machine-readable output
${WATCHER_HELP}
Exit codes: 0 every scope of the latest period scanned or skipped so far, 1 WARNING a scope of it
has missed a period, 3 UNKNOWN (no period recorded yet, AWS error, usage error).`;

/** What the command reads (DynamoDbCoverageStore; tests may inject one on moto). */
export type CoverageReader = Pick<DynamoDbCoverageStore, 'currentPeriod' | 'listCoverage'>;

export interface CoverageOptions {
  readonly storeFor?: (tableName: string) => CoverageReader;
  /** Lists the SSM parameters the watcher is found by (tests); defaults to SSM in AWS_REGION. */
  readonly parameters?: ParameterLister;
}

/** A scope's status as of the latest period: `pending` when the period expects it and has no outcome yet. */
export type CoverageRowStatus = ScopeStatus | 'pending';

export interface CoverageRow {
  readonly scope: string;
  readonly kind: string;
  readonly account: string;
  readonly accountName: string | null;
  readonly region: string | null;
  readonly status: CoverageRowStatus;
  readonly reason: CoverageReason | null;
  readonly code: string | null;
  readonly message: string | null;
  /** The last successful scan, ISO 8601; null if never. */
  readonly lastScannedAt: string | null;
  readonly lastAttemptAt: string | null;
  /** Consecutive periods without a successful scan. */
  readonly periodsMissed: number;
  /** false for a scope the latest period no longer expects (its account left, a region dropped). */
  readonly inLatestPeriod: boolean;
}

export interface PeriodView {
  readonly scanId: string;
  readonly scanAt: string;
  readonly startedAt: string;
  readonly finalizedAt: string | null;
  readonly state: 'finalized' | 'running';
  readonly expected: number;
  readonly scanned: number;
  readonly failed: number;
  readonly skipped: number;
  /** Expected scopes without an outcome yet (0 once finalized). */
  readonly pending: number;
}

export const coverageRow = (r: CoverageRecord, period: PeriodRecord | null): CoverageRow => {
  const inLatestPeriod = period !== null && r.expectedScanId === period.scanId;
  const pending = inLatestPeriod && r.lastScanId !== period?.scanId;
  return {
    scope: r.scope,
    kind: r.kind,
    account: r.account,
    accountName: r.accountName ?? null,
    region: r.region ?? null,
    status: pending || !r.status ? 'pending' : r.status,
    reason: r.reason ?? null,
    code: r.code ?? null,
    message: r.message ?? null,
    lastScannedAt: r.lastScannedAt ?? null,
    lastAttemptAt: r.lastAttemptAt ?? null,
    periodsMissed: r.missed ?? 0,
    inLatestPeriod,
  };
};

export const periodView = (period: PeriodRecord, records: readonly CoverageRecord[]): PeriodView => {
  const mine = records.filter((r) => r.expectedScanId === period.scanId && r.lastScanId === period.scanId);
  const count = (status: ScopeStatus) => mine.filter((r) => r.status === status).length;
  const [scanned, failed, skipped] = [count('scanned'), count('failed'), count('skipped')];
  return {
    scanId: period.scanId,
    scanAt: period.scanAt,
    startedAt: period.startedAt,
    finalizedAt: period.finalizedAt ?? null,
    state: period.finalizedAt ? 'finalized' : 'running',
    expected: period.expected,
    scanned,
    failed,
    skipped,
    pending: Math.max(0, period.expected - scanned - failed - skipped),
  };
};

const RANK: Record<CoverageRowStatus, number> = { failed: 0, pending: 1, skipped: 2, scanned: 3 };

/**
 * Failures first, most periods missed first (a scope still pending in a running period keeps its
 * place by what it missed before), then pending, skipped, scanned; scopes the latest period no
 * longer expects last.
 */
export const byUrgency = (a: CoverageRow, b: CoverageRow): number =>
  Number(b.inLatestPeriod) - Number(a.inLatestPeriod) ||
  b.periodsMissed - a.periodsMissed ||
  RANK[a.status] - RANK[b.status] ||
  a.scope.localeCompare(b.scope);

const periodLine = (p: PeriodView): string =>
  `Latest period ${p.scanId} at ${p.scanAt}: ` +
  (p.finalizedAt ? `finalized ${p.finalizedAt}` : `still running (${p.pending} scope(s) pending)`) +
  `\n  ${p.expected} scope(s) expected, ${p.scanned} scanned, ${p.failed} failed, ${p.skipped} skipped` +
  (p.pending ? `, ${p.pending} pending` : '');

const rowCells = (r: CoverageRow): string[] => [
  r.scope,
  r.account,
  r.accountName ?? '-',
  r.region ?? '-',
  r.status + (r.inLatestPeriod ? '' : ' (not expected now)'),
  // A scanned scope's record has no reason; a pending one shows why its last attempt failed.
  r.reason ?? '-',
  r.lastScannedAt?.slice(0, 16).replace('T', ' ') ?? 'never',
  String(r.periodsMissed),
];

export const runCoverage = async (
  argv: string[],
  io: CliIo,
  options: CoverageOptions = {},
): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      gaps: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      ...WATCHER_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(`${COVERAGE_USAGE}\n`);
    return ExitCode.OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const table = await stateTableOf(io, values, options.parameters);
  const store =
    options.storeFor?.(table) ?? new DynamoDbCoverageStore({ tableName: table }, stateTableClient(io));
  const [period, records] = await Promise.all([store.currentPeriod(), store.listCoverage()]).catch(
    explainTableNotFound(io, values, table),
  );
  const rows = records
    .map((r) => coverageRow(r, period))
    .filter((r) => !values.gaps || r.periodsMissed > 0)
    .sort(byUrgency);
  const view = period ? periodView(period, records) : null;
  const code =
    view === null
      ? ExitCode.UNKNOWN
      : records.some((r) => r.expectedScanId === view.scanId && (r.missed ?? 0) > 0)
        ? ExitCode.WARNING
        : ExitCode.OK;
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ period: view, scopes: rows }, null, 2)}\n`);
    return code;
  }
  const lines = [view ? periodLine(view) : `No scan period recorded in ${table} yet.`, ''];
  if (rows.length === 0) lines.push(values.gaps ? 'No scope has missed a period.' : 'No scope recorded.');
  else
    lines.push(
      renderTable(
        ['SCOPE', 'ACCOUNT', 'ACCOUNT NAME', 'REGION', 'STATUS', 'REASON', 'LAST SCANNED (UTC)', 'MISSED'],
        rows.map(rowCells),
      ),
    );
  io.stdout.write(`${lines.join('\n')}\n`);
  return code;
};
