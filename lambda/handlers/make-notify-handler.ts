/**
 * The webhook notifier: SNS (chat topic) → SQS → this Lambda → Slack / Teams / Google Chat /
 * generic webhooks. Each SQS message is one watcher event; it is posted to every destination that
 * wants it: its detail-types, and with owner rules (env OWNERS, docs/routing.md) the event's owner's
 * destinations plus those no owner names. A message any destination could not take is reported in `batchItemFailures`, so SQS
 * redelivers it and finally moves it to the DLQ; destinations that already took its event id are
 * not posted again (the delivery ledger in the state table, and this container's memory). A 4xx other than 429 is not retried in the
 * invocation: it fails the message at once, and after the queue's maxReceiveCount it rests in
 * the DLQ, to be redriven once the URL or payload is fixed. Webhook URLs are never logged.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  destinationsFromEnv,
  InvalidWebhookSecretError,
  payloadFor,
  type WebhookDestination,
  wants,
  webhookUrlFrom,
} from '../channels/destinations';
import { isDigestEvent, WEBHOOK_FORMATTERS, type WebhookFormatters } from '../channels/format';
import type { WatcherEvent } from '../channels/format/view';
import { type OwnerRules, ownerOf, ownerRulesFromEnv } from '../channels/owners';
import { type DeliveryOutcome, deliverWebhook, type FetchLike, redact } from '../channels/webhook-delivery';
import { WEBHOOK_DESTINATIONS_ENV } from '../contracts/channels';
import {
  SECRET_CACHE_TTL_MS_ENV,
  WEBHOOK_MAX_ATTEMPTS_ENV,
  WEBHOOK_TIMEOUT_MS_ENV,
} from '../contracts/env-names';
import { checkOwnerDestinations, destinationTakes, OWNERS_ENV } from '../contracts/owners';
import type { Logger } from '../core/ports';
import { type Env, positiveIntEnv, requireEnv } from '../shared/env';
import { withLogKeys } from '../shared/logger';
import type { MetricsSink } from '../shared/metrics';
import { SQS_BATCH_OPTIONS } from '../shared/sqs-batch';
import type { InvalidatingSecretReader, SecretReader } from '../sinks/secrets/secret-reader';
import { DeliveryInProgressError, type DeliveryLedger, deliverOnce } from '../sinks/state/delivery-ledger';

export interface NotifyConfig {
  readonly destinations: readonly WebhookDestination[];
  /** Per-request timeout (WEBHOOK_TIMEOUT_MS). @default 5000 */
  readonly timeoutMs: number;
  /** Attempts per destination within one invocation (WEBHOOK_MAX_ATTEMPTS). @default 3 */
  readonly maxAttempts: number;
  /** How long a webhook URL read from Secrets Manager is reused (SECRET_CACHE_TTL_MS). @default 300000 */
  readonly secretCacheTtlMs: number;
  /** Ownership routing (OWNERS). @default none: every destination takes every event it wants */
  readonly owners?: OwnerRules;
}

/**
 * @param formatters the destination kinds this notifier formats: any other kind fails at init, as
 *   does an owner naming a webhook that is not a destination
 */
export const notifyConfigFromEnv = (
  env: Env,
  formatters: WebhookFormatters = WEBHOOK_FORMATTERS,
): NotifyConfig => {
  const destinations = destinationsFromEnv(requireEnv(env, WEBHOOK_DESTINATIONS_ENV), formatters);
  const owners = ownerRulesFromEnv(env[OWNERS_ENV]);
  if (owners)
    checkOwnerDestinations(
      owners,
      { webhooks: destinations.map((d) => d.name) },
      'environment variable OWNERS',
    );
  return {
    destinations,
    timeoutMs: positiveIntEnv(env, WEBHOOK_TIMEOUT_MS_ENV, 5000),
    maxAttempts: positiveIntEnv(env, WEBHOOK_MAX_ATTEMPTS_ENV, 3),
    secretCacheTtlMs: positiveIntEnv(env, SECRET_CACHE_TTL_MS_ENV, 300_000),
    ...(owners ? { owners } : {}),
  };
};

/**
 * The destinations an event goes to: those that want its detail-type and, with owners, take its
 * owner; the weekly digest goes to every destination that wants it.
 */
export const destinationsFor = (config: NotifyConfig, event: WatcherEvent): WebhookDestination[] => {
  const { owners } = config;
  // The weekly digest is about the whole estate: every destination that wants it, whatever its owner.
  if (!owners || isDigestEvent(event)) return config.destinations.filter((d) => wants(d, event));
  const owner = ownerOf(event, owners);
  return config.destinations.filter(
    (d) => wants(d, event) && destinationTakes(owners, owner, 'webhook', d.name),
  );
};

export class InvalidNotificationError extends Error {
  override readonly name = 'InvalidNotificationError';
}

/** A destination did not take the message; SQS redelivers it (already logged per destination). */
export class NotificationUndeliveredError extends Error {
  override readonly name = 'NotificationUndeliveredError';
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The EventBridge event from an SQS body: an SNS notification (`Message` holds the event as a
 * string) or, with raw message delivery, the event itself.
 */
export const eventFromSqsBody = (body: string): WatcherEvent => {
  let outer: unknown;
  try {
    outer = JSON.parse(body);
  } catch {
    throw new InvalidNotificationError('message body is not JSON');
  }
  let candidate: unknown = outer;
  if (
    isObj(outer) &&
    typeof outer.Message === 'string' &&
    (outer.Type === 'Notification' || 'TopicArn' in outer)
  ) {
    try {
      candidate = JSON.parse(outer.Message);
    } catch {
      throw new InvalidNotificationError('SNS Message is not JSON');
    }
  }
  if (!isObj(candidate) || typeof candidate['detail-type'] !== 'string') {
    throw new InvalidNotificationError('message is not an EventBridge event (no detail-type)');
  }
  return candidate as unknown as WatcherEvent;
};

/**
 * The watcher event in an SQS message. Malformed input never becomes valid: it is logged as
 * `<what> is not a watcher event` and thrown, so the message fails and ends in the DLQ after
 * maxReceiveCount.
 */
export const watcherEventOf = (message: SQSRecord, logger: Logger, what: string): WatcherEvent => {
  try {
    return eventFromSqsBody(message.body);
  } catch (error) {
    logger.error(`${what} is not a watcher event; it will end in the DLQ`, {
      messageId: message.messageId,
      error: (error as Error).message,
    });
    throw error;
  }
};

export interface NotifyDeps {
  readonly config: NotifyConfig;
  readonly secrets: SecretReader | InvalidatingSecretReader;
  readonly logger: Logger;
  readonly metrics?: MetricsSink;
  readonly fetch?: FetchLike;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
  /** The body and URL of each destination kind. @default WEBHOOK_FORMATTERS */
  readonly formatters?: WebhookFormatters;
  /** Time kept back from the Lambda's remaining time for reporting. @default 1500 */
  readonly safetyMarginMs?: number;
  /** Budget when no Lambda context is given (tests, local runs). @default 30000 */
  readonly defaultBudgetMs?: number;
  /**
   * Remembers which webhook took which event id across containers and redeliveries.
   * @default none: only this container's memory
   */
  readonly ledger?: DeliveryLedger;
}

interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

/** Deliveries this container completed: a redelivered message skips destinations that already have it. */
const MAX_REMEMBERED = 10_000;

export const makeNotifyHandler = (deps: NotifyDeps) => {
  const { config, logger } = deps;
  const fetchImpl: FetchLike = deps.fetch ?? ((url, init) => fetch(url, { ...init, redirect: 'manual' }));
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const margin = deps.safetyMarginMs ?? 1500;
  const formatters = deps.formatters ?? WEBHOOK_FORMATTERS;
  const delivered = new Set<string>();
  const remember = (key: string) => {
    if (delivered.size >= MAX_REMEMBERED) {
      const oldest = delivered.values().next().value;
      if (oldest !== undefined) delivered.delete(oldest);
    }
    delivered.add(key);
  };
  const invalidate = (secretId: string) => {
    if ('invalidate' in deps.secrets) deps.secrets.invalidate(secretId);
  };

  const toDestination = async (
    d: WebhookDestination,
    body: string,
    remainingMs: () => number,
    log: Record<string, unknown>,
  ): Promise<DeliveryOutcome> => {
    let url: string;
    try {
      url = webhookUrlFrom(await deps.secrets.get(d.secretId), d.kind, d.secretId, formatters);
    } catch (error) {
      const permanent = error instanceof InvalidWebhookSecretError;
      // Secret values never reach a message; SDK errors name only the secret id.
      return {
        outcome: permanent ? 'permanent' : 'retryable',
        attempts: 0,
        reason: `secret ${d.secretId}: ${redact(error instanceof Error ? `${error.name}: ${error.message}` : 'read failed')}`,
      };
    }
    const outcome = await deliverWebhook(url, body, {
      fetch: fetchImpl,
      timeoutMs: config.timeoutMs,
      maxAttempts: config.maxAttempts,
      remainingMs,
      sleep,
      now,
      random,
      onRetry: (r) => logger.warn('webhook delivery retrying', { ...log, ...r }),
    });
    if (outcome.outcome === 'permanent' && [401, 403, 404, 410].includes(outcome.status ?? 0)) {
      invalidate(d.secretId); // the URL may have been rotated: read it again next time
    }
    return outcome;
  };

  return async (event: SQSEvent, context?: LambdaContextLike): Promise<SQSBatchResponse> => {
    const started = now();
    const remainingMs = () =>
      (context ? context.getRemainingTimeInMillis() : (deps.defaultBudgetMs ?? 30_000) - (now() - started)) -
      margin;
    let deliveredCount = 0;
    let failedCount = 0;

    /** Formats and posts one event to one destination, logging the outcome; true when it took it. */
    const postTo = async (
      d: WebhookDestination,
      watcherEvent: WatcherEvent,
      log: Record<string, unknown>,
    ): Promise<boolean> => {
      let body: string;
      try {
        body = JSON.stringify(payloadFor(d.kind, watcherEvent, formatters));
      } catch (error) {
        logger.error('could not format the event for this destination', {
          ...log,
          error: (error as Error).message,
        });
        return false;
      }
      const outcome = await toDestination(d, body, remainingMs, log);
      if (outcome.outcome === 'delivered') {
        logger.info('webhook delivered', { ...log, status: outcome.status, attempts: outcome.attempts });
        return true;
      }
      logger.error(
        outcome.outcome === 'permanent'
          ? 'webhook rejected the message (not retried in this invocation; SQS redelivers, then the DLQ keeps it)'
          : 'webhook delivery failed; SQS will redeliver',
        {
          ...log,
          outcome: outcome.outcome,
          status: outcome.status,
          attempts: outcome.attempts,
          reason: outcome.reason,
        },
      );
      return false;
    };

    const deliver = async (message: SQSRecord, watcherEvent: WatcherEvent, eventKey: string) => {
      const targets = destinationsFor(config, watcherEvent);
      const results = await Promise.all(
        targets.map(async (d) => {
          const key = `${eventKey}|${watcherEvent['detail-type']}|${d.name}`;
          const log = {
            messageId: message.messageId,
            eventId: eventKey,
            detailType: watcherEvent['detail-type'],
            destination: d.name,
            kind: d.kind,
          };
          if (delivered.has(key)) {
            logger.info('webhook already delivered by this container; skipped', log);
            return true;
          }
          let result: 'sent' | 'skipped' | 'failed';
          try {
            result = await deliverOnce(
              deps.ledger,
              `webhook:${d.name}`,
              eventKey,
              () => postTo(d, watcherEvent, log),
              (error) =>
                logger.warn('delivery ledger unavailable; posted without deduplication', { ...log, error }),
            );
          } catch (error) {
            if (!(error instanceof DeliveryInProgressError)) throw error;
            logger.warn('another invocation is posting this event to this webhook; SQS will redeliver', log);
            return false;
          }
          if (result === 'skipped') logger.info('webhook already had this event; not posted again', log);
          if (result === 'failed') return false;
          remember(key);
          return true;
        }),
      );
      const failed = results.filter((ok) => !ok).length;
      deliveredCount += results.length - failed;
      failedCount += failed;
      if (failed > 0)
        throw new NotificationUndeliveredError(`${failed} of ${results.length} destination(s) failed`);
    };

    const notifyMessage = async (message: SQSRecord): Promise<void> => {
      const watcherEvent = watcherEventOf(message, logger, 'notification');
      const detail = isObj(watcherEvent.detail) ? watcherEvent.detail : {};
      const eventKey =
        (typeof detail.eventId === 'string' ? detail.eventId : undefined) ??
        watcherEvent.id ??
        message.messageId;
      await withLogKeys(logger, { eventId: eventKey }, () => deliver(message, watcherEvent, eventKey));
    };

    const response = await processPartialResponse(
      event,
      notifyMessage,
      new BatchProcessor(EventType.SQS),
      SQS_BATCH_OPTIONS,
    );
    deps.metrics?.({ WebhookDeliveries: deliveredCount, WebhookFailures: failedCount });
    return response;
  };
};
