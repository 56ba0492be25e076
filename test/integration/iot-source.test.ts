/**
 * IoT Core end to end on the local AWS: a fleet CA and device certificates generated at test time,
 * registered in moto with their real notAfter; the real inventory handler with the IoT source and
 * the lifecycle state table puts schema-valid events on the bus; `cert-watch scan iot` prints the
 * shared JSON contract. moto lacks ListCACertificates: the inventory's client answers that call
 * from the CA registered here (test/support/iot-seed.ts), DescribeCACertificate is moto's.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IoTClient } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IotSource } from '../../lambda/sources/iot/iot-source';
import { captureBus, type ReceivedEvent } from '../support/bus-capture';
import { inventoryOnMoto } from '../support/inventory-on-moto';
import {
  createFleetCa,
  type RegisteredCa,
  registerCa,
  registerUnreadable,
  type SeededIotCertificate,
  seedIotDevices,
  withCaListing,
} from '../support/iot-seed';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../support/moto';
import { assertValidEvent } from '../support/schemas';
import { stateTableInputFromTemplate, watcherEventPattern } from '../support/template';

const REGION = 'eu-west-1';
const CLI_REGION = 'us-west-2';
const HOME = 'us-east-1';
const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'bin', 'cert-watch.cjs');

let moto: Moto;
let ca: RegisteredCa;
let devices: SeededIotCertificate[];
let unreadableArn: string;
const runs: ReceivedEvent[][] = [];
const summaries: { counts: { total: number } }[] = [];

const certificateEvents = (events: ReceivedEvent[]) =>
  events.filter((e) => e['detail-type'] !== 'Scan Completed');
const byDomain = (events: ReceivedEvent[], domain: string) =>
  events.find((e) => (e.detail.certificate as { domain: string }).domain === domain);

beforeAll(async () => {
  moto = await startMoto();
  const iot = new IoTClient(moto.clientConfig(REGION));
  const now = new Date();
  const fleetCa = await createFleetCa(now, 5, 'Pumps Fleet CA');
  ca = await registerCa(iot, fleetCa);
  devices = await seedIotDevices(
    iot,
    fleetCa,
    [
      { name: 'pump-0001', days: 3, things: ['pump-0001'] },
      { name: 'pump-0002', days: 20 },
      { name: 'pump-0003', days: 200 },
      { name: 'pump-0004', days: 4, status: 'REVOKED' },
      { name: 'factory-issued', days: 6, genericCn: true },
    ],
    now,
  );
  unreadableArn = await registerUnreadable(iot, 'not a certificate');
  const dynamodb = new DynamoDBClient(moto.clientConfig(HOME));
  await dynamodb.send(new CreateTableCommand(stateTableInputFromTemplate('iot-state')));
  const bus = await captureBus(moto.clientConfig(HOME), 'iot-bus', watcherEventPattern());
  const scan = async (id: string, expected: number, timeoutMs: number) => {
    const source = new IotSource([REGION], (region) =>
      withCaListing(new IoTClient(moto.clientConfig(region)), () => [ca]),
    );
    summaries.push(
      await inventoryOnMoto(moto, {
        regions: [REGION],
        home: HOME,
        busName: 'iot-bus',
        stateTable: 'iot-state',
        sources: [source],
      })({ id }),
    );
    runs.push(await bus.receive(expected, timeoutMs));
  };
  await scan('iot-1', 6, 15_000); // CA, 3 days, 20 days, revoked, factory-issued; heartbeat
  await scan('iot-2', 1, 3_000);
  // The CLI's own region: two devices and no CA.
  const cliIot = new IoTClient(moto.clientConfig(CLI_REGION));
  await seedIotDevices(cliIot, fleetCa, [
    { name: 'meter-1', days: 2 },
    { name: 'meter-2', days: 90 },
  ]);
});

afterAll(async () => moto?.stop());

describe('IoT Core through the inventory, the lifecycle and the bus', () => {
  it('announces the CA certificate and every expiring device certificate once, schema-valid', () => {
    const events = certificateEvents(runs[0] ?? []);
    for (const e of runs[0] ?? []) assertValidEvent(e['detail-type'], e.detail);
    expect(events.map((e) => (e.detail.certificate as { domain: string }).domain).sort()).toEqual(
      ['Pumps Fleet CA', 'pump-0001', 'pump-0002', 'pump-0004', devices[4]?.id].sort(),
    );
    expect(new Set(events.map((e) => e['detail-type']))).toEqual(new Set(['Certificate Expiring']));
    expect(summaries[0]?.counts.total).toBe(6);
  });

  it("dates come from the registered certificates, not from moto's invented validity", () => {
    const events = certificateEvents(runs[0] ?? []);
    for (const d of devices.filter((x) => x.days < 30)) {
      const e = events.find((x) => (x.detail.certificate as { id: string }).id === d.arn);
      expect(e?.detail, d.name).toMatchObject({
        certificate: { notAfter: d.generated.cert.notAfter.toISOString() },
        evaluation: { daysRemaining: d.days - 1 },
      });
    }
  });

  it('marks the CA certificate as one, and names the things a device certificate is attached to', () => {
    const events = certificateEvents(runs[0] ?? []);
    expect(byDomain(events, 'Pumps Fleet CA')?.detail).toMatchObject({
      certificate: {
        source: 'iot',
        id: ca.arn,
        region: REGION,
        account: MOTO_ACCOUNT,
        type: 'IMPORTED',
        labels: { role: 'ca' },
      },
      evaluation: { severity: 'critical' },
    });
    expect(byDomain(events, 'pump-0001')?.detail).toMatchObject({
      certificate: {
        id: devices[0]?.arn,
        status: 'ACTIVE',
        inUse: true,
        inUseBy: [`arn:aws:iot:${REGION}:${MOTO_ACCOUNT}:thing/pump-0001`],
        labels: { role: 'device' },
      },
      evaluation: { severity: 'critical' },
    });
    expect(byDomain(events, 'pump-0004')?.detail).toMatchObject({
      certificate: { status: 'REVOKED' },
      evaluation: { severity: 'critical' },
    });
  });

  it('the heartbeat names the region scope; the unreadable certificate is counted, not fatal', () => {
    const heartbeat = runs[0]?.find((e) => e['detail-type'] === 'Scan Completed');
    expect(heartbeat?.detail).toMatchObject({
      source: 'iot',
      scopesScanned: [`iot#${MOTO_ACCOUNT}#${REGION}`],
      scopesFailed: [],
      counts: { total: 6, critical: 4, warning: 1, ok: 1 },
    });
    expect(JSON.stringify(runs.flat())).not.toContain(unreadableArn);
  });

  it('a repeated scan says nothing but its heartbeat', () => {
    expect((runs[1] ?? []).map((e) => e['detail-type'])).toEqual(['Scan Completed']);
  });

  it('no private key material reaches the bus', () => {
    const text = JSON.stringify(runs.flat());
    for (const d of [...devices, { generated: ca.generated }]) {
      const body = d.generated.keyPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, '');
      expect(text).not.toContain(body.slice(0, 40));
    }
    expect(text).not.toContain('PRIVATE KEY');
  });
});

describe('cert-watch scan iot', () => {
  const cli = async (args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...moto.env(CLI_REGION) },
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  type CliOut = Awaited<ReturnType<typeof cli>>;
  let clean: CliOut;
  let withCas: CliOut;
  // Two independent processes: run at once rather than paying two start-ups (and moto's retried 500s) in a row.
  beforeAll(async () => {
    [clean, withCas] = await Promise.all([
      cli(['scan', 'iot', '--regions', CLI_REGION, '--option', 'caCertificates=false', '--json']),
      cli(['scan', 'iot', '--regions', CLI_REGION, '--json']),
    ]);
  });

  it('prints the shared JSON contract and exits 2 for a device certificate expiring in 2 days', () => {
    const out = clean;
    expect(out.code).toBe(2);
    const json = JSON.parse(out.stdout) as { certificates: Record<string, unknown>[]; errors: unknown[] };
    expect(json.errors).toEqual([]);
    expect(json.certificates.map((c) => [c.domain, c.severity, c.daysRemaining])).toEqual([
      ['meter-1', 'critical', 1],
      ['meter-2', 'ok', 89],
    ]);
    for (const c of json.certificates)
      expect(c).toMatchObject({ source: 'iot', region: CLI_REGION, type: 'IMPORTED', status: 'ACTIVE' });
  });

  it("reports moto's missing ListCACertificates as an error while still listing the devices", () => {
    const out = withCas;
    const json = JSON.parse(out.stdout) as {
      certificates: unknown[];
      errors: { item?: string; message: string }[];
    };
    expect(json.certificates).toHaveLength(2);
    expect(json.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ item: `iot#${MOTO_ACCOUNT}#${CLI_REGION} CA certificates` }),
        expect.objectContaining({ scope: `iot#${MOTO_ACCOUNT}#${CLI_REGION}`, code: 'SCOPE_INCOMPLETE' }),
      ]),
    );
    // A critical certificate outranks the unknown: exit 2.
    expect(out.code).toBe(2);
  });
});
