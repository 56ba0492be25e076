/**
 * The ticket Lambda: SNS (tickets topic) → SQS → this Lambda → Jira / ServiceNow / GitHub /
 * PagerDuty. One ticket per certificate lifecycle and connector; the claim, lease and
 * check-before-create rules live in lambda/channels/tickets/ticket-lifecycle.ts.
 *
 * With owner rules (env OWNERS, docs/routing.md) an event goes to its owner's connector, in the
 * owner's project when it names one, and to every connector no owner names. Each (connector,
 * project) pair is its own ticket target with its own references (`<connector>@<project>`), so
 * claims and records stay per target and location, and the dedup key finds the ticket in the
 * project that has it.
 *
 * A delivery that meets another's claim fails its message (TicketBusyError) and SQS brings it back
 * after the visibility timeout; any other failure too, and after the last receive the DLQ keeps it.
 * Credentials are never logged.
 */
import { randomUUID } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { toView, type WatcherEvent } from '../channels/format/view';
import { type OwnerRules, ownerOf, ownerRulesFromEnv } from '../channels/owners';
import {
  type ConnectorConfig,
  createConnector,
  type HttpOptions,
  parseConnectors,
  subjectOf,
  TicketApiError,
  TicketAuthError,
  type TicketFetch,
} from '../channels/tickets';
import {
  closeTicket,
  raiseTicket,
  TicketBusyError,
  type TicketLifecycleDeps,
  type TicketOutcome,
} from '../channels/tickets/ticket-lifecycle';
import {
  SECRET_CACHE_TTL_MS_ENV,
  TICKET_CLAIM_LEASE_MS_ENV,
  TICKET_CONNECTORS_ENV,
  TICKET_MAX_ATTEMPTS_ENV,
  TICKET_TIMEOUT_MS_ENV,
} from '../contracts/env-names';
import { checkOwnerDestinations, connectorForProject, OWNERS_ENV, ownersNaming } from '../contracts/owners';
import { TICKET_CLAIM_LEASE_MS } from '../contracts/timing';
import type { Logger } from '../core/ports';
import { type Env, positiveIntEnv, requireEnv } from '../shared/env';
import { withLogKeys } from '../shared/logger';
import type { MetricsSink } from '../shared/metrics';
import { SQS_BATCH_OPTIONS } from '../shared/sqs-batch';
import type { InvalidatingSecretReader, SecretReader } from '../sinks/secrets/secret-reader';
import { DeliveryInProgressError, type DeliveryLedger, deliverOnce } from '../sinks/state/delivery-ledger';
import type { TicketRefStore } from '../sinks/state/ticket-ref-store';
import { watcherEventOf } from './make-notify-handler';

export {
  TicketBusyError,
  TicketConflictError,
  type TicketOutcome,
} from '../channels/tickets/ticket-lifecycle';

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
   * (TICKET_CLAIM_LEASE_MS); longer than the Lambda timeout.
   * @default TICKET_CLAIM_LEASE_MS of lambda/contracts/timing.ts (the timeout + 30 s), as the construct sets it
   */
  readonly claimLeaseMs: number;
  /** Ownership routing (OWNERS). @default none: every connector takes every event */
  readonly owners?: OwnerRules;
}

/** Fails at init on a bad connector, or an owner naming a connector (or project) that cannot be. */
export const ticketConfigFromEnv = (env: Env): TicketConfig => {
  const connectors = parseConnectors(requireEnv(env, TICKET_CONNECTORS_ENV));
  const owners = ownerRulesFromEnv(env[OWNERS_ENV]);
  if (owners) checkOwnerDestinations(owners, { connectors }, 'environment variable OWNERS');
  return {
    connectors,
    timeoutMs: positiveIntEnv(env, TICKET_TIMEOUT_MS_ENV, 5000),
    maxAttempts: positiveIntEnv(env, TICKET_MAX_ATTEMPTS_ENV, 3),
    secretCacheTtlMs: positiveIntEnv(env, SECRET_CACHE_TTL_MS_ENV, 300_000),
    claimLeaseMs: positiveIntEnv(env, TICKET_CLAIM_LEASE_MS_ENV, TICKET_CLAIM_LEASE_MS),
    ...(owners ? { owners } : {}),
  };
};

/** Where tickets open: a connector, as configured or in an owner's project. */
export interface TicketTarget {
  /** `<connector>` or `<connector>@<project>`: names the target's references in the state table. */
  readonly store: string;
  readonly connector: ConnectorConfig;
  /** The connector's position in the configuration (the first mirrors its reference). */
  readonly index: number;
}

const storeOf = (connector: string, project: string | undefined): string =>
  project === undefined ? connector : `${connector}@${project}`;

/** Every target the configuration can use: each connector, and each owner's project of one. */
export const ticketTargetsOf = (config: TicketConfig): TicketTarget[] => {
  const targets = config.connectors.map((connector, index) => ({ store: connector.name, connector, index }));
  for (const o of config.owners ? [...config.owners.owners, config.owners.defaultOwner] : []) {
    const t = o.tickets;
    const index = config.connectors.findIndex((c) => c.name === t?.connector);
    const base = config.connectors[index];
    if (!t?.project || !base || targets.some((x) => x.store === storeOf(t.connector, t.project))) continue;
    const connector = connectorForProject(base, t.project, `owner "${o.name}".tickets`);
    targets.push({ store: storeOf(t.connector, t.project), connector, index });
  }
  return targets;
};

/** The targets of one event: its owner's (with owners), and every connector no owner names. */
export const ticketStoresFor = (config: TicketConfig, event: WatcherEvent): string[] => {
  const { owners } = config;
  if (!owners) return config.connectors.map((c) => c.name);
  const owner = ownerOf(event, owners);
  const stores = config.connectors
    .filter((c) => ownersNaming(owners, 'tickets', c.name).length === 0)
    .map((c) => c.name);
  if (owner.tickets) stores.push(storeOf(owner.tickets.connector, owner.tickets.project));
  return stores;
};

export interface TicketDeps {
  readonly config: TicketConfig;
  readonly secrets: SecretReader | InvalidatingSecretReader;
  /**
   * The reference store of one ticket target: its connector (as the target makes it), the
   * connector's index in the configuration, and the target's store name ({@link TicketTarget}).
   */
  readonly refStore: (connector: ConnectorConfig, index: number, store: string) => TicketRefStore;
  readonly logger: Logger;
  readonly metrics?: MetricsSink;
  /** Remembers which ticket target acted on which event id. @default none */
  readonly ledger?: DeliveryLedger;
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

/** A connector could not act on the message; SQS redelivers it (each failure already logged). */
export class TicketActionFailedError extends Error {
  override readonly name = 'TicketActionFailedError';
}

export const makeTicketHandler = (deps: TicketDeps) => {
  const { config, logger } = deps;
  const fetchImpl: TicketFetch =
    deps.fetch ?? ((url, init) => fetch(url, { ...init, redirect: 'manual' }) as ReturnType<TicketFetch>);
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const newRev = deps.newRev ?? randomUUID;
  const margin = deps.safetyMarginMs ?? 1500;
  const targets = ticketTargetsOf(config);
  const stores = targets.map((t) => deps.refStore(t.connector, t.index, t.store));

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
    const lifecycles: TicketLifecycleDeps[] = targets.map((t, i) => ({
      connector: createConnector(t.connector, deps.secrets, http),
      store: stores[i]!,
      claimLeaseMs: config.claimLeaseMs,
      requestTimeoutMs: config.timeoutMs,
      now,
      newRev,
      logger,
    }));
    const counts: Record<TicketOutcome | 'failed', number> = {
      opened: 0,
      found: 0,
      commented: 0,
      unchanged: 0,
      resolved: 0,
      'nothing-to-resolve': 0,
      failed: 0,
    };
    const ticketMessage = async (message: SQSRecord): Promise<void> => {
      const watcherEvent = watcherEventOf(message, logger, 'message');
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
        return;
      }
      const { location, dedupKey } = subject;
      const wanted = new Set(ticketStoresFor(config, watcherEvent));
      const chosen = targets.flatMap((t, i) => (wanted.has(t.store) ? [{ t, d: lifecycles[i]! }] : []));
      if (chosen.length === 0) {
        logger.info("no ticket connector takes this owner's events; skipped", log);
        return;
      }
      // Unique per invocation: a redelivery of this message must not pass for its earlier claim.
      const owner = `${message.messageId}/${newRev()}`;
      const results = await withLogKeys(logger, { eventId: view.eventId }, () =>
        Promise.all(
          chosen.map(async ({ t, d }) => {
            const c = d.connector;
            try {
              // Once per event id and target: a redelivered event, or a retry after another
              // target failed, does not act on this target again.
              const sent = await deliverOnce(
                deps.ledger,
                `ticket:${t.store}`,
                view.eventId ?? '',
                async () => {
                  const outcome =
                    subject.action === 'raise'
                      ? await raiseTicket(d, location, dedupKey, view, owner)
                      : await closeTicket(d, location, dedupKey, view);
                  counts[outcome]++;
                  logger.info(`ticket ${outcome}`, { ...log, connector: c.name, target: t.store });
                  return true;
                },
                (error) =>
                  logger.warn('delivery ledger unavailable; acted without deduplication', { ...log, error }),
              );
              if (sent === 'skipped')
                logger.info('this target already acted on this event; skipped', { ...log, target: t.store });
              return true;
            } catch (error) {
              counts.failed++;
              if (error instanceof TicketAuthError && 'invalidate' in deps.secrets) {
                deps.secrets.invalidate(t.connector.secretId); // rotated credentials: read again next time
              }
              const e = error instanceof Error ? error : new Error(String(error));
              const busy = error instanceof TicketBusyError || error instanceof DeliveryInProgressError;
              logger[busy ? 'warn' : 'error']('ticket action failed; SQS will redeliver', {
                ...log,
                connector: c.name,
                target: t.store,
                error: { name: e.name, message: e.message },
                status: error instanceof TicketApiError ? error.status : undefined,
              });
              return false;
            }
          }),
        ),
      );
      const failed = results.filter((ok) => !ok).length;
      if (failed > 0) throw new TicketActionFailedError(`${failed} of ${results.length} connector(s) failed`);
    };
    const response = await processPartialResponse(
      event,
      ticketMessage,
      new BatchProcessor(EventType.SQS),
      SQS_BATCH_OPTIONS,
    );
    deps.metrics?.({
      TicketsOpened: counts.opened,
      TicketsCommented: counts.commented,
      TicketsResolved: counts.resolved,
      TicketFailures: counts.failed,
    });
    return response;
  };
};
