/**
 * 90 days of daily scans through the real lifecycle (processScan and its rules) on an in-memory
 * table with DynamoDB's conditional-write semantics, clock injected: after every day, exactly the
 * events expected so far are on the bus, once each, although every day's scan runs twice at once
 * (interleaved differently per seed), PutEvents fails once and a run dies between its state write
 * and PutEvents. What only DynamoDB can show (cold starts, conditional writes on the real table)
 * is in test/integration/lifecycle-dynamodb.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LifecycleEventDetail } from '../../lambda/lifecycle/lifecycle-events';
import { type LifecycleStore, processScan } from '../../lambda/lifecycle/run-lifecycle';
import { InMemoryLifecycleStore, seededRandom } from '../support/in-memory-lifecycle-store';
import {
  arn,
  config,
  day,
  describeEvent,
  expected,
  fp,
  RecordingPublisher,
  scanOfDay,
  WWW2,
} from '../support/lifecycle-timeline';
import { assertValidEvent } from '../support/schemas';

const PUBLISH_FAILS = 20;
const CRASH = 41;
const ACK_SET = 56;
const LAST_DAY = 89;

const dayOfLine = (l: string) => Number(l.slice(0, 2));

/** A store whose run dies after its state write: it never hands its outboxes back. */
const dyingAfterWrite = (store: LifecycleStore): LifecycleStore => ({
  load: (...a) => store.load(...a),
  write: (...a) => store.write(...a),
  claimOutbox: (...a) => store.claimOutbox(...a),
  clearOutbox: (...a) => store.clearOutbox(...a),
  releaseOutbox: async () => {},
  retainOutbox: async () => {},
});

/**
 * Runs `work` in virtual time: one millisecond per event-loop turn. processScan's back-off after a
 * lost race (50, 100, 200, 400 ms) still lets the other run's store calls go first, as on a real
 * table, without waiting for it on the wall clock.
 */
const inVirtualTime = async <T>(work: Promise<T>): Promise<T> => {
  let settled = false;
  const done = work.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  while (!settled) {
    await new Promise((resolve) => setImmediate(resolve));
    vi.advanceTimersByTime(1);
  }
  await done;
  return work;
};

describe('90-day lifecycle timeline (in memory)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([1, 2, 3, 4, 5, 6])(
    'every day the bus holds exactly the expected events, once each, whatever the failures (interleaving seed %i)',
    async (seed) => {
      const random = seededRandom(seed);
      const store = new InMemoryLifecycleStore({ turns: () => Math.floor(random() * 4) });
      const publisher = new RecordingPublisher();
      const all = expected();
      const run = (d: number, s: LifecycleStore = store, runId?: string) =>
        inVirtualTime(
          processScan({ store: s, publisher, now: day(d), config, clock: () => day(d), runId }, scanOfDay(d)),
        );

      let conflicts = 0;
      let attempts = 0;
      for (let d = 0; d <= LAST_DAY; d++) {
        if (d === ACK_SET) {
          await store.setAck(arn('acked'), {
            until: day(70).toISOString(),
            reason: 'vendor renewal booked',
            by: 'ops@example.com',
            at: day(55.5).toISOString(),
          });
        }
        if (d === PUBLISH_FAILS) {
          // PutEvents fails after the state write: the run fails, its retry delivers the events.
          publisher.failNext = true;
          await expect(run(d)).rejects.toThrow('simulated');
          const before = publisher.events.length;
          const retry = await run(d);
          expect(retry.eventsCreated).toBe(0);
          expect(retry.eventsRecovered).toBeGreaterThan(0);
          expect(publisher.events.length - before).toBe(retry.eventsRecovered);
        } else if (d === CRASH) {
          // The process dies between the state write and PutEvents: it cannot hand its outboxes back.
          publisher.failNext = true;
          await expect(run(d, dyingAfterWrite(store))).rejects.toThrow('simulated');
          // The unit's retry (same scan and scopes: the same run id), a minute later and well
          // within the lease, publishes what the dead attempt left, once.
          const before = publisher.events.length;
          const retry = await inVirtualTime(
            processScan(
              { store, publisher, now: day(d), config, clock: () => new Date(day(d).getTime() + 60_000) },
              scanOfDay(d),
            ),
          );
          expect(retry.eventsCreated).toBe(0);
          expect(retry.eventsRecovered).toBeGreaterThan(0);
          expect(publisher.events.length - before).toBe(retry.eventsRecovered);
        } else {
          // The same scan twice at once (a duplicated schedule delivery).
          const [a, b] = await Promise.all([run(d, store, `a-${d}`), run(d, store, `b-${d}`)]);
          attempts = Math.max(attempts, a.attempts, b.attempts);
          expect(a.eventsPublished + b.eventsPublished).toBe(
            a.eventsCreated + b.eventsCreated + a.eventsRecovered + b.eventsRecovered,
          );
          conflicts += a.conflicts + b.conflicts;
        }

        // Through day d: the dead run's events too, published by its retry.
        const due = all.filter((l) => dayOfLine(l) <= d);
        expect(publisher.events.map(describeEvent).sort(), `bus after day ${d}`).toEqual(due);
      }

      // The duplicate runs did race on the same items (and lost writes were re-applied).
      expect(conflicts).toBeGreaterThan(0);
      expect(attempts).toBeGreaterThan(1);
      expect(store.conditionFailures).toBeGreaterThan(0);
      for (const e of publisher.events) assertValidEvent(e.detailType, e.detail);
      const ids = publisher.events.map((e) => (e.detail as LifecycleEventDetail).eventId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(publisher.events.map(describeEvent).sort()).toEqual(all);

      // What status and ack read afterwards: expired since day 41, reminded daily from day 42 to 89.
      const imported = await store.get(arn('imported'));
      expect(imported?.state.alert).toMatchObject({ expired: true, reminderCount: LAST_DAY - CRASH });
      expect(imported?.outbox).toBeNull();
      expect((await store.get(arn('removed')))?.state.removedAt).toBe(day(42).toISOString());
      expect((await store.get(WWW2))?.state).toMatchObject({
        fingerprintSha256: fp(302),
        backendsDiffer: false,
      });
      expect((await store.get(arn('acked')))?.state.ack?.until).toBe(day(70).toISOString());
    },
  );
});
