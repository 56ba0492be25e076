/**
 * Webhook destinations: which chat (or generic webhook) gets which events, and the request body
 * each kind expects. Configuration is JSON (env WEBHOOK_DESTINATIONS), so adding a channel needs
 * no code change.
 */
import type { DestinationKind, WebhookDestination } from '../contracts/channels';
import { isJsonObject } from '../contracts/json';
import { isSecureOrLoopback } from '../contracts/urls';
import { formatGoogleChat } from './format/google-chat';
import { formatSlack } from './format/slack';
import { formatTeams } from './format/teams';
import type { WatcherEvent } from './format/view';

export {
  DESTINATION_KINDS,
  type DestinationKind,
  parseDestinations,
  type WebhookDestination,
} from '../contracts/channels';

export const wants = (d: WebhookDestination, event: WatcherEvent): boolean =>
  !d.detailTypes || d.detailTypes.includes(event['detail-type']);

/**
 * The formatter registry: the request body each destination kind expects, one line per kind
 * (DESTINATION_KINDS in lambda/contracts/channels.ts; a Record over it makes a missing line a
 * compile error). 'webhook' gets the EventBridge event itself.
 */
export const PAYLOAD_FORMATTERS: Readonly<Record<DestinationKind, (event: WatcherEvent) => unknown>> = {
  slack: formatSlack,
  teams: formatTeams,
  'google-chat': formatGoogleChat,
  webhook: (event) => event,
};

/** The request body for a destination kind. */
export const payloadFor = (kind: DestinationKind, event: WatcherEvent): unknown =>
  PAYLOAD_FORMATTERS[kind](event);

export class InvalidWebhookSecretError extends Error {
  override readonly name = 'InvalidWebhookSecretError';
}

/**
 * The URL from a secret value (the URL itself, or JSON with `url`). HTTPS only, except loopback
 * (local receivers in tests). Errors never include the value.
 */
export const webhookUrlFrom = (secretValue: string, kind: DestinationKind, secretId: string): string => {
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
  if (!isSecureOrLoopback(url)) {
    throw new InvalidWebhookSecretError(`secret ${secretId} holds a non-HTTPS webhook URL`);
  }
  if (kind === 'google-chat' && !url.searchParams.has('messageReplyOption')) {
    // Replies to the certificate's thread (threadKey), or starts it.
    url.searchParams.set('messageReplyOption', 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
  }
  return url.toString();
};
