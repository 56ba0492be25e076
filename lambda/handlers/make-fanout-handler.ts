/**
 * The alert fan-out: target of an EventBridge rule on the watcher bus, invoked asynchronously
 * with one event. `routesFor` picks the channels, then one SNS Publish per channel:
 *
 * - chat: `MessageStructure: json` with `default` = the Amazon Q Developer in chat applications
 *   (Chatbot) custom notification (`formatChatbot`), which its HTTPS subscription receives, and
 *   `sqs` = the raw EventBridge event, which the webhook notifier's queue needs;
 * - sms: the one-segment text (`formatSms`); SMS subscriptions deliver `Message` as the text;
 * - tickets: the raw EventBridge event JSON.
 *
 * Every message carries the attributes `detailType` and `severity` for subscription filter
 * policies, and with owner rules (env OWNERS, docs/routing.md) `owner`: the name of the event's
 * owner, on which each owner's SMS subscriptions filter.
 *
 * A failed publish throws: Lambda retries the invocation (twice) and then sends it to
 * the dead-letter queue. With a delivery ledger (the state table) each channel takes an event id
 * once: a retry publishes only to the channels that failed, and a redelivered event is dropped.
 */
import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import { TOPIC_MESSAGES } from '../channels/format';
import { toView, type WatcherEvent } from '../channels/format/view';
import { type OwnerRules, ownerOf, ownerRulesFromEnv } from '../channels/owners';
import { CHANNELS, type Channel, type Routing, routesFor, routingFromEnv } from '../channels/routing';
import { ROUTING_ENV, topicArnEnv } from '../contracts/channels';
import { OWNER_ATTRIBUTE, OWNERS_ENV } from '../contracts/owners';
import type { Logger } from '../core/ports';
import { type Env, requireEnv } from '../shared/env';
import type { MetricsSink } from '../shared/metrics';
import { type DeliveryLedger, deliverOnce } from '../sinks/state/delivery-ledger';

export interface FanoutConfig {
  readonly topicArns: Readonly<Record<Channel, string>>;
  readonly routing: Routing;
  /** Ownership routing (env OWNERS). @default none: no `owner` attribute */
  readonly owners?: OwnerRules;
}

export const fanoutConfigFromEnv = (env: Env): FanoutConfig => ({
  topicArns: Object.fromEntries(CHANNELS.map((c) => [c, requireEnv(env, topicArnEnv(c))])) as Record<
    Channel,
    string
  >,
  routing: routingFromEnv(env[ROUTING_ENV]),
  owners: ownerRulesFromEnv(env[OWNERS_ENV]),
});

export class InvalidFanoutEventError extends Error {
  override readonly name = 'InvalidFanoutEventError';
}

export class FanoutPublishError extends Error {
  override readonly name = 'FanoutPublishError';
}

export interface FanoutDeps {
  readonly config: FanoutConfig;
  readonly sns: Pick<SNSClient, 'send'>;
  readonly logger: Logger;
  readonly metrics?: MetricsSink;
  /** Remembers which channel took which event id. @default none: every invocation publishes */
  readonly ledger?: DeliveryLedger;
}

export interface FanoutResult {
  readonly channels: Channel[];
  /** Channels that already had this event id (a retry or a redelivery): not published again. */
  readonly skipped?: Channel[];
  /** The event's owner, with owner rules. */
  readonly owner?: string;
}

/** The SNS Publish input for one channel (pure): its message from TOPIC_MESSAGES; `owner`: the event's owner's name. */
export const publishInputFor = (
  channel: Channel,
  topicArn: string,
  event: WatcherEvent,
  owner?: string,
): PublishCommandInput => {
  const view = toView(event);
  const MessageAttributes = {
    detailType: { DataType: 'String', StringValue: event['detail-type'] },
    severity: { DataType: 'String', StringValue: view.severity },
    ...(owner ? { [OWNER_ATTRIBUTE]: { DataType: 'String', StringValue: owner } } : {}),
  };
  return {
    TopicArn: topicArn,
    ...TOPIC_MESSAGES[channel](event, JSON.stringify(event)),
    MessageAttributes,
  };
};

const isEvent = (v: unknown): v is WatcherEvent =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { 'detail-type'?: unknown })['detail-type'] === 'string';

export const makeFanoutHandler = (deps: FanoutDeps) => {
  const { config, sns, logger } = deps;
  return async (event: unknown): Promise<FanoutResult> => {
    if (!isEvent(event)) {
      // Retrying cannot help; failing sends it to the DLQ where someone can look at it.
      throw new InvalidFanoutEventError(
        'the fan-out was invoked with something that is not an EventBridge event',
      );
    }
    const channels = routesFor(event, config.routing);
    const owner = config.owners && channels.length > 0 ? ownerOf(event, config.owners).name : undefined;
    const log = {
      eventId: event.id,
      detailType: event['detail-type'],
      channels,
      ...(owner ? { owner } : {}),
    };
    const ledgerError = (channel: Channel) => (error: unknown) =>
      logger.warn('delivery ledger unavailable; published without deduplication', { ...log, channel, error });
    const detailId = (event.detail as { eventId?: unknown } | undefined)?.eventId;
    const eventId = typeof detailId === 'string' ? detailId : (event.id ?? '');
    const results = await Promise.allSettled(
      channels.map((channel) =>
        deliverOnce(
          deps.ledger,
          `sns:${channel}`,
          eventId,
          async () => {
            await sns.send(
              new PublishCommand(publishInputFor(channel, config.topicArns[channel], event, owner)),
            );
            return true;
          },
          ledgerError(channel),
        ),
      ),
    );
    const skipped = channels.filter((_, i) => {
      const r = results[i];
      return r?.status === 'fulfilled' && r.value === 'skipped';
    });
    if (skipped.length > 0)
      logger.info('channels already had this event; not published again', { ...log, skipped });
    const failed: Channel[] = [];
    results.forEach((r, i) => {
      const channel = channels[i];
      if (r.status === 'rejected') {
        if (channel) failed.push(channel);
        logger.error('publish to the channel topic failed', { ...log, channel, error: r.reason });
      }
    });
    deps.metrics?.({
      FanoutPublished: channels.length - failed.length - skipped.length,
      FanoutFailed: failed.length,
      FanoutDuplicatesDropped: skipped.length,
    });
    if (failed.length > 0) {
      throw new FanoutPublishError(`publishing ${event['detail-type']} failed for ${failed.join(', ')}`);
    }
    logger.info('event fanned out', log);
    return { channels, ...(owner ? { owner } : {}), ...(skipped.length > 0 ? { skipped } : {}) };
  };
};
