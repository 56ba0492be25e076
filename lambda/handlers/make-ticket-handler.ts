/**
 * The ticket Lambda: SNS (tickets topic) → SQS → this Lambda → Jira / ServiceNow / GitHub /
 * PagerDuty. One ticket per certificate lifecycle and connector:
 *
 * - Expiring / Expired / Endpoint Misconfigured: no ticket yet for this lifecycle → claim the
 *   lifecycle in the state table (conditional write), look the ticket up by its dedup key (a
 *   delivery that died after opening it left it there), open it if absent, record it. A ticket
 *   already recorded gets a comment only when the alert escalated (higher severity or a smaller
 *   tier); reminders add nothing.
 * - Renewed / Removed: resolve the lifecycle's ticket (recorded, or found open by
 *   its dedup key) and clear the reference.
 *
 * A redelivered message finds the reference (or its own claim) and opens nothing; a concurrent
 * delivery of the same alert loses the conditional claim, sees the claim and fails its message,
 * so SQS brings it back once the ticket is recorded. Any failure fails the message
 * (`batchItemFailures`): SQS redelivers, then the DLQ keeps it. Credentials are never logged.
 */
import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type AlertView, toView, type WatcherEvent } from '../channels/format/view';
import {
  type ConnectorConfig,
  createConnector,
  escalated,
  type HttpOptions,
  parseConnectors,
  standingOf,
  subjectOf,
  TicketApiError,
  TicketAuthError,
  type TicketConnector,
  type TicketFetch,
  type TicketRef,
} from '../channels/tickets';
import type { Logger } from '../core/ports';
import { type Env, positiveIntEnv, requireEnv } from '../shared/env';
import type { MetricsSink } from '../shared/metrics';
import type { InvalidatingSecretReader, SecretReader } from '../sinks/secrets/secret-reader';
import {
  TicketLocationNotTrackedError,
  type TicketRecord,
  type TicketRefStore,
} from '../sinks/state/ticket-ref-store';
import { eventFromSqsBody } from './make-notify-handler';

export interface TicketConfig {
  readonly connectors: readonly ConnectorConfig[];
  /** Per-request timeout (TICKET_TIMEOUT_MS). @default 5000 */
  readonly timeoutMs: number;
  /** Attempts per request within one invocation (TICKET_MAX_ATTEMPTS). @default 3 */
  readonly maxAttempts: number;
  /** How long credentials read from Secrets Manager are reused (SECRET_CACHE_TTL_MS). @default 300000 */
  readonly secretCacheTtlMs: number;
  /**
   * How long a delivery's claim on a lifecycle (ticket being opened) keeps other deliveries off
   * (TICKET_CLAIM_LEASE_MS); longer than the Lambda timeout. @default 900000
   */
  readonly claimLeaseMs: number;
}

export const ticketConfigFromEnv = (env: Env): TicketConfig => ({
  connectors: parseConnectors(requireEnv(env, 'TICKET_CONNECTORS')),
  timeoutMs: positiveIntEnv(env, 'TICKET_TIMEOUT_MS', 5000),
  maxAttempts: positiveIntEnv(env, 'TICKET_MAX_ATTEMPTS', 3),
  secretCacheTtlMs: positiveIntEnv(env, 'SECRET_CACHE_TTL_MS', 300_000),
  claimLeaseMs: positiveIntEnv(env, 'TICKET_CLAIM_LEASE_MS', 900_000),
});

/** Another delivery is opening this lifecycle's ticket: try again later (SQS redelivery). */
export class TicketBusyError extends Error {
  override readonly name = 'TicketBusyError';
}

/** The reference kept changing under us (more concurrent writers than attempts). */
export class TicketConflictError extends Error {
  override readonly name = 'TicketConflictError';
}

export interface TicketDeps {
  readonly config: TicketConfig;
  readonly secrets: SecretReader | InvalidatingSecretReader;
  /** The reference store of one connector (its index in the configuration and its config). */
  readonly refStore: (connector: ConnectorConfig, index: number) => TicketRefStore;
  readonly logger: Logger;
  readonly metrics?: MetricsSink;
  readonly fetch?: TicketFetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly newRev?: () => string;
  /** Time kept back from the Lambda's remaining time for reporting. @default 1500 */
  readonly safetyMarginMs?: number;
  /** Budget when no Lambda context is given (tests, local runs). @default 30000 */
  readonly defaultBudgetMs?: number;
}

interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

export type TicketOutcome =
  | 'opened'
  | 'found'
  | 'commented'
  | 'unchanged'
  | 'resolved'
  | 'nothing-to-resolve';

const MAX_WRITE_ATTEMPTS = 4;

const asRef = (r: TicketRef): TicketRef => ({ system: r.system, key: r.key, url: r.url });

export const makeTicketHandler = (deps: TicketDeps) => {
  const { config, logger } = deps;
  const fetchImpl: TicketFetch =
    deps.fetch ?? ((url, init) => fetch(url, { ...init, redirect: 'error' }) as ReturnType<TicketFetch>);
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const newRev = deps.newRev ?? randomUUID;
  const margin = deps.safetyMarginMs ?? 1500;
  const stores = config.connectors.map((c, i) => deps.refStore(c, i));

  const raise = async (
    c: TicketConnector,
    store: TicketRefStore,
    location: string,
    key: string,
    view: AlertView,
    owner: string,
  ): Promise<TicketOutcome> => {
    const standing = standingOf(view);
    const openClaimed = async (
      claim: TicketRecord,
      previous: TicketRecord | null,
    ): Promise<TicketOutcome> => {
      let ref: TicketRef;
      let outcome: TicketOutcome;
      try {
        const found = await c.find(key);
        ref = found ?? (await c.open(view, key));
        outcome = found ? 'found' : 'opened';
      } catch (error) {
        // Hand the lifecycle back at once rather than after the lease (best effort).
        await store.put(location, previous ? { ...previous, rev: newRev() } : null, claim).catch(() => false);
        throw error;
      }
      const { pending: _pending, ...rest } = claim;
      const record: TicketRecord = { ...rest, ...asRef(ref), rev: newRev() };
      if (!(await store.put(location, record, claim))) {
        // Our claim outlived its lease and someone took over: they find this ticket by its dedup key.
        logger.warn('ticket opened but the claim was taken over; the new owner finds it by its dedup key', {
          connector: c.name,
          location,
          dedupKey: key,
        });
      }
      return outcome;
    };

    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const current = await store.get(location);
      if (current && current.dedupKey === key) {
        if (current.pending) {
          const mine = current.pending.owner === owner;
          if (!mine && now() - current.pending.since < config.claimLeaseMs) {
            throw new TicketBusyError(`another delivery is opening the ticket for ${key}; retried later`);
          }
          const claim: TicketRecord = { ...current, pending: { owner, since: now() }, rev: newRev() };
          if (!(await store.put(location, claim, current))) continue;
          return openClaimed(claim, null);
        }
        if (!escalated(current, standing)) return 'unchanged';
        // Comment first: a concurrent duplicate comment is better than a lost escalation.
        await c.comment(asRef(current), view, key);
        await store.put(location, { ...current, ...standing, rev: newRev() }, current);
        return 'commented';
      }
      // No ticket for this lifecycle (none yet, or one of a certificate since replaced).
      const claim: TicketRecord = {
        connector: c.name,
        system: c.kind,
        key: '',
        dedupKey: key,
        ...standing,
        pending: { owner, since: now() },
        rev: newRev(),
      };
      let claimed: boolean;
      try {
        claimed = await store.put(location, claim, current);
      } catch (error) {
        if (!(error instanceof TicketLocationNotTrackedError)) throw error;
        // Nowhere to keep the reference: the connector's dedup key alone prevents a duplicate.
        logger.warn('location not in the state table; ticket deduplicated by the connector only', {
          connector: c.name,
          location,
          dedupKey: key,
        });
        if (await c.find(key)) return 'found';
        await c.open(view, key);
        return 'opened';
      }
      if (!claimed) continue;
      return openClaimed(claim, current);
    }
    throw new TicketConflictError(
      `ticket reference for ${location} changed ${MAX_WRITE_ATTEMPTS} times while writing`,
    );
  };

  const close = async (
    c: TicketConnector,
    store: TicketRefStore,
    location: string,
    key: string,
    view: AlertView,
  ): Promise<TicketOutcome> => {
    const current = await store.get(location);
    const stored = current && current.dedupKey === key && !current.pending && current.key ? current : null;
    // Not recorded (lost, or reset): PagerDuty addresses alerts by the key; the others search open tickets,
    // so a redelivered renewal finds nothing left to resolve.
    const ref = stored ? asRef(stored) : (c.refOf?.(key) ?? (await c.find(key)));
    if (ref) await c.resolve(ref, view, key);
    if (current && current.dedupKey === key) {
      try {
        await store.put(location, null, current);
      } catch (error) {
        if (!(error instanceof TicketLocationNotTrackedError)) throw error;
      }
    }
    return ref ? 'resolved' : 'nothing-to-resolve';
  };

  return async (event: SQSEvent, context?: LambdaContextLike): Promise<SQSBatchResponse> => {
    const started = now();
    const remainingMs = () =>
      (context ? context.getRemainingTimeInMillis() : (deps.defaultBudgetMs ?? 30_000) - (now() - started)) -
      margin;
    const http: HttpOptions = {
      fetch: fetchImpl,
      timeoutMs: config.timeoutMs,
      maxAttempts: config.maxAttempts,
      remainingMs,
      sleep,
      now,
      random,
      onRetry: (r) => logger.warn('ticket request retrying', r),
    };
    const connectors = config.connectors.map((c) => createConnector(c, deps.secrets, http));
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    const counts: Record<TicketOutcome | 'failed', number> = {
      opened: 0,
      found: 0,
      commented: 0,
      unchanged: 0,
      resolved: 0,
      'nothing-to-resolve': 0,
      failed: 0,
    };
    for (const message of event.Records) {
      let watcherEvent: WatcherEvent;
      try {
        watcherEvent = eventFromSqsBody(message.body);
      } catch (error) {
        logger.error('message is not a watcher event; it will end in the DLQ', {
          messageId: message.messageId,
          error: (error as Error).message,
        });
        batchItemFailures.push({ itemIdentifier: message.messageId });
        continue;
      }
      const view = toView(watcherEvent);
      const subject = subjectOf(watcherEvent, view);
      const log = {
        messageId: message.messageId,
        eventId: view.eventId,
        detailType: view.detailType,
        location: subject.location,
        dedupKey: subject.dedupKey,
      };
      if (subject.action === 'ignore' || !subject.location || !subject.dedupKey) {
        logger.info('event needs no ticket; skipped', log);
        continue;
      }
      const { location, dedupKey } = subject;
      const results = await Promise.all(
        connectors.map(async (c, i) => {
          const store = stores[i]!;
          try {
            const outcome =
              subject.action === 'raise'
                ? await raise(c, store, location, dedupKey, view, message.messageId)
                : await close(c, store, location, dedupKey, view);
            counts[outcome]++;
            logger.info(`ticket ${outcome}`, { ...log, connector: c.name });
            return true;
          } catch (error) {
            counts.failed++;
            if (error instanceof TicketAuthError && 'invalidate' in deps.secrets) {
              deps.secrets.invalidate(config.connectors[i]!.secretId); // rotated credentials: read again next time
            }
            const e = error instanceof Error ? error : new Error(String(error));
            logger[error instanceof TicketBusyError ? 'warn' : 'error'](
              'ticket action failed; SQS will redeliver',
              {
                ...log,
                connector: c.name,
                error: { name: e.name, message: e.message },
                status: error instanceof TicketApiError ? error.status : undefined,
              },
            );
            return false;
          }
        }),
      );
      if (results.some((ok) => !ok)) batchItemFailures.push({ itemIdentifier: message.messageId });
    }
    deps.metrics?.({
      TicketsOpened: counts.opened,
      TicketsCommented: counts.commented,
      TicketsResolved: counts.resolved,
      TicketFailures: counts.failed,
    });
    return { batchItemFailures };
  };
};
