/**
 * An organization from the CLI, as the deployed scan fan-out reads it: the caller's identity, the
 * accounts from `discoverAccounts` (or the `--accounts` list), `MemberAccess` to reach them (the
 * caller's own account directly, every other one through the member role), and each planned unit
 * resolved by `readerForUnit` into a reader or its outcome (a role not assumed, an opt-in region
 * not enabled). `scan <source> --org` and `discover --org` share it; docs/organizations.md.
 */
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CoverageReason, type ScanUnit } from '../../lambda/contracts/organization';
import type { ScopeOutcome } from '../../lambda/core/coverage';
import type { ScopeReader } from '../../lambda/core/ports';
import { errorCode, errorMessage, mapLimit } from '../../lambda/core/scan';
import { readerForUnit, type UnitReaderDeps } from '../../lambda/handlers/scan-scope';
import { type ClientOverrides, sdkClientConfig } from '../../lambda/sources/client-config';
import { type AccountDiscovery, discoverAccounts } from '../../lambda/sources/organization/accounts';
import { MemberAccess } from '../../lambda/sources/organization/member-access';
import { type OrgArgs, TRUST_NOTE } from './org-args';

/** Organizations and STS calls go to the partition's main region (a global service's home). */
const PARTITION_HOME: Readonly<Record<string, string>> = {
  aws: 'us-east-1',
  'aws-cn': 'cn-northwest-1',
  'aws-us-gov': 'us-gov-west-1',
};

export interface OrgAccessOptions {
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

/** The organization a command runs over: who calls, the accounts to read and the way into each. */
export interface OpenOrganization {
  readonly caller: { readonly account: string; readonly partition: string };
  /** ACTIVE accounts to read, and the ones left out (suspended, closing, excluded). */
  readonly discovery: AccountDiscovery;
  readonly access: MemberAccess;
}

/**
 * The caller's identity (STS, in `home`), the accounts the flags ask for, and the member access.
 * @throws when the caller is unknown, the organization cannot be listed, or no ACTIVE account is left
 */
export const openOrganization = async (
  args: OrgArgs,
  home: string,
  options: OrgAccessOptions = {},
): Promise<OpenOrganization> => {
  const { setting } = args;
  const caller = await callerIdentity(home, options.clientOverrides?.(home));
  const global = PARTITION_HOME[caller.partition] ?? 'us-east-1';
  let discovery: AccountDiscovery;
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
      `no ACTIVE account to read${setting.mode === 'organization' && setting.ous ? ` under ${setting.ous.join(', ')}` : ''}` +
        (discovery.skipped.length ? ` (${discovery.skipped.length} skipped)` : ''),
    );
  const access = new MemberAccess({
    self: caller.account,
    roleName: args.roleName,
    partition: caller.partition,
    sessionName: 'cert-watch-cli',
    overrides: { ...options.clientOverrides?.(global), region: global },
    ...(options.accountApi ? { accountApi: options.accountApi } : {}),
  });
  return { caller, discovery, access };
};

/**
 * Each unit's reader, or its outcome when it must not be listed (a role not assumed, an opt-in
 * region not enabled), resolved `concurrency` at a time.
 */
export const resolveUnits = async (
  units: readonly ScanUnit[],
  deps: UnitReaderDeps,
  concurrency: number,
): Promise<{ readers: ScopeReader[]; settled: Map<string, ScopeOutcome> }> => {
  const resolved = await mapLimit(units, concurrency, (u) => readerForUnit(deps, u));
  const readers: ScopeReader[] = [];
  const settled = new Map<string, ScopeOutcome>();
  for (const r of resolved) {
    if ('reader' in r) readers.push(r.reader);
    else settled.set(r.outcome.scope, r.outcome);
  }
  return { readers, settled };
};

/** The stderr hint when the member role could not be assumed somewhere: which accounts, and the trust rule. */
export const roleHint = (outcomes: readonly ScopeOutcome[], roleName: string): string | undefined => {
  const accounts = [
    ...new Set(outcomes.filter((o) => o.reason === CoverageReason.RoleNotAssumed).map((o) => o.account)),
  ];
  if (accounts.length === 0) return undefined;
  return `hint: the member role "${roleName}" could not be assumed in ${accounts.length} account(s): ${accounts.join(', ')}.
It must exist there (WatcherMemberRoleStackSet rolls it out). ${TRUST_NOTE}`;
};
