/**
 * The channel formatter registry: pure message formatting for every channel, one watcher event in,
 * one channel payload out. Two tables, one line per channel:
 * - TOPIC_MESSAGES: what the fan-out publishes to each routed channel's topic (CHANNELS in
 *   lambda/contracts/channels.ts; a Record over it makes a missing line a compile error);
 * - WEBHOOK_FORMATTERS: the body each webhook destination kind gets from the notifier. Its keys
 *   are the list of destination kinds: the notifier refuses any other kind at init.
 */
import type { Channel } from '../../contracts/channels';
import { formatChatbot } from './chatbot';
import { formatGoogleChat } from './google-chat';
import { formatSlack } from './slack';
import { formatSms } from './sms';
import { formatTeams } from './teams';
import type { WatcherEvent } from './view';

export { type ChatbotNotification, formatChatbot } from './chatbot';
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

/** How the notifier posts to one kind of webhook. */
export interface WebhookFormatter {
  /** The request body (JSON-serialisable) for the event. */
  readonly body: (event: WatcherEvent) => unknown;
  /** Adjusts the URL read from the destination's secret (never logged). @default unchanged */
  readonly url?: (url: URL) => void;
}

export type WebhookFormatters = Readonly<Record<string, WebhookFormatter>>;

/**
 * The destination kinds and their formats. Google Chat: replies to the certificate's thread
 * (`threadKey`), or starts it (Google Chat API, spaces.messages.create `messageReplyOption`).
 */
export const WEBHOOK_FORMATTERS: WebhookFormatters = {
  slack: { body: formatSlack },
  teams: { body: formatTeams },
  'google-chat': {
    body: formatGoogleChat,
    url: (url) => {
      if (!url.searchParams.has('messageReplyOption'))
        url.searchParams.set('messageReplyOption', 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
    },
  },
  // The EventBridge event itself.
  webhook: { body: (event) => event },
};
