/**
 * The lifecycle as one step of a scan: load states → applyScan → write each changed state with its
 * pending events (the outbox) in one conditional write → publish → clear the outbox.
 *
 * At-least-once: an event is on the bus only after it is durably in an outbox, and an outbox
 * keeps exactly the events not yet on the bus. A run whose publish fails in part clears what went
 * out (and what can never go out: undeliverable events, reported by the publisher) and hands the
 * rest back; the next run publishes only that. A run that dies keeps its outboxes claimed: the
 * retry of the same unit (same scan id and scopes, hence the same run id) publishes them at once,
 * any other run once the lease has run out. Duplicates (a dead run's partial publish, two
 * deliveries of one unit at once) carry the same event id; consumers drop ids they delivered.
 */
import { OUTBOX_LEASE_MS } from '../contracts/timing';
import { type BusEvent, eventIdOf } from '../core/events';
import { type Logger, silentLogger } from '../core/ports';
import type { ScanResult } from '../core/scan';
import { applyScan } from './apply-scan';
import { groupFleetAlerts } from './fleet-groups';

import type { LifecycleConfig, LifecycleScan, TrackedState } from './model';
import { lifecycleScanFromInventory } from './observations';

/** Events written with a state and not yet confirmed published. */
export interface Outbox {
  readonly events: readonly BusEvent[];
  /** Run that is publishing them; null when handed back after a failed publish. */
  readonly owner: string | null;
  /** Wall-clock epoch ms of the claim; the lease counts from it. */
  readonly claimedAt: number;
}

export interface StoredEntry {
  readonly state: TrackedState;
  readonly outbox: Outbox | null;
}

/** The state table as the lifecycle needs it (DynamoDbStateStore implements it; tests may fake it). */
export interface LifecycleStore {
  /**
   * Entries of these locations, plus every tracked or outbox-pending location of these scopes.
   * `consistent: false` may return stale items: every write is conditional, so a stale read costs
   * a retry, never a wrong state.
   */
  load(
    locations: readonly string[],
    scopes: readonly string[],
    options?: { readonly consistent?: boolean },
  ): Promise<Map<string, StoredEntry>>;
  /** Writes state and outbox on condition the stored version is `previousVersion`; false when it is not. */
  write(state: TrackedState, previousVersion: number | null, outbox: Outbox | null): Promise<boolean>;
  /** Takes over an outbox still as `from` (owner and claim); false when it changed. */
  claimOutbox(location: string, from: Outbox, owner: string, claimedAt: number): Promise<boolean>;
  /** Removes the outbox if `owner` still holds it. */
  clearOutbox(location: string, owner: string): Promise<boolean>;
  /** Hands the outbox back (owner null) so the next run publishes it without waiting for the lease. */
  releaseOutbox(location: string, owner: string): Promise<void>;
  /** Replaces the outbox `owner` holds by `events` (the ones not published) and hands it back. */
  retainOutbox(location: string, owner: string, events: readonly BusEvent[]): Promise<void>;
}

export interface Publisher {
  publish(events: readonly BusEvent[]): Promise<{ published: number }>;
}

/**
 * What a publisher's error says about a publish that failed in part (EventBusPublisher's
 * PublishFailedError): the ids now on the bus, and those that can never be put.
 */
export interface PartialPublishFailure {
  readonly publishedIds: ReadonlySet<string>;
  readonly undeliverable: ReadonlyArray<{ readonly eventId: string }>;
}

const partialOf = (error: unknown): PartialPublishFailure | null =>
  error instanceof Error &&
  (error as Partial<PartialPublishFailure>).publishedIds instanceof Set &&
  Array.isArray((error as Partial<PartialPublishFailure>).undeliverable)
    ? (error as unknown as PartialPublishFailure)
    : null;

/**
 * The run id of one unit of work: the same for every delivery of the unit (its scan id and
 * scopes), so the SQS or Lambda retry of a unit whose process died after its state write owns the
 * outboxes it left and publishes them at once, instead of waiting for the lease.
 */
export const unitRunId = (scanId: string, scopes: readonly string[]): string =>
  `unit-${eventIdOf(scanId, ...[...scopes].sort())}`;

export interface LifecycleDeps {
  readonly store: LifecycleStore;
  readonly publisher: Publisher;
  /** The scan's instant: every rule is judged at it. */
  readonly now: Date;
  readonly config: LifecycleConfig;
  /** Wall clock for outbox leases. @default () => new Date() */
  readonly clock?: () => Date;
  /** @default {@link unitRunId} of the scan's id and scopes */
  readonly runId?: string;
  /** A claimed outbox whose run has not cleared it after this long is taken over. @default 900000 (Lambda's maximum timeout) */
  readonly outboxLeaseMs?: number;
  /** Load-apply-write rounds when conditional writes lose races. @default 5 */
  readonly maxAttempts?: number;
  readonly logger?: Logger;
}

export interface LifecycleSummary {
  readonly runId: string;
  /** Events this scan's transitions produced. */
  readonly eventsCreated: number;
  /** Events handed to the publisher (new ones and leftovers from earlier runs). */
  readonly eventsPublished: number;
  /** Leftover events of earlier runs among them. */
  readonly eventsRecovered: number;
  readonly itemsWritten: number;
  readonly conflicts: number;
  readonly attempts: number;
}

export class LifecycleConflictError extends Error {
  override readonly name = 'LifecycleConflictError';
}

const isScanResult = (s: ScanResult | LifecycleScan): s is ScanResult => 'certificates' in s;

const scopesOf = (scan: LifecycleScan): string[] => [
  ...new Set([
    ...scan.completeScopes,
    ...(scan.failedScopes ?? []).map((f) => f.scope),
    ...(scan.retiredScopes ?? []),
    ...scan.observations.map((o) => o.scope),
  ]),
];

const idOf = (e: BusEvent): string => (e.detail as { eventId?: string }).eventId ?? '';

const dedupe = (events: readonly BusEvent[]): BusEvent[] => {
  const seen = new Set<string>();
  return events.filter((e) => {
    const id = idOf(e);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
};

const mapLimit = async <T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) => {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
};

/**
 * Publishes the run's outboxes and leaves in each exactly what is not on the bus: all cleared on
 * success; on a partial failure the published and undeliverable events removed and the rest
 * handed back; on any other failure everything handed back. Rethrows the publisher's error.
 */
const publishOwned = async (
  store: LifecycleStore,
  publisher: Publisher,
  owned: ReadonlyMap<string, readonly BusEvent[]>,
  events: readonly BusEvent[],
  runId: string,
  logger: Logger,
): Promise<void> => {
  try {
    await publisher.publish(events);
  } catch (error) {
    const partial = partialOf(error);
    const done = new Set([
      ...(partial?.publishedIds ?? []),
      ...(partial?.undeliverable ?? []).map((u) => u.eventId),
    ]);
    logger.error('publishing lifecycle events failed; the outboxes keep only what was not sent', {
      runId,
      sent: done.size,
      kept: events.length - done.size,
      error,
    });
    await Promise.allSettled(
      [...owned].map(([location, evs]) => {
        const rest = evs.filter((e) => !done.has(idOf(e)));
        if (rest.length === 0) return store.clearOutbox(location, runId);
        if (rest.length === evs.length) return store.releaseOutbox(location, runId);
        return store.retainOutbox(location, runId, rest);
      }),
    );
    throw error;
  }
  await mapLimit([...owned.keys()], 16, async (l) => {
    await store.clearOutbox(l, runId);
  });
};

/** Runs the lifecycle for one scan (an inventory ScanResult or a prepared LifecycleScan). */
export const processScan = async (
  deps: LifecycleDeps,
  input: ScanResult | LifecycleScan,
): Promise<LifecycleSummary> => {
  const scan = isScanResult(input) ? lifecycleScanFromInventory(input) : input;
  const clock = deps.clock ?? (() => new Date());
  const lease = deps.outboxLeaseMs ?? OUTBOX_LEASE_MS;
  const maxAttempts = deps.maxAttempts ?? 5;
  const logger = deps.logger ?? silentLogger;
  const locations = [...new Set(scan.observations.map((o) => o.location))];
  const scopes = scopesOf(scan);
  const runId = deps.runId ?? unitRunId(scan.scanId, scopes);

  /** Outboxes this run holds: location → events. */
  const owned = new Map<string, readonly BusEvent[]>();
  const created = new Set<string>();
  let recovered = 0;
  let written = 0;
  let conflicts = 0;
  let attempt = 0;
  let lost = 0;
  do {
    attempt++;
    lost = 0;
    // Half-price reads first; strongly consistent ones once a race was lost.
    const entries = await deps.store.load(locations, scopes, { consistent: attempt > 1 });
    const applied = applyScan(
      [...entries.values()].map((e) => e.state),
      scan,
      deps.now,
      deps.config,
    );
    const result = {
      changes: groupFleetAlerts(applied.changes, {
        above: deps.config.groupAlertsAbove,
        scanId: scan.scanId,
        now: deps.now,
      }),
    };
    const changed = new Set(result.changes.map((c) => c.state.location));
    await mapLimit(result.changes, 16, async (change) => {
      const location = change.state.location;
      const pending = entries.get(location)?.outbox ?? null;
      // Another live run is publishing this item's outbox: taking its events over would publish
      // them twice. Wait for it to clear (re-read on the next attempt) instead.
      const foreignLive =
        pending !== null &&
        pending.owner !== null &&
        pending.owner !== runId &&
        pending.claimedAt + lease > clock().getTime();
      if (change.events.length > 0 && foreignLive) {
        lost++;
        return;
      }
      let outbox = pending;
      if (change.events.length > 0) {
        const events = dedupe([...(pending?.events ?? []), ...change.events]);
        outbox = { events, owner: runId, claimedAt: clock().getTime() };
      }
      if (await deps.store.write(change.state, change.previousVersion, outbox)) {
        written++;
        // Pending events of an earlier run travel in the new outbox: they are recovered here.
        if (change.events.length > 0 && pending && pending.owner !== runId)
          recovered += pending.events.length;
        for (const e of change.events) created.add(idOf(e));
        if (outbox && outbox.owner === runId) owned.set(location, outbox.events);
      } else {
        lost++;
      }
    });
    // Leftovers: outboxes handed back, claimed by a run that outlived its lease (it died), or
    // claimed by an earlier delivery of this very unit (it died: this is its retry).
    for (const [location, entry] of entries) {
      const outbox = entry.outbox;
      if (!outbox || changed.has(location) || owned.has(location)) continue;
      const expired =
        outbox.owner === null || outbox.owner === runId || outbox.claimedAt + lease <= clock().getTime();
      if (!expired) continue;
      if (await deps.store.claimOutbox(location, outbox, runId, clock().getTime())) {
        owned.set(location, outbox.events);
        recovered += outbox.events.length;
      }
    }
    conflicts += lost;
    if (lost > 0) {
      logger.warn('state writes lost a race; re-reading and re-applying', { runId, lost, attempt });
      // Give the other run time to publish and clear: 50, 100, 200, 400 ms.
      if (attempt < maxAttempts) await new Promise((r) => setTimeout(r, 50 * 2 ** (attempt - 1)));
    }
  } while (lost > 0 && attempt < maxAttempts);

  const events = dedupe([...owned.values()].flat());
  if (events.length > 0) await publishOwned(deps.store, deps.publisher, owned, events, runId, logger);
  if (lost > 0) {
    throw new LifecycleConflictError(
      `${lost} state write(s) still conflicted after ${attempt} attempts; their events are not lost (the next run re-applies)`,
    );
  }
  return {
    runId,
    eventsCreated: created.size,
    eventsPublished: events.length,
    eventsRecovered: recovered,
    itemsWritten: written,
    conflicts,
    attempts: attempt,
  };
};
