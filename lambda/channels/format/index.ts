/**
 * The channel formatter registry: pure message formatting for every channel, one watcher event in,
 * one channel payload out. Two tables, one line per channel:
 * - TOPIC_MESSAGES: what the fan-out publishes to each routed channel's topic (CHANNELS in
 *   lambda/contracts/channels.ts; a Record over it makes a missing line a compile error);
 * - WEBHOOK_FORMATTERS: the body each webhook destination kind gets from the notifier. Its keys
 *   are the list of destination kinds: the notifier refuses any other kind at init.
 */
import type { Channel } from '../../contracts/channels';
import type { DigestEvent, EstateDigest } from '../../reports/digest';
import { formatChatbot } from './chatbot';
import { formatDigestChatbot, formatDigestSlack } from './digest';
import { formatDigestGoogleChat, formatDigestTeams } from './digest-cards';
import { formatGoogleChat } from './google-chat';
import { formatSlack } from './slack';
import { formatSms } from './sms';
import { formatTeams } from './teams';
import type { WatcherEvent } from './view';

export { type ChatbotNotification, formatChatbot } from './chatbot';
export { digestOf, formatDigestChatbot, formatDigestSlack, isDigestEvent } from './digest';
export { formatDigestGoogleChat, formatDigestTeams } from './digest-cards';
export { formatGoogleChat, type GoogleChatMessage } from './google-chat';
export { formatSlack, type SlackMessage } from './slack';
export { formatSms, gsmSeptets, toGsmAscii } from './sms';
export { formatTeams, type TeamsMessage } from './teams';
export { type AlertView, threadKeyOf, toView, type WatcherEvent } from './view';

/** The SNS message of one channel: `Message`, and `MessageStructure: 'json'` for per-protocol messages. */
export interface TopicMessage {
  readonly Message: string;
  readonly MessageStructure?: 'json';
}

/** What the fan-out publishes to each channel's topic; `raw` is the event as JSON. */
export const TOPIC_MESSAGES: Readonly<Record<Channel, (event: WatcherEvent, raw: string) => TopicMessage>> = {
  // Chatbot JSON for HTTPS (Amazon Q Developer) subscribers, the raw event for SQS ones.
  chat: (event, raw) => ({
    MessageStructure: 'json',
    Message: JSON.stringify({ default: JSON.stringify(formatChatbot(event)), sqs: raw }),
  }),
  sms: (event) => ({ Message: formatSms(event) }),
  tickets: (_event, raw) => ({ Message: raw }),
};

/**
 * The weekly digest on the chat topic (lambda/handlers/make-report-handler.ts publishes it there
 * itself, beside the alerts the fan-out publishes): the Chatbot custom notification for HTTPS
 * (Amazon Q Developer) subscribers, the digest event for the notifier's queue, which formats it per
 * webhook kind with {@link WebhookFormatter.digest}.
 */
export const digestTopicMessage = (event: DigestEvent): TopicMessage => ({
  MessageStructure: 'json',
  Message: JSON.stringify({
    default: JSON.stringify(formatDigestChatbot(event.detail)),
    sqs: JSON.stringify(event),
  }),
});

/** How the notifier posts to one kind of webhook. */
export interface WebhookFormatter {
  /** The request body (JSON-serialisable) for the event. */
  readonly body: (event: WatcherEvent) => unknown;
  /** The request body for the weekly digest ("Certificate Digest"). @default `body` of the digest event */
  readonly digest?: (digest: EstateDigest) => unknown;
  /** Adjusts the URL read from the destination's secret (never logged). @default unchanged */
  readonly url?: (url: URL) => void;
}

export type WebhookFormatters = Readonly<Record<string, WebhookFormatter>>;

/**
 * The destination kinds and their formats. Google Chat: replies to the certificate's thread
 * (`threadKey`), or starts it (Google Chat API, spaces.messages.create `messageReplyOption`).
 */
export const WEBHOOK_FORMATTERS: WebhookFormatters = {
  slack: { body: formatSlack, digest: formatDigestSlack },
  teams: { body: formatTeams, digest: formatDigestTeams },
  'google-chat': {
    body: formatGoogleChat,
    digest: formatDigestGoogleChat,
    url: (url) => {
      if (!url.searchParams.has('messageReplyOption'))
        url.searchParams.set('messageReplyOption', 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
    },
  },
  // The EventBridge event itself (the digest: its event, detail-type "Certificate Digest").
  webhook: { body: (event) => event },
};
