/**
 * `cert-watch discover --org | --accounts <ids>`: the endpoints every account's resources serve,
 * discovered as the deployed watcher's discovery source finds them (docs/discovery.md), over an AWS
 * Organization or a list of accounts. The same pieces as `scan <source> --org` (./org-accounts.ts):
 * the accounts, one unit per (account, region) scope and one per account's global scope
 * (CloudFront, tagged IAM certificates) from `planUnits`, each read through the member role (the
 * caller's own account directly) with bounded concurrency; every endpoint carries its account.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  DISCOVERY_KINDS,
  DISCOVERY_SOURCE_KIND,
  type DiscoveredEndpoint,
} from '../../lambda/contracts/discovery';
import type { SourceSetting } from '../../lambda/contracts/sources';
import { DEFAULT_THRESHOLDS } from '../../lambda/core/evaluate';
import { runScan } from '../../lambda/core/scan';
import { planUnits } from '../../lambda/handlers/make-plan-handler';
import type { ScopeDiscovery } from '../../lambda/sources/discovery/discover';
import { makeDiscoveryPlugin } from '../../lambda/sources/discovery/plugin';
import {
  byEndpoint,
  DISCOVER_OPTIONS,
  type DiscoverDeps,
  ENDPOINT_COLUMNS,
  endpointCells,
  endpointJson,
  kindsOf,
} from './discover-options';
import { ExitCode } from './exit-codes';
import type { CliIo } from './io';
import { openOrganization, resolveUnits, roleHint } from './org-accounts';
import {
  DEFAULT_ORG_CONCURRENCY,
  MAX_ORG_CONCURRENCY,
  ORG_ACCOUNT_HELP,
  ORG_ACCOUNT_OPTIONS,
  ORG_INTRO,
  orgArgsOf,
  TRUST_NOTE,
} from './org-args';
import { type OrgScan, orgExitCode, orgJson, outcomesOf, scopeLines } from './org-report';
import { regionsOf } from './scan-options';
import { renderTable } from './table';

export const ORG_DISCOVER_USAGE = `Usage: cert-watch discover --org [--ou <id>]... [--exclude <account>]... [options]
       cert-watch discover --accounts <id,id,...> [options]

Lists the endpoints the resources of every ACTIVE account of your AWS Organization, or of the listed
accounts, serve certificates on (as cert-watch discover does for one account), with your credentials:
${ORG_INTRO}
${ORG_ACCOUNT_HELP}
  --regions <list>       comma-separated regions (default: AWS_REGION); an opt-in region an account
                         has not enabled is skipped there; CloudFront and IAM are read once per account
  --kinds <k,..>         ${DISCOVERY_KINDS.join(', ')} (default all)
  --concurrency <n>      scopes (account x region, and each account's global one) read at once,
                         1-${MAX_ORG_CONCURRENCY} (default ${DEFAULT_ORG_CONCURRENCY})
  --json                 {"endpoints":[{...,"account","accountName","region"}],"errors","skipped","coverage"}
  -h, --help             show this help

${TRUST_NOTE}
Exit codes: 0 listed, 3 UNKNOWN: a scope (ROLE_NOT_ASSUMED, ACCESS_DENIED, THROTTLED, OTHER) or an
item could not be read; what was read is still listed. Skipped accounts and regions are not failures.
`;

/** One discovered endpoint with the account (and region) it was found in. */
export interface OrgEndpoint extends DiscoveredEndpoint {
  readonly accountName?: string;
}

export interface OrgDiscovery {
  readonly scan: OrgScan;
  /** By account, then host, port and SNI name. */
  readonly endpoints: readonly OrgEndpoint[];
}

/** `cert-watch discover --org ...`: the endpoints, their accounts, what failed and was skipped, the coverage. */
export const runOrgDiscover = async (argv: string[], io: CliIo, deps: DiscoverDeps = {}): Promise<number> => {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: { ...DISCOVER_OPTIONS, ...ORG_ACCOUNT_OPTIONS },
  });
  if (values.help) {
    io.stdout.write(ORG_DISCOVER_USAGE);
    return ExitCode.OK;
  }
  const org = orgArgsOf(values);
  const regions = regionsOf(values.regions, io);
  const kinds = kindsOf(values.kinds);
  const { discovery, access, caller } = await openOrganization(org, regions[0]!, deps);
  const now = io.now?.() ?? new Date();
  const scanId = randomUUID();
  const settings: SourceSetting[] = [
    { kind: DISCOVERY_SOURCE_KIND, regions, ...(kinds ? { options: { kinds } } : {}) },
  ];
  const units = planUnits(discovery.accounts, settings, { scanId, scanAt: now.toISOString() });
  // Each scope's reader hands what it found to this sink (the deployed worker's is the probe queue).
  const found = new Map<string, ScopeDiscovery>();
  const plugin = makeDiscoveryPlugin({
    sink: {
      deliver: async (scope, d) => {
        found.set(scope.key, d);
        return { batches: 0, retired: 0 };
      },
    },
    // A laptop on the VPN or a runner in the VPC may reach internal load balancers: list them.
    internalReachable: true,
    partition: caller.partition,
  });
  const { readers, settled } = await resolveUnits(
    units,
    {
      plugins: { [DISCOVERY_SOURCE_KIND]: plugin },
      settings,
      access,
      clientOverrides: deps.clientOverrides,
    },
    org.concurrency,
  );
  const result = await runScan(readers, {
    scanId,
    now,
    thresholds: DEFAULT_THRESHOLDS,
    scopeConcurrency: org.concurrency,
  });
  const scan: OrgScan = {
    result,
    outcomes: outcomesOf(units, settled, result),
    skippedAccounts: discovery.skipped,
  };
  const endpoints = endpointsOf(scan, found);
  io.stdout.write(values.json ? orgDiscoverJson({ scan, endpoints }) : orgDiscoverTable({ scan, endpoints }));
  const hint = roleHint(scan.outcomes, org.roleName);
  if (hint) io.stderr.write(`${hint}\n`);
  return orgExitCode(scan);
};

/** The endpoints of every scope read, each with its account's name. */
const endpointsOf = (scan: OrgScan, found: ReadonlyMap<string, ScopeDiscovery>): OrgEndpoint[] =>
  scan.outcomes
    .filter((o) => o.status === 'scanned')
    .flatMap((o) =>
      (found.get(o.scope)?.endpoints ?? []).map(
        (e): OrgEndpoint => ({
          ...e,
          account: o.account,
          ...(o.accountName ? { accountName: o.accountName } : {}),
        }),
      ),
    )
    .sort((a, b) => (a.account ?? '').localeCompare(b.account ?? '') || byEndpoint(a, b));

/** `discover`'s JSON endpoint with `account`, `accountName` and `region` (null for the global scope), then errors, skipped, coverage as `scan --org`. */
export const orgDiscoverJson = ({ scan, endpoints }: OrgDiscovery): string => {
  const { errors, skipped, coverage } = orgJson(scan);
  return `${JSON.stringify(
    {
      endpoints: endpoints.map((e) => ({
        ...endpointJson(e),
        account: e.account ?? null,
        accountName: e.accountName ?? null,
        region: e.region ?? null,
      })),
      errors,
      skipped,
      coverage,
    },
    null,
    2,
  )}\n`;
};

export const orgDiscoverTable = ({ scan, endpoints }: OrgDiscovery): string => {
  const accounts = new Set(endpoints.map((e) => e.account)).size;
  return `${[
    renderTable(
      [...ENDPOINT_COLUMNS, 'ACCOUNT', 'ACCOUNT NAME', 'REGION', 'RESOURCE'],
      endpoints.map((e) => [
        ...endpointCells(e),
        e.account ?? '-',
        e.accountName ?? '-',
        e.region ?? 'global',
        e.resource,
      ]),
      80,
    ),
    '',
    `${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'} in ${accounts} account(s)`,
    ...scopeLines(scan),
  ].join('\n')}\n`;
};
