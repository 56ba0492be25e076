import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CHANNELS,
  type Channel,
  ROUTING_ENV,
  type Routing,
  routedDetailTypes,
  topicArnEnv,
  validateRouting,
} from '../lambda/contracts/channels';
import { METRICS_NAMESPACE_ENV, STATE_TABLE_NAME_ENV, WATCHER_ID_ENV } from '../lambda/contracts/env-names';
import { OWNERS_ENV, type OwnerRules, ownersNaming } from '../lambda/contracts/owners';
import {
  type AlertFanoutSettings,
  type ChannelBindContext,
  type ChannelConfig,
  channelsOf,
  checkOwnerBindings,
  type DeliveryKind,
  type IWatcherChannel,
  ownerRulesOf,
} from './channels';
import { type Delivery, deliveryFunction, finishDelivery } from './channels/deliveries';
import { failureMetricAlarm, functionErrorsAlarm } from './ops-alarms';
import type { StateTable } from './state-table';
import { InvalidWatcherConfigError, METRICS_NAMESPACE } from './validation';
import { WatcherFunction } from './watcher-function';

export { validateTicketConnectors } from './channels';

export interface AlertFanoutProps extends AlertFanoutSettings {
  /** The watcher's bus; the fan-out rule listens on it. */
  readonly bus: events.IEventBus;
  /** `source` of the watcher's events. */
  readonly eventSource: string;
  /** Receives fan-out invocations that failed every retry (the watcher's DLQ). */
  readonly deadLetterQueue: sqs.IQueue;
  /** Receives the delivery Lambdas' DLQ alarms. */
  readonly opsTopic: sns.ITopic;
  readonly watcherId: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Holds each certificate's ticket reference (the ticket Lambda's claim and record). */
  readonly stateTable?: StateTable;
  /**
   * Also send the ops topic's alarm notifications to the Chatbot channels (Slack, Teams).
   * @default false
   */
  readonly opsToChatChannels?: boolean;
}

/** Each routed channel's topic: its construct id, the prop that brings one, its display name. */
const TOPICS: Readonly<
  Record<Channel, { id: string; prop: 'chatTopic' | 'smsTopic' | 'ticketsTopic'; displayName?: string }>
> = {
  chat: { id: 'ChatTopic', prop: 'chatTopic', displayName: 'Certificate expiry watcher - chat' },
  // No display name: SNS may put it in front of SMS text, which could need a second segment.
  sms: { id: 'SmsTopic', prop: 'smsTopic' },
  tickets: { id: 'TicketsTopic', prop: 'ticketsTopic', displayName: 'Certificate expiry watcher - tickets' },
};

const validateRoutingProp = (routing: AlertFanoutSettings['routing']): Routing => {
  let resolved: Routing;
  try {
    resolved = validateRouting(routing ?? {});
  } catch (error) {
    throw new InvalidWatcherConfigError((error as Error).message, { cause: error });
  }
  if (routedDetailTypes(resolved).length === 0) {
    throw new InvalidWatcherConfigError(
      'routing sends no event to any channel; give at least one channel a rule',
    );
  }
  return resolved;
};

/**
 * Checks every fan-out setting (throws {@link InvalidWatcherConfigError} naming the bad value);
 * the owners' webhook and ticket connector names are checked once the channels are bound.
 */
export const validateAlertFanoutSettings = (settings: AlertFanoutSettings): void => {
  validateRoutingProp(settings.routing);
  ownerRulesOf(settings);
  channelsOf(settings);
};

/**
 * Alert channels: an EventBridge rule on the watcher bus invokes one fan-out Lambda, which routes
 * each event (docs/chat.md, "Deploying the fan-out") and publishes it to the chat, SMS and tickets
 * topics, each in that channel's format. Then each channel binds itself (lib/channels): SMS
 * subscriptions, Amazon Q Developer in chat applications (Chatbot) Slack / Teams configurations,
 * webhooks through the notifier (chat topic → SQS → Lambda) and ticket connectors through the
 * ticket Lambda (tickets topic → SQS → Lambda).
 */
export class AlertFanout extends Construct {
  readonly chatTopic: sns.ITopic;
  readonly smsTopic: sns.ITopic;
  readonly ticketsTopic: sns.ITopic;
  /** Encrypts the topics this construct creates (none when you bring all three). */
  readonly topicKey?: kms.IKey;
  readonly function: lambda.IFunction;
  /** ALARM when the fan-out function failed (it is retried twice, then dead-lettered). */
  readonly errorsAlarm: cloudwatch.Alarm;
  /** ALARM when the fan-out could not publish to a channel topic (FanoutFailed). */
  readonly failedAlarm: cloudwatch.Alarm;
  readonly rule: events.Rule;
  readonly routing: Routing;
  /** Ownership routing (docs/routing.md), when `owners` or `defaultOwner` is set. */
  readonly owners?: OwnerRules;
  /** Every bound channel: the per-kind props' channels, then `channels`. */
  readonly channels: readonly IWatcherChannel[];
  /** The webhook notifier, when a webhook channel exists. */
  readonly notifierFunction?: lambda.IFunction;
  readonly notifierQueue?: sqs.IQueue;
  readonly notifierDeadLetterQueue?: sqs.IQueue;
  readonly notifierDeadLetterAlarm?: cloudwatch.Alarm;
  /** The ticket Lambda, when a ticket channel exists. */
  readonly ticketFunction?: lambda.IFunction;
  readonly ticketQueue?: sqs.IQueue;
  readonly ticketDeadLetterQueue?: sqs.IQueue;
  readonly ticketDeadLetterAlarm?: cloudwatch.Alarm;
  readonly slackChannels: chatbot.SlackChannelConfiguration[];
  readonly teamsChannels: chatbot.CfnMicrosoftTeamsChannelConfiguration[];

  constructor(scope: Construct, id: string, props: AlertFanoutProps) {
    super(scope, id);
    this.routing = validateRoutingProp(props.routing);
    this.owners = ownerRulesOf(props);
    this.channels = channelsOf(props);
    const ownersEnv: Record<string, string> = this.owners
      ? { [OWNERS_ENV]: JSON.stringify(this.owners) }
      : {};

    const needsKey = CHANNELS.some((c) => !props[TOPICS[c].prop]);
    const key = needsKey
      ? new kms.Key(this, 'TopicKey', {
          description: 'Encrypts the cert-expiry-watcher chat, SMS and tickets topics',
          enableKeyRotation: true,
        })
      : undefined;
    this.topicKey = key;
    const topics = Object.fromEntries(
      CHANNELS.map((c) => {
        const { id: topicId, prop, displayName } = TOPICS[c];
        return [
          c,
          props[prop] ?? new sns.Topic(this, topicId, { displayName, masterKey: key, enforceSSL: true }),
        ];
      }),
    ) as Record<Channel, sns.ITopic>;
    this.chatTopic = topics.chat;
    this.smsTopic = topics.sms;
    this.ticketsTopic = topics.tickets;

    const fanout = new WatcherFunction(this, 'Function', {
      entry: 'lambda/handlers/fanout.ts',
      description: 'Routes watcher events to the chat, SMS and tickets topics',
      logRetention: props.logRetention,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: 2,
      environment: {
        ...Object.fromEntries(CHANNELS.map((c) => [topicArnEnv(c), topics[c].topicArn])),
        [ROUTING_ENV]: JSON.stringify(this.routing),
        ...ownersEnv,
        [WATCHER_ID_ENV]: props.watcherId,
        [METRICS_NAMESPACE_ENV]: METRICS_NAMESPACE,
      },
    });
    this.function = fanout;
    if (props.stateTable) {
      // Each channel takes an event id once (the delivery ledger): retries resend only what failed.
      props.stateTable.grantDeliveryLedger(fanout);
      fanout.addEnvironment(STATE_TABLE_NAME_ENV, props.stateTable.table.tableName);
    }
    this.errorsAlarm = functionErrorsAlarm(
      this,
      'ErrorsAlarm',
      { fanout },
      {
        opsTopic: props.opsTopic,
        description:
          'The alert fan-out function failed: alerts may not have reached chat, SMS or tickets (retried twice, then dead-lettered to the watcher DLQ). See docs/operations.md.',
      },
    );
    this.failedAlarm = failureMetricAlarm(this, 'FanoutFailed', props.watcherId, props.opsTopic);
    // topic.grantPublish would add kms:GenerateDataKey* (a wildcard action); SNS needs exactly
    // GenerateDataKey and Decrypt from the publisher of an encrypted topic. The key policy trusts
    // the account, so this identity-policy grant is all the key needs.
    for (const c of CHANNELS) {
      sns.TopicGrants.fromTopic(topics[c]).actions(fanout, ['sns:Publish'], {
        keyActions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      });
    }

    this.rule = new events.Rule(this, 'Rule', {
      description: 'Sends watcher alerts to the fan-out function (chat, SMS, tickets)',
      eventBus: props.bus,
      eventPattern: { source: [props.eventSource], detailType: routedDetailTypes(this.routing) },
      targets: [
        new targets.LambdaFunction(fanout, {
          retryAttempts: 2,
          deadLetterQueue: props.deadLetterQueue,
        }),
      ],
    });

    const deliveries = this.bindChannels(topics, props, ownersEnv);
    this.notifierFunction = deliveries.webhooks?.fn;
    this.notifierQueue = deliveries.webhooks?.queue;
    this.notifierDeadLetterQueue = deliveries.webhooks?.dlq;
    this.notifierDeadLetterAlarm = deliveries.webhooks?.alarm;
    this.ticketFunction = deliveries.tickets?.fn;
    this.ticketQueue = deliveries.tickets?.queue;
    this.ticketDeadLetterQueue = deliveries.tickets?.dlq;
    this.ticketDeadLetterAlarm = deliveries.tickets?.alarm;
    const children = this.node.children;
    this.slackChannels = children.filter((c) => c instanceof chatbot.SlackChannelConfiguration);
    this.teamsChannels = children.filter((c) => c instanceof chatbot.CfnMicrosoftTeamsChannelConfiguration);
  }

  /**
   * Binds every channel, then gives each delivery Lambda a channel asked for its settings, the
   * owner rules and its queue.
   */
  private bindChannels(
    topics: Readonly<Record<Channel, sns.ITopic>>,
    props: AlertFanoutProps,
    ownersEnv: Record<string, string>,
  ): Partial<Record<DeliveryKind, Delivery>> {
    const functions = new Map<DeliveryKind, WatcherFunction>();
    const { owners } = this;
    const context: ChannelBindContext = {
      topics,
      deliveryFunction: (kind: DeliveryKind): lambda.IFunction => {
        const fn = functions.get(kind) ?? deliveryFunction(this, kind, props);
        functions.set(kind, fn);
        return fn;
      },
      ownersNaming: (kind, name) => (owners ? ownersNaming(owners, kind, name) : []),
      ...(props.opsToChatChannels ? { opsTopic: props.opsTopic } : {}),
    };
    const configs: ChannelConfig[] = this.channels.map((channel) => channel.bind(this, context));
    if (owners) checkOwnerBindings(owners, configs);
    for (const fn of functions.values())
      for (const [name, value] of Object.entries(ownersEnv)) fn.addEnvironment(name, value);
    return Object.fromEntries(
      [...functions].map(([kind, fn]) => [kind, finishDelivery(this, kind, fn, configs, topics, props)]),
    );
  }
}
