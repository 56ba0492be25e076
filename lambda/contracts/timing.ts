/**
 * The watcher's timings in one place, each derived from the others with a margin, read by the
 * construct (queues, function timeouts) and by the handlers (leases). Seconds unless the name says
 * otherwise. docs/operations.md, "Timings", states the relations; test/infra/timing.test.ts checks
 * them on the synthesized template.
 *
 * Sources of the rules:
 * - AWS Lambda developer guide, "Using Lambda with Amazon SQS": set the queue's visibility timeout
 *   to at least six times the function timeout.
 * - Amazon SQS developer guide, "Dead-letter queues": a message keeps its original enqueue time in
 *   the dead-letter queue, so the DLQ's retention must be longer than the source queue's.
 * - SQS retention is 60 s to 14 days.
 */

/** Lambda's guidance for SQS event sources: visibility ≥ 6 × the consumer's timeout. */
export const VISIBILITY_PER_TIMEOUT = 6;
/** SQS's longest retention: 14 days. */
export const SQS_MAX_RETENTION_SECONDS = 14 * 24 * 60 * 60;
/** Every dead-letter queue keeps its messages as long as SQS allows. */
export const DLQ_RETENTION_SECONDS = SQS_MAX_RETENTION_SECONDS;
/**
 * Every work queue keeps an unreceived message 4 days (SQS's default), then drops it. The
 * queues' age alarms fire long before (docs/operations.md), and a message moved to its DLQ keeps
 * {@link REDRIVE_WINDOW_SECONDS} to be redriven.
 */
export const WORK_QUEUE_RETENTION_SECONDS = 4 * 24 * 60 * 60;
/** What a DLQ keeps a message after its work queue's retention: 10 days for people to redrive. */
export const REDRIVE_WINDOW_SECONDS = DLQ_RETENTION_SECONDS - WORK_QUEUE_RETENTION_SECONDS;
/** Between a message's last possible receive and its expiry from the work queue: 1 day. */
export const RETENTION_MARGIN_SECONDS = 24 * 60 * 60;

/** Timeout of each delivery Lambda (webhook notifier, ticket Lambda). */
export const DELIVERY_TIMEOUT_SECONDS = 30;
/** A lease outlives the function that holds it by this much, so its holder is done or dead. */
export const LEASE_MARGIN_SECONDS = 30;
/** Receives of a delivery queue's message before the DLQ, besides those spent waiting for a lease. */
export const DELIVERY_RECEIVES = 5;
/** Spare receives (failures of their own) after the wait for a dead holder's lease. */
export const SPARE_RECEIVES = 3;
/** Receives of a scan unit or a probe batch before the DLQ. */
export const WORK_RECEIVES = 3;

/**
 * The ticket claim lease: the ticket Lambda's timeout plus the margin, so the holder of a claim is
 * done or dead when it ends (lambda/channels/tickets/ticket-lifecycle.ts). The construct sets
 * TICKET_CLAIM_LEASE_MS to it; this is also the handler's default.
 */
export const TICKET_CLAIM_LEASE_MS = (DELIVERY_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS) * 1000;

/** Lambda's longest timeout (Lambda developer guide, quotas). */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
/**
 * The lifecycle outbox lease (lambda/lifecycle/run-lifecycle.ts): a run that claimed an outbox and
 * died keeps it until then. A run claims after its invocation started, so a lease of at least the
 * longest timeout of a function that runs the lifecycle (scan workers, prober: at most Lambda's
 * 15 minutes) ends when its holder is done or dead.
 */
export const OUTBOX_LEASE_MS = LAMBDA_MAX_TIMEOUT_SECONDS * 1000;

/** How an SQS queue feeding a Lambda is sized. */
export interface QueueTiming {
  /** The consumer's timeout. */
  readonly timeoutSeconds: number;
  /** {@link VISIBILITY_PER_TIMEOUT} × the timeout. */
  readonly visibilitySeconds: number;
  /** Receives before the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** The longest a message can stay receivable: visibility × receives. */
  readonly receiveWindowSeconds: number;
  readonly retentionSeconds: number;
}

export class TimingError extends Error {
  override readonly name = 'TimingError';
}

/**
 * A consumer queue's timings: visibility from the timeout, `receives` receives (more when a message
 * must wait `waitSeconds` for a lease to end: enough receives to outlast the wait, plus
 * {@link SPARE_RECEIVES}), and the work-queue retention, which must outlast the receive window by
 * {@link RETENTION_MARGIN_SECONDS} so nothing expires before it reached the DLQ.
 * @throws TimingError when the receive window does not fit the retention
 */
export const queueTiming = (timeoutSeconds: number, receives: number, waitSeconds = 0): QueueTiming => {
  const visibilitySeconds = timeoutSeconds * VISIBILITY_PER_TIMEOUT;
  const waitReceives = waitSeconds > 0 ? Math.ceil(waitSeconds / visibilitySeconds) + SPARE_RECEIVES : 0;
  const maxReceiveCount = Math.max(receives, waitReceives);
  const receiveWindowSeconds = visibilitySeconds * maxReceiveCount;
  if (receiveWindowSeconds + RETENTION_MARGIN_SECONDS > WORK_QUEUE_RETENTION_SECONDS)
    throw new TimingError(
      `a ${timeoutSeconds} s consumer with ${maxReceiveCount} receives keeps a message up to ${receiveWindowSeconds} s, ` +
        `longer than the queue retention (${WORK_QUEUE_RETENTION_SECONDS} s) minus its margin`,
    );
  return {
    timeoutSeconds,
    visibilitySeconds,
    maxReceiveCount,
    receiveWindowSeconds,
    retentionSeconds: WORK_QUEUE_RETENTION_SECONDS,
  };
};

/**
 * The ticket queue: a second message for a lifecycle whose claim holder died waits for the claim
 * lease plus the connector's search lag (the takeover time), then needs its own receives.
 */
export const ticketQueueTiming = (
  maxSearchLagMs: number,
): QueueTiming & { readonly claimLeaseMs: number } => ({
  ...queueTiming(
    DELIVERY_TIMEOUT_SECONDS,
    DELIVERY_RECEIVES,
    Math.ceil((TICKET_CLAIM_LEASE_MS + maxSearchLagMs) / 1000),
  ),
  claimLeaseMs: TICKET_CLAIM_LEASE_MS,
});
