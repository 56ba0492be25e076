/**
 * The organization's `watcher:` context keys (docs/organizations.md, "Configuration"):
 *
 * - `watcher:accounts`: `self` (default), `organization`, account ids (`111122223333,444455556666`
 *   or a JSON array), or the full setting as JSON (`{"mode":"organization","ous":[...]}`);
 * - `watcher:organizationUnits`: OU or root ids; implies `organization` and scans only below them;
 * - `watcher:excludeAccounts`: account ids never scanned (organization mode);
 * - `watcher:memberRoleName`, `watcher:scanConcurrency`, `watcher:coverageGapPeriods`.
 */
import type { AccountsSetting } from '../lambda/contracts/organization';
import { InvalidContextError, integer, jsonValue, nonEmptyString, show, stringList } from './context-values';
import type { OrganizationScanProps } from './organization-scan-props';

export const ORGANIZATION_CONTEXT_KEYS = [
  'watcher:accounts',
  'watcher:organizationUnits',
  'watcher:excludeAccounts',
  'watcher:memberRoleName',
  'watcher:scanConcurrency',
  'watcher:coverageGapPeriods',
] as const;

type Key = (typeof ORGANIZATION_CONTEXT_KEYS)[number];

const accountsFrom = (raw: unknown): AccountsSetting | undefined => {
  const key = 'watcher:accounts';
  if (raw === undefined) return undefined;
  if (typeof raw === 'string' && ['self', 'organization'].includes(raw.trim()))
    return { mode: raw.trim() as 'self' | 'organization' };
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) return raw as AccountsSetting;
  if (typeof raw === 'string' && raw.trim().startsWith('{'))
    return jsonValue(key, raw, 'object') as AccountsSetting;
  const ids = typeof raw === 'string' && raw.trim().startsWith('[') ? jsonValue(key, raw, 'array') : raw;
  const list = stringList(key, ids);
  if (list.length === 0 || list.some((id) => !/^\d+$/.test(id)))
    throw new InvalidContextError(
      key,
      `must be self, organization, account ids (111122223333,444455556666) or the JSON setting, got ${show(raw)}`,
    );
  // Ids are checked with the rest of the setting by the construct (checkAccountsSetting).
  return { mode: 'list', accounts: list.map((id) => ({ id })) };
};

/** A list from cdk.json, a comma-separated string, or a JSON array string from `-c`. */
const listOf = (key: Key, raw: unknown): string[] =>
  stringList(key, typeof raw === 'string' && raw.trim().startsWith('[') ? jsonValue(key, raw, 'array') : raw);

/** The organization props the keys set; the construct validates them (names the prop, the app adds the key). */
export const organizationFromContext = (get: (key: Key) => unknown): Partial<OrganizationScanProps> => {
  const props: { -readonly [K in keyof OrganizationScanProps]: OrganizationScanProps[K] } = {};
  let accounts = accountsFrom(get('watcher:accounts'));
  const ous = get('watcher:organizationUnits');
  const exclude = get('watcher:excludeAccounts');
  if (ous !== undefined || exclude !== undefined) {
    if (accounts && accounts.mode !== 'organization')
      throw new InvalidContextError(
        ous !== undefined ? 'watcher:organizationUnits' : 'watcher:excludeAccounts',
        `applies to watcher:accounts=organization only, but watcher:accounts is ${accounts.mode}`,
      );
    accounts = {
      mode: 'organization',
      ...(accounts?.mode === 'organization' ? accounts : {}),
      ...(ous !== undefined ? { ous: listOf('watcher:organizationUnits', ous) } : {}),
      ...(exclude !== undefined ? { exclude: listOf('watcher:excludeAccounts', exclude) } : {}),
    };
  }
  if (accounts) props.accounts = accounts;
  const role = get('watcher:memberRoleName');
  if (role !== undefined) props.memberRoleName = nonEmptyString('watcher:memberRoleName', role);
  const concurrency = get('watcher:scanConcurrency');
  if (concurrency !== undefined) props.scanConcurrency = integer('watcher:scanConcurrency', concurrency, 2);
  const gap = get('watcher:coverageGapPeriods');
  if (gap !== undefined) props.coverageGapPeriods = integer('watcher:coverageGapPeriods', gap, 1);
  return props;
};

/**
 * The context key a construct error comes from, by the prop it names first (`accounts.ous[0] ...`
 * → `watcher:organizationUnits`, `ticketConnectors[0].baseUrl ...` → `watcher:ticketConnectors`),
 * for the app's message; undefined when the message names no prop with a context key.
 */
export const organizationKeyOf = (message: string): string | undefined => {
  const keys: [RegExp, string][] = [
    [/^accounts\.ous\b/, 'watcher:organizationUnits'],
    [/^accounts\.exclude\b/, 'watcher:excludeAccounts'],
    [/^accounts\b/, 'watcher:accounts'],
    [/^memberRoleName\b/, 'watcher:memberRoleName'],
    [/^scanConcurrency\b/, 'watcher:scanConcurrency'],
    [/^coverageGapPeriods\b/, 'watcher:coverageGapPeriods'],
    [/^(owners|defaultOwner)\b/, 'watcher:owners'],
    // Props whose context key has the prop's own name.
    [/^ticketConnectors\b/, 'watcher:ticketConnectors'],
    [/^webhookDestinations\b/, 'watcher:webhookDestinations'],
    [/^smsPhoneNumbers\b/, 'watcher:smsPhoneNumbers'],
    [/^slackChannels\b/, 'watcher:slackChannels'],
    [/^teamsChannels\b/, 'watcher:teamsChannels'],
    [/^endpoints\b/, 'watcher:endpoints'],
    [/^regions\b/, 'watcher:regions'],
    [/^tiersDays\b/, 'watcher:tiersDays'],
    [/^criticalDays\b/, 'watcher:criticalDays'],
    [/^scanInterval\b/, 'watcher:scanIntervalMinutes'],
    [/^opsEmailAddresses\b/, 'watcher:opsEmailAddresses'],
    [/^sources\b/, 'watcher:sources'],
    [/^discovery\b/, 'watcher:discovery'],
  ];
  return keys.find(([pattern]) => pattern.test(message))?.[1];
};
