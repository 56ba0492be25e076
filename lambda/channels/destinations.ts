/**
 * Webhook destinations: which chat (or generic webhook) gets which events, and the request body
 * each kind expects. Configuration is JSON (env WEBHOOK_DESTINATIONS), so adding a channel needs
 * no code change.
 */
import { ConfigurationError } from '../shared/env';
import { formatGoogleChat } from './format/google-chat';
import { formatSlack } from './format/slack';
import { formatTeams } from './format/teams';
import type { WatcherEvent } from './format/view';

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

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and validates WEBHOOK_DESTINATIONS; every error names the variable and the entry. */
export const parseDestinations = (raw: string, variable = 'WEBHOOK_DESTINATIONS'): WebhookDestination[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigurationError(
      `environment variable ${variable} is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new ConfigurationError(
      `environment variable ${variable} must be a non-empty JSON array of destinations`,
    );
  }
  const names = new Set<string>();
  return parsed.map((entry, i) => {
    const where = `${variable}[${i}]`;
    if (!isObj(entry)) throw new ConfigurationError(`${where} must be an object {name, kind, secretId}`);
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

export const wants = (d: WebhookDestination, event: WatcherEvent): boolean =>
  !d.detailTypes || d.detailTypes.includes(event['detail-type']);

/** The request body for a destination kind. 'webhook' gets the EventBridge event itself. */
export const payloadFor = (kind: DestinationKind, event: WatcherEvent): unknown => {
  switch (kind) {
    case 'slack':
      return formatSlack(event);
    case 'teams':
      return formatTeams(event);
    case 'google-chat':
      return formatGoogleChat(event);
    case 'webhook':
      return event;
  }
};

export class InvalidWebhookSecretError extends Error {
  override readonly name = 'InvalidWebhookSecretError';
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The URL from a secret value (the URL itself, or JSON with `url`). HTTPS only, except loopback
 * (local receivers in tests). Errors never include the value.
 */
export const webhookUrlFrom = (secretValue: string, kind: DestinationKind, secretId: string): string => {
  let candidate = secretValue.trim();
  if (candidate.startsWith('{')) {
    try {
      const obj: unknown = JSON.parse(candidate);
      candidate = isObj(obj) && typeof obj.url === 'string' ? obj.url.trim() : '';
    } catch {
      candidate = '';
    }
  }
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new InvalidWebhookSecretError(
      `secret ${secretId} does not hold a webhook URL (or JSON with "url")`,
    );
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new InvalidWebhookSecretError(`secret ${secretId} holds a non-HTTPS webhook URL`);
  }
  if (kind === 'google-chat' && !url.searchParams.has('messageReplyOption')) {
    // Replies to the certificate's thread (threadKey), or starts it.
    url.searchParams.set('messageReplyOption', 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
  }
  return url.toString();
};
