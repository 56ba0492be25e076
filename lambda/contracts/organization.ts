/**
 * The organization boundary between the construct and the scan Lambdas: which accounts a period
 * covers, how the watcher reaches them, and the unit of scan work on the scan queues.
 * Pure data and checks only (no SDK, no CDK). docs/organizations.md explains the set-up.
 */
import { isJsonObject } from './json';
import { InvalidSourceSettingError, SOURCE_KIND_PATTERN } from './sources';

/** Environment variable with the accounts setting: JSON {@link AccountsSetting}. */
export const ACCOUNTS_ENV = 'WATCHER_ACCOUNTS';
/** Environment variable with the scan queues: JSON object source kind → SQS queue URL. */
export const SCAN_QUEUES_ENV = 'SCAN_QUEUES';
/** Environment variable with the IAM role name assumed in member accounts. */
export const MEMBER_ROLE_ENV = 'MEMBER_ROLE_NAME';

/** Environment variable with the partition (`aws`, `aws-cn`, `aws-us-gov`) member role ARNs are built in. */
export const PARTITION_ENV = 'WATCHER_PARTITION';
/** Environment variable with the consecutive missed periods that raise a Coverage Gap. */
export const COVERAGE_GAP_PERIODS_ENV = 'COVERAGE_GAP_PERIODS';

export { DEFAULT_MEMBER_ROLE_NAME } from './member-role';

/** A 12-digit AWS account id. */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
/** An organization root (`r-…`) or organizational unit (`ou-…-…`) id (Organizations API reference). */
export const OU_ID_PATTERN = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
/** An IAM role name (IAM quotas: 1-64 characters of `\w+=,.@-`). */
export const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

/** An account the watcher scans, with what owners are routed by. */
export interface AccountRef {
  readonly id: string;
  readonly name?: string;
  /** Names of the organizational units from the root down to the account's parent, e.g. `["Prod", "Payments"]`. */
  readonly ouPath?: readonly string[];
}

/**
 * Which accounts one scan period covers.
 * - `self`: the account the watcher runs in (the default);
 * - `list`: exactly these accounts;
 * - `organization`: every ACTIVE account of the organization (SUSPENDED and closing ones skipped),
 *   or only those under `ous` (recursively), minus `exclude`; read from AWS Organizations at every
 *   period, so new accounts are picked up without a deploy.
 */
export type AccountsSetting =
  | { readonly mode: 'self' }
  | { readonly mode: 'list'; readonly accounts: readonly AccountRef[] }
  | { readonly mode: 'organization'; readonly ous?: readonly string[]; readonly exclude?: readonly string[] };

export const SELF_ACCOUNTS: AccountsSetting = { mode: 'self' };

const stringList = (value: unknown, where: string, pattern: RegExp, what: string): string[] => {
  if (!Array.isArray(value)) throw new InvalidSourceSettingError(`${where} must be an array of ${what}`);
  return value.map((v, i) => {
    if (typeof v !== 'string' || !pattern.test(v))
      throw new InvalidSourceSettingError(`${where}[${i}] must be ${what}, got ${JSON.stringify(v)}`);
    return v;
  });
};

/**
 * Checks an accounts setting (from the construct or the environment).
 * @throws InvalidSourceSettingError naming the first bad field
 */
export const checkAccountsSetting = (value: unknown, where = ACCOUNTS_ENV): AccountsSetting => {
  if (!isJsonObject(value)) throw new InvalidSourceSettingError(`${where} must be an object with a "mode"`);
  const allowed: Record<AccountsSetting['mode'], string[]> = {
    self: ['mode'],
    list: ['mode', 'accounts'],
    organization: ['mode', 'ous', 'exclude'],
  };
  const mode = value.mode as AccountsSetting['mode'];
  if (typeof mode !== 'string' || !Object.hasOwn(allowed, mode))
    throw new InvalidSourceSettingError(`${where}.mode must be one of self, list, organization`);
  const extra = Object.keys(value).filter((k) => !allowed[mode].includes(k));
  if (extra.length > 0)
    throw new InvalidSourceSettingError(`${where} (mode ${mode}) does not take ${extra.join(', ')}`);
  if (mode === 'self') return SELF_ACCOUNTS;
  if (mode === 'list') {
    if (!Array.isArray(value.accounts) || value.accounts.length === 0)
      throw new InvalidSourceSettingError(`${where}.accounts must list at least one account`);
    const seen = new Set<string>();
    const accounts = value.accounts.map((a, i): AccountRef => {
      const entry = typeof a === 'string' ? { id: a } : a;
      if (!isJsonObject(entry) || typeof entry.id !== 'string' || !ACCOUNT_ID_PATTERN.test(entry.id))
        throw new InvalidSourceSettingError(`${where}.accounts[${i}] must be a 12-digit account id`);
      if (seen.has(entry.id))
        throw new InvalidSourceSettingError(`${where}.accounts lists ${entry.id} twice`);
      seen.add(entry.id);
      if (entry.name !== undefined && (typeof entry.name !== 'string' || entry.name.length > 50))
        throw new InvalidSourceSettingError(
          `${where}.accounts[${i}].name must be a string of at most 50 characters`,
        );
      return entry.name === undefined ? { id: entry.id } : { id: entry.id, name: entry.name };
    });
    return { mode, accounts };
  }
  const ous =
    value.ous === undefined
      ? undefined
      : stringList(value.ous, `${where}.ous`, OU_ID_PATTERN, 'a root or OU id');
  if (ous && ous.length === 0)
    throw new InvalidSourceSettingError(`${where}.ous must not be empty; omit it for every account`);
  const exclude =
    value.exclude === undefined
      ? undefined
      : stringList(value.exclude, `${where}.exclude`, ACCOUNT_ID_PATTERN, 'an account id');
  return { mode, ...(ous ? { ous } : {}), ...(exclude ? { exclude } : {}) };
};

export const parseAccountsSetting = (raw: string | undefined, where = ACCOUNTS_ENV): AccountsSetting => {
  if (raw === undefined || raw.trim() === '') return SELF_ACCOUNTS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidSourceSettingError(`${where} is not valid JSON`);
  }
  return checkAccountsSetting(parsed, where);
};

/**
 * One unit of scan work: one scope of one source in one account, as the planner enqueues it on
 * the source's scan queue and the source's scan worker reads it. Version 1.
 */
export interface ScanUnit {
  readonly v: 1;
  /** The period's scan id (the schedule event's id): every unit of one period shares it. */
  readonly scanId: string;
  /** The period's instant, ISO 8601: every certificate of the period is judged at it. */
  readonly scanAt: string;
  readonly kind: string;
  readonly account: AccountRef;
  /** Absent for a global store (one scope per account). */
  readonly region?: string;
}

/**
 * Checks a scan unit read from a queue.
 * @throws InvalidSourceSettingError when the message is not a version-1 scan unit
 */
export const parseScanUnit = (raw: string): ScanUnit => {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new InvalidSourceSettingError('scan unit is not valid JSON');
  }
  if (!isJsonObject(value) || value.v !== 1)
    throw new InvalidSourceSettingError('scan unit must be an object with v: 1');
  const { scanId, scanAt, kind, account, region } = value;
  if (typeof scanId !== 'string' || scanId.length === 0 || scanId.length > 128)
    throw new InvalidSourceSettingError('scan unit scanId must be a string of 1-128 characters');
  if (typeof scanAt !== 'string' || Number.isNaN(Date.parse(scanAt)))
    throw new InvalidSourceSettingError('scan unit scanAt must be an ISO 8601 instant');
  if (typeof kind !== 'string' || !SOURCE_KIND_PATTERN.test(kind))
    throw new InvalidSourceSettingError('scan unit kind must be a source kind');
  if (!isJsonObject(account) || typeof account.id !== 'string' || !ACCOUNT_ID_PATTERN.test(account.id))
    throw new InvalidSourceSettingError('scan unit account.id must be a 12-digit account id');
  if (region !== undefined && (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)))
    throw new InvalidSourceSettingError('scan unit region must be a region name');
  const ouPath = Array.isArray(account.ouPath)
    ? account.ouPath.filter((p): p is string => typeof p === 'string')
    : undefined;
  return {
    v: 1,
    scanId,
    scanAt,
    kind,
    account: {
      id: account.id,
      ...(typeof account.name === 'string' ? { name: account.name } : {}),
      ...(ouPath ? { ouPath } : {}),
    },
    ...(region ? { region } : {}),
  };
};

/** Why a scope was not scanned in a period (the coverage summary's reasons; docs/organizations.md). */
export const CoverageReason = {
  /** The member role could not be assumed (missing, trust policy, SCP). */
  RoleNotAssumed: 'ROLE_NOT_ASSUMED',
  AccessDenied: 'ACCESS_DENIED',
  Throttled: 'THROTTLED',
  /** An opt-in region the account has not enabled: skipped, not failed. */
  RegionNotEnabled: 'REGION_NOT_ENABLED',
  /** The scope's work did not finish within the period (the worker failed every retry). */
  NotCompleted: 'NOT_COMPLETED',
  Other: 'OTHER',
} as const;
export type CoverageReason = (typeof CoverageReason)[keyof typeof CoverageReason];
