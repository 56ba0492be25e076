/**
 * The alert-channel boundary between the construct (lib/fanout.ts, lib/channels) and the fan-out
 * and notifier Lambdas: the routed channels (one SNS topic each, env `<CHANNEL>_TOPIC_ARN`), their
 * routing rules (env ROUTING, prop `routing`) and the webhook destinations (env
 * WEBHOOK_DESTINATIONS, from the webhook channel bindings). The construct validates with the same
 * parsers the Lambdas run at init. Pure data and checks.
 */
import { ConfigurationError } from './errors';
import { isJsonObject, parseJsonVariable } from './json';

/** The routed channels: the fan-out publishes each event to the topic of every channel it routes to. */
export const CHANNELS = ['chat', 'sms', 'tickets'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The environment variable holding a channel's topic ARN (fan-out Lambda): `CHAT_TOPIC_ARN`, ... */
export const topicArnEnv = (channel: Channel): string => `${channel.toUpperCase()}_TOPIC_ARN`;

export const ROUTING_ENV = 'ROUTING';
export const WEBHOOK_DESTINATIONS_ENV = 'WEBHOOK_DESTINATIONS';

/** The alert severities rules may name: the one every channel shows for an event. */
export const ROUTING_SEVERITIES = ['ok', 'warning', 'critical', 'expired', 'info'] as const;
export type RoutingSeverity = (typeof ROUTING_SEVERITIES)[number];

export interface RouteRule {
  /** EventBridge detail-types this rule takes. */
  readonly detailTypes: readonly string[];
  /** Only events with one of these alert severities. @default any severity */
  readonly severities?: readonly RoutingSeverity[];
}

/** Rules per channel; a channel with no rules receives nothing. */
export type Routing = Readonly<Record<Channel, readonly RouteRule[]>>;

const EXPIRING = 'Certificate Expiring';
const EXPIRED = 'Certificate Expired';
const RENEWED = 'Certificate Renewed';
const REMOVED = 'Certificate Removed';
const MISCONFIGURED = 'Endpoint Misconfigured';
const CHECK_FAILED = 'Endpoint Check Failed';
const RECOVERED = 'Endpoint Recovered';
const NOT_YET_VALID = 'Certificate Not Yet Valid';
const NOW_VALID = 'Certificate Now Valid';
const NOT_DEPLOYED = 'Certificate Not Deployed';
const DEPLOYED = 'Certificate Deployed';

/**
 * Chat: every lifecycle event (not `Scan Completed`). SMS: only what cannot wait (critical
 * expiring, expired, a certificate clients reject because it is not valid yet). Tickets: warning
 * and above, plus what resolves them so the ticket closes: renewed/removed for expiry tickets,
 * `Certificate Now Valid` for a not-yet-valid one, `Endpoint Recovered` for a failed check or a
 * rejected endpoint certificate (schema 2.3: both go through the lifecycle, said once, resolved),
 * `Certificate Deployed` for `Certificate Not Deployed` (schema 2.4). Not SMS: a not-deployed
 * certificate that is critical is also a critical `Certificate Expiring`, which SMS takes.
 */
export const DEFAULT_ROUTING: Routing = {
  chat: [
    {
      detailTypes: [
        EXPIRING,
        EXPIRED,
        RENEWED,
        REMOVED,
        NOT_YET_VALID,
        NOW_VALID,
        MISCONFIGURED,
        CHECK_FAILED,
        RECOVERED,
        NOT_DEPLOYED,
        DEPLOYED,
      ],
    },
  ],
  sms: [{ detailTypes: [EXPIRING, EXPIRED, NOT_YET_VALID], severities: ['critical', 'expired'] }],
  tickets: [
    {
      detailTypes: [EXPIRING, EXPIRED, NOT_YET_VALID, MISCONFIGURED, CHECK_FAILED, NOT_DEPLOYED],
      severities: ['warning', 'critical', 'expired'],
    },
    { detailTypes: [RENEWED, REMOVED, NOW_VALID, RECOVERED, DEPLOYED] },
  ],
};

/** Every detail-type some channel takes, sorted: the EventBridge rule pattern. */
export const routedDetailTypes = (routing: Routing): string[] => {
  const routed = new Set(CHANNELS.flatMap((c) => routing[c].flatMap((r) => r.detailTypes)));
  // Fleets are announced as one "Certificate Group" event, routed like its members' detail-type.
  if (GROUPABLE_DETAIL_TYPES.some((t) => routed.has(t))) routed.add(GROUP_DETAIL_TYPE);
  return [...routed].sort();
};

/** The detail-type of a fleet announced at once (lambda/lifecycle/fleet-groups.ts). */
export const GROUP_DETAIL_TYPE = 'Certificate Group';
/** What can happen to a whole fleet in one scan. */
export const GROUPABLE_DETAIL_TYPES: readonly string[] = [
  'Certificate Expiring',
  'Certificate Expired',
  'Certificate Renewed',
];

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string' && s.trim() !== '');

/**
 * Validates routing from configuration (a parsed object). A channel left out keeps its default;
 * `[]` turns it off. Errors name `where` and the bad entry.
 */
export const validateRouting = (value: unknown, where = 'routing'): Routing => {
  if (!isJsonObject(value))
    throw new ConfigurationError(`${where} must be an object with any of ${CHANNELS.join(', ')}`);
  for (const key of Object.keys(value)) {
    if (!(CHANNELS as readonly string[]).includes(key)) {
      throw new ConfigurationError(`${where} has an unknown channel "${key}" (use ${CHANNELS.join(', ')})`);
    }
  }
  const channel = (c: Channel): RouteRule[] => {
    const rules = value[c];
    if (rules === undefined) return [...DEFAULT_ROUTING[c]];
    if (!Array.isArray(rules)) throw new ConfigurationError(`${where}.${c} must be an array of rules`);
    return rules.map((rule, i) => {
      const at = `${where}.${c}[${i}]`;
      if (!isJsonObject(rule))
        throw new ConfigurationError(`${at} must be an object {detailTypes, severities?}`);
      const { detailTypes, severities } = rule;
      if (!isStringArray(detailTypes) || detailTypes.length === 0) {
        throw new ConfigurationError(
          `${at}.detailTypes must be a non-empty array of detail-types, got ${JSON.stringify(detailTypes)}`,
        );
      }
      if (severities === undefined) return { detailTypes };
      if (
        !isStringArray(severities) ||
        severities.length === 0 ||
        severities.some((s) => !(ROUTING_SEVERITIES as readonly string[]).includes(s))
      ) {
        throw new ConfigurationError(
          `${at}.severities must be a non-empty array of ${ROUTING_SEVERITIES.join(', ')}, got ${JSON.stringify(severities)}`,
        );
      }
      return { detailTypes, severities: severities as RoutingSeverity[] };
    });
  };
  return Object.fromEntries(CHANNELS.map((c) => [c, channel(c)])) as Record<Channel, RouteRule[]>;
};

/** Parses env ROUTING (JSON); unset or blank means {@link DEFAULT_ROUTING}. */
export const routingFromEnv = (raw: string | undefined, variable = ROUTING_ENV): Routing => {
  if (!raw?.trim()) return DEFAULT_ROUTING;
  return validateRouting(parseJsonVariable(raw, variable), `environment variable ${variable}`);
};

/**
 * The shape of a destination kind. The kinds themselves are the keys of the notifier's formatter
 * registry (WEBHOOK_FORMATTERS, lambda/channels/format/index.ts), each with its construct binding
 * (lib/channels/webhook.ts); this contract lists none, so a new kind changes no contract.
 */
export const DESTINATION_KIND_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/** Destination names: 1-64 of A-Z a-z 0-9 _ . - (shown in logs and metrics instead of the URL). */
export const DESTINATION_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export interface WebhookDestination {
  /** Shown in logs and metrics instead of the URL. */
  readonly name: string;
  /** A key of the notifier's formatter registry: the body the destination gets. */
  readonly kind: string;
  /** Secrets Manager secret (name or ARN) whose value is the webhook URL, or JSON `{"url": "..."}`. */
  readonly secretId: string;
  /** Only these detail-types go to this destination. @default every event */
  readonly detailTypes?: readonly string[];
}

/**
 * Parses and checks one destination; errors name it by `at`.
 * @param kinds the destination kinds known where it runs (the notifier: its formatter registry's
 *   keys); @default any kind of the right shape (the construct, whose bindings check their own)
 */
export const parseDestination = (
  entry: unknown,
  at: string,
  kinds?: readonly string[],
): WebhookDestination => {
  if (!isJsonObject(entry)) throw new ConfigurationError(`${at} must be an object {name, kind, secretId}`);
  const { name, kind, secretId, detailTypes } = entry;
  if (typeof name !== 'string' || !DESTINATION_NAME_PATTERN.test(name)) {
    throw new ConfigurationError(
      `${at}.name must be 1-64 characters of A-Z a-z 0-9 _ . -, got ${JSON.stringify(name)}`,
    );
  }
  if (typeof kind !== 'string' || !DESTINATION_KIND_PATTERN.test(kind) || (kinds && !kinds.includes(kind))) {
    throw new ConfigurationError(
      kinds
        ? `${at}.kind must be one of ${kinds.join(', ')}, got ${JSON.stringify(kind)}`
        : `${at}.kind must match ${DESTINATION_KIND_PATTERN.source}, got ${JSON.stringify(kind)}`,
    );
  }
  if (typeof secretId !== 'string' || secretId.trim() === '' || /^https?:/i.test(secretId)) {
    // A URL here would be a secret in plain configuration (and in logs): refuse it.
    throw new ConfigurationError(`${at}.secretId must name a Secrets Manager secret (not a URL)`);
  }
  if (
    detailTypes !== undefined &&
    (!Array.isArray(detailTypes) || detailTypes.some((d) => typeof d !== 'string'))
  ) {
    throw new ConfigurationError(`${at}.detailTypes must be an array of detail-type strings`);
  }
  return { name, kind, secretId, ...(detailTypes ? { detailTypes: detailTypes as string[] } : {}) };
};

/**
 * Parses and validates WEBHOOK_DESTINATIONS (see {@link parseDestination}); names are unique.
 * Every error names the variable and the entry.
 */
export const parseDestinations = (
  raw: string,
  variable = WEBHOOK_DESTINATIONS_ENV,
  kinds?: readonly string[],
): WebhookDestination[] => {
  const parsed = parseJsonVariable(raw, variable);
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new ConfigurationError(
      `environment variable ${variable} must be a non-empty JSON array of destinations`,
    );
  }
  const names = new Set<string>();
  return parsed.map((entry, i) => {
    const at = `${variable}[${i}]`;
    const destination = parseDestination(entry, at, kinds);
    if (names.has(destination.name))
      throw new ConfigurationError(`${at}.name "${destination.name}" is used twice`);
    names.add(destination.name);
    return destination;
  });
};
