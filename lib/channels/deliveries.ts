import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type Channel, parseDestinations, WEBHOOK_DESTINATIONS_ENV } from '../../lambda/contracts/channels';
import {
  METRICS_NAMESPACE_ENV,
  STATE_TABLE_NAME_ENV,
  TICKET_CLAIM_LEASE_MS_ENV,
  TICKET_CONNECTORS_ENV,
  WATCHER_ID_ENV,
} from '../../lambda/contracts/env-names';
import { parseConnectors, searchLagMsOf } from '../../lambda/contracts/ticket-connectors';
import { deadLetterAlarm } from '../ops-alarms';
import type { StateTable } from '../state-table';
import { InvalidWatcherConfigError, METRICS_NAMESPACE } from '../validation';
import { WatcherFunction } from '../watcher-function';
import { asConfigError, type ChannelConfig, type DeliveryKind } from './channel';

const DELIVERY_TIMEOUT = Duration.seconds(30);
/** SQS consumers: AWS's guidance for Lambda event sources is a visibility of at least 6 × the timeout. */
const CONSUMER_VISIBILITY = Duration.seconds(DELIVERY_TIMEOUT.toSeconds() * 6);
const DEFAULT_MAX_RECEIVES = 5;

/**
 * The ticket consumer's timings, each derived from the others (docs/tickets.md, "Timings"):
 * - the claim lease outlives the function timeout by 30 s, so a claim's holder is done or dead
 *   when its lease ends (lambda/channels/tickets/ticket-lifecycle.ts);
 * - another delivery may take the claim over after lease + the connector's search lag, and comes
 *   back after each visibility timeout until then;
 * - the receives before the DLQ cover that wait plus three spare receives (failures of their own).
 */
export const ticketTimings = (
  timeout: Duration,
  visibility: Duration,
  maxSearchLagMs: number,
): { readonly claimLeaseMs: number; readonly maxReceiveCount: number } => {
  const claimLeaseMs = (timeout.toSeconds() + 30) * 1000;
  const waitReceives = Math.ceil((claimLeaseMs + maxSearchLagMs) / visibility.toMilliseconds());
  return { claimLeaseMs, maxReceiveCount: Math.max(DEFAULT_MAX_RECEIVES, waitReceives + 3) };
};

/** What the fan-out gives the delivery Lambdas. */
export interface DeliveryProps {
  readonly watcherId: string;
  readonly opsTopic: sns.ITopic;
  readonly logRetention?: logs.RetentionDays;
  readonly stateTable?: StateTable;
}

/** One delivery Lambda: its topic, its Lambda, and the environment and receives its settings give. */
interface DeliverySpec {
  /** The construct id stem: `<id>`, `<id>Queue`, `<id>DeadLetterQueue`, `<id>DeadLetterAlarm`. */
  readonly id: string;
  readonly channel: Channel;
  readonly entry: string;
  readonly description: string;
  /** The DLQ alarm's description: what failed, and what to fix before redriving. */
  readonly what: string;
  readonly fix: string;
  /** Checks the settings together (the Lambda's own parser) and wires what they need. */
  readonly configure: (
    settings: readonly unknown[],
    fn: lambda.IFunction,
    props: DeliveryProps,
  ) => { readonly environment: Record<string, string>; readonly maxReceiveCount?: number };
}

export const DELIVERIES: Readonly<Record<DeliveryKind, DeliverySpec>> = {
  webhooks: {
    id: 'Notifier',
    channel: 'chat',
    entry: 'lambda/handlers/notify.ts',
    description: 'Posts watcher alerts to Slack, Teams, Google Chat and webhooks',
    what: 'A chat notification could not be posted to a webhook',
    fix: 'fix the destination (URL secret, payload)',
    configure: (settings, fn, props) => {
      const json = JSON.stringify(settings);
      // Names unique across every webhook channel, as the notifier checks at init.
      asConfigError(() => parseDestinations(json, 'webhook channels'));
      // Each webhook takes an event id once (the delivery ledger in the state table).
      props.stateTable?.grantDeliveryLedger(fn);
      const ledger: Record<string, string> = props.stateTable
        ? { [STATE_TABLE_NAME_ENV]: props.stateTable.table.tableName }
        : {};
      return { environment: { [WEBHOOK_DESTINATIONS_ENV]: json, ...ledger } };
    },
  },
  tickets: {
    id: 'Tickets',
    channel: 'tickets',
    entry: 'lambda/handlers/tickets.ts',
    description: 'Opens, updates and resolves one ticket per certificate lifecycle',
    what: 'A ticket could not be opened, updated or resolved',
    fix: 'fix the connector (credentials secret, project, permissions)',
    configure: (settings, fn, props) => {
      if (!props.stateTable)
        throw new InvalidWatcherConfigError('ticketConnectors need the watcher state table (stateTable)');
      const json = JSON.stringify(settings);
      // Names unique across every ticket channel, as the ticket Lambda checks at init.
      const connectors = asConfigError(() => parseConnectors(json, 'ticket channels'));
      const timings = ticketTimings(
        DELIVERY_TIMEOUT,
        CONSUMER_VISIBILITY,
        Math.max(...connectors.map(searchLagMsOf)),
      );
      props.stateTable.grantTicketReferences(fn);
      return {
        environment: {
          [TICKET_CONNECTORS_ENV]: json,
          [STATE_TABLE_NAME_ENV]: props.stateTable.table.tableName,
          [TICKET_CLAIM_LEASE_MS_ENV]: String(timings.claimLeaseMs),
        },
        maxReceiveCount: timings.maxReceiveCount,
      };
    },
  },
};

/** A delivery Lambda and what feeds it: topic → encrypted SQS queue (DLQ, alarmed) → the Lambda. */
export interface Delivery {
  readonly fn: lambda.IFunction;
  readonly queue: sqs.IQueue;
  readonly dlq: sqs.IQueue;
  readonly alarm: cloudwatch.Alarm;
}

/** Creates a delivery's Lambda (channels grant it their secrets while binding). */
export const deliveryFunction = (
  scope: Construct,
  kind: DeliveryKind,
  props: DeliveryProps,
): WatcherFunction => {
  const spec = DELIVERIES[kind];
  return new WatcherFunction(scope, spec.id, {
    entry: spec.entry,
    description: spec.description,
    timeout: DELIVERY_TIMEOUT,
    logRetention: props.logRetention,
    environment: { [WATCHER_ID_ENV]: props.watcherId, [METRICS_NAMESPACE_ENV]: METRICS_NAMESPACE },
  });
};

/**
 * Once every channel is bound: the delivery's settings in its environment, and its queue on the
 * topic, with partial batch responses.
 */
export const finishDelivery = (
  scope: Construct,
  kind: DeliveryKind,
  fn: WatcherFunction,
  configs: readonly ChannelConfig[],
  topics: Readonly<Record<Channel, sns.ITopic>>,
  props: DeliveryProps,
): Delivery => {
  const spec = DELIVERIES[kind];
  const settings = configs.flatMap((c) => (c.delivery === kind ? [c.setting] : []));
  const { environment, maxReceiveCount = DEFAULT_MAX_RECEIVES } = spec.configure(settings, fn, props);
  for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);

  const dlq = new sqs.Queue(scope, `${spec.id}DeadLetterQueue`, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  // SSE-SQS, not a customer key: SNS can deliver to it without a key policy.
  const queue = new sqs.Queue(scope, `${spec.id}Queue`, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: CONSUMER_VISIBILITY,
    deadLetterQueue: { queue: dlq, maxReceiveCount },
  });
  // Not raw: the consumers read the SNS envelope, whose `Message` is the `sqs` variant (the event).
  topics[spec.channel].addSubscription(
    new subscriptions.SqsSubscription(queue, { rawMessageDelivery: false }),
  );
  fn.addEventSource(new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));

  const alarm = deadLetterAlarm(scope, `${spec.id}DeadLetterAlarm`, dlq, {
    opsTopic: props.opsTopic,
    description: `${spec.what} after ${maxReceiveCount} receives and was dead-lettered; ${spec.fix} and redrive the queue.`,
  });
  return { fn, queue, dlq, alarm };
};
