/**
 * The organization options every `--org` command takes (`scan <source> --org`, `discover --org`):
 * which accounts (`--org`, `--ou`, `--exclude`, or `--accounts`), through which member role
 * (`--role-name`), how many scopes at once (`--concurrency`); checked before any AWS call. Pure:
 * no SDK import, so a command can tell whether it runs over an organization before loading one.
 */
import { WATCHER_ROLE_PATH } from '../../lambda/contracts/member-role';
import {
  ACCOUNT_ID_PATTERN,
  type AccountsSetting,
  DEFAULT_MEMBER_ROLE_NAME,
  OU_ID_PATTERN,
  ROLE_NAME_PATTERN,
} from '../../lambda/contracts/organization';
import { UsageError } from './exit-codes';

/** Scopes listed at once when `--concurrency` is not given. */
export const DEFAULT_ORG_CONCURRENCY = 8;
/** The most `--concurrency` takes: beyond it, per-account API rate limits throttle more than they gain. */
export const MAX_ORG_CONCURRENCY = 64;

export const ORG_ACCOUNT_OPTIONS = {
  org: { type: 'boolean', default: false },
  ou: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  accounts: { type: 'string', multiple: true },
  'role-name': { type: 'string' },
  concurrency: { type: 'string' },
} as const;

const ORG_FLAGS = Object.keys(ORG_ACCOUNT_OPTIONS).map((o) => `--${o}`);

/** Whether the arguments ask for more than the caller's own account. */
export const isOrgArgs = (argv: readonly string[]): boolean => {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) =>
    ORG_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)),
  );
};

/** The member role's trust rule (lib/organization/member-role.ts), which `--help` and the AssumeRole hint state. */
export const TRUST_NOTE = `The member role trusts only roles under the IAM path ${WATCHER_ROLE_PATH} of the watcher account,
in the same organization (docs/organizations.md): run this with such a role's credentials
(e.g. arn:aws:iam::<watcher account>:role${WATCHER_ROLE_PATH}cli), not a person's SSO role.`;

/** What `--org` does and where to run it from, for a command's `--help`. */
export const ORG_INTRO = `your own account directly, every other one through the member role. --org reads the accounts from
AWS Organizations: run it from the management account or a delegated administrator account.`;

/** The account and role lines of a command's `--help`. */
export const ORG_ACCOUNT_HELP = `  --org                  every ACTIVE account; suspended and closing ones are listed as skipped
  --ou <id>              only the accounts under this root (r-...) or OU (ou-...), recursively; repeatable
  --exclude <account>    leave this account out (listed as skipped); repeatable
  --accounts <ids>       exactly these 12-digit account ids, comma-separated or repeated (instead of --org)
  --role-name <name>     the member role assumed in each account (default ${DEFAULT_MEMBER_ROLE_NAME})`;

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

export const concurrencyOf = (raw: string | undefined): number => {
  if (raw === undefined) return DEFAULT_ORG_CONCURRENCY;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_ORG_CONCURRENCY)
    throw new UsageError(
      `--concurrency must be a whole number from 1 to ${MAX_ORG_CONCURRENCY}, got "${raw}"`,
    );
  return n;
};

export const roleNameOf = (raw: string | undefined): string => {
  const name = raw ?? DEFAULT_MEMBER_ROLE_NAME;
  if (!ROLE_NAME_PATTERN.test(name))
    throw new UsageError(
      `--role-name must be an IAM role name (1-64 of letters, digits, +=,.@_-), got "${raw}"`,
    );
  return name;
};

/** Everything the organization flags ask for, checked. */
export interface OrgArgs {
  readonly setting: AccountsSetting;
  readonly roleName: string;
  readonly concurrency: number;
}

/** @throws UsageError for any bad organization flag */
export const orgArgsOf = (values: {
  org?: boolean;
  ou?: string[];
  exclude?: string[];
  accounts?: string[];
  'role-name'?: string;
  concurrency?: string;
}): OrgArgs => ({
  setting: accountsSettingOf(values),
  roleName: roleNameOf(values['role-name']),
  concurrency: concurrencyOf(values.concurrency),
});
