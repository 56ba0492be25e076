/**
 * `cert-watch scan <source>|all --org | --accounts <ids>`: every account of an AWS Organization
 * (or a list) from a laptop or CI, with the caller's credentials and no lifecycle. The same pieces
 * as the deployed scan fan-out: accounts from `discoverAccounts`, one unit per (account, region,
 * source) scope from `planUnits`, each resolved by `readerForUnit` through `MemberAccess` (the
 * caller's own account read directly, every other one through the member role), then the scan
 * engine over all of them with bounded concurrency. docs/organizations.md, "From the CLI".
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { runScan } from '../../lambda/core/scan';
import { planUnits } from '../../lambda/handlers/make-plan-handler';
import { SOURCE_REGISTRY, type SourceRegistry } from '../../lambda/sources/registry';
import { ExitCode } from './exit-codes';
import type { CliIo } from './io';
import { type OrgAccessOptions, openOrganization, resolveUnits, roleHint } from './org-accounts';
import {
  DEFAULT_ORG_CONCURRENCY,
  MAX_ORG_CONCURRENCY,
  ORG_ACCOUNT_HELP,
  ORG_ACCOUNT_OPTIONS,
  ORG_INTRO,
  orgArgsOf,
  TRUST_NOTE,
} from './org-args';
import { type OrgScan, orgExitCode, orgJson, orgTable, outcomesOf } from './org-report';
import { REPORT_FILE_HELP, reportFilesOf, writeReportFiles } from './report-files';
import { SOURCE_SCAN_OPTIONS, selectSources } from './scan-options';

export { accountsSettingOf, isOrgArgs as isOrgScan } from './org-args';

const ORG_OPTIONS = { ...SOURCE_SCAN_OPTIONS, ...ORG_ACCOUNT_OPTIONS } as const;

export const orgScanUsage = (kind: string): string =>
  `Usage: cert-watch scan ${kind} --org [--ou <id>]... [--exclude <account>]... [options]
       cert-watch scan ${kind} --accounts <id,id,...> [options]

Scans every ACTIVE account of your AWS Organization, or the listed accounts, with your credentials:
${ORG_INTRO}
${ORG_ACCOUNT_HELP}
  --regions <list>       comma-separated regions (default: AWS_REGION); an opt-in region an account
                         has not enabled is skipped there
  --concurrency <n>      scopes (account x region x source) listed at once, 1-${MAX_ORG_CONCURRENCY} (default ${DEFAULT_ORG_CONCURRENCY})
  --option key=value     a source option (docs/sources.md), repeatable
  --warn-days <n>        warning window in days (default 30)
  --critical-days <n>    critical at or below this many days (default 7)
  --json                 machine-readable output
${REPORT_FILE_HELP}
${TRUST_NOTE}
Exit codes: 0 OK, 1 WARNING, 2 CRITICAL or expired, 3 UNKNOWN (a scope failed: ROLE_NOT_ASSUMED,
ACCESS_DENIED, THROTTLED, OTHER); a critical or expired certificate outranks a failed scope.`;

export interface OrgScanOptions extends OrgAccessOptions {
  /** Defaults to the production registry. */
  readonly registry?: SourceRegistry;
}

/** `cert-watch scan <kind>|all --org ...`: the scan, its output and its Nagios exit code. */
export const runOrgScan = async (
  kind: string,
  argv: string[],
  io: CliIo,
  options: OrgScanOptions = {},
): Promise<number> => {
  const registry = options.registry ?? SOURCE_REGISTRY;
  const { values } = parseArgs({ args: argv, options: ORG_OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    io.stdout.write(`${orgScanUsage(kind)}\n`);
    return ExitCode.OK;
  }
  const org = orgArgsOf(values);
  const { setting, roleName, concurrency } = org;
  const selection = selectSources(kind, values, io, registry);
  const files = await reportFilesOf(values);
  const home = selection.regions?.[0] ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const { discovery, access } = await openOrganization(org, home, options);
  const now = io.now?.() ?? new Date();
  const scanId = randomUUID();
  const units = planUnits(discovery.accounts, selection.settings, { scanId, scanAt: now.toISOString() });
  const deps = {
    plugins: registry,
    settings: selection.settings,
    access,
    clientOverrides: options.clientOverrides,
  };
  const { readers, settled } = await resolveUnits(units, deps, concurrency);
  const result = await runScan(readers, {
    scanId,
    now,
    thresholds: selection.thresholds,
    scopeConcurrency: concurrency,
  });
  const scan: OrgScan = {
    result,
    outcomes: outcomesOf(units, settled, result),
    skippedAccounts: discovery.skipped,
  };
  io.stdout.write(values.json ? `${JSON.stringify(orgJson(scan), null, 2)}\n` : orgTable(scan));
  const hint = roleHint(scan.outcomes, roleName);
  if (hint) io.stderr.write(`${hint}\n`);
  return writeReportFiles(
    files,
    async () =>
      (await import('../../lambda/reports/from-scan')).reportFromScan(
        withSettledFailures(scan),
        `cert-watch scan ${kind} ${setting.mode === 'list' ? '--accounts' : '--org'}`,
        now,
      ),
    io,
    orgExitCode(scan),
  );
};

/** The scan result with the scopes that failed before listing (role not assumed) among its failures, for the report. */
const withSettledFailures = (scan: OrgScan): OrgScan['result'] => {
  const listed = new Set(scan.result.scopesFailed.map((f) => f.scope.key));
  const settled = scan.outcomes
    .filter((o) => o.status === 'failed' && !listed.has(o.scope))
    .map((o) => ({
      scope: { key: o.scope, kind: o.kind, account: o.account, region: o.region, label: o.scope },
      code: o.code ?? o.reason ?? 'FAILED',
      message: o.message ?? o.reason ?? '',
    }));
  return { ...scan.result, scopesFailed: [...scan.result.scopesFailed, ...settled] };
};
