/**
 * The deployed endpoint pipeline on the local AWS: dispatcher → real SQS queue (moto) → prober
 * handler (in-process; moto cannot run Lambdas) probing real local TLS servers → bus → rule → SQS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lambda/core/ports';
import { dispatchConfigFromEnv, makeDispatchHandler } from '../../lambda/handlers/make-dispatch-handler';
import { makeProbeHandler, probeConfigFromEnv } from '../../lambda/handlers/make-probe-handler';
import { EventBusPublisher } from '../../lambda/sinks/bus/event-bus-publisher';
import { SqsBatchSender } from '../../lambda/sinks/queue/sqs-batch-sender';
import { probeAll } from '../../lambda/sources/endpoint/probe';
import { type BusCapture, captureBus, type ReceivedEvent } from '../support/bus-capture';
import { createChain, daysFrom } from '../support/certs';
import { endpointsFileEnv } from '../support/endpoints-file';
import { type Moto, startMoto } from '../support/moto';
import { assertValidEvent } from '../support/schemas';
import { watcherEventPattern } from '../support/template';
import { closedPort, pemChain, type RunningServer, startTlsServer } from '../support/tls-servers';

const REGION = 'eu-west-1';
// The servers listen on 127.0.0.1; machines whose /etc/hosts also maps localhost to ::1 must not add a refused address.
const loopbackOnly = async () => [{ address: '127.0.0.1', family: 4 as const }];
const probeLoopback: typeof probeAll = (targets, options) =>
  probeAll(targets, { ...options, resolve: loopbackOnly });
const NOW = new Date();
let moto: Moto;
let dir: string;
let servers: RunningServer[] = [];
let capture: BusCapture;
let queueUrl: string;
let received: ReceivedEvent[] = [];
let dispatched: { batches: number; targets: number };
let failures: string[] = [];
let expectations: { port: number; expect: string }[] = [];

beforeAll(async () => {
  moto = await startMoto();
  dir = mkdtempSync(join(tmpdir(), 'cew-pipeline-'));
  const chainFor = (days: number, name = 'localhost') =>
    createChain({
      now: NOW,
      leaf: {
        commonName: name,
        dnsNames: [name],
        notBefore: daysFrom(NOW, -80),
        notAfter: daysFrom(NOW, days),
      },
    });
  const good = await chainFor(200);
  const expiring = await chainFor(5.5);
  const wrongHost = await chainFor(200, 'other.example.com');
  // One CA for all three, so the trust anchor written below covers them.
  const caPem = pemChain(good.root.certPem, expiring.root.certPem, wrongHost.root.certPem);
  writeFileSync(join(dir, 'ca.pem'), caPem);
  const serve = (c: typeof good) =>
    startTlsServer({ key: c.leaf.keyPem, cert: pemChain(c.leaf.certPem, c.intermediate.certPem) });
  servers = [await serve(good), await serve(expiring), await serve(wrongHost)];
  const refused = await closedPort();
  expectations = [
    { port: servers[0]!.port, expect: 'none' },
    { port: servers[1]!.port, expect: 'Certificate Expiring' },
    { port: servers[2]!.port, expect: 'Endpoint Misconfigured' },
    { port: refused, expect: 'Endpoint Check Failed' },
  ];
  writeFileSync(
    join(dir, 'endpoints.json'),
    JSON.stringify(
      expectations.map((e) => ({ host: 'localhost', port: e.port, labels: { team: 'payments' } })),
    ),
  );

  const sqs = new SQSClient(moto.clientConfig(REGION));
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'probe-queue' }))).QueueUrl ?? '';
  capture = await captureBus(moto.clientConfig(REGION), 'watcher-bus', watcherEventPattern());

  const dispatch = makeDispatchHandler({
    config: dispatchConfigFromEnv({
      ENDPOINTS_FILE: join(dir, 'endpoints.json'),
      PROBE_QUEUE_URL: queueUrl,
      PROBE_BATCH_SIZE: '3',
    }),
    sender: new SqsBatchSender({ queueUrl }, sqs),
    logger: silentLogger,
    metrics: () => {},
  });
  dispatched = await dispatch({ id: 'scan-pipeline' });

  const messages =
    (
      await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      )
    ).Messages ?? [];
  const event: SQSEvent = {
    Records: messages.map(
      (m) =>
        ({
          messageId: m.MessageId ?? '',
          body: m.Body ?? '',
          receiptHandle: m.ReceiptHandle ?? '',
        }) as SQSEvent['Records'][number],
    ),
  };
  const probe = makeProbeHandler({
    config: probeConfigFromEnv({
      EVENT_BUS_NAME: 'watcher-bus',
      PROBE_TIMEOUT_MS: '3000',
      PROBE_CONCURRENCY: '8',
      CA_FILE: join(dir, 'ca.pem'),
      ENDPOINTS_FILE: join(dir, 'endpoints.json'),
    }),
    probe: probeLoopback,
    publisher: new EventBusPublisher(
      { busName: 'watcher-bus' },
      new EventBridgeClient(moto.clientConfig(REGION)),
    ),
    logger: silentLogger,
    metrics: () => {},
  });
  const response = await probe(event);
  failures = response.batchItemFailures.map((f) => f.itemIdentifier);
  received = await capture.receive(5);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const portOf = (e: ReceivedEvent): number | undefined => {
  const d = e.detail as { certificate?: { id: string }; endpoint?: { port: number } };
  return d.endpoint?.port ?? Number(d.certificate?.id.split('@')[0]?.split(':').pop());
};

describe('endpoint pipeline on the local AWS', () => {
  it('the dispatcher split 4 endpoints into batches of 3 on the queue', () => {
    expect(dispatched).toEqual({ scanId: 'scan-pipeline', batches: 2, targets: 4 });
    expect(failures).toEqual([]);
  });

  it('delivers one event per endpoint that needs attention and one heartbeat per batch', () => {
    const byPort = new Map<number, string[]>();
    for (const e of received.filter((x) => x['detail-type'] !== 'Scan Completed')) {
      const port = portOf(e) ?? -1;
      byPort.set(port, [...(byPort.get(port) ?? []), e['detail-type']]);
    }
    for (const { port, expect: type } of expectations) {
      const types = byPort.get(port) ?? [];
      if (type === 'none') expect(types, `port ${port}`).toEqual([]);
      else expect(new Set(types), `port ${port}`).toEqual(new Set([type]));
    }
    const heartbeats = received.filter((e) => e['detail-type'] === 'Scan Completed');
    expect(heartbeats.map((h) => (h.detail.batch as { index: number }).index).sort()).toEqual([1, 2]);
  });

  it('every event validates against its JSON Schema and carries the endpoint details', () => {
    for (const e of received) assertValidEvent(e['detail-type'], e.detail);
    const expiring = received.find((e) => e['detail-type'] === 'Certificate Expiring');
    expect(expiring?.detail).toMatchObject({
      scanId: 'scan-pipeline',
      certificate: {
        source: 'endpoint',
        domain: 'localhost',
        type: 'UNMANAGED',
        labels: { team: 'payments' },
      },
      evaluation: { severity: 'critical', expirySeverity: 'critical', daysRemaining: 5 },
    });
    const misconfigured = received.find((e) => e['detail-type'] === 'Endpoint Misconfigured');
    // Schema 2.2: the overall verdict (it said 'ok' for a certificate clients reject), expiry apart.
    expect(misconfigured?.detail).toMatchObject({
      schemaVersion: '2.4',
      evaluation: { severity: 'critical', expirySeverity: 'ok' },
    });
    expect(misconfigured?.detail.problems).toContainEqual(
      expect.objectContaining({ code: 'HOSTNAME_MISMATCH', severity: 'critical' }),
    );
    expect(((misconfigured?.detail.problems ?? []) as { code: string }[]).map((p) => p.code)).toContain(
      'HOSTNAME_MISMATCH',
    );
    const failed = received.find((e) => e['detail-type'] === 'Endpoint Check Failed');
    expect(failed?.detail).toMatchObject({
      endpoint: { host: 'localhost', labels: { team: 'payments' } },
      error: { code: 'CONNECTION_REFUSED' },
    });
  });
});

describe('prober failure handling', () => {
  it('a batch whose events cannot be published is reported for redelivery; a malformed message too; others succeed', async () => {
    let calls = 0;
    const probe = makeProbeHandler({
      config: probeConfigFromEnv({
        EVENT_BUS_NAME: 'b',
        PROBE_TIMEOUT_MS: '2000',
        PROBE_CONCURRENCY: '4',
        ...endpointsFileEnv([{ host: '127.0.0.1', port: servers[0]!.port }]),
      }),
      probe: probeAll,
      publisher: {
        publish: async (events) => {
          calls++;
          if (calls === 1) throw new Error('PutEvents down');
          return { published: events.length };
        },
      },
      logger: silentLogger,
      metrics: () => {},
    });
    const body = (i: number) =>
      JSON.stringify({
        schemaVersion: '1.0',
        scanId: 's',
        batchIndex: i,
        batchCount: 2,
        scheduledAt: NOW.toISOString(),
        targets: [{ host: '127.0.0.1', port: servers[0]!.port }],
      });
    const response = await probe({
      Records: [
        { messageId: 'm1', body: body(1) },
        { messageId: 'm2', body: body(2) },
        { messageId: 'm3', body: '{not json' },
      ] as SQSEvent['Records'],
    });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm3' }]);
  });

  it('configuration errors name the variable', () => {
    expect(() =>
      probeConfigFromEnv({
        EVENT_BUS_NAME: 'b',
        PROBE_TIMEOUT_MS: '0',
        PROBE_CONCURRENCY: '4',
        ...endpointsFileEnv(),
      }),
    ).toThrow(/PROBE_TIMEOUT_MS/);
    expect(() =>
      dispatchConfigFromEnv({
        PROBE_QUEUE_URL: 'q',
        PROBE_BATCH_SIZE: '10',
        ENDPOINTS_FILE: join(tmpdir(), 'nope.json'),
      }),
    ).toThrow(/ENDPOINTS_FILE/);
    expect(() =>
      dispatchConfigFromEnv(
        { PROBE_QUEUE_URL: 'q', PROBE_BATCH_SIZE: '10', ENDPOINTS_FILE: 'x' },
        () => '[{"host":"a","port":0}]',
      ),
    ).toThrow(/port 1-65535/);
  });
});
