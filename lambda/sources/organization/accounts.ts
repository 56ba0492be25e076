/**
 * Which accounts a scan period covers: the watcher's own, a configured list, or the accounts of an
 * AWS Organization read at every period (so new accounts are scanned without a deploy).
 *
 * The organization is walked from its root down (ListRoots, ListOrganizationalUnitsForParent,
 * ListAccountsForParent), which gives every account's OU path in 2 calls per OU instead of one
 * ListParents call per account per level. Only ACTIVE accounts are scanned; SUSPENDED, closing and
 * not-yet-active ones are returned as skipped (Organizations API reference, `Account.State`).
 */
import {
  type Account,
  OrganizationsClient,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListRoots,
} from '@aws-sdk/client-organizations';
import type { AccountRef, AccountsSetting } from '../../contracts/organization';
import { mapLimit } from '../../core/scan';
import { type ClientOverrides, sdkClientConfig } from '../client-config';

/** An account the period does not scan, and why (coverage reports it as skipped). */
export interface SkippedAccount {
  readonly account: AccountRef;
  /** The account's state in Organizations: `SUSPENDED`, `PENDING_CLOSURE`, `CLOSED`, `PENDING_ACTIVATION`, or `EXCLUDED`. */
  readonly reason: string;
}

export interface AccountDiscovery {
  readonly accounts: readonly AccountRef[];
  readonly skipped: readonly SkippedAccount[];
}

/** Organizations is a global service served from one region per partition. */
export const defaultOrganizationsClient = (overrides?: ClientOverrides): OrganizationsClient =>
  new OrganizationsClient(sdkClientConfig(overrides?.region ?? 'us-east-1', overrides));

interface Parent {
  readonly id: string;
  /** Ids of the root and the OUs above and including this parent. */
  readonly ancestry: readonly string[];
  /** OU names below the root down to this parent. */
  readonly path: readonly string[];
}

/** Parents listed at once while walking the tree; the SDK's adaptive retry absorbs throttling. */
const WALK_CONCURRENCY = 4;

const stateOf = (account: Account): string => account.State ?? account.Status ?? 'UNKNOWN';

/**
 * Every account under the organization's root with its OU path, level by level.
 * @throws the Organizations error when the caller may not read the organization (not the
 *   management or a delegated administrator account, or no `organizations:List*` permission)
 */
export const walkOrganization = async (
  client: OrganizationsClient,
): Promise<{ account: Account; ancestry: readonly string[]; path: readonly string[] }[]> => {
  const found: { account: Account; ancestry: readonly string[]; path: readonly string[] }[] = [];
  let level: Parent[] = [];
  for await (const page of paginateListRoots({ client }, {}))
    for (const root of page.Roots ?? [])
      if (root.Id) level.push({ id: root.Id, ancestry: [root.Id], path: [] });
  while (level.length > 0) {
    const next: Parent[] = [];
    await mapLimit(level, WALK_CONCURRENCY, async (parent) => {
      for await (const page of paginateListAccountsForParent({ client }, { ParentId: parent.id }))
        for (const account of page.Accounts ?? [])
          found.push({ account, ancestry: parent.ancestry, path: parent.path });
      for await (const page of paginateListOrganizationalUnitsForParent({ client }, { ParentId: parent.id }))
        for (const ou of page.OrganizationalUnits ?? [])
          if (ou.Id)
            next.push({
              id: ou.Id,
              ancestry: [...parent.ancestry, ou.Id],
              path: [...parent.path, ou.Name ?? ou.Id],
            });
    });
    level = next;
  }
  return found.sort((a, b) => (a.account.Id ?? '').localeCompare(b.account.Id ?? ''));
};

/**
 * The accounts of one period.
 * @param self the account the watcher runs in (mode `self`)
 * @param organizations built only for mode `organization`
 */
export const discoverAccounts = async (
  setting: AccountsSetting,
  self: string,
  organizations: () => OrganizationsClient = defaultOrganizationsClient,
): Promise<AccountDiscovery> => {
  if (setting.mode === 'self') return { accounts: [{ id: self }], skipped: [] };
  if (setting.mode === 'list') return { accounts: setting.accounts, skipped: [] };
  const ous = setting.ous ? new Set(setting.ous) : undefined;
  const excluded = new Set(setting.exclude ?? []);
  const accounts: AccountRef[] = [];
  const skipped: SkippedAccount[] = [];
  for (const { account, ancestry, path } of await walkOrganization(organizations())) {
    if (!account.Id) continue;
    if (ous && !ancestry.some((id) => ous.has(id))) continue;
    const ref: AccountRef = { id: account.Id, ...(account.Name ? { name: account.Name } : {}), ouPath: path };
    const state = stateOf(account);
    if (excluded.has(account.Id)) skipped.push({ account: ref, reason: 'EXCLUDED' });
    else if (state !== 'ACTIVE') skipped.push({ account: ref, reason: state });
    else accounts.push(ref);
  }
  return { accounts, skipped };
};
