import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { CfnSubscription } from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { METRICS_NAMESPACE } from './validation';

/** The period of the watcher's health alarms on errors and dead letters. */
export const HEALTH_ALARM_PERIOD = Duration.minutes(5);

/** Sends each alarm's ALARM and OK notifications to the ops topic. */
export const notifyOps = (opsTopic: sns.ITopic, ...alarms: cloudwatch.Alarm[]): void => {
  const action = new cwActions.SnsAction(opsTopic);
  for (const alarm of alarms) {
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
};

export interface OpsAlarmProps {
  readonly opsTopic: sns.ITopic;
  /** What went wrong and what to do, as the ops notification shows it. */
  readonly description: string;
}

/** One evaluation period; missing data is not breaching (no errors, an empty queue). */
const opsAlarm = (
  scope: Construct,
  id: string,
  metric: cloudwatch.IMetric,
  condition: { threshold: number; comparisonOperator: cloudwatch.ComparisonOperator },
  props: OpsAlarmProps,
): cloudwatch.Alarm => {
  const alarm = new cloudwatch.Alarm(scope, id, {
    metric,
    alarmDescription: props.description,
    ...condition,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  notifyOps(props.opsTopic, alarm);
  return alarm;
};

/**
 * ALARM while the dead-letter queue holds any message, to the ops topic. SQS keeps reporting a
 * queue that holds messages, so missing data really means empty.
 */
export const deadLetterAlarm = (
  scope: Construct,
  id: string,
  queue: sqs.IQueue,
  props: OpsAlarmProps,
): cloudwatch.Alarm =>
  opsAlarm(
    scope,
    id,
    queue.metricApproximateNumberOfMessagesVisible({ period: HEALTH_ALARM_PERIOD, statistic: 'Maximum' }),
    { threshold: 0, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD },
    props,
  );

/**
 * ALARM when any of the functions failed in a period, to the ops topic. One function alarms on its
 * own Errors metric; several on their sum, each named by its key in the expression.
 */
export const functionErrorsAlarm = (
  scope: Construct,
  id: string,
  functions: Readonly<Record<string, lambda.IFunction>>,
  props: OpsAlarmProps,
): cloudwatch.Alarm => {
  const metrics = Object.entries(functions).map(
    ([name, fn]) => [name, fn.metricErrors({ period: HEALTH_ALARM_PERIOD, statistic: 'Sum' })] as const,
  );
  const metric: cloudwatch.IMetric =
    metrics.length === 1
      ? metrics[0]![1]
      : new cloudwatch.MathExpression({
          expression: metrics.map(([name]) => name).join(' + '),
          usingMetrics: Object.fromEntries(metrics),
          period: HEALTH_ALARM_PERIOD,
        });
  return opsAlarm(
    scope,
    id,
    metric,
    { threshold: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD },
    props,
  );
};

/** A metric the watcher's Lambdas emit (EMF, dimension `Watcher`), summed per health period. */
export const watcherMetric = (metricName: string, watcherId: string): cloudwatch.Metric =>
  new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { Watcher: watcherId },
    statistic: 'Sum',
    period: HEALTH_ALARM_PERIOD,
  });

/**
 * The failure counters the watcher's Lambdas emit, each with what it counts: every one has an
 * alarm on the ops topic (docs/operations.md). A handler that emits a new failure metric adds it here.
 */
export const FAILURE_METRICS = {
  ScopesFailed: 'a scan unit could not list its scope completely (the period reports it NOT_COMPLETED)',
  EndpointsFailed:
    'endpoints could not be probed (each also raises an Endpoint Check Failed event; every endpoint failing at once points at the prober network: VPC, NAT, DNS)',
  FanoutFailed:
    'the fan-out could not publish an alert to a channel topic (the invocation is retried, then dead-lettered)',
  WebhookFailures:
    'the notifier could not post an alert to a webhook (the message is retried, then dead-lettered)',
  TicketFailures:
    'the ticket Lambda could not open, update or resolve a ticket (the message is retried, then dead-lettered)',
  EventsUndeliverable:
    'an event could not be put on the bus at all (over 256 KB or refused for its content): it is logged by event id and detail-type, and never blocks the others',
  EndpointTargetsRejected:
    'the prober dropped a queued target its configuration does not list (a stale or forged probe message): nothing was probed',
} as const;

export type FailureMetric = keyof typeof FAILURE_METRICS;

/** ALARM when the failure metric counted at least one failure in a period, to the ops topic. */
export const failureMetricAlarm = (
  scope: Construct,
  metricName: FailureMetric,
  watcherId: string,
  opsTopic: sns.ITopic,
): cloudwatch.Alarm =>
  opsAlarm(
    scope,
    `${metricName}Alarm`,
    watcherMetric(metricName, watcherId),
    { threshold: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD },
    {
      opsTopic,
      description: `${metricName}: ${FAILURE_METRICS[metricName]}. See docs/operations.md.`,
    },
  );

/**
 * ALARM while a work queue's oldest message is older than `maxAge`: its consumer is not keeping up
 * or not running, and the message would otherwise wait unseen until the queue's retention drops it.
 */
export const queueAgeAlarm = (
  scope: Construct,
  id: string,
  queue: sqs.IQueue,
  maxAge: Duration,
  props: OpsAlarmProps,
): cloudwatch.Alarm =>
  opsAlarm(
    scope,
    id,
    queue.metricApproximateAgeOfOldestMessage({ period: HEALTH_ALARM_PERIOD, statistic: 'Maximum' }),
    {
      threshold: maxAge.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    },
    props,
  );

/** How to give the ops topic a subscriber, as props and `watcher:*` context keys. */
export const SUBSCRIBE_OPS =
  'set opsEmailAddresses (context watcher:opsEmailAddresses), bring your own opsTopic, subscribe to ' +
  'watcher.opsTopic, or send alarms to a Chatbot channel with opsAlarms.toChatChannels ' +
  '(watcher:opsAlarmsToChatChannels)';
/** The explicit opt-out. */
export const ACKNOWLEDGE_NO_SUBSCRIBER =
  'opsAlarms.acknowledgeNoSubscriber (watcher:opsAlarmsAcknowledgeNoSubscriber)';

/**
 * Synth-time check that the watcher's own ops topic reaches someone: an SNS subscription to it
 * anywhere in the app, or a Chatbot channel configuration that lists it. Returns the validation
 * error; when `acknowledged`, warns instead.
 */
export const checkOpsSubscribers = (
  watcher: Construct & { readonly opsTopic: sns.ITopic },
  acknowledged: boolean,
): string[] => {
  const stack = Stack.of(watcher);
  const token = watcher.opsTopic.topicArn;
  const arn = JSON.stringify(stack.resolve(token));
  const names = (c: IConstruct, value: unknown): boolean => {
    // The same token, in any stack of the app; in the watcher's stack, the same resolved reference
    // (a Lazy list such as the Chatbot configuration's topics).
    if (value === token || (Array.isArray(value) && value.includes(token))) return true;
    return Stack.of(c) === stack && JSON.stringify(stack.resolve(value)).includes(arn);
  };
  const reaching = watcher.node.root.node.findAll().some((c) => {
    if (c instanceof CfnSubscription) return names(c, c.topicArn);
    if (
      c instanceof chatbot.CfnSlackChannelConfiguration ||
      c instanceof chatbot.CfnMicrosoftTeamsChannelConfiguration
    )
      return names(c, c.snsTopicArns);
    return false;
  });
  if (reaching) return [];
  const problem =
    "The ops topic has no subscriber: the watcher's health alarms (no scan, failures, dead letters) reach no one";
  if (!acknowledged)
    return [`${problem}. To fix it, ${SUBSCRIBE_OPS}; to deploy anyway, set ${ACKNOWLEDGE_NO_SUBSCRIBER}.`];
  Annotations.of(watcher).addWarningV2(
    'cert-expiry-watcher:opsTopicWithoutSubscriber',
    `${problem} (${ACKNOWLEDGE_NO_SUBSCRIBER} is set). To be told when the watcher fails, ${SUBSCRIBE_OPS}.`,
  );
  return [];
};
