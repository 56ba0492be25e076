/**
 * One ticket per certificate lifecycle and connector, whatever the interleaving of deliveries:
 *
 * - raise (Expiring / Expired / Not Yet Valid / Endpoint Misconfigured / Endpoint Check Failed):
 *   a recorded ticket gets a comment only
 *   when the alert escalated (higher severity or a smaller tier). Otherwise the delivery claims the
 *   lifecycle (conditional write), looks the ticket up by its dedup key, opens it if absent and
 *   records it.
 * - close (Renewed / Removed / Now Valid / Endpoint Recovered): resolves the recorded ticket (or
 *   the one found by its dedup key) and clears the record. Which lifecycle (dedup key) an event
 *   belongs to is `subjectOf` (content.ts): an endpoint problem has its own, apart from the
 *   certificate's expiry ticket.
 *
 * Why no interleaving opens a second ticket:
 * 1. Only the holder of the claim creates. A claim is respected for `claimLeaseMs` (longer than
 *    the Lambda timeout, so its holder is dead or done by then) plus the connector's search lag;
 *    only then may another delivery take it over, and by then anything the holder created is
 *    visible to `find` even on an eventually consistent search (Jira, GitHub).
 * 2. The holder opens only while its lease can cover the request (`requestTimeoutMs`).
 * 3. A create whose outcome is unknown (timeout, dropped connection, 5xx) is neither retried nor
 *    handed back: the claim stays until it settles (rule 1). A create that certainly did nothing
 *    (4xx, 429, connection refused) hands the claim back at once.
 * 4. Claim owners are per invocation: a redelivered message (after a Lambda timeout) is a stranger
 *    to its own earlier claim and waits like any other delivery.
 * 5. A close that meets a claim in flight waits too, so it cannot clear a record that is about to
 *    name a new ticket.
 */
import type { Logger } from '../../core/ports';
import type { TicketRecord, TicketRefStore } from '../../sinks/state/ticket-ref-store';
import type { AlertView } from '../format/view';
import type { TicketConnector, TicketRef } from './connector';
import { escalated, standingOf } from './content';
import { TicketApiError, TicketOutcomeUnknownError } from './http';

/** Another delivery holds this lifecycle's claim: try again later (SQS redelivery). */
export class TicketBusyError extends Error {
  override readonly name = 'TicketBusyError';
}

/** The reference kept changing under us (more concurrent writers than attempts). */
export class TicketConflictError extends Error {
  override readonly name = 'TicketConflictError';
}

export type TicketOutcome =
  | 'opened'
  | 'found'
  | 'commented'
  | 'unchanged'
  | 'resolved'
  | 'nothing-to-resolve';

export interface TicketLifecycleDeps {
  readonly connector: TicketConnector;
  readonly store: TicketRefStore;
  /** How long a claim keeps other deliveries off (ms); longer than the Lambda timeout. */
  readonly claimLeaseMs: number;
  /** Longest a single request may take (ms): the holder opens only if the lease still covers it. */
  readonly requestTimeoutMs: number;
  readonly now: () => number;
  readonly newRev: () => string;
  readonly logger: Logger;
}

const MAX_WRITE_ATTEMPTS = 4;

const asRef = (r: TicketRef): TicketRef => ({ system: r.system, key: r.key, url: r.url });

/** Epoch ms from which a claim's successor may trust an empty `find`. */
export const claimSettlesAt = (claim: TicketRecord, d: TicketLifecycleDeps): number =>
  (claim.pending?.since ?? 0) + d.claimLeaseMs + d.connector.searchLagMs;

/** True when a failure proves the request changed nothing at the ticketing system. */
const certainlyNothingCreated = (error: unknown): boolean =>
  error instanceof TicketApiError && !(error instanceof TicketOutcomeUnknownError);

const busy = (d: TicketLifecycleDeps, claim: TicketRecord, key: string): TicketBusyError =>
  new TicketBusyError(
    `another delivery holds the ticket claim for ${key} until ${new Date(claimSettlesAt(claim, d)).toISOString()}; retried later`,
  );

const openClaimed = async (
  d: TicketLifecycleDeps,
  location: string,
  key: string,
  view: AlertView,
  claim: TicketRecord,
  previous: TicketRecord | null,
): Promise<TicketOutcome> => {
  const { connector: c, store } = d;
  // Hand the lifecycle back at once (best effort) when nothing can have been created.
  const release = () =>
    store.put(location, previous ? { ...previous, rev: d.newRev() } : null, claim).catch(() => false);
  let ref: TicketRef | null;
  try {
    ref = await c.find(key);
  } catch (error) {
    await release();
    throw error;
  }
  const outcome: TicketOutcome = ref ? 'found' : 'opened';
  if (!ref) {
    const leaseEnd = (claim.pending?.since ?? 0) + d.claimLeaseMs;
    if (d.now() + d.requestTimeoutMs > leaseEnd) {
      await release();
      throw new TicketBusyError(`the claim on ${key} would lapse before the ticket is opened; retried later`);
    }
    try {
      ref = await c.open(view, key);
    } catch (error) {
      if (certainlyNothingCreated(error)) await release();
      // Otherwise the ticket may exist: the claim stays until a successor can see it (claimSettlesAt).
      throw error;
    }
  }
  const { pending: _pending, ...rest } = claim;
  const record: TicketRecord = { ...rest, ...asRef(ref), rev: d.newRev() };
  if (!(await store.put(location, record, claim))) {
    // Only after lease + search lag can anyone take over, and then it finds this ticket by its dedup key.
    d.logger.warn('ticket opened but the claim was taken over; the new owner finds it by its dedup key', {
      connector: c.name,
      location,
      dedupKey: key,
    });
  }
  return outcome;
};

/** Opens the lifecycle's ticket, or comments on it when the alert escalated. `owner`: unique per invocation. */
export const raiseTicket = async (
  d: TicketLifecycleDeps,
  location: string,
  key: string,
  view: AlertView,
  owner: string,
): Promise<TicketOutcome> => {
  const { connector: c, store } = d;
  const standing = standingOf(view);
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const current = await store.get(location);
    const same = current !== null && current.dedupKey === key;
    if (same && !current.pending) {
      if (!escalated(current, standing)) return 'unchanged';
      // Comment first: a concurrent duplicate comment is better than a lost escalation.
      await c.comment(asRef(current), view, key);
      await store.put(location, { ...current, ...standing, rev: d.newRev() }, current);
      return 'commented';
    }
    if (same && d.now() < claimSettlesAt(current, d)) throw busy(d, current, key);
    // Nothing for this lifecycle, one of a certificate since replaced, or a settled claim.
    const claim: TicketRecord = {
      connector: c.name,
      system: c.kind,
      key: '',
      dedupKey: key,
      ...standing,
      pending: { owner, since: d.now() },
      rev: d.newRev(),
    };
    if (!(await store.put(location, claim, current))) continue;
    return openClaimed(d, location, key, view, claim, same ? null : current);
  }
  throw new TicketConflictError(
    `ticket reference for ${location} changed ${MAX_WRITE_ATTEMPTS} times while writing`,
  );
};

/** Resolves the lifecycle's ticket (recorded, or found by its dedup key) and clears the record. */
export const closeTicket = async (
  d: TicketLifecycleDeps,
  location: string,
  key: string,
  view: AlertView,
): Promise<TicketOutcome> => {
  const { connector: c, store } = d;
  const current = await store.get(location);
  const same = current !== null && current.dedupKey === key;
  // A ticket being opened right now would be missed by `find` and then left open forever.
  if (same && current.pending && d.now() < claimSettlesAt(current, d)) throw busy(d, current, key);
  const stored = same && !current.pending && current.key ? current : null;
  // Not recorded (lost, or expired): PagerDuty addresses alerts by the key; the others search open
  // tickets, so a redelivered renewal finds nothing left to resolve.
  const ref = stored ? asRef(stored) : (c.refOf?.(key) ?? (await c.find(key)));
  if (ref) await c.resolve(ref, view, key);
  if (same) await store.put(location, null, current);
  return ref ? 'resolved' : 'nothing-to-resolve';
};
