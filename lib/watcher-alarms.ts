import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { heartbeatPeriod } from './config';
import { deadLetterAlarm, failureMetricAlarm, notifyOps } from './ops-alarms';

/** What the alarms need of the watcher (lib/certificate-expiry-watcher.ts), their scope. */
type AlarmedWatcher = Construct & {
  readonly scanInterval: Duration;
  readonly watcherId: string;
  metricScanSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricScopesInCoverageGap(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
};

export interface WatcherAlarmsProps {
  readonly deadLetterQueue: sqs.IQueue;
  readonly opsTopic: sns.ITopic;
  /** Periods without a successful scan of a scope before its coverage gap alarms. */
  readonly coverageGapPeriods: number;
}

/** The watcher's alarms on scanning itself, children of the watcher, each notifying the ops topic. */
export interface WatcherAlarms {
  readonly heartbeat: cloudwatch.Alarm;
  readonly deadLetter: cloudwatch.Alarm;
  readonly coverageGap: cloudwatch.Alarm;
  readonly undeliverable: cloudwatch.Alarm;
}

/**
 * The heartbeat, dead-letter, coverage gap and undeliverable-events alarms (docs/operations.md),
 * created in this order: the alarm reminder lists the watcher's alarms in construction order.
 */
export const watcherAlarms = (watcher: AlarmedWatcher, props: WatcherAlarmsProps): WatcherAlarms => {
  const { scanInterval, watcherId } = watcher;
  const { opsTopic, deadLetterQueue } = props;
  const period = heartbeatPeriod(scanInterval);
  const heartbeat = watcher.metricScanSucceeded({ period }).createAlarm(watcher, 'HeartbeatAlarm', {
    alarmDescription:
      `No certificate scan succeeded in ${period.toHumanString()} (1.5 x the ${scanInterval.toHumanString()} ` +
      'schedule): certificates are not being watched. Check the inventory function logs and the dead-letter queue.',
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });
  const deadLetter = deadLetterAlarm(watcher, 'DeadLetterAlarm', deadLetterQueue, {
    opsTopic,
    description:
      'A scan, endpoint dispatch or alert fan-out failed every retry and was dead-lettered; inspect the messages, fix the cause, then redrive or purge the queue.',
  });
  const coverageGap = watcher.metricScopesInCoverageGap({ period }).createAlarm(watcher, 'CoverageGapAlarm', {
    alarmDescription:
      `A scope (a source in an account and region) has not been scanned successfully for ${props.coverageGapPeriods} ` +
      'periods: its certificates are not being watched. The Coverage Gap event and `cert-watch coverage` name it and the reason.',
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  notifyOps(opsTopic, heartbeat, coverageGap);
  // Any function that publishes (scan workers, prober) counts the events the bus can never take.
  const undeliverable = failureMetricAlarm(watcher, 'EventsUndeliverable', watcherId, opsTopic);
  return { heartbeat, deadLetter, coverageGap, undeliverable };
};
