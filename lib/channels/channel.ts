import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { Channel, WebhookDestination } from '../../lambda/contracts/channels';
import type { DestinationKind } from '../../lambda/contracts/owners';
import type { ConnectorConfig } from '../../lambda/contracts/ticket-connectors';
import { InvalidWatcherConfigError } from '../validation';

/**
 * The Lambdas that deliver what an SNS subscription cannot, each fed by one routed channel's topic
 * through its own queue: `webhooks` (chat topic → the notifier, env WEBHOOK_DESTINATIONS) and
 * `tickets` (tickets topic → the ticket Lambda, env TICKET_CONNECTORS).
 */
export type DeliveryKind = 'webhooks' | 'tickets';

/** What the fan-out gives a channel when binding it. */
export interface ChannelBindContext {
  /** The topic of each routed channel (`chat`, `sms`, `tickets`): subscribe to these. */
  readonly topics: Readonly<Record<Channel, sns.ITopic>>;
  /**
   * The watcher's ops topic, when its alarm notifications also go to chat channels
   * (`opsAlarms.toChatChannels`): a channel that can show CloudWatch alarm notifications (Chatbot)
   * subscribes to it too.
   */
  readonly opsTopic?: sns.ITopic;
  /**
   * The delivery Lambda of a kind, created on first use (its queue and DLQ follow once every
   * channel is bound): grant it what the channel needs, such as read on the channel's secret.
   */
  deliveryFunction(delivery: DeliveryKind): lambda.IFunction;
  /**
   * The owners (docs/routing.md) whose rules name this destination (an SMS number, a webhook or
   * ticket connector name). A subscription named by owners takes only their messages (an SNS filter
   * policy on the message attribute `owner`); none: every message.
   */
  ownersNaming(kind: DestinationKind, name: string): readonly string[];
}

/** What a channel needs at runtime: nothing (a topic subscription), or its entry for a delivery Lambda. */
export type ChannelConfig =
  | { readonly delivery?: undefined }
  | { readonly delivery: 'webhooks'; readonly setting: WebhookDestination }
  | { readonly delivery: 'tickets'; readonly setting: ConnectorConfig };

/**
 * An alert channel, in the style of aws-events-targets / `IEventSource.bind`: the binding creates
 * and grants what the channel needs (topic subscriptions, Chatbot configurations, read on its
 * secret, its own cdk-nag acknowledgements with their reasons) and returns its runtime setting.
 * The fan-out binds every channel of the `channels` prop and of the older per-kind props.
 */
export interface IWatcherChannel {
  /** What the channel is (`sms`, `chatbot-slack`, `slack`, `jira`, ...), in errors and docs. */
  readonly kind: string;
  /**
   * Unique among a watcher's channels and derived from the name the user gave, never from a list
   * position (`Sms-14155550123`, `Slack-cert-alerts`, `Webhook-ops`, `Tickets-jira`): the
   * construct id of what the binding creates, so reordering channels replaces nothing.
   */
  readonly id: string;
  /**
   * @param scope the fan-out: where the binding creates its constructs, with ids from {@link id}
   * @returns the channel's runtime setting, if any
   */
  bind(scope: Construct, context: ChannelBindContext): ChannelConfig;
}

/** Construct ids: letters, digits and `-_.@+%:` (no `/`, the path separator). */
const CONSTRUCT_ID = /^[A-Za-z0-9][A-Za-z0-9_.@+%:-]*$/;

/** Throws unless every channel has a usable id and no two share one. */
export const validateChannels = (channels: readonly IWatcherChannel[]): readonly IWatcherChannel[] => {
  const seen = new Set<string>();
  channels.forEach((c, i) => {
    if (!CONSTRUCT_ID.test(c.id))
      throw new InvalidWatcherConfigError(
        `channels[${i}] (${c.kind}) has id '${c.id}': use letters, digits and -_.@+%: only`,
      );
    if (seen.has(c.id))
      throw new InvalidWatcherConfigError(
        `channels lists '${c.id}' twice (${c.kind}); give each its own name`,
      );
    seen.add(c.id);
  });
  return channels;
};

/** Runs a contract parser (the one the Lambda runs at init) and rethrows its error as a construct configuration error. */
export const asConfigError = <T>(check: () => T): T => {
  try {
    return check();
  } catch (error) {
    if (error instanceof InvalidWatcherConfigError) throw error;
    throw new InvalidWatcherConfigError((error as Error).message, { cause: error });
  }
};
