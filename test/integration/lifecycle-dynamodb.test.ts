/**
 * The lifecycle on moto's DynamoDB where storage matters, a few days of the 90-day scenario each:
 * conditional writes when duplicate runs race (forced: both read before either writes), the outbox
 * after a failed PutEvents (also on a removed item, found through the scope index), a run that dies
 * between its state write and PutEvents (its unit's retry publishes at once), a partial PutEvents
 * failure (the outbox keeps only what was not sent), and the state read back by status and ack,
 * including an acknowledgement written while a scan is running. Every run is a cold start (new client and
 * store); every test has its own table. moto runs one request at a time here (see moto.ts), as
 * DynamoDB serializes writes to an item. The 90 daily scans run in memory:
 * test/unit/lifecycle-timeline.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { BusEvent } from '../../lambda/core/events';
import type { LifecycleEventDetail } from '../../lambda/lifecycle/lifecycle-events';
import { type LifecycleScan, lifecycleConfig } from '../../lambda/lifecycle/model';
import { type LifecycleStore, type Publisher, processScan } from '../../lambda/lifecycle/run-lifecycle';
import { PublishFailedError } from '../../lambda/sinks/bus/event-bus-publisher';
import { createStateTable, DynamoDbStateStore } from '../../lambda/sinks/state/dynamodb-state-store';
import { DynamoDbStateAdmin } from '../../lambda/sinks/state/state-admin';
import {
  arn,
  config,
  day,
  describeEvent,
  EXP,
  expected,
  line,
  REGION,
  RecordingPublisher,
  scanOfDay,
  WWW1,
} from '../support/lifecycle-timeline';
import { type Moto, startMoto } from '../support/moto';
import { assertValidEvent } from '../support/schemas';
import { testScopeOf } from '../support/scopes';

const LEASE_MS = 900_000;

let moto: Moto;
let table: string;

beforeAll(async () => {
  moto = await startMoto({ serialized: true });
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  table = `lifecycle-${randomUUID()}`;
  await createStateTable(new DynamoDBClient(moto.clientConfig(REGION)), table);
});

/** A cold start: new client, new store. */
const coldStore = () =>
  new DynamoDbStateStore({ tableName: table }, new DynamoDBClient(moto.clientConfig(REGION)));
/** What `cert-watch ack` and `status` use, with its own client. */
const coldAdmin = () =>
  new DynamoDbStateAdmin({ tableName: table }, new DynamoDBClient(moto.clientConfig(REGION)));

const run = (
  d: number,
  publisher: RecordingPublisher,
  o: { store?: LifecycleStore; runId?: string; clock?: () => Date } = {},
) =>
  processScan(
    {
      store: o.store ?? coldStore(),
      publisher,
      now: day(d),
      config,
      clock: o.clock ?? (() => day(d)),
      runId: o.runId,
    },
    scanOfDay(d),
  );

const linesOfDay = (d: number) => expected().filter((l) => l.startsWith(`${String(d).padStart(2, '0')}|`));
const published = (p: RecordingPublisher) => p.events.map(describeEvent).sort();
const eventIds = (p: RecordingPublisher) => p.events.map((e) => (e.detail as LifecycleEventDetail).eventId);

/** Delegates to `store`; after its first load, waits at `meet` (e.g. until the other run has read too). */
const pausingAfterFirstLoad = (store: LifecycleStore, meet: () => Promise<void>): LifecycleStore => {
  let first = true;
  return {
    load: async (...a) => {
      const entries = await store.load(...a);
      if (first) {
        first = false;
        await meet();
      }
      return entries;
    },
    write: (...a) => store.write(...a),
    claimOutbox: (...a) => store.claimOutbox(...a),
    clearOutbox: (...a) => store.clearOutbox(...a),
    releaseOutbox: (...a) => store.releaseOutbox(...a),
    retainOutbox: (...a) => store.retainOutbox(...a),
  };
};

/** Resolves for everyone once `parties` have arrived. */
const barrier = (parties: number) => {
  let arrived = 0;
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return () => {
    if (++arrived === parties) open();
    return opened;
  };
};

describe('lifecycle on DynamoDB (moto)', () => {
  it('duplicate runs that both read before either writes: one conditional write wins per item, each event goes out once', async () => {
    const publisher = new RecordingPublisher();
    const racing = (d: number) => {
      const meet = barrier(2);
      const racer = (id: string) =>
        run(d, publisher, { runId: `${id}-${d}`, store: pausingAfterFirstLoad(coldStore(), meet) });
      return Promise.all([racer('a'), racer('b')]);
    };
    const items = scanOfDay(0).observations.length;

    // Day 0, empty table: both create every item; the loser's attribute_not_exists writes fail.
    const [a0, b0] = await racing(0);
    expect(a0.conflicts + b0.conflicts).toBe(items);
    expect(published(publisher)).toEqual(linesOfDay(0));

    // Day 12 (lastSeenAt is 12 days old, so every item is rewritten): the loser's version checks fail.
    const [a12, b12] = await racing(12);
    expect(a12.conflicts + b12.conflicts).toBe(items);
    expect(a12.itemsWritten + b12.itemsWritten).toBe(items);
    // Scanned on days 0 and 12 only: what the daily replay announced on days 10, 11 and 12 comes on day 12.
    expect(published(publisher)).toEqual(
      [
        ...linesOfDay(0),
        line(12, 'Endpoint Misconfigured', WWW1, 'backends-differ', null),
        line(12, EXP, arn('imported'), 'tier-entered', 30),
        line(12, EXP, arn('renewed'), 'tier-entered', 14),
      ].sort(),
    );
    expect(new Set(eventIds(publisher)).size).toBe(publisher.events.length);
    for (const e of publisher.events) assertValidEvent(e.detailType, e.detail);
    for (const { location } of scanOfDay(12).observations)
      expect((await coldStore().get(location))?.outbox).toBeNull();
  });

  it('a failed PutEvents leaves the events in an outbox handed back; the next run publishes them once, a removed item found by the scope index', async () => {
    const publisher = new RecordingPublisher();
    publisher.failNext = true;
    await expect(run(0, publisher)).rejects.toThrow('simulated');

    const stored = await coldStore().get(arn('renewed'));
    expect(stored?.state.alert.tierDays).toBe(30);
    expect(stored?.outbox).toMatchObject({ owner: null });
    expect(stored?.outbox?.events.map(describeEvent)).toEqual(linesOfDay(0));

    const retry = await run(0, publisher);
    expect(retry).toMatchObject({ eventsCreated: 0, eventsRecovered: 1, eventsPublished: 1 });
    expect(eventIds(publisher)).toEqual(
      stored?.outbox?.events.map((e) => (e.detail as LifecycleEventDetail).eventId),
    );
    expect((await coldStore().get(arn('renewed')))?.outbox).toBeNull();

    // 'removed' is gone from day 40: missing on the scans of days 40, 41 and 42, announced on the third.
    await run(40, publisher);
    await run(41, publisher);
    publisher.failNext = true;
    await expect(run(42, publisher)).rejects.toThrow('simulated');
    const removed = await coldStore().get(arn('removed'));
    expect(removed?.state.removedAt).toBe(day(42).toISOString());
    expect(removed?.outbox?.events.map(describeEvent)).toEqual([
      line(42, 'Certificate Removed', arn('removed'), 'removed', null),
    ]);

    // Day 43's scan does not observe it: only the scope index (outboxPending) leads to its outbox.
    const next = await run(43, publisher);
    expect(next.eventsRecovered).toBeGreaterThanOrEqual(1);
    expect(published(publisher).filter((l) => l.includes(arn('removed')))).toEqual([
      line(42, 'Certificate Removed', arn('removed'), 'removed', null),
    ]);
    expect((await coldStore().get(arn('removed')))?.outbox).toBeNull();
    expect(new Set(eventIds(publisher)).size).toBe(publisher.events.length);
  });

  it('a run that dies between its state write and PutEvents: retries within the lease publish nothing, the first after it publishes once', async () => {
    const publisher = new RecordingPublisher();
    const dying = coldStore();
    dying.releaseOutbox = async () => {};
    publisher.failNext = true;
    await expect(run(0, publisher, { store: dying, runId: 'dead-run' })).rejects.toThrow('simulated');
    expect((await coldStore().get(arn('renewed')))?.outbox).toMatchObject({ owner: 'dead-run' });

    const early = await run(0, publisher, { clock: () => new Date(day(0).getTime() + 60_000) });
    expect(early.eventsPublished).toBe(0);
    expect(publisher.events).toEqual([]);
    expect((await coldStore().get(arn('renewed')))?.outbox).toMatchObject({ owner: 'dead-run' });

    const late = await run(0, publisher, { clock: () => new Date(day(0).getTime() + LEASE_MS + 60_000) });
    expect(late).toMatchObject({ eventsCreated: 0, eventsRecovered: 1, eventsPublished: 1 });
    expect(published(publisher)).toEqual(linesOfDay(0));
    expect((await coldStore().get(arn('renewed')))?.outbox).toBeNull();
  });

  it('status and ack read the stored state back; an acknowledgement written while a scan runs survives its write', async () => {
    const publisher = new RecordingPublisher();
    await run(54, publisher);
    expect(published(publisher).filter((l) => l.includes(arn('acked')))).toEqual([
      line(54, EXP, arn('acked'), 'tier-entered', 7),
    ]);

    // `cert-watch ack` (its own store) lands after day 56's scan read the item, before it writes.
    const ack = {
      until: day(70).toISOString(),
      reason: 'vendor renewal booked',
      by: 'ops@example.com',
      at: day(56).toISOString(),
    };
    const scanning = pausingAfterFirstLoad(coldStore(), () => coldAdmin().setAck(arn('acked'), ack));
    const day56 = await run(56, publisher, { store: scanning });
    // The scan's reminder write lost to the ack's version bump; re-read, it is acknowledged: no reminder.
    expect(day56.conflicts).toBeGreaterThanOrEqual(1);
    expect(published(publisher).filter((l) => l.includes(arn('acked')))).toHaveLength(1);

    await run(58, publisher);
    expect(published(publisher).filter((l) => l.includes(arn('acked')))).toEqual([
      line(54, EXP, arn('acked'), 'tier-entered', 7),
      line(58, EXP, arn('acked'), 'tier-entered', 3, '|acked'),
    ]);

    const status = await coldAdmin().list();
    expect(status.map((s) => s.location).sort()).toEqual(
      scanOfDay(54)
        .observations.map((o) => o.location)
        .sort(),
    );
    expect(status.find((s) => s.location === arn('acked'))).toMatchObject({ ack, alert: { tierDays: 3 } });
  });
});

const fleetConfig = lifecycleConfig({ groupAlertsAbove: 0 });
const FLEET = 14;

/** 14 imported certificates of one region, each entering the 7-day tier on day 0: 14 events. */
const fleetScan = (): LifecycleScan => {
  const records: CertificateRecord[] = Array.from({ length: FLEET }, (_, i) => ({
    source: 'acm',
    id: arn(`fleet-${i}`),
    region: REGION,
    account: '111122223333',
    domain: `fleet-${i}.example.com`,
    sans: [`fleet-${i}.example.com`],
    type: 'IMPORTED',
    status: 'ISSUED',
    fingerprintSha256: `AA:${String(i).padStart(2, '0')}`,
    notBefore: day(-300),
    notAfter: day(5.5),
  }));
  return {
    scanId: 'fleet-scan',
    observations: records.map((record) => ({ location: record.id, scope: testScopeOf(record), record })),
    completeScopes: [`acm#${REGION}`],
  };
};

const fleetIdOf = (e: BusEvent) => (e.detail as LifecycleEventDetail).eventId;
const locationOf = (e: BusEvent) => (e.detail as LifecycleEventDetail).certificate.id;

/** Records what it puts on the bus; `reject` names locations whose entry PutEvents refuses. */
class PartialPublisher implements Publisher {
  readonly bus: BusEvent[] = [];
  calls = 0;
  constructor(private reject: ReadonlySet<string> = new Set()) {}
  async publish(events: readonly BusEvent[]) {
    this.calls++;
    const refused = events.filter((e) => this.reject.has(locationOf(e)));
    const sent = events.filter((e) => !this.reject.has(locationOf(e)));
    this.bus.push(...sent);
    this.reject = new Set();
    if (refused.length > 0) {
      throw new PublishFailedError(
        refused.map((e) => ({
          eventId: fleetIdOf(e),
          detailType: e.detailType,
          code: 'InternalFailure',
          message: 'x',
        })),
        sent.length,
        new Set(sent.map(fleetIdOf)),
      );
    }
    return { published: sent.length };
  }
}

const runFleet = (publisher: Publisher, o: { store?: LifecycleStore; at?: number } = {}) =>
  processScan(
    {
      store: o.store ?? coldStore(),
      publisher,
      now: day(0),
      config: fleetConfig,
      clock: () => new Date(day(0).getTime() + (o.at ?? 0)),
    },
    fleetScan(),
  );

describe('outbox: only what was not sent is sent again (issue #9)', () => {
  it('one rejected entry of 14: the retry publishes that one, not the 13 already on the bus', async () => {
    const publisher = new PartialPublisher(new Set([arn('fleet-7')]));
    await expect(runFleet(publisher)).rejects.toBeInstanceOf(PublishFailedError);
    expect(publisher.bus).toHaveLength(FLEET - 1);

    const kept = await coldStore().get(arn('fleet-7'));
    expect(kept?.outbox?.events.map(locationOf)).toEqual([arn('fleet-7')]);
    expect(kept?.outbox?.owner).toBeNull();
    for (let i = 0; i < FLEET; i++) {
      if (i !== 7) expect((await coldStore().get(arn(`fleet-${i}`)))?.outbox, `fleet-${i}`).toBeNull();
    }

    const retry = await runFleet(publisher, { at: 60_000 });
    expect(retry).toMatchObject({ eventsCreated: 0, eventsRecovered: 1, eventsPublished: 1 });
    expect(publisher.bus).toHaveLength(FLEET);
    expect(new Set(publisher.bus.map(fleetIdOf)).size).toBe(FLEET);
    expect((await coldStore().get(arn('fleet-7')))?.outbox).toBeNull();
  });

  it('a process killed between its state write and PutEvents: the retry of the unit, a minute later, publishes its 14 events once', async () => {
    const crash = new Error('process killed (simulated)');
    const dying = coldStore();
    // Killed: nothing after the state writes runs, so nothing is handed back.
    const killed: Publisher = {
      publish: async () => {
        throw crash;
      },
    };
    dying.releaseOutbox = async () => {};
    dying.retainOutbox = async () => {};
    dying.clearOutbox = async () => false;
    await expect(runFleet(killed, { store: dying })).rejects.toBe(crash);
    expect((await coldStore().get(arn('fleet-0')))?.outbox?.owner).toMatch(/^unit-/);

    const publisher = new PartialPublisher();
    const retry = await runFleet(publisher, { at: 60_000 });
    expect(retry).toMatchObject({ eventsCreated: 0, eventsRecovered: FLEET, eventsPublished: FLEET });
    expect(new Set(publisher.bus.map(locationOf)).size).toBe(FLEET);
    for (let i = 0; i < FLEET; i++) expect((await coldStore().get(arn(`fleet-${i}`)))?.outbox).toBeNull();

    // And once only: the next delivery finds nothing left.
    const again = await runFleet(publisher, { at: 120_000 });
    expect(again.eventsPublished).toBe(0);
    expect(publisher.bus).toHaveLength(FLEET);
  });
});
