/**
 * Which watcher events go to which alert channel (chat, SMS, tickets). Pure: the fan-out Lambda
 * and the construct (rule pattern, synth-time validation) share it. Routing is configuration
 * (env ROUTING, construct prop `routing`): each channel lists rules, and an event goes to a
 * channel when any of its rules matches the detail-type and, if the rule names severities, the
 * alert severity. The severity is the one every channel shows (`toView`): `Endpoint
 * Misconfigured` and `Endpoint Check Failed` are critical, `Certificate Expired` is expired,
 * renewed and removed are `info`.
 */
import { ConfigurationError } from '../shared/env';
import { type Severity, toView, type WatcherEvent } from './format/view';

export const CHANNELS = ['chat', 'sms', 'tickets'] as const;
export type Channel = (typeof CHANNELS)[number];

export const ROUTING_SEVERITIES = ['ok', 'warning', 'critical', 'expired', 'info'] as const;

export interface RouteRule {
  /** EventBridge detail-types this rule takes. */
  readonly detailTypes: readonly string[];
  /** Only events with one of these alert severities. @default any severity */
  readonly severities?: readonly Severity[];
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

const matches = (rule: RouteRule, detailType: string, severity: Severity): boolean =>
  rule.detailTypes.includes(detailType) && (!rule.severities || rule.severities.includes(severity));

/** The channels an event goes to, in {@link CHANNELS} order. */
export const routesFor = (event: WatcherEvent, routing: Routing = DEFAULT_ROUTING): Channel[] => {
  const detailType = event['detail-type'];
  const { severity } = toView(event);
  return CHANNELS.filter((channel) => routing[channel].some((rule) => matches(rule, detailType, severity)));
};

/** Every detail-type some channel takes, sorted: the EventBridge rule pattern. */
export const routedDetailTypes = (routing: Routing): string[] =>
  [...new Set(CHANNELS.flatMap((c) => routing[c].flatMap((r) => r.detailTypes)))].sort();

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string' && s.trim() !== '');

/**
 * Validates routing from configuration (a parsed object). A channel left out keeps its default;
 * `[]` turns it off. Errors name `where` and the bad entry.
 */
export const validateRouting = (value: unknown, where = 'routing'): Routing => {
  if (!isObj(value)) throw new ConfigurationError(`${where} must be an object with chat, sms and/or tickets`);
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
      if (!isObj(rule)) throw new ConfigurationError(`${at} must be an object {detailTypes, severities?}`);
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
      return { detailTypes, severities: severities as Severity[] };
    });
  };
  return { chat: channel('chat'), sms: channel('sms'), tickets: channel('tickets') };
};

/** Parses env ROUTING (JSON); unset or blank means {@link DEFAULT_ROUTING}. */
export const routingFromEnv = (raw: string | undefined, variable = 'ROUTING'): Routing => {
  if (!raw?.trim()) return DEFAULT_ROUTING;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigurationError(
      `environment variable ${variable} is not valid JSON: ${(error as Error).message}`,
    );
  }
  return validateRouting(parsed, `environment variable ${variable}`);
};
