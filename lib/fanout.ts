import { Duration, Token } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DESTINATION_KINDS,
  parseDestinations,
  type Routing,
  routedDetailTypes,
  validateRouting,
} from '../lambda/contracts/channels';
import { parseConnectors, searchLagMsOf } from '../lambda/contracts/ticket-connectors';
import { type AlertFanoutSettings, InvalidWatcherConfigError, METRICS_NAMESPACE } from './config';
import { deadLetterAlarm } from './ops-alarms';
import { secretFromId, validateSecretId } from './secret-id';
import type { StateTable } from './state-table';
import { WatcherFunction } from './watcher-function';

export interface AlertFanoutProps extends AlertFanoutSettings {
  /** The watcher's bus; the fan-out rule listens on it. */
  readonly bus: events.IEventBus;
  /** `source` of the watcher's events. */
  readonly eventSource: string;
  /** Receives fan-out invocations that failed every retry (the watcher's DLQ). */
  readonly deadLetterQueue: sqs.IQueue;
  /** Receives the notifier DLQ alarm. */
  readonly opsTopic: sns.ITopic;
  readonly watcherId: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Holds each certificate's ticket reference (the ticket Lambda's claim and record). */
  readonly stateTable?: StateTable;
}

// E.164: '+', country code not starting with 0, at most 15 digits in all.
const E164 = /^\+[1-9]\d{1,14}$/;
// Chatbot configuration names: 1-128 of letters, digits, '-' and '_'.
const CHATBOT_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const NOTIFIER_TIMEOUT = Duration.seconds(30);
/** SQS consumers: AWS's guidance for Lambda event sources is a visibility of at least 6 × the timeout. */
const CONSUMER_VISIBILITY = Duration.seconds(NOTIFIER_TIMEOUT.toSeconds() * 6);
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

export const validatePhoneNumbers = (numbers: readonly string[]): readonly string[] => {
  const seen = new Set<string>();
  numbers.forEach((n, i) => {
    if (Token.isUnresolved(n)) return;
    if (!E164.test(n)) {
      throw new InvalidWatcherConfigError(
        `smsPhoneNumbers[${i}] must be an E.164 number such as +14155550123, got '${n}'`,
      );
    }
    if (seen.has(n)) throw new InvalidWatcherConfigError(`smsPhoneNumbers lists '${n}' twice`);
    seen.add(n);
  });
  return numbers;
};

/**
 * The construct id of a number's SMS subscription, `Sms-<digits>`: derived from the number, so
 * adding, removing or reordering numbers leaves the others' subscriptions in place. A number given
 * as a token has no value at synth and keeps a positional id.
 */
export const smsSubscriptionId = (phoneNumber: string, index: number): string =>
  Token.isUnresolved(phoneNumber) ? `SmsToken${index}` : `Sms-${phoneNumber.replace(/\D/g, '')}`;

/** The same check the notifier runs at init, rethrown as a construct configuration error. */
export const validateWebhookDestinations = (
  destinations: AlertFanoutSettings['webhookDestinations'],
): string | undefined => {
  if (!destinations || destinations.length === 0) return undefined;
  const json = JSON.stringify(destinations);
  try {
    parseDestinations(json, 'webhookDestinations');
  } catch (error) {
    throw new InvalidWatcherConfigError(
      `${(error as Error).message} (kinds: ${DESTINATION_KINDS.join(', ')})`,
      {
        cause: error,
      },
    );
  }
  return json;
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

const validateChatbotNames = (names: readonly string[]): void => {
  const seen = new Set<string>();
  for (const name of names) {
    if (!CHATBOT_NAME.test(name)) {
      throw new InvalidWatcherConfigError(
        `Chatbot channel configuration names must be 1-128 letters, digits, '-' or '_', got '${name}'`,
      );
    }
    if (seen.has(name))
      throw new InvalidWatcherConfigError(`Chatbot channel configuration name '${name}' is used twice`);
    seen.add(name);
  }
};

/** The same check the ticket Lambda runs at init, rethrown as a construct configuration error. */
export const validateTicketConnectors = (
  connectors: AlertFanoutSettings['ticketConnectors'],
): string | undefined => {
  if (!connectors || connectors.length === 0) return undefined;
  const json = JSON.stringify(connectors);
  try {
    parseConnectors(json, 'ticketConnectors');
  } catch (error) {
    throw new InvalidWatcherConfigError((error as Error).message, { cause: error });
  }
  return json;
};

/** Each secret id of a webhook or ticket connector names exactly one secret. */
const validateSecretIds = (settings: AlertFanoutSettings): void => {
  settings.webhookDestinations?.forEach((d, i) => {
    validateSecretId(d.secretId, `webhookDestinations[${i}].secretId`);
  });
  settings.ticketConnectors?.forEach((c, i) => {
    validateSecretId(c.secretId, `ticketConnectors[${i}].secretId`);
  });
};

/** Checks every fan-out setting (throws {@link InvalidWatcherConfigError} naming the bad value). */
export const validateAlertFanoutSettings = (settings: AlertFanoutSettings): void => {
  validateRoutingProp(settings.routing);
  validatePhoneNumbers(settings.smsPhoneNumbers ?? []);
  validateWebhookDestinations(settings.webhookDestinations);
  validateTicketConnectors(settings.ticketConnectors);
  validateSecretIds(settings);
  validateChatbotNames(
    [...(settings.slackChannels ?? []), ...(settings.teamsChannels ?? [])].map((c) => c.configurationName),
  );
};

/**
 * Alert channels: an EventBridge rule on the watcher bus invokes one fan-out Lambda, which routes
 * each event (docs/chat.md, "Deploying the fan-out") and publishes it to the chat, SMS and tickets
 * topics, each in that channel's format. Optionally: SMS subscriptions, Amazon Q Developer in chat
 * applications (Chatbot) Slack / Teams channel configurations on the chat topic, and the webhook
 * notifier (chat topic → SQS → Lambda).
 */
export class AlertFanout extends Construct {
  readonly chatTopic: sns.ITopic;
  readonly smsTopic: sns.ITopic;
  readonly ticketsTopic: sns.ITopic;
  /** Encrypts the topics this construct creates (none when you bring all three). */
  readonly topicKey?: kms.IKey;
  readonly function: lambda.IFunction;
  readonly rule: events.Rule;
  readonly routing: Routing;
  /** The webhook notifier, when `webhookDestinations` lists any. */
  readonly notifierFunction?: lambda.IFunction;
  readonly notifierQueue?: sqs.IQueue;
  readonly notifierDeadLetterQueue?: sqs.IQueue;
  readonly notifierDeadLetterAlarm?: cloudwatch.Alarm;
  /** The ticket Lambda, when `ticketConnectors` lists any. */
  readonly ticketFunction?: lambda.IFunction;
  readonly ticketQueue?: sqs.IQueue;
  readonly ticketDeadLetterQueue?: sqs.IQueue;
  readonly ticketDeadLetterAlarm?: cloudwatch.Alarm;
  readonly slackChannels: chatbot.SlackChannelConfiguration[] = [];
  readonly teamsChannels: chatbot.CfnMicrosoftTeamsChannelConfiguration[] = [];

  constructor(scope: Construct, id: string, props: AlertFanoutProps) {
    super(scope, id);
    this.routing = validateRoutingProp(props.routing);
    const phoneNumbers = validatePhoneNumbers(props.smsPhoneNumbers ?? []);
    const destinationsJson = validateWebhookDestinations(props.webhookDestinations);
    const connectorsJson = validateTicketConnectors(props.ticketConnectors);
    validateSecretIds(props);
    if (connectorsJson && !props.stateTable) {
      throw new InvalidWatcherConfigError('ticketConnectors need the watcher state table (stateTable)');
    }
    const slack = props.slackChannels ?? [];
    const teams = props.teamsChannels ?? [];
    validateChatbotNames([...slack, ...teams].map((c) => c.configurationName));

    const needsKey = !props.chatTopic || !props.smsTopic || !props.ticketsTopic;
    const key = needsKey
      ? new kms.Key(this, 'TopicKey', {
          description: 'Encrypts the cert-expiry-watcher chat, SMS and tickets topics',
          enableKeyRotation: true,
        })
      : undefined;
    this.topicKey = key;
    const topic = (id: string, displayName?: string) =>
      new sns.Topic(this, id, { displayName, masterKey: key, enforceSSL: true });
    this.chatTopic = props.chatTopic ?? topic('ChatTopic', 'Certificate expiry watcher - chat');
    // No display name: SNS may put it in front of SMS text, which could need a second segment.
    this.smsTopic = props.smsTopic ?? topic('SmsTopic');
    this.ticketsTopic = props.ticketsTopic ?? topic('TicketsTopic', 'Certificate expiry watcher - tickets');

    const fanout = new WatcherFunction(this, 'Function', {
      entry: 'lambda/handlers/fanout.ts',
      description: 'Routes watcher events to the chat, SMS and tickets topics',
      logRetention: props.logRetention,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: 2,
      environment: {
        CHAT_TOPIC_ARN: this.chatTopic.topicArn,
        SMS_TOPIC_ARN: this.smsTopic.topicArn,
        TICKETS_TOPIC_ARN: this.ticketsTopic.topicArn,
        ROUTING: JSON.stringify(this.routing),
        WATCHER_ID: props.watcherId,
        METRICS_NAMESPACE,
      },
    });
    this.function = fanout;
    // topic.grantPublish would add kms:GenerateDataKey* (a wildcard action); SNS needs exactly
    // GenerateDataKey and Decrypt from the publisher of an encrypted topic. The key policy trusts
    // the account, so this identity-policy grant is all the key needs.
    for (const t of [this.chatTopic, this.smsTopic, this.ticketsTopic]) {
      sns.TopicGrants.fromTopic(t).actions(fanout, ['sns:Publish'], {
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

    phoneNumbers.forEach((endpoint, i) => {
      new sns.Subscription(this, smsSubscriptionId(endpoint, i), {
        topic: this.smsTopic,
        protocol: sns.SubscriptionProtocol.SMS,
        endpoint,
      });
    });

    if (slack.length > 0 || teams.length > 0) this.createChatbotChannels(slack, teams);
    if (destinationsJson) {
      const notifier = this.createTopicConsumer(props, {
        id: 'Notifier',
        topic: this.chatTopic,
        entry: 'lambda/handlers/notify.ts',
        description: 'Posts watcher alerts to Slack, Teams, Google Chat and webhooks',
        environment: { WEBHOOK_DESTINATIONS: destinationsJson },
        secretIds: (props.webhookDestinations ?? []).map((d) => d.secretId),
        what: 'A chat notification could not be posted to a webhook',
        fix: 'fix the destination (URL secret, payload)',
      });
      this.notifierFunction = notifier.fn;
      this.notifierQueue = notifier.queue;
      this.notifierDeadLetterQueue = notifier.dlq;
      this.notifierDeadLetterAlarm = notifier.alarm;
    }
    if (connectorsJson && props.stateTable) {
      const timings = ticketTimings(
        NOTIFIER_TIMEOUT,
        CONSUMER_VISIBILITY,
        Math.max(...parseConnectors(connectorsJson).map(searchLagMsOf)),
      );
      const tickets = this.createTopicConsumer(props, {
        id: 'Tickets',
        topic: this.ticketsTopic,
        entry: 'lambda/handlers/tickets.ts',
        description: 'Opens, updates and resolves one ticket per certificate lifecycle',
        environment: {
          TICKET_CONNECTORS: connectorsJson,
          STATE_TABLE_NAME: props.stateTable.table.tableName,
          TICKET_CLAIM_LEASE_MS: String(timings.claimLeaseMs),
        },
        maxReceiveCount: timings.maxReceiveCount,
        secretIds: (props.ticketConnectors ?? []).map((c) => c.secretId),
        what: 'A ticket could not be opened, updated or resolved',
        fix: 'fix the connector (credentials secret, project, permissions)',
      });
      props.stateTable.grantTicketReferences(tickets.fn);
      this.ticketFunction = tickets.fn;
      this.ticketQueue = tickets.queue;
      this.ticketDeadLetterQueue = tickets.dlq;
      this.ticketDeadLetterAlarm = tickets.alarm;
    }
  }

  private createChatbotChannels(
    slack: NonNullable<AlertFanoutSettings['slackChannels']>,
    teams: NonNullable<AlertFanoutSettings['teamsChannels']>,
  ): void {
    // Posting notifications needs no AWS permission; the role and the guardrail only limit what
    // people could run from the channel, so: a role with no policies and a deny-all guardrail.
    const role = new iam.Role(this, 'ChatbotRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: 'Chatbot channels of the cert-expiry-watcher: notifications only, no permissions',
    });
    const guardrail = new iam.ManagedPolicy(this, 'ChatbotGuardrail', {
      description: 'Chatbot guardrail of the cert-expiry-watcher: channel members can run nothing',
      statements: [new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['*'], resources: ['*'] })],
    });
    for (const c of slack) {
      this.slackChannels.push(
        new chatbot.SlackChannelConfiguration(this, `Slack-${c.configurationName}`, {
          slackChannelConfigurationName: c.configurationName,
          slackWorkspaceId: c.slackWorkspaceId,
          slackChannelId: c.slackChannelId,
          notificationTopics: [this.chatTopic],
          role,
          guardrailPolicies: [guardrail],
        }),
      );
    }
    for (const c of teams) {
      this.teamsChannels.push(
        new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, `Teams-${c.configurationName}`, {
          configurationName: c.configurationName,
          teamId: c.teamId,
          teamsTenantId: c.teamsTenantId,
          teamsChannelId: c.teamsChannelId,
          iamRoleArn: role.roleArn,
          guardrailPolicies: [guardrail.managedPolicyArn],
          snsTopicArns: [this.chatTopic.topicArn],
        }),
      );
    }
  }

  /** topic → encrypted SQS queue (DLQ after 5 receives, alarmed) → Lambda with partial batch responses. */
  private createTopicConsumer(
    props: AlertFanoutProps,
    c: {
      id: string;
      topic: sns.ITopic;
      entry: string;
      description: string;
      environment: Record<string, string>;
      secretIds: readonly string[];
      what: string;
      fix: string;
      /** @default 5 */
      maxReceiveCount?: number;
    },
  ) {
    const maxReceiveCount = c.maxReceiveCount ?? DEFAULT_MAX_RECEIVES;
    const dlq = new sqs.Queue(this, `${c.id}DeadLetterQueue`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // SSE-SQS, not a customer key: SNS can deliver to it without a key policy.
    const queue = new sqs.Queue(this, `${c.id}Queue`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: CONSUMER_VISIBILITY,
      deadLetterQueue: { queue: dlq, maxReceiveCount },
    });
    // Not raw: the consumers read the SNS envelope, whose `Message` is the `sqs` variant (the event).
    c.topic.addSubscription(new subscriptions.SqsSubscription(queue, { rawMessageDelivery: false }));

    const consumer = new WatcherFunction(this, c.id, {
      entry: c.entry,
      description: c.description,
      timeout: NOTIFIER_TIMEOUT,
      logRetention: props.logRetention,
      environment: { ...c.environment, WATCHER_ID: props.watcherId, METRICS_NAMESPACE },
    });
    consumer.addEventSource(new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));

    // Exactly these secrets (a name's ARN ends in its 6 unknown characters, `-??????`).
    for (const secretId of new Set(c.secretIds)) secretFromId(this, secretId).grantRead(consumer);

    const alarm = deadLetterAlarm(this, `${c.id}DeadLetterAlarm`, dlq, {
      opsTopic: props.opsTopic,
      description: `${c.what} after ${maxReceiveCount} receives and was dead-lettered; ${c.fix} and redrive the queue.`,
    });

    return { fn: consumer, queue, dlq, alarm };
  }
}
