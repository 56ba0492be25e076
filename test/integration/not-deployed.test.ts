/**
 * "Renewed but not deployed" end to end (issue #17, item 3) on the local AWS: a certificate imported
 * into ACM (moto), a probe target built from what ACM says (as discovery builds it), a real local
 * TLS server serving it; ACM gets a renewed certificate (re-import under the same ARN, later
 * notAfter) while the server keeps the old one; once the grace period has passed (injected clock)
 * the prober → lifecycle (DynamoDB state on moto) → bus (EventBridge on moto, read back through a
 * rule and SQS) says "Certificate Not Deployed" once; the server swaps its certificate and
 * "Certificate Deployed" follows. `cert-watch check` judges the same target the same way.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACMClient, DescribeCertificateCommand, ImportCertificateCommand } from '@aws-sdk/client-acm';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExpectedCertificate } from '../../lambda/contracts/discovery';
import type { EndpointTarget } from '../../lambda/contracts/endpoints';
import { silentLogger } from '../../lambda/core/ports';
import { makeProbeHandler, probeConfigFromEnv } from '../../lambda/handlers/make-probe-handler';
import { lifecycleConfig } from '../../lambda/lifecycle/model';
import { EventBusPublisher } from '../../lambda/sinks/bus/event-bus-publisher';
import { createStateTable, DynamoDbStateStore } from '../../lambda/sinks/state/dynamodb-state-store';
import { probeAll } from '../../lambda/sources/endpoint/probe';
import { type BusCapture, captureBus, type ReceivedEvent } from '../support/bus-capture';
import { createChain, daysFrom, type GeneratedChain } from '../support/certs';
import { runCheckCaptured } from '../support/cli-check-run';
import { endpointsFileEnv, probeBatchRecords } from '../support/endpoints-file';
import { type Moto, startMoto } from '../support/moto';
import { assertValidEvent } from '../support/schemas';
import { pemChain, type RunningServer, startTlsServer } from '../support/tls-servers';

const REGION = 'eu-west-1';
const HOUR = 3_600_000;
const LISTENER = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/50dc6c49/1a2b3c4d';
let moto: Moto;
let acm: ACMClient;
let store: DynamoDbStateStore;
let capture: BusCapture;
let dir: string;
let server: RunningServer;
let arn: string;
let oldChain: GeneratedChain;
let newChain: GeneratedChain;
/** What the target says its resource is configured with: rebuilt from ACM after each change. */
let target: EndpointTarget;

/**
 * The serial as the contract writes it (lower-case hex). ACM writes `0a:1b:...`; moto writes the
 * serial in decimal (test/README.md), so a decimal string is converted as discovery must do on it.
 */
const serialHex = (serial: string): string =>
  /^\d+$/.test(serial) && !serial.includes(':')
    ? BigInt(serial).toString(16)
    : serial.replaceAll(':', '').toLowerCase();

/** What discovery learns from ACM about the certificate a resource is configured with. */
const fromAcm = async (): Promise<ExpectedCertificate> => {
  const c = (await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate!;
  return {
    id: arn,
    ...(c.Serial ? { serialNumber: serialHex(c.Serial) } : {}),
    ...(c.NotAfter ? { notAfter: c.NotAfter.toISOString() } : {}),
    ...((c.ImportedAt ?? c.IssuedAt) ? { storedAt: (c.ImportedAt ?? c.IssuedAt)!.toISOString() } : {}),
  };
};

const importInto = (chain: GeneratedChain, certificateArn?: string) =>
  acm.send(
    new ImportCertificateCommand({
      ...(certificateArn ? { CertificateArn: certificateArn } : {}),
      Certificate: Buffer.from(chain.leaf.certPem),
      PrivateKey: Buffer.from(chain.leaf.keyPem),
      CertificateChain: Buffer.from(chain.intermediate.certPem),
    }),
  );

const rebuildTarget = async (port: number) => {
  target = {
    host: 'localhost',
    port,
    expected: { source: 'elbv2', resource: LISTENER, configured: [await fromAcm()], successors: [] },
  };
};

const serve = (chain: GeneratedChain, port?: number) =>
  startTlsServer({
    key: chain.leaf.keyPem,
    cert: pemChain(chain.leaf.certPem, chain.intermediate.certPem),
    port,
  });

/** One probe period at `now`: the deployed prober's logic, its lifecycle and the bus, on moto. */
const period = async (now: Date, scanId: string): Promise<ReceivedEvent[]> => {
  const handler = makeProbeHandler({
    config: probeConfigFromEnv({
      ...endpointsFileEnv([target]),
      EVENT_BUS_NAME: 'watcher-bus',
      PROBE_TIMEOUT_MS: '5000',
      PROBE_CONCURRENCY: '2',
      PROBE_DUAL_CERTIFICATES: 'false',
      CA_FILE: join(dir, 'ca.pem'),
    }),
    lifecycle: { store, config: lifecycleConfig() },
    // The server listens on 127.0.0.1 whatever the hosts file says about localhost.
    probe: (targets, options) =>
      probeAll(targets, { ...options, resolve: async () => [{ address: '127.0.0.1', family: 4 as const }] }),
    publisher: new EventBusPublisher(
      { busName: 'watcher-bus' },
      new EventBridgeClient(moto.clientConfig(REGION)),
    ),
    logger: silentLogger,
    metrics: () => {},
    clock: () => now,
  });
  const records = probeBatchRecords([target], now).map((r) => ({
    ...r,
    body: JSON.stringify({ ...JSON.parse(r.body), scanId }),
  }));
  expect((await handler({ Records: records })).batchItemFailures).toEqual([]);
  // Everything of the period, heartbeat last: read until it arrives.
  const events: ReceivedEvent[] = [];
  while (!events.some((e) => e['detail-type'] === 'Scan Completed')) {
    const more = await capture.receive(1, 15_000);
    if (more.length === 0) throw new Error(`no heartbeat for ${scanId} on the bus`);
    events.push(...more);
  }
  for (const e of events) assertValidEvent(e['detail-type'], e.detail);
  return events.filter((e) => e['detail-type'] !== 'Scan Completed');
};

const said = (events: ReceivedEvent[]) =>
  events.map(
    (e) =>
      `${e['detail-type']}|${(e.detail as { lifecycle?: { transition: string } }).lifecycle?.transition}`,
  );

let renewedAt: Date;

beforeAll(async () => {
  moto = await startMoto({ serialized: true });
  acm = new ACMClient(moto.clientConfig(REGION));
  const dynamo = new DynamoDBClient(moto.clientConfig(REGION));
  const table = `not-deployed-${randomUUID()}`;
  await createStateTable(dynamo, table);
  store = new DynamoDbStateStore({ tableName: table }, dynamo);
  capture = await captureBus(moto.clientConfig(REGION), 'watcher-bus', { source: ['cert-expiry-watcher'] });
  const now = new Date();
  const chain = (notAfterDays: number) =>
    createChain({
      now,
      leaf: {
        commonName: 'localhost',
        dnsNames: ['localhost'],
        notBefore: daysFrom(now, -300),
        notAfter: daysFrom(now, notAfterDays),
      },
    });
  oldChain = await chain(20);
  newChain = await chain(400);
  dir = mkdtempSync(join(tmpdir(), 'cew-not-deployed-'));
  writeFileSync(join(dir, 'ca.pem'), pemChain(oldChain.root.certPem, newChain.root.certPem));
  arn = (await importInto(oldChain)).CertificateArn!;
  server = await serve(oldChain);
  await rebuildTarget(server.port);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('renewed in ACM but not deployed', () => {
  it('serving what ACM holds: no deployment problem', async () => {
    const first = await period(new Date(), 'p1');
    expect(said(first)).toEqual(['Certificate Expiring|tier-entered']);
    expect((first[0]!.detail as { problems: { code: string }[] }).problems.map((p) => p.code)).not.toContain(
      'CERTIFICATE_NOT_DEPLOYED',
    );
  });

  it('renewed in ACM, the server keeps the old one: nothing within the grace period, then said once', async () => {
    await importInto(newChain, arn);
    await rebuildTarget(server.port);
    // What ACM says now: the renewed certificate, stored just now.
    expect(target.expected?.configured[0]?.serialNumber).toBe(newChain.leaf.cert.serialNumber.toLowerCase());
    renewedAt = new Date(target.expected!.configured[0]!.storedAt!);
    expect(await period(new Date(renewedAt.getTime() + 23 * HOUR), 'p2')).toEqual([]);
    const late = await period(new Date(renewedAt.getTime() + 25 * HOUR), 'p3');
    expect(said(late)).toEqual(['Certificate Not Deployed|not-deployed']);
    const detail = late[0]!.detail as {
      certificate: { serialNumber: string };
      evaluation: { severity: string };
      problems: { code: string; message: string; severity: string }[];
    };
    expect(detail.evaluation.severity).toBe('warning');
    expect(detail.problems).toContainEqual({
      code: 'CERTIFICATE_NOT_DEPLOYED',
      severity: 'warning',
      message: expect.stringContaining(
        `ACM holds a renewed certificate (notAfter ${target.expected!.configured[0]!.notAfter}, since ${renewedAt.toISOString()}; ${arn}) that ${LISTENER} does not serve`,
      ),
    });
    // Said once: a later probe the same day says nothing.
    expect(await period(new Date(renewedAt.getTime() + 29 * HOUR), 'p4')).toEqual([]);
  });

  it('cert-watch check judges the same target the same way (grace from --not-deployed-grace)', async () => {
    const file = join(dir, 'endpoints.json');
    writeFileSync(file, JSON.stringify([{ ...target, host: '127.0.0.1', servername: 'localhost' }]));
    const args = ['--file', file, '--ca-file', join(dir, 'ca.pem'), '--no-dual', '--no-aia', '--json'];
    const at = { now: () => new Date(renewedAt.getTime() + 3 * HOUR) };
    const codes = (out: string) =>
      (JSON.parse(out) as { results: { problems: { code: string }[] }[] }).results.flatMap((r) =>
        r.problems.map((p) => p.code),
      );
    const within = await runCheckCaptured(args, at);
    expect(codes(within.stdout)).not.toContain('CERTIFICATE_NOT_DEPLOYED');
    const shortGrace = await runCheckCaptured([...args, '--not-deployed-grace', '2'], at);
    expect(codes(shortGrace.stdout)).toContain('CERTIFICATE_NOT_DEPLOYED');
    expect((await runCheckCaptured([...args, '--not-deployed-grace', 'soon'], at)).code).toBe(3);
  });

  it('the server is updated: "Certificate Deployed" once (with the renewal of the endpoint)', async () => {
    await server.close();
    server = await serve(newChain, server.port);
    const fixed = await period(new Date(renewedAt.getTime() + 33 * HOUR), 'p5');
    expect(said(fixed).sort()).toEqual(['Certificate Deployed|deployed', 'Certificate Renewed|renewed']);
    const deployed = fixed.find((e) => e['detail-type'] === 'Certificate Deployed')!.detail as {
      lifecycle: { resolves: string; resolvedProblems: { code: string }[] };
    };
    expect(deployed.lifecycle.resolves).toBe('not-deployed');
    expect(deployed.lifecycle.resolvedProblems.map((p) => p.code)).toEqual(['CERTIFICATE_NOT_DEPLOYED']);
    expect(await period(new Date(renewedAt.getTime() + 37 * HOUR), 'p6')).toEqual([]);
  });
});
