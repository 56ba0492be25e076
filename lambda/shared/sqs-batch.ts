/**
 * How every SQS consumer uses Powertools' `processPartialResponse`: records one at a time (a
 * handler's concurrency bound holds whatever the SQS batch size, and a message's deliveries never
 * race the next message's), and a batch whose every record failed is reported like any other, as
 * `batchItemFailures` listing them all, rather than thrown as FullBatchFailureError.
 */
import type { BatchProcessingOptions } from '@aws-lambda-powertools/batch/types';

export const SQS_BATCH_OPTIONS: BatchProcessingOptions = {
  processInParallel: false,
  throwOnFullBatchFailure: false,
};
