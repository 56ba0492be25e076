/**
 * Webhook destinations: which chat (or generic webhook) gets which events, and the request body
 * and URL each kind takes from the formatter registry (WEBHOOK_FORMATTERS, ./format/index.ts).
 */
import { parseDestinations, WEBHOOK_DESTINATIONS_ENV, type WebhookDestination } from '../contracts/channels';
import { isJsonObject } from '../contracts/json';
import { isHttps } from '../contracts/urls';
import {
  digestOf,
  isDigestEvent,
  WEBHOOK_FORMATTERS,
  type WebhookFormatter,
  type WebhookFormatters,
} from './format';
import type { WatcherEvent } from './format/view';

export { parseDestinations, type WebhookDestination } from '../contracts/channels';

export const wants = (d: WebhookDestination, event: WatcherEvent): boolean =>
  !d.detailTypes || d.detailTypes.includes(event['detail-type']);

export class UnknownDestinationKindError extends Error {
  override readonly name = 'UnknownDestinationKindError';
}

const formatterOf = (kind: string, formatters: WebhookFormatters): WebhookFormatter => {
  const formatter = formatters[kind];
  if (!formatter) {
    throw new UnknownDestinationKindError(
      `no formatter for destination kind "${kind}" (known: ${Object.keys(formatters).join(', ')})`,
    );
  }
  return formatter;
};

/** The request body for a destination kind: its digest format for the weekly digest, when it has one. */
export const payloadFor = (
  kind: string,
  event: WatcherEvent,
  formatters: WebhookFormatters = WEBHOOK_FORMATTERS,
): unknown => {
  const formatter = formatterOf(kind, formatters);
  return isDigestEvent(event) && formatter.digest ? formatter.digest(digestOf(event)) : formatter.body(event);
};

/** The destinations of WEBHOOK_DESTINATIONS, each of a kind the registry formats. */
export const destinationsFromEnv = (
  raw: string,
  formatters: WebhookFormatters = WEBHOOK_FORMATTERS,
): WebhookDestination[] => parseDestinations(raw, WEBHOOK_DESTINATIONS_ENV, Object.keys(formatters));

export class InvalidWebhookSecretError extends Error {
  override readonly name = 'InvalidWebhookSecretError';
}

/**
 * The URL from a secret value (the URL itself, or JSON with `url`). HTTPS only (the URL is a
 * bearer credential and the body an alert). Errors never include the value.
 */
export const webhookUrlFrom = (
  secretValue: string,
  kind: string,
  secretId: string,
  formatters: WebhookFormatters = WEBHOOK_FORMATTERS,
): string => {
  let candidate = secretValue.trim();
  if (candidate.startsWith('{')) {
    try {
      const obj: unknown = JSON.parse(candidate);
      candidate = isJsonObject(obj) && typeof obj.url === 'string' ? obj.url.trim() : '';
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
  if (!isHttps(url)) {
    throw new InvalidWebhookSecretError(`secret ${secretId} holds a non-HTTPS webhook URL`);
  }
  formatterOf(kind, formatters).url?.(url);
  return url.toString();
};
