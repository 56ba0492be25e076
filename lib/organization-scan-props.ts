import type { AccountsSetting } from '../lambda/contracts/organization';

/** The watcher props that say which accounts are scanned and how (docs/organizations.md). */
export interface OrganizationScanProps {
  /**
   * Accounts each scan period covers: `{ mode: 'self' }`, `{ mode: 'list', accounts: [...] }`, or
   * `{ mode: 'organization', ous?: [...], exclude?: [...] }` (every ACTIVE account of the
   * organization, or those under the OUs, read from AWS Organizations at every period; the watcher
   * must run in the management account or a delegated administrator account).
   *
   * @default { mode: 'self' } - the account the stack is deployed to
   */
  readonly accounts?: AccountsSetting;
  /**
   * Name of the read-only role assumed in every other account (`WatcherMemberRole`).
   *
   * @default 'cert-expiry-watcher-reader'
   */
  readonly memberRoleName?: string;
  /**
   * Scopes one source lists at once (its scan worker's maximum concurrency, 2-1000): the bound on
   * calls to one AWS API, whatever the number of accounts.
   *
   * @default 4
   */
  readonly scanConcurrency?: number;
  /**
   * Consecutive periods without a successful scan of a scope that raise a `Coverage Gap` event
   * (then again every as many periods while it lasts).
   *
   * @default 3
   */
  readonly coverageGapPeriods?: number;
}
