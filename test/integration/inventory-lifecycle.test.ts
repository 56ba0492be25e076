/**
 * The deployed inventory path with its memory, on the local AWS: ACM in two regions, the state
 * table created as the stack declares it, the handler run on three scans. Only transitions reach
 * the bus: the first scan reports, a repeated scan is quiet, a renewal is announced once.
 */
import { ACMClient } from '@aws-sdk/client-acm';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { makeInventoryHandler } from '../../lambda/handlers/make-inventory-handler';
import { renewInPlace, type Seeded, seedAcm, standardSeed } from '../support/acm-seed';
import { type BusCapture, captureBus, type ReceivedEvent } from '../support/bus-capture';
import { inventoryOnMoto } from '../support/inventory-on-moto';
import { type Moto, startMoto } from '../support/moto';
import { assertValidEvent } from '../support/schemas';
import { stateTableInputFromTemplate, watcherEventPattern } from '../support/template';

const REGIONS = ['eu-west-1', 'us-east-1'];
const HOME = 'us-east-1';
let moto: Moto;
let seeded: Seeded[];
let capture: BusCapture;
let scan: (id: string) => ReturnType<ReturnType<typeof makeInventoryHandler>>;
const runs: ReceivedEvent[][] = [];

const certificateEvents = (events: ReceivedEvent[]) =>
  events.filter((e) => e['detail-type'] !== 'Scan Completed');

beforeAll(async () => {
  moto = await startMoto();
  const acm = (region: string) => new ACMClient(moto.clientConfig(region));
  seeded = await seedAcm(acm, standardSeed(REGIONS));
  const dynamodb = new DynamoDBClient(moto.clientConfig(HOME));
  await dynamodb.send(new CreateTableCommand(stateTableInputFromTemplate('watcher-state')));
  capture = await captureBus(moto.clientConfig(HOME), 'watcher-bus', watcherEventPattern());
  // A new handler, store and client per scan: state survives a cold start.
  scan = (id) =>
    inventoryOnMoto(moto, {
      regions: REGIONS,
      home: HOME,
      busName: 'watcher-bus',
      stateTable: 'watcher-state',
    })({ id });
  await scan('scan-1');
  runs.push(await capture.receive(7));
  await scan('scan-2');
  runs.push(await capture.receive(1, 3_000));
  // Renew one certificate in place: re-import a later certificate under the same ARN.
  const target = seeded.find((s) => s.name.startsWith('three-days.eu-west-1'))!;
  await renewInPlace(new ACMClient(moto.clientConfig(target.region)), target);
  await scan('scan-3');
  runs.push(await capture.receive(2, 5_000));
});

afterAll(async () => moto?.stop());

describe('inventory with the lifecycle state table', () => {
  it('the first scan announces every expiring and expired certificate once, with lifecycle fields', () => {
    const events = certificateEvents(runs[0] ?? []);
    expect(events.map((e) => e['detail-type']).sort()).toEqual([
      'Certificate Expired',
      'Certificate Expired',
      'Certificate Expiring',
      'Certificate Expiring',
      'Certificate Expiring',
      'Certificate Expiring',
    ]);
    for (const e of runs[0] ?? []) assertValidEvent(e['detail-type'], e.detail);
    const transitions = events.map((e) => (e.detail.lifecycle as { transition: string }).transition).sort();
    expect(transitions).toEqual([
      'expired',
      'expired',
      'tier-entered',
      'tier-entered',
      'tier-entered',
      'tier-entered',
    ]);
  });

  it('a repeated scan says nothing but its heartbeat', () => {
    expect((runs[1] ?? []).map((e) => e['detail-type'])).toEqual(['Scan Completed']);
    expect(runs[1]?.[0]?.detail.eventsPublished).toBe(0);
  });

  it('a certificate renewed in place is announced once as renewed, carrying the old expiry', () => {
    const events = certificateEvents(runs[2] ?? []);
    expect(events.map((e) => e['detail-type'])).toEqual(['Certificate Renewed']);
    const renewed = events[0]!;
    assertValidEvent(renewed['detail-type'], renewed.detail);
    expect(renewed.detail).toMatchObject({
      certificate: { domain: 'three-days.eu-west-1.example.com' },
      lifecycle: { transition: 'renewed' },
    });
  });
});
