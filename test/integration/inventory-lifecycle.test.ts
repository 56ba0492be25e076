/**
 * The deployed inventory path with its memory, on the local AWS: ACM in two regions, the state
 * table created as the stack declares it, the handler run on three scans. Only transitions reach
 * the bus: the first scan reports, a repeated scan is quiet, a renewal is announced once.
 */
import { X509Certificate } from 'node:crypto';
import { ACMClient } from '@aws-sdk/client-acm';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { makeInventoryHandler } from '../../lambda/handlers/make-inventory-handler';
import { certInfo } from '../../lambda/sources/endpoint/cert-info';
import { recordFromCertInfo } from '../../lambda/sources/x509-record';
import { renewInPlace, type Seeded, seedAcm, standardSeed } from '../support/acm-seed';
import { type BusCapture, captureBus, type ReceivedEvent } from '../support/bus-capture';
import { createCertificate, daysFrom } from '../support/certs';
import { inventoryOnMoto } from '../support/inventory-on-moto';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../support/moto';
import { assertValidEvent } from '../support/schemas';
import { stateTableInputFromTemplate, watcherEventPattern } from '../support/template';
import { TEST_SOURCE_KIND, TestSource } from '../support/test-source';

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

describe('a source the production registry does not know, beside ACM', () => {
  const ACCOUNT = MOTO_ACCOUNT;
  const vaultScope = `${TEST_SOURCE_KIND}#${ACCOUNT}`;
  let vault: Map<string, CertificateRecord>;
  let failing: boolean;
  const runs2: ReceivedEvent[][] = [];

  const record = async (name: string, days: number): Promise<CertificateRecord> => {
    const g = await createCertificate({
      commonName: `${name}.vault.example`,
      dnsNames: [`${name}.vault.example`],
      notBefore: daysFrom(new Date(), -30),
      notAfter: daysFrom(new Date(), days),
    });
    return recordFromCertInfo(certInfo(new X509Certificate(g.certPem)), {
      source: TEST_SOURCE_KIND,
      id: `vault://${ACCOUNT}/${name}`,
    });
  };

  beforeAll(async () => {
    vault = new Map([
      ['soon', await record('soon', 5)],
      ['later', await record('later', 200)],
    ]);
    failing = false;
    const dynamodb = new DynamoDBClient(moto.clientConfig(HOME));
    await dynamodb.send(new CreateTableCommand(stateTableInputFromTemplate('vault-state')));
    const bus = await captureBus(moto.clientConfig(HOME), 'vault-bus', watcherEventPattern());
    const source = new TestSource(() =>
      failing ? { error: new Error('vault sealed') } : { records: [...vault.values()] },
    );
    const run = async (id: string, expected: number) => {
      await inventoryOnMoto(moto, {
        regions: ['eu-west-1'],
        home: HOME,
        busName: 'vault-bus',
        stateTable: 'vault-state',
        sources: [source],
      })({ id });
      runs2.push(await bus.receive(expected, 5_000));
    };
    await run('v-1', 2); // soon: Expiring; heartbeat
    vault.delete('later');
    failing = true;
    await run('v-2', 1); // the scope failed: nothing is missing, only the heartbeat
    failing = false;
    for (const id of ['v-3', 'v-4']) await run(id, 1);
    await run('v-5', 2); // missing from three complete listings: Removed
  });

  it('its certificates reach the bus with its kind, and its heartbeat names its own scope', () => {
    const [first] = runs2;
    const expiring = first?.find((e) => e['detail-type'] === 'Certificate Expiring');
    expect(expiring?.detail).toMatchObject({
      certificate: { source: TEST_SOURCE_KIND, id: `vault://${ACCOUNT}/soon` },
    });
    const heartbeat = first?.find((e) => e['detail-type'] === 'Scan Completed');
    expect(heartbeat?.detail).toMatchObject({
      source: TEST_SOURCE_KIND,
      scopesScanned: [vaultScope],
      scopesFailed: [],
    });
    for (const e of runs2.flat()) assertValidEvent(e['detail-type'], e.detail);
  });

  it('a failed listing of its scope counts nothing missing; three complete ones without a certificate remove it', () => {
    expect(runs2[1]?.map((e) => e['detail-type'])).toEqual(['Scan Completed']);
    expect(runs2[1]?.[0]?.detail.scopesFailed).toEqual([
      expect.objectContaining({ scope: vaultScope, message: 'vault sealed' }),
    ]);
    expect(runs2[2]?.map((e) => e['detail-type'])).toEqual(['Scan Completed']);
    const removed = runs2[4]?.find((e) => e['detail-type'] === 'Certificate Removed');
    expect(removed?.detail).toMatchObject({ certificate: { id: `vault://${ACCOUNT}/later` } });
  });
});
