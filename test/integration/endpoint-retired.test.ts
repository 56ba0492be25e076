/**
 * Issue #9, item 8: an endpoint removed from the configuration was forgotten silently, even with
 * an expired certificate. The dispatcher now finds the scopes the state table (moto's DynamoDB)
 * still tracks and the configuration no longer names, and the prober's lifecycle retires them:
 * reminders go on while it counts them missing, then a final "Certificate Removed".
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../../lambda/core/events';
import { silentLogger } from '../../lambda/core/ports';
import { endpointScopeOf, makeDispatchHandler } from '../../lambda/handlers/make-dispatch-handler';
import { createStateTable, DynamoDbStateStore } from '../../lambda/sinks/state/dynamodb-state-store';
import { trackedScopes } from '../../lambda/sinks/state/tracked-scopes';
import type { EndpointTarget } from '../../lambda/sources/endpoint/types';
import { createChain, daysFrom } from '../support/certs';
import { loopbackProber, sqsEventOf } from '../support/lifecycle-run';
import { RecordingPublisher } from '../support/lifecycle-timeline';
import { type Moto, startMoto } from '../support/moto';
import { assertValidEvent } from '../support/schemas';
import { pemChain, type RunningServer, startTlsServer } from '../support/tls-servers';

const REGION = 'eu-west-1';
const DAY_MS = 86_400_000;
const NOW = new Date(`${new Date().toISOString().slice(0, 10)}T06:00:00.000Z`);
const _loopbackOnly = async () => [{ address: '127.0.0.1', family: 4 as const }];

let moto: Moto;
let dir: string;
let store: DynamoDbStateStore;
let table: string;
let client: DynamoDBClient;
const servers: RunningServer[] = [];
let kept: EndpointTarget;
let removed: EndpointTarget;

/** One period: the dispatcher's messages, each handed to the prober as its SQS record. */
/** The dispatcher's messages, recorded instead of queued. */
const recordingSender = () => {
  const bodies: string[] = [];
  return {
    bodies,
    send: async (b: readonly string[]) => {
      bodies.push(...b);
      return { sent: b.length };
    },
  };
};

/** One period: the dispatcher's messages, each handed to the prober as its SQS record. */
const period = async (
  d: number,
  targets: EndpointTarget[],
): Promise<{ events: BusEvent[]; retired?: number }> => {
  const now = new Date(NOW.getTime() + d * DAY_MS);
  const sender = recordingSender();
  const dispatch = makeDispatchHandler({
    config: { queueUrl: 'q', batchSize: 10, targets },
    sender,
    logger: silentLogger,
    metrics: () => {},
    clock: () => now,
    trackedScopes: (prefix) => trackedScopes(table, prefix, client),
  });
  const summary = await dispatch({ id: `scan-${d}` });
  const publisher = new RecordingPublisher();
  const probe = loopbackProber({ store, now, publisher, caFile: join(dir, 'ca.pem'), targets });
  expect((await probe(sqsEventOf(sender.bodies))).batchItemFailures).toEqual([]);
  for (const e of publisher.events) assertValidEvent(e.detailType, e.detail);
  return {
    events: publisher.events.filter((e) => e.detailType !== 'Scan Completed'),
    retired: summary.retired,
  };
};

const about = (events: BusEvent[], target: EndpointTarget) =>
  events
    .filter((e) =>
      (e.detail as { certificate?: { id: string } }).certificate?.id.startsWith(`localhost:${target.port}@`),
    )
    .map(
      (e) => `${e.detailType}|${(e.detail as { lifecycle?: { transition: string } }).lifecycle?.transition}`,
    );

beforeAll(async () => {
  moto = await startMoto({ serialized: true });
  table = `retired-${randomUUID()}`;
  client = new DynamoDBClient(moto.clientConfig(REGION));
  await createStateTable(client, table);
  store = new DynamoDbStateStore({ tableName: table }, client);
  const chain = (notAfterDays: number) =>
    createChain({
      now: NOW,
      leaf: {
        commonName: 'localhost',
        dnsNames: ['localhost'],
        notBefore: daysFrom(NOW, -300),
        notAfter: daysFrom(NOW, notAfterDays),
      },
    });
  const chains = [await chain(200), await chain(-2)];
  dir = mkdtempSync(join(tmpdir(), 'cew-retired-'));
  writeFileSync(join(dir, 'ca.pem'), pemChain(...chains.map((c) => c.root.certPem)));
  for (const c of chains) {
    servers.push(
      await startTlsServer({ key: c.leaf.keyPem, cert: pemChain(c.leaf.certPem, c.intermediate.certPem) }),
    );
  }
  kept = { host: 'localhost', port: servers[0]!.port };
  removed = { host: 'localhost', port: servers[1]!.port };
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an endpoint removed from the configuration', () => {
  it('is retired: its expiry reminders go on, then "Certificate Removed" once, and nothing after', async () => {
    const first = await period(0, [kept, removed]);
    expect(about(first.events, removed)).toEqual(['Certificate Expired|expired']);
    expect(await trackedScopes(table, 'endpoint#', client)).toEqual(
      [endpointScopeOf(kept), endpointScopeOf(removed)].sort(),
    );

    // The configuration no longer names it: the dispatcher finds it in the state table.
    const days = [];
    for (const d of [1, 2, 3]) days.push(await period(d, [kept]));
    expect(days.map((p) => p.retired)).toEqual([1, 1, 1]);
    expect(days.map((p) => about(p.events, removed))).toEqual([
      ['Certificate Expired|expired-reminder'],
      ['Certificate Expired|expired-reminder'],
      ['Certificate Removed|removed'],
    ]);
    expect(days.flatMap((p) => about(p.events, kept))).toEqual([]);

    const after = await period(4, [kept]);
    expect(after.retired).toBeUndefined();
    expect(after.events).toEqual([]);
    expect(await trackedScopes(table, 'endpoint#', client)).toEqual([endpointScopeOf(kept)]);
  });

  it('when nothing is configured any more, the dispatcher still sends one batch to retire the rest', async () => {
    const sender = recordingSender();
    const dispatch = makeDispatchHandler({
      config: { queueUrl: 'q', batchSize: 10, targets: [] },
      sender,
      logger: silentLogger,
      metrics: () => {},
      trackedScopes: async () => ['endpoint#old.example:443'],
    });
    expect(await dispatch({ id: 's' })).toMatchObject({ batches: 1, targets: 0, retired: 1 });
    expect(JSON.parse(sender.bodies[0]!)).toMatchObject({
      targets: [],
      retiredScopes: ['endpoint#old.example:443'],
    });
  });
});
