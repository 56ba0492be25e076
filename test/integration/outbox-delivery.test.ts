/**
 * The outbox on moto's DynamoDB when publishing fails in part or the process dies (issue #9,
 * item 4): a run of 14 events whose PutEvents rejects one entry keeps only that one for its retry
 * (the other 13 are not published twice); a process killed after its state write and before
 * PutEvents leaves its outboxes, and the retry of the same unit a minute later (well within the
 * lease) publishes them, once. Every run is a cold start with its own client.
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
import { arn, day, REGION } from '../support/lifecycle-timeline';
import { type Moto, startMoto } from '../support/moto';
import { testScopeOf } from '../support/scopes';

const config = lifecycleConfig({ groupAlertsAbove: 0 });
const FLEET = 14;

let moto: Moto;
let table: string;

beforeAll(async () => {
  moto = await startMoto({ serialized: true });
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  table = `outbox-${randomUUID()}`;
  await createStateTable(new DynamoDBClient(moto.clientConfig(REGION)), table);
});

const coldStore = () =>
  new DynamoDbStateStore({ tableName: table }, new DynamoDBClient(moto.clientConfig(REGION)));

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

const idOf = (e: BusEvent) => (e.detail as LifecycleEventDetail).eventId;
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
          eventId: idOf(e),
          detailType: e.detailType,
          code: 'InternalFailure',
          message: 'x',
        })),
        sent.length,
        new Set(sent.map(idOf)),
      );
    }
    return { published: sent.length };
  }
}

const run = (publisher: Publisher, o: { store?: LifecycleStore; at?: number } = {}) =>
  processScan(
    {
      store: o.store ?? coldStore(),
      publisher,
      now: day(0),
      config,
      clock: () => new Date(day(0).getTime() + (o.at ?? 0)),
    },
    fleetScan(),
  );

describe('outbox: only what was not sent is sent again', () => {
  it('one rejected entry of 14: the retry publishes that one, not the 13 already on the bus', async () => {
    const publisher = new PartialPublisher(new Set([arn('fleet-7')]));
    await expect(run(publisher)).rejects.toBeInstanceOf(PublishFailedError);
    expect(publisher.bus).toHaveLength(FLEET - 1);

    const kept = await coldStore().get(arn('fleet-7'));
    expect(kept?.outbox?.events.map(locationOf)).toEqual([arn('fleet-7')]);
    expect(kept?.outbox?.owner).toBeNull();
    for (let i = 0; i < FLEET; i++) {
      if (i !== 7) expect((await coldStore().get(arn(`fleet-${i}`)))?.outbox, `fleet-${i}`).toBeNull();
    }

    const retry = await run(publisher, { at: 60_000 });
    expect(retry).toMatchObject({ eventsCreated: 0, eventsRecovered: 1, eventsPublished: 1 });
    expect(publisher.bus).toHaveLength(FLEET);
    expect(new Set(publisher.bus.map(idOf)).size).toBe(FLEET);
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
    await expect(run(killed, { store: dying })).rejects.toBe(crash);
    expect((await coldStore().get(arn('fleet-0')))?.outbox?.owner).toMatch(/^unit-/);

    const publisher = new PartialPublisher();
    const retry = await run(publisher, { at: 60_000 });
    expect(retry).toMatchObject({ eventsCreated: 0, eventsRecovered: FLEET, eventsPublished: FLEET });
    expect(new Set(publisher.bus.map(locationOf)).size).toBe(FLEET);
    for (let i = 0; i < FLEET; i++) expect((await coldStore().get(arn(`fleet-${i}`)))?.outbox).toBeNull();

    // And once only: the next delivery finds nothing left.
    const again = await run(publisher, { at: 120_000 });
    expect(again.eventsPublished).toBe(0);
    expect(publisher.bus).toHaveLength(FLEET);
  });
});
