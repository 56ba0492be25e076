/**
 * Ownership routing (docs/routing.md): which team owns each certificate, and so which of the
 * configured destinations its alerts reach. The construct (props `owners`, `defaultOwner`, context
 * `watcher:owners`) validates with these parsers at synth; the fan-out, the webhook notifier and the
 * ticket Lambda parse the same JSON (env OWNERS) at init. Pure data and checks.
 *
 * An ordered list of owners, first match wins, then the default owner. A destination (webhook
 * name, SMS number, ticket connector) that some owner names receives only the alerts of the owners
 * naming it; a destination no owner names keeps receiving every alert.
 */
import { domainToASCII } from 'node:url';
import { ConfigurationError } from './errors';
import { isJsonObject, parseJsonVariable } from './json';
import type { ConnectorConfig } from './ticket-connectors';

export const OWNERS_ENV = 'OWNERS';
/** The SNS message attribute (String) carrying the owner's name on every fan-out message. */
export const OWNER_ATTRIBUTE = 'owner';
/** The default owner's name when `defaultOwner` gives none. */
export const DEFAULT_OWNER_NAME = 'default';
/** Owner names: 1-64 of A-Z a-z 0-9 _ . - (an SNS attribute value, shown in logs). */
export const OWNER_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * What a certificate must show to belong to an owner. It belongs when ANY listed criterion holds:
 * one of the accounts, one of the OU entries, all of the tags, one of the domain suffixes.
 */
export interface OwnerMatch {
  /** AWS account ids (12 digits): the certificate's `account`. */
  readonly accounts?: readonly string[];
  /**
   * OU names as in the event's `ouPath` (names from the root down, the root not included). `A/B`
   * matches a path that starts with A then B; a single name matches any element of the path.
   */
  readonly ous?: readonly string[];
  /**
   * Tag key → value, or `*` for any value; every listed tag must be present. Read from the
   * certificate's store tags (`certificate.tags`) and an endpoint's labels and `owner` (a label
   * `owner`).
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * DNS suffixes as A-labels with a leading dot (`.example.com`, `.xn--bcher-kva.example`),
   * case-insensitive: matches `example.com` itself and every name under it, on the certificate's
   * domain and SANs (a wildcard `*.x.example.com` counts as `x.example.com`).
   */
  readonly domainSuffixes?: readonly string[];
}

/** Where an owner's tickets open: a configured ticket connector, optionally in another project. */
export interface OwnerTickets {
  /** A ticket connector's `name` (`ticketConnectors`, TicketChannel). */
  readonly connector: string;
  /**
   * Overrides where the connector opens tickets: Jira: the project key (`PAY`); GitHub: the
   * repository (`repo`, or `owner/repo`); ServiceNow: the assignment group. Not for PagerDuty,
   * whose service is its routing key (use one connector per service).
   * @default the connector's own project, repository or assignment group
   */
  readonly project?: string;
}

/** A team's destinations. */
export interface OwnerDestinations {
  /** Webhook destinations by name (`webhookDestinations`, the webhook channel bindings). */
  readonly webhooks?: readonly string[];
  /** SMS numbers (E.164); each gets (or is) an SMS subscription that receives only this owner's messages. */
  readonly smsNumbers?: readonly string[];
  readonly tickets?: OwnerTickets;
}

export interface Owner extends OwnerDestinations {
  /** 1-64 of A-Z a-z 0-9 _ . - ; unique. */
  readonly name: string;
  /** Empty only for the default owner. */
  readonly match: OwnerMatch;
}

/** The default owner: what no rule matched. */
export interface DefaultOwner extends OwnerDestinations {
  /** @default 'default' */
  readonly name?: string;
}

/** The resolved rules: every owner in order, then the default (whose `match` is empty). */
export interface OwnerRules {
  readonly owners: readonly Owner[];
  readonly defaultOwner: Owner;
}

export type DestinationKind = 'webhook' | 'sms' | 'tickets';

const ACCOUNT = /^\d{12}$/;
const E164 = /^\+[1-9]\d{1,14}$/;
// RFC 1035 LDH labels (A-labels of RFC 5890 are LDH too), each 1-63, the name at most 253.
const DOMAIN_SUFFIX = /^(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
const MATCH_KEYS = ['accounts', 'ous', 'tags', 'domainSuffixes'] as const;
const OWNER_KEYS = ['name', 'match', 'webhooks', 'smsNumbers', 'tickets'];

const fail = (message: string): never => {
  throw new ConfigurationError(message);
};

const stringList = (v: unknown, at: string): string[] => {
  if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && s.trim() !== ''))
    fail(`${at} must be a non-empty array of strings, got ${JSON.stringify(v)}`);
  return (v as string[]).map((s) => s.trim());
};

const domainSuffix = (raw: string, at: string): string => {
  const s = raw.toLowerCase();
  if (s.length <= 253 && DOMAIN_SUFFIX.test(s)) return s;
  const ascii = s.startsWith('.') ? domainToASCII(s.slice(1)) : '';
  return fail(
    ascii && /[^ -~]/.test(s)
      ? `${at} must be A-labels: write "${raw}" as ".${ascii}"`
      : `${at} must be a DNS suffix with a leading dot, like .example.com, got "${raw}"`,
  );
};

const parseMatch = (v: unknown, at: string): OwnerMatch => {
  if (!isJsonObject(v)) return fail(`${at} must be an object with any of ${MATCH_KEYS.join(', ')}`);
  const unknown = Object.keys(v).filter((k) => !(MATCH_KEYS as readonly string[]).includes(k));
  if (unknown.length) fail(`${at} has an unknown criterion "${unknown[0]}" (use ${MATCH_KEYS.join(', ')})`);
  const match: Record<string, unknown> = {};
  if (v.accounts !== undefined) {
    const accounts = stringList(v.accounts, `${at}.accounts`);
    const bad = accounts.find((a) => !ACCOUNT.test(a));
    if (bad) fail(`${at}.accounts must be 12-digit account ids, got "${bad}"`);
    match.accounts = accounts;
  }
  if (v.ous !== undefined) {
    const ous = stringList(v.ous, `${at}.ous`);
    const bad = ous.find((o) => o.split('/').some((p) => p.trim() === '' || p.length > 128));
    if (bad) fail(`${at}.ous entries are OU names or paths like Workloads/Payments, got "${bad}"`);
    match.ous = ous;
  }
  if (v.tags !== undefined) {
    const tags = v.tags;
    if (!isJsonObject(tags) || Object.keys(tags).length === 0)
      fail(`${at}.tags must be a non-empty object of tag key → value (or "*")`);
    for (const [key, value] of Object.entries(tags as Record<string, unknown>))
      if (key === '' || typeof value !== 'string' || value === '')
        fail(`${at}.tags.${key} must be a non-empty string (a value, or "*" for any)`);
    match.tags = { ...(tags as Record<string, string>) };
  }
  if (v.domainSuffixes !== undefined)
    match.domainSuffixes = stringList(v.domainSuffixes, `${at}.domainSuffixes`).map((s, i) =>
      domainSuffix(s, `${at}.domainSuffixes[${i}]`),
    );
  return match as OwnerMatch;
};

const parseDestinations = (v: Record<string, unknown>, at: string): OwnerDestinations => {
  const out: { webhooks?: string[]; smsNumbers?: string[]; tickets?: OwnerTickets } = {};
  if (v.webhooks !== undefined) out.webhooks = stringList(v.webhooks, `${at}.webhooks`);
  if (v.smsNumbers !== undefined) {
    out.smsNumbers = stringList(v.smsNumbers, `${at}.smsNumbers`);
    const bad = out.smsNumbers.find((n) => !E164.test(n));
    if (bad) fail(`${at}.smsNumbers must be E.164 numbers such as +14155550123, got "${bad}"`);
  }
  if (v.tickets !== undefined) {
    const t = v.tickets;
    if (!isJsonObject(t) || typeof t.connector !== 'string' || t.connector.trim() === '')
      fail(`${at}.tickets must be an object {connector, project?} naming a ticket connector`);
    const { connector, project } = t as Record<string, unknown>;
    if (project !== undefined && (typeof project !== 'string' || project.trim() === ''))
      fail(`${at}.tickets.project must be a non-empty string`);
    out.tickets = { connector: connector as string, ...(project ? { project: project as string } : {}) };
  }
  return out;
};

const parseOwner = (v: unknown, at: string, isDefault: boolean): Owner => {
  if (!isJsonObject(v))
    return fail(`${at} must be an object {name, match, webhooks?, smsNumbers?, tickets?}`);
  const unknown = Object.keys(v).find((k) => !OWNER_KEYS.includes(k));
  if (unknown) fail(`${at} has an unknown field "${unknown}" (use ${OWNER_KEYS.join(', ')})`);
  const name = v.name ?? (isDefault ? DEFAULT_OWNER_NAME : undefined);
  if (typeof name !== 'string' || !OWNER_NAME_PATTERN.test(name))
    fail(`${at}.name must be 1-64 characters of A-Z a-z 0-9 _ . -, got ${JSON.stringify(name)}`);
  if (isDefault) {
    // `match: {}` is what the resolved rules say (the construct passes them to the Lambdas as such).
    if (v.match !== undefined && !(isJsonObject(v.match) && Object.keys(v.match).length === 0))
      fail(`${at} is the default owner: it takes what no owner matched, so no match`);
    return { name: name as string, match: {}, ...parseDestinations(v, at) };
  }
  const match = parseMatch(v.match, `${at}.match`);
  if (Object.keys(match).length === 0)
    fail(
      `${at}.match is empty: give accounts, ous, tags or domainSuffixes (only the default owner matches everything)`,
    );
  return { name: name as string, match, ...parseDestinations(v, at) };
};

/**
 * Parses and checks owner rules (`{owners, defaultOwner?}`): names unique (the default's too),
 * every owner but the default with a criterion. Errors name `where` and the bad entry.
 */
export const parseOwnerRules = (value: unknown, where = 'owners'): OwnerRules => {
  if (!isJsonObject(value)) return fail(`${where} must be an object {owners, defaultOwner?}`);
  const extra = Object.keys(value).find((k) => k !== 'owners' && k !== 'defaultOwner');
  if (extra) fail(`${where} has an unknown field "${extra}" (use owners, defaultOwner)`);
  if (!Array.isArray(value.owners)) fail(`${where}.owners must be an array of owners`);
  const owners = (value.owners as unknown[]).map((o, i) => parseOwner(o, `${where}.owners[${i}]`, false));
  const defaultOwner = parseOwner(value.defaultOwner ?? {}, `${where}.defaultOwner`, true);
  const seen = new Set<string>();
  for (const o of [...owners, defaultOwner]) {
    if (seen.has(o.name)) fail(`${where} names owner "${o.name}" twice; owner names are unique`);
    seen.add(o.name);
  }
  return { owners, defaultOwner };
};

/** Parses env OWNERS (JSON); unset or blank means no ownership routing. */
export const ownerRulesFromEnv = (raw: string | undefined, variable = OWNERS_ENV): OwnerRules | undefined =>
  raw?.trim()
    ? parseOwnerRules(parseJsonVariable(raw, variable), `environment variable ${variable}`)
    : undefined;

/** Every owner, the default last. */
export const allOwners = (rules: OwnerRules): readonly Owner[] => [...rules.owners, rules.defaultOwner];

const names = (o: Owner, kind: DestinationKind): readonly string[] =>
  kind === 'webhook'
    ? (o.webhooks ?? [])
    : kind === 'sms'
      ? (o.smsNumbers ?? [])
      : o.tickets
        ? [o.tickets.connector]
        : [];

/** The owners naming a destination, in rule order; empty: the destination takes every alert. */
export const ownersNaming = (rules: OwnerRules, kind: DestinationKind, name: string): string[] =>
  allOwners(rules)
    .filter((o) => names(o, kind).includes(name))
    .map((o) => o.name);

/** Whether a destination takes an alert of `owner`: named by it, or named by no owner at all. */
export const destinationTakes = (
  rules: OwnerRules,
  owner: Owner,
  kind: DestinationKind,
  name: string,
): boolean => names(owner, kind).includes(name) || ownersNaming(rules, kind, name).length === 0;

const GITHUB_NAME = /^[A-Za-z0-9_.-]+$/;
// Jira project keys: a letter, then letters, digits or underscores (it is quoted into JQL).
const JIRA_PROJECT = /^[A-Za-z][A-Za-z0-9_]{0,49}$/;

/**
 * The connector as an owner's project override makes it (see {@link OwnerTickets.project}).
 * Throws a ConfigurationError naming `at` for a project the connector's kind cannot take.
 */
export const connectorForProject = (
  c: ConnectorConfig,
  project: string | undefined,
  at: string,
): ConnectorConfig => {
  if (project === undefined) return c;
  switch (c.kind) {
    case 'jira':
      if (!JIRA_PROJECT.test(project))
        fail(`${at}.project must be a Jira project key such as PAY, got "${project}"`);
      return { ...c, project };
    case 'github': {
      const [owner, repo] = project.includes('/') ? project.split('/', 2) : [c.owner, project];
      const isName = (n: string | undefined) => !!n && GITHUB_NAME.test(n) && n !== '.' && n !== '..';
      if (!isName(owner) || !isName(repo) || project.split('/').length > 2)
        fail(`${at}.project must be a GitHub repository (repo or owner/repo), got "${project}"`);
      return { ...c, owner: owner as string, repo: repo as string };
    }
    case 'servicenow':
      if (project.length > 100)
        fail(`${at}.project (a ServiceNow assignment group) is longer than 100 characters`);
      return { ...c, assignmentGroup: project };
    case 'pagerduty':
      return fail(
        `${at}.project cannot be set for PagerDuty connector "${c.name}": its service is its routing key; configure one connector per service`,
      );
  }
};

/**
 * Checks that every destination the owners name exists where it runs (the construct: all; the
 * notifier: webhooks; the ticket Lambda: connectors) and that project overrides suit their
 * connector. A list left undefined is not checked.
 */
export const checkOwnerDestinations = (
  rules: OwnerRules,
  known: { readonly webhooks?: readonly string[]; readonly connectors?: readonly ConnectorConfig[] },
  where = 'owners',
): void => {
  for (const o of allOwners(rules)) {
    const at = `${where} owner "${o.name}"`;
    if (known.webhooks)
      for (const w of o.webhooks ?? [])
        if (!known.webhooks.includes(w))
          fail(
            `${at} names webhook "${w}", which is not a webhook destination (known: ${known.webhooks.join(', ') || 'none'})`,
          );
    if (known.connectors && o.tickets) {
      const c = known.connectors.find((k) => k.name === o.tickets?.connector);
      if (!c)
        fail(
          `${at} names ticket connector "${o.tickets.connector}", which is not configured (known: ${known.connectors.map((k) => k.name).join(', ') || 'none'})`,
        );
      connectorForProject(c as ConnectorConfig, o.tickets.project, `${at}.tickets`);
    }
  }
};
