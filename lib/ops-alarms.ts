import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

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
