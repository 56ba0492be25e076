import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DLQ_RETENTION_SECONDS, type QueueTiming, TimingError } from '../lambda/contracts/timing';
import { InvalidWatcherConfigError } from './validation';

/**
 * A dead-letter queue: SSE-SQS (SNS and Lambda deliver to it without a key policy), SSL enforced,
 * kept 14 days, longer than any work queue's retention (lambda/contracts/timing.ts).
 */
export const deadLetterQueue = (scope: Construct, id: string): sqs.Queue =>
  new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.seconds(DLQ_RETENTION_SECONDS),
  });

/** A queue feeding a Lambda, sized by its {@link QueueTiming}, that dead-letters into `dlq`. */
export const workQueue = (scope: Construct, id: string, timing: QueueTiming, dlq: sqs.IQueue): sqs.Queue =>
  new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: Duration.seconds(timing.visibilitySeconds),
    retentionPeriod: Duration.seconds(timing.retentionSeconds),
    deadLetterQueue: { queue: dlq, maxReceiveCount: timing.maxReceiveCount },
  });

/** A timing computed from props, its TimingError rethrown as a configuration error naming `what`. */
export const timingOf = <T>(what: string, compute: () => T): T => {
  try {
    return compute();
  } catch (error) {
    if (error instanceof TimingError)
      throw new InvalidWatcherConfigError(`${what}: ${error.message}`, { cause: error });
    throw error;
  }
};
