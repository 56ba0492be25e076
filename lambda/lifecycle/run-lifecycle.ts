/**
 * The lifecycle as one step of a scan: load states → applyScan → write each changed state with its
 * pending events (the outbox) in one conditional write → publish → clear the outbox.
 *
 * At-least-once: an event is on the bus only after it is durably in an outbox, and an outbox is
 * cleared only after PutEvents succeeded. A run that fails to publish hands its outboxes back; one
 * that dies keeps them claimed until the lease runs out. Any later run whose scopes include the
 * location publishes leftovers. Duplicates (a dead run's partial publish) carry the same event id.
 */
import { randomUUID } from 'node:crypto';
import type { BusEvent } from '../core/events';
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
}

export interface Publisher {
  publish(events: readonly BusEvent[]): Promise<{ published: number }>;
}

export interface LifecycleDeps {
  readonly store: LifecycleStore;
  readonly publisher: Publisher;
  /** The scan's instant: every rule is judged at it. */
  readonly now: Date;
  readonly config: LifecycleConfig;
  /** Wall clock for outbox leases. @default () => new Date() */
  readonly clock?: () => Date;
  /** @default a random UUID */
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

/** Runs the lifecycle for one scan (an inventory ScanResult or a prepared LifecycleScan). */
export const processScan = async (
  deps: LifecycleDeps,
  input: ScanResult | LifecycleScan,
): Promise<LifecycleSummary> => {
  const scan = isScanResult(input) ? lifecycleScanFromInventory(input) : input;
  const clock = deps.clock ?? (() => new Date());
  const runId = deps.runId ?? randomUUID();
  const lease = deps.outboxLeaseMs ?? 900_000;
  const maxAttempts = deps.maxAttempts ?? 5;
  const logger = deps.logger ?? silentLogger;
  const locations = [...new Set(scan.observations.map((o) => o.location))];
  const scopes = scopesOf(scan);

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
    // Leftovers: outboxes handed back, or claimed by a run that outlived its lease (it died).
    for (const [location, entry] of entries) {
      const outbox = entry.outbox;
      if (!outbox || changed.has(location) || owned.has(location) || outbox.owner === runId) continue;
      const expired = outbox.owner === null || outbox.claimedAt + lease <= clock().getTime();
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
  if (events.length > 0) {
    try {
      await deps.publisher.publish(events);
    } catch (error) {
      logger.error('publishing lifecycle events failed; handing the outboxes back for the next run', {
        runId,
        error,
      });
      await Promise.allSettled([...owned.keys()].map((l) => deps.store.releaseOutbox(l, runId)));
      throw error;
    }
    await mapLimit([...owned.keys()], 16, async (l) => {
      await deps.store.clearOutbox(l, runId);
    });
  }
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
