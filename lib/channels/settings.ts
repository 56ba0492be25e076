/**
 * The fan-out's props: the topics, the routing, the `channels` bindings, and the older per-kind
 * props (each entry mapped onto its binding by `channelsOf`, lib/channels/index.ts).
 */
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Channel, RouteRule } from '../../lambda/contracts/channels';
import type { DefaultOwner, Owner } from '../../lambda/contracts/owners';
import type { ConnectorConfig } from '../../lambda/contracts/ticket-connectors';
import type { IWatcherChannel } from './channel';
import type { SlackChannelSettings, TeamsChannelSettings } from './chatbot';
import type { WebhookChannelProps } from './webhook';

/** A webhook the notifier posts chat alerts to (docs/chat.md). */
export interface WebhookDestinationSettings extends WebhookChannelProps {
  /** The notifier's format: `slack`, `teams`, `google-chat` or `webhook` (a key of WEBHOOK_CHANNELS). */
  readonly kind: string;
}

/** Alert channels: the fan-out to chat, SMS and tickets topics (docs/chat.md, "Deploying the fan-out"). */
export interface AlertFanoutSettings {
  /**
   * Topic for chat messages (a Chatbot custom notification as `default`, the raw event for SQS
   * subscribers). A topic you bring with its own KMS key must let the fan-out function use the key.
   *
   * @default - a new topic, encrypted with the fan-out's KMS key, SSL enforced
   */
  readonly chatTopic?: sns.ITopic;
  /**
   * Topic for SMS: the message is one SMS segment of text.
   *
   * @default - a new topic, encrypted with the fan-out's KMS key, SSL enforced
   */
  readonly smsTopic?: sns.ITopic;
  /**
   * Topic for ticket connectors: the message is the raw EventBridge event.
   *
   * @default - a new topic, encrypted with the fan-out's KMS key, SSL enforced
   */
  readonly ticketsTopic?: sns.ITopic;
  /**
   * Which events each channel gets: per channel, rules of detail-types and (optionally) alert
   * severities (`ok`, `warning`, `critical`, `expired`, `info`). A channel left out keeps its
   * default; `[]` turns it off.
   *
   * @default - chat: every lifecycle event; sms: critical Expiring and Expired; tickets: warning and
   *   above (Expiring, Expired, Endpoint Misconfigured) plus Renewed and Removed
   */
  readonly routing?: Partial<Readonly<Record<Channel, readonly RouteRule[]>>>;
  /**
   * The alert channels, each a binding that creates and grants what it needs (lib/channels;
   * docs/architecture.md, "Add a channel"): `SmsChannel`, `SlackChatbotChannel`,
   * `TeamsChatbotChannel`, `SlackWebhook`, `TeamsWebhook`, `GoogleChatWebhook`, `GenericWebhook`,
   * `TicketChannel`, or your own `IWatcherChannel`. Bound after those of the per-kind props below;
   * no two channels may share an id.
   *
   * @default - none besides the per-kind props
   */
  readonly channels?: readonly IWatcherChannel[];
  /**
   * Phone numbers (E.164, e.g. `+14155550123`) subscribed to the SMS topic: one `SmsChannel` each.
   *
   * @default - no SMS subscriptions
   */
  readonly smsPhoneNumbers?: readonly string[];
  /**
   * Webhooks for the notifier Lambda (chat topic → SQS → Lambda): one `WebhookChannel` of the
   * given kind each. When any exists, creates the queue, its DLQ with an alarm on the ops topic,
   * and the notifier.
   *
   * @default - no notifier
   */
  readonly webhookDestinations?: readonly WebhookDestinationSettings[];
  /**
   * Ticketing systems that get one ticket per certificate lifecycle from the tickets topic
   * (Jira Cloud, ServiceNow, GitHub Issues, PagerDuty; see docs/tickets.md): one `TicketChannel`
   * each. Credentials live in the Secrets Manager secret each entry names.
   *
   * @default - no ticket Lambda
   */
  readonly ticketConnectors?: readonly ConnectorConfig[];
  /**
   * Slack channel configurations subscribed to the chat topic: one `SlackChatbotChannel` each.
   *
   * @default - none
   */
  readonly slackChannels?: readonly SlackChannelSettings[];
  /**
   * Microsoft Teams channel configurations subscribed to the chat topic: one `TeamsChatbotChannel` each.
   *
   * @default - none
   */
  readonly teamsChannels?: readonly TeamsChannelSettings[];
  /**
   * Ownership routing (docs/routing.md): teams in order, first match wins. Each owner has a
   * `match` (any of `accounts`, `ous`, `tags`, `domainSuffixes`) and its destinations: webhook
   * destinations by name, SMS numbers, a ticket connector with an optional project. A destination
   * some owner names receives only the alerts of the owners naming it (SMS: a filter policy on the
   * message attribute `owner`); one no owner names receives every alert. Chatbot channels receive
   * every alert (they subscribe to the whole chat topic).
   *
   * @default - no ownership routing: every destination receives every alert its routing sends
   */
  readonly owners?: readonly Owner[];
  /**
   * The owner of what no owner matched, with its destinations.
   *
   * @default - `{ name: 'default' }` with no destinations of its own: unmatched alerts reach only
   *   the destinations no owner names
   */
  readonly defaultOwner?: DefaultOwner;
}
