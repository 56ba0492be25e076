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
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { WATCHER_ROLE_PATH } from '../../lambda/contracts/member-role';
import {
  ACCOUNT_ID_PATTERN,
  type AccountsSetting,
  CoverageReason,
  DEFAULT_MEMBER_ROLE_NAME,
  OU_ID_PATTERN,
  ROLE_NAME_PATTERN,
} from '../../lambda/contracts/organization';
import type { ScopeOutcome } from '../../lambda/core/coverage';
import type { ScopeReader } from '../../lambda/core/ports';
import { errorCode, errorMessage, mapLimit, runScan } from '../../lambda/core/scan';
import { planUnits } from '../../lambda/handlers/make-plan-handler';
import { readerForUnit } from '../../lambda/handlers/scan-scope';
import { type ClientOverrides, sdkClientConfig } from '../../lambda/sources/client-config';
import { discoverAccounts } from '../../lambda/sources/organization/accounts';
import { MemberAccess } from '../../lambda/sources/organization/member-access';
import { SOURCE_REGISTRY, type SourceRegistry } from '../../lambda/sources/registry';
import { ExitCode, UsageError } from './exit-codes';
import type { CliIo } from './io';
import { type OrgScan, orgExitCode, orgJson, orgTable, outcomesOf } from './org-report';
import { REPORT_FILE_HELP, reportFilesOf, writeReportFiles } from './report-files';
import { SOURCE_SCAN_OPTIONS, selectSources } from './scan-options';

/** Scopes listed at once when `--concurrency` is not given. */
export const DEFAULT_ORG_CONCURRENCY = 8;
/** The most `--concurrency` takes: beyond it, per-account API rate limits throttle more than they gain. */
export const MAX_ORG_CONCURRENCY = 64;

const ORG_OPTIONS = {
  ...SOURCE_SCAN_OPTIONS,
  org: { type: 'boolean', default: false },
  ou: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  accounts: { type: 'string', multiple: true },
  'role-name': { type: 'string' },
  concurrency: { type: 'string' },
} as const;

const ORG_FLAGS = ['--org', '--accounts', '--ou', '--exclude', '--role-name', '--concurrency'];

/** Whether `scan <source>` arguments ask for more than the caller's own account. */
export const isOrgScan = (argv: readonly string[]): boolean => {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) =>
    ORG_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)),
  );
};

/** The member role's trust rule (lib/organization/member-role.ts), which `--help` and the AssumeRole hint state. */
const TRUST_NOTE = `The member role trusts only roles under the IAM path ${WATCHER_ROLE_PATH} of the watcher account,
in the same organization (docs/organizations.md): run this with such a role's credentials
(e.g. arn:aws:iam::<watcher account>:role${WATCHER_ROLE_PATH}cli), not a person's SSO role.`;

export const orgScanUsage = (kind: string): string =>
  `Usage: cert-watch scan ${kind} --org [--ou <id>]... [--exclude <account>]... [options]
       cert-watch scan ${kind} --accounts <id,id,...> [options]

Scans every ACTIVE account of your AWS Organization, or the listed accounts, with your credentials:
your own account directly, every other one through the member role. --org reads the accounts from
AWS Organizations: run it from the management account or a delegated administrator account.
  --org                  every ACTIVE account; suspended and closing ones are listed as skipped
  --ou <id>              only the accounts under this root (r-...) or OU (ou-...), recursively; repeatable
  --exclude <account>    leave this account out (listed as skipped); repeatable
  --accounts <ids>       exactly these 12-digit account ids, comma-separated (instead of --org)
  --role-name <name>     the member role assumed in each account (default ${DEFAULT_MEMBER_ROLE_NAME})
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

const splitList = (raw: readonly string[] | undefined): string[] => [
  ...new Set(
    (raw ?? [])
      .flatMap((r) => r.split(','))
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];

const checked = (flag: string, ids: readonly string[], pattern: RegExp, what: string): string[] => {
  for (const id of ids) if (!pattern.test(id)) throw new UsageError(`${flag}: "${id}" is not ${what}`);
  return [...ids];
};

/**
 * Which accounts the flags ask for.
 * @throws UsageError for --org with --accounts, --ou/--exclude without --org, a bad account or OU id
 */
export const accountsSettingOf = (values: {
  org?: boolean;
  ou?: string[];
  exclude?: string[];
  accounts?: string[];
}): AccountsSetting => {
  if (values.org && values.accounts)
    throw new UsageError('--org and --accounts exclude each other: scan the organization or a list');
  if (!values.org && values.ou) throw new UsageError('--ou narrows --org: pass --org too');
  if (!values.org && values.exclude)
    throw new UsageError(
      values.accounts
        ? '--exclude applies to --org: leave the account out of --accounts'
        : '--exclude applies to --org: pass --org too',
    );
  if (values.accounts) {
    const ids = checked(
      '--accounts',
      splitList(values.accounts),
      ACCOUNT_ID_PATTERN,
      'a 12-digit account id',
    );
    if (ids.length === 0) throw new UsageError('--accounts needs at least one account id');
    return { mode: 'list', accounts: ids.map((id) => ({ id })) };
  }
  if (!values.org) throw new UsageError('pass --org (every account) or --accounts <ids>');
  const ous = checked('--ou', splitList(values.ou), OU_ID_PATTERN, 'a root (r-...) or OU (ou-...-...) id');
  const exclude = checked(
    '--exclude',
    splitList(values.exclude),
    ACCOUNT_ID_PATTERN,
    'a 12-digit account id',
  );
  return { mode: 'organization', ...(ous.length ? { ous } : {}), ...(exclude.length ? { exclude } : {}) };
};

const concurrencyOf = (raw: string | undefined): number => {
  if (raw === undefined) return DEFAULT_ORG_CONCURRENCY;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_ORG_CONCURRENCY)
    throw new UsageError(
      `--concurrency must be a whole number from 1 to ${MAX_ORG_CONCURRENCY}, got "${raw}"`,
    );
  return n;
};

const roleNameOf = (raw: string | undefined): string => {
  const name = raw ?? DEFAULT_MEMBER_ROLE_NAME;
  if (!ROLE_NAME_PATTERN.test(name))
    throw new UsageError(
      `--role-name must be an IAM role name (1-64 of letters, digits, +=,.@_-), got "${raw}"`,
    );
  return name;
};

/** Organizations and STS calls go to the partition's main region (a global service's home). */
const PARTITION_HOME: Readonly<Record<string, string>> = {
  aws: 'us-east-1',
  'aws-cn': 'cn-northwest-1',
  'aws-us-gov': 'us-gov-west-1',
};

export interface OrgScanOptions {
  /** Defaults to the production registry. */
  readonly registry?: SourceRegistry;
  /** Endpoint and base credentials for every client, per region (tests); defaults to the standard chain. */
  readonly clientOverrides?: (region: string) => ClientOverrides;
  /** The Account Management API per account (tests: a local peer); defaults to AWS's. */
  readonly accountApi?: (account: string) => ClientOverrides;
}

const callerIdentity = async (
  region: string,
  overrides: ClientOverrides | undefined,
): Promise<{ account: string; partition: string }> => {
  const sts = new STSClient(sdkClientConfig(region, overrides));
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (!out.Account) throw new Error('STS returned no account');
    return { account: out.Account, partition: out.Arn?.split(':')[1] || 'aws' };
  } catch (error) {
    throw new Error(
      `cannot tell which account the credentials belong to (STS GetCallerIdentity): ${errorCode(error)}: ${errorMessage(error)}`,
    );
  } finally {
    sts.destroy();
  }
};

const roleHint = (scan: OrgScan, roleName: string): string | undefined => {
  const accounts = [
    ...new Set(scan.outcomes.filter((o) => o.reason === CoverageReason.RoleNotAssumed).map((o) => o.account)),
  ];
  if (accounts.length === 0) return undefined;
  return `hint: the member role "${roleName}" could not be assumed in ${accounts.length} account(s): ${accounts.join(', ')}.
It must exist there (WatcherMemberRoleStackSet rolls it out). ${TRUST_NOTE}`;
};

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
  const setting = accountsSettingOf(values);
  const roleName = roleNameOf(values['role-name']);
  const concurrency = concurrencyOf(values.concurrency);
  const selection = selectSources(kind, values, io, registry);
  const files = await reportFilesOf(values);
  const home = selection.regions?.[0] ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const caller = await callerIdentity(home, options.clientOverrides?.(home));
  const global = PARTITION_HOME[caller.partition] ?? 'us-east-1';
  let discovery: Awaited<ReturnType<typeof discoverAccounts>>;
  try {
    discovery = await discoverAccounts(
      setting,
      caller.account,
      () => new OrganizationsClient(sdkClientConfig(global, options.clientOverrides?.(global))),
    );
  } catch (error) {
    throw new Error(
      `cannot list the organization's accounts from account ${caller.account}: ${errorCode(error)}: ${errorMessage(error)}\n` +
        'Run from the management account or a delegated administrator account (organizations:List* allowed), or pass --accounts.',
    );
  }
  if (discovery.accounts.length === 0)
    throw new Error(
      `no ACTIVE account to scan${setting.mode === 'organization' && setting.ous ? ` under ${setting.ous.join(', ')}` : ''}` +
        (discovery.skipped.length ? ` (${discovery.skipped.length} skipped)` : ''),
    );
  const now = io.now?.() ?? new Date();
  const scanId = randomUUID();
  const units = planUnits(discovery.accounts, selection.settings, { scanId, scanAt: now.toISOString() });
  const access = new MemberAccess({
    self: caller.account,
    roleName,
    partition: caller.partition,
    sessionName: 'cert-watch-cli',
    overrides: { ...options.clientOverrides?.(global), region: global },
    ...(options.accountApi ? { accountApi: options.accountApi } : {}),
  });
  const deps = {
    plugins: registry,
    settings: selection.settings,
    access,
    clientOverrides: options.clientOverrides,
  };
  const resolved = await mapLimit(units, concurrency, (u) => readerForUnit(deps, u));
  const readers: ScopeReader[] = [];
  const settled = new Map<string, ScopeOutcome>();
  for (const r of resolved) {
    if ('reader' in r) readers.push(r.reader);
    else settled.set(r.outcome.scope, r.outcome);
  }
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
  const hint = roleHint(scan, roleName);
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
