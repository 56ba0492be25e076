/**
 * The alert-channel boundary between the construct (lib/fanout.ts) and the fan-out and notifier
 * Lambdas: the channels and their routing rules (env ROUTING, prop `routing`) and the webhook
 * destinations (env WEBHOOK_DESTINATIONS, prop `webhookDestinations`). The construct validates
 * with the same parsers the Lambdas run at init. Pure data and checks.
 */
import { ConfigurationError } from './errors';
import { isJsonObject, parseJsonVariable } from './json';

export const CHANNELS = ['chat', 'sms', 'tickets'] as const;
export type Channel = (typeof CHANNELS)[number];

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

/**
 * Chat: every lifecycle event (not `Scan Completed`). SMS: only what cannot wait (critical
 * expiring, expired). Tickets: warning and above, plus renewed/removed so the ticket closes;
 * `Endpoint Check Failed` is left out of tickets because no event ever resolves it.
 */
export const DEFAULT_ROUTING: Routing = {
  chat: [{ detailTypes: [EXPIRING, EXPIRED, RENEWED, REMOVED, MISCONFIGURED, CHECK_FAILED] }],
  sms: [{ detailTypes: [EXPIRING, EXPIRED], severities: ['critical', 'expired'] }],
  tickets: [
    { detailTypes: [EXPIRING, EXPIRED, MISCONFIGURED], severities: ['warning', 'critical', 'expired'] },
    { detailTypes: [RENEWED, REMOVED] },
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
    throw new ConfigurationError(`${where} must be an object with chat, sms and/or tickets`);
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
  return { chat: channel('chat'), sms: channel('sms'), tickets: channel('tickets') };
};

/** Parses env ROUTING (JSON); unset or blank means {@link DEFAULT_ROUTING}. */
export const routingFromEnv = (raw: string | undefined, variable = 'ROUTING'): Routing => {
  if (!raw?.trim()) return DEFAULT_ROUTING;
  return validateRouting(parseJsonVariable(raw, variable), `environment variable ${variable}`);
};

export const DESTINATION_KINDS = ['slack', 'teams', 'google-chat', 'webhook'] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

export interface WebhookDestination {
  /** Shown in logs and metrics instead of the URL. */
  readonly name: string;
  readonly kind: DestinationKind;
  /** Secrets Manager secret (name or ARN) whose value is the webhook URL, or JSON `{"url": "..."}`. */
  readonly secretId: string;
  /** Only these detail-types go to this destination. @default every event */
  readonly detailTypes?: readonly string[];
}

/** Parses and validates WEBHOOK_DESTINATIONS; every error names the variable and the entry. */
export const parseDestinations = (raw: string, variable = 'WEBHOOK_DESTINATIONS'): WebhookDestination[] => {
  const parsed = parseJsonVariable(raw, variable);
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new ConfigurationError(
      `environment variable ${variable} must be a non-empty JSON array of destinations`,
    );
  }
  const names = new Set<string>();
  return parsed.map((entry, i) => {
    const where = `${variable}[${i}]`;
    if (!isJsonObject(entry))
      throw new ConfigurationError(`${where} must be an object {name, kind, secretId}`);
    const { name, kind, secretId, detailTypes } = entry;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw new ConfigurationError(
        `${where}.name must be 1-64 characters of A-Z a-z 0-9 _ . -, got ${JSON.stringify(name)}`,
      );
    }
    if (names.has(name)) throw new ConfigurationError(`${where}.name "${name}" is used twice`);
    names.add(name);
    if (typeof kind !== 'string' || !(DESTINATION_KINDS as readonly string[]).includes(kind)) {
      throw new ConfigurationError(
        `${where}.kind must be one of ${DESTINATION_KINDS.join(', ')}, got ${JSON.stringify(kind)}`,
      );
    }
    if (typeof secretId !== 'string' || secretId.trim() === '' || /^https?:/i.test(secretId)) {
      // A URL here would be a secret in plain configuration (and in logs): refuse it.
      throw new ConfigurationError(`${where}.secretId must name a Secrets Manager secret (not a URL)`);
    }
    if (
      detailTypes !== undefined &&
      (!Array.isArray(detailTypes) || detailTypes.some((d) => typeof d !== 'string'))
    ) {
      throw new ConfigurationError(`${where}.detailTypes must be an array of detail-type strings`);
    }
    return {
      name,
      kind: kind as DestinationKind,
      secretId,
      ...(detailTypes ? { detailTypes: detailTypes as string[] } : {}),
    };
  });
};
