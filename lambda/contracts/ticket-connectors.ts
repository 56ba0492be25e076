/**
 * The ticket-connector boundary between the construct (prop `ticketConnectors`, lib/fanout.ts)
 * and the ticket Lambda (env TICKET_CONNECTORS): which systems exist, each one's settings, its
 * search lag (the ticket queue's timings are sized from it) and the parser both sides run.
 * Pure data and checks; the connectors themselves live in lambda/channels/tickets.
 */

import { ConfigurationError } from './errors';
import { isJsonObject } from './json';
import { isHttps } from './urls';

export const CONNECTOR_KINDS = ['jira', 'servicenow', 'github', 'pagerduty'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

interface BaseConfig {
  /** Unique, [a-z0-9-]: names the connector in logs and its reference in the state table. */
  readonly name: string;
  /** Secrets Manager secret id (name or ARN) holding the credentials as JSON. */
  readonly secretId: string;
  /**
   * How long the system's search may lag behind a ticket's creation, in seconds (0 to 600).
   * @default DEFAULT_SEARCH_LAG_SECONDS of the kind: jira 120, github 60, servicenow 0, pagerduty 0
   */
  readonly searchLagSeconds?: number;
}

/**
 * Search lag assumed per system. Jira's JQL search reads an index updated after the issue is
 * written, GitHub's issue listing by label is served from replicas; both documented as eventually
 * consistent. ServiceNow's Table API queries the table itself; PagerDuty merges by dedup_key.
 */
export const DEFAULT_SEARCH_LAG_SECONDS: Record<ConnectorKind, number> = {
  jira: 120,
  github: 60,
  servicenow: 0,
  pagerduty: 0,
};

/** The largest configurable search lag: the ticket queue's redelivery window is sized for it. */
export const MAX_SEARCH_LAG_SECONDS = 600;

/** The connector's search lag in milliseconds. */
export const searchLagMsOf = (c: ConnectorConfig): number =>
  (c.searchLagSeconds ?? DEFAULT_SEARCH_LAG_SECONDS[c.kind]) * 1000;

export interface JiraConfig extends BaseConfig {
  readonly kind: 'jira';
  /** `https://your-site.atlassian.net` */
  readonly baseUrl: string;
  /** Project key, e.g. `OPS`. */
  readonly project: string;
  /** @default 'Task' */
  readonly issueType?: string;
  /** Labels added to every issue besides the dedup key. @default ['certificate-expiry'] */
  readonly labels?: readonly string[];
}

export interface ServiceNowConfig extends BaseConfig {
  readonly kind: 'servicenow';
  /** `https://your-instance.service-now.com` */
  readonly baseUrl: string;
  /** sys_id or name of the assignment group. @default none */
  readonly assignmentGroup?: string;
  /** @default 'software' */
  readonly category?: string;
  /** close_code on resolve (it must be one of the instance's choices). @default 'Solution provided' */
  readonly closeCode?: string;
}

export interface GitHubConfig extends BaseConfig {
  readonly kind: 'github';
  /** @default 'https://api.github.com' (GitHub Enterprise Server: `https://HOST/api/v3`) */
  readonly baseUrl?: string;
  readonly owner: string;
  readonly repo: string;
  /** @default ['certificate-expiry'] */
  readonly labels?: readonly string[];
}

export interface PagerDutyConfig extends BaseConfig {
  readonly kind: 'pagerduty';
  /** @default 'https://events.pagerduty.com' (EU service region: `https://events.eu.pagerduty.com`) */
  readonly baseUrl?: string;
}

export type ConnectorConfig = JiraConfig | ServiceNowConfig | GitHubConfig | PagerDutyConfig;

const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Parses and checks one connector; errors name it by `at`. */
export const parseConnector = (entry: unknown, at: string): ConnectorConfig => {
  if (!isJsonObject(entry)) throw new ConfigurationError(`${at} must be an object`);
  const s = (key: string, required: boolean): string | undefined => {
    const v = entry[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || !v.trim())
      throw new ConfigurationError(`${at}.${key} must be a non-empty string, got ${JSON.stringify(v)}`);
    return v.trim();
  };
  const url = (key: string, required: boolean): string | undefined => {
    const v = s(key, required);
    if (v === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw new ConfigurationError(`${at}.${key} must be a URL, got "${v}"`);
    }
    // Credentials travel with every request: never in clear text, whatever the host.
    if (!isHttps(u))
      throw new ConfigurationError(
        `${at}.${key} must be an https:// URL (credentials are sent with every request), got "${v}"`,
      );
    return v.replace(/\/+$/, '');
  };
  const labels = (): string[] | undefined => {
    const v = entry.labels;
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((l) => typeof l === 'string' && /^\S{1,50}$/.test(l)))
      throw new ConfigurationError(
        `${at}.labels must be an array of labels without spaces (≤ 50 characters)`,
      );
    return v as string[];
  };
  const name = s('name', true)!;
  if (!NAME.test(name)) throw new ConfigurationError(`${at}.name must match ${NAME.source}, got "${name}"`);
  const secretId = s('secretId', true)!;
  const lag = entry.searchLagSeconds;
  if (
    lag !== undefined &&
    (!Number.isInteger(lag) || (lag as number) < 0 || (lag as number) > MAX_SEARCH_LAG_SECONDS)
  )
    throw new ConfigurationError(
      `${at}.searchLagSeconds must be a whole number of seconds from 0 to ${MAX_SEARCH_LAG_SECONDS}, got ${JSON.stringify(lag)}`,
    );
  const base = { name, secretId, ...(lag === undefined ? {} : { searchLagSeconds: lag as number }) };
  const kind = entry.kind;
  switch (kind) {
    case 'jira':
      return {
        kind,
        ...base,
        baseUrl: url('baseUrl', true)!,
        project: s('project', true)!,
        issueType: s('issueType', false),
        labels: labels(),
      };
    case 'servicenow':
      return {
        kind,
        ...base,
        baseUrl: url('baseUrl', true)!,
        assignmentGroup: s('assignmentGroup', false),
        category: s('category', false),
        closeCode: s('closeCode', false),
      };
    case 'github': {
      const owner = s('owner', true)!;
      const repo = s('repo', true)!;
      if (!/^[A-Za-z0-9_.-]+$/.test(owner) || !/^[A-Za-z0-9_.-]+$/.test(repo))
        throw new ConfigurationError(`${at}: owner and repo must be GitHub names, got "${owner}/${repo}"`);
      return { kind, ...base, baseUrl: url('baseUrl', false), owner, repo, labels: labels() };
    }
    case 'pagerduty':
      return { kind, ...base, baseUrl: url('baseUrl', false) };
    default:
      throw new ConfigurationError(
        `${at}.kind must be one of ${CONNECTOR_KINDS.join(', ')}, got ${JSON.stringify(kind)}`,
      );
  }
};

/** Parses and checks TICKET_CONNECTORS; errors name the variable and the entry. */
export const parseConnectors = (raw: string, where = 'TICKET_CONNECTORS'): ConnectorConfig[] => {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigurationError(`${where} must be a JSON array of connectors`);
  }
  if (!Array.isArray(value) || value.length === 0)
    throw new ConfigurationError(`${where} must be a non-empty JSON array of connectors`);
  const names = new Set<string>();
  return value.map((entry, i): ConnectorConfig => {
    const at = `${where}[${i}]`;
    const connector = parseConnector(entry, at);
    if (names.has(connector.name))
      throw new ConfigurationError(`${at}.name "${connector.name}" is used twice`);
    names.add(connector.name);
    return connector;
  });
};
