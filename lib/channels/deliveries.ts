import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
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
import {
  DELIVERY_RECEIVES,
  DELIVERY_TIMEOUT_SECONDS,
  type QueueTiming,
  queueTiming,
  ticketQueueTiming,
} from '../../lambda/contracts/timing';
import {
  deadLetterAlarm,
  type FailureMetric,
  failureMetricAlarm,
  functionErrorsAlarm,
  queueAgeAlarm,
} from '../ops-alarms';
import { deadLetterQueue, timingOf, workQueue } from '../queues';
import type { StateTable } from '../state-table';
import { InvalidWatcherConfigError, METRICS_NAMESPACE } from '../validation';
import { WatcherFunction } from '../watcher-function';
import { asConfigError, type ChannelConfig, type DeliveryKind } from './channel';

const DELIVERY_TIMEOUT = Duration.seconds(DELIVERY_TIMEOUT_SECONDS);

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
  /** The failure counter the Lambda emits (alarmed on the ops topic). */
  readonly failureMetric: FailureMetric;
  readonly fix: string;
  /** Checks the settings together (the Lambda's own parser) and wires what they need. */
  readonly configure: (
    settings: readonly unknown[],
    fn: lambda.IFunction,
    props: DeliveryProps,
  ) => { readonly environment: Record<string, string>; readonly timing?: QueueTiming };
}

export const DELIVERIES: Readonly<Record<DeliveryKind, DeliverySpec>> = {
  webhooks: {
    id: 'Notifier',
    channel: 'chat',
    entry: 'lambda/handlers/notify.ts',
    description: 'Posts watcher alerts to Slack, Teams, Google Chat and webhooks',
    what: 'A chat notification could not be posted to a webhook',
    failureMetric: 'WebhookFailures',
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
    failureMetric: 'TicketFailures',
    fix: 'fix the connector (credentials secret, project, permissions)',
    configure: (settings, fn, props) => {
      if (!props.stateTable)
        throw new InvalidWatcherConfigError('ticketConnectors need the watcher state table (stateTable)');
      const json = JSON.stringify(settings);
      // Names unique across every ticket channel, as the ticket Lambda checks at init.
      const connectors = asConfigError(() => parseConnectors(json, 'ticket channels'));
      // The claim lease, and receives that outlast a dead holder's lease plus the search lag
      // (lambda/contracts/timing.ts; docs/tickets.md, "Timings").
      const timing = timingOf('ticketConnectors', () =>
        ticketQueueTiming(Math.max(...connectors.map(searchLagMsOf))),
      );
      props.stateTable.grantTicketReferences(fn);
      return {
        environment: {
          [TICKET_CONNECTORS_ENV]: json,
          [STATE_TABLE_NAME_ENV]: props.stateTable.table.tableName,
          [TICKET_CLAIM_LEASE_MS_ENV]: String(timing.claimLeaseMs),
        },
        timing,
      };
    },
  },
};

/** A delivery Lambda and what feeds it: topic → encrypted SQS queue (DLQ, alarmed) → the Lambda. */
export interface Delivery {
  readonly fn: lambda.IFunction;
  readonly queue: sqs.IQueue;
  readonly dlq: sqs.IQueue;
  /** ALARM while the DLQ holds a message. */
  readonly alarm: cloudwatch.Alarm;
  /** ALARM when the Lambda failed, when its failure metric counted one, when a message waits too long. */
  readonly healthAlarms: readonly cloudwatch.Alarm[];
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
  const { environment, timing = queueTiming(DELIVERY_TIMEOUT_SECONDS, DELIVERY_RECEIVES) } = spec.configure(
    settings,
    fn,
    props,
  );
  const { maxReceiveCount } = timing;
  for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);

  const dlq = deadLetterQueue(scope, `${spec.id}DeadLetterQueue`);
  // SSE-SQS, not a customer key: SNS can deliver to it without a key policy.
  const queue = workQueue(scope, `${spec.id}Queue`, timing, dlq);
  // Not raw: the consumers read the SNS envelope, whose `Message` is the `sqs` variant (the event).
  topics[spec.channel].addSubscription(
    new subscriptions.SqsSubscription(queue, { rawMessageDelivery: false }),
  );
  fn.addEventSource(new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));

  const alarm = deadLetterAlarm(scope, `${spec.id}DeadLetterAlarm`, dlq, {
    opsTopic: props.opsTopic,
    description: `${spec.what} after ${maxReceiveCount} receives and was dead-lettered; ${spec.fix} and redrive the queue.`,
  });
  const ops = { opsTopic: props.opsTopic };
  const healthAlarms = [
    functionErrorsAlarm(
      scope,
      `${spec.id}ErrorsAlarm`,
      { [spec.id]: fn },
      {
        ...ops,
        description: `The ${spec.id} Lambda failed (${spec.description.toLowerCase()}); its messages are retried, then dead-lettered. See docs/operations.md.`,
      },
    ),
    failureMetricAlarm(scope, spec.failureMetric, props.watcherId, props.opsTopic),
    // A message is received at most maxReceiveCount times, one visibility apart: older means stuck.
    queueAgeAlarm(scope, `${spec.id}QueueAgeAlarm`, queue, Duration.seconds(timing.receiveWindowSeconds), {
      ...ops,
      description: `A message has waited in the ${spec.id} queue longer than its receive window: the Lambda is not running or not keeping up. See docs/operations.md.`,
    }),
  ];
  return { fn, queue, dlq, alarm, healthAlarms };
};
