/**
 * Issue #17 on the emulator: a load balancer with an HTTPS listener and two SNI certificates, an
 * API Gateway regional domain and a tagged imported ACM certificate are discovered (moto), sent to
 * the probe queue as endpoint batches (recorded), and probed by the prober with SNI = each name at
 * the resource's DNS name, mapped to a local TLS server by an injected resolver. Each endpoint has
 * its own lifecycle scope; when the listener is deleted its endpoints are retired ("Certificate
 * Removed") and the others are not. CloudFront is covered with aws-sdk-client-mock
 * (test/unit/discovery-adapters.test.ts): moto's ListDistributions omits aliases and viewer certificates.
 */
import { randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIGatewayClient, CreateDomainNameCommand } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteListenerCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveredTarget } from '../../lambda/contracts/discovery';
import type { BusEvent } from '../../lambda/core/events';
import { silentLogger } from '../../lambda/core/ports';
import { makeProbeHandler, probeConfigFromEnv } from '../../lambda/handlers/make-probe-handler';
import { lifecycleConfig } from '../../lambda/lifecycle/model';
import { createStateTable, DynamoDbStateStore } from '../../lambda/sinks/state/dynamodb-state-store';
import { trackedScopes } from '../../lambda/sinks/state/tracked-scopes';
import { defaultDiscoveryClients } from '../../lambda/sources/discovery/clients';
import { DiscoverySource } from '../../lambda/sources/discovery/discovery-source';
import { probeQueueSink } from '../../lambda/sources/discovery/probe-queue-sink';
import { probeAll } from '../../lambda/sources/endpoint/probe';
import type { ProbeResult } from '../../lambda/sources/endpoint/types';
import type { GeneratedChain } from '../support/certs';
import { seedDiscoveryEstate } from '../support/discovery-on-moto';
import { endpointsFileEnv } from '../support/endpoints-file';
import { sqsEventOf } from '../support/lifecycle-run';
import { RecordingPublisher } from '../support/lifecycle-timeline';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../support/moto';
import { recordingSender } from '../support/recording-sender';
import type { RunningServer } from '../support/tls-servers';

const REGION = 'eu-west-1';
const DAY_MS = 86_400_000;
const NOW = new Date(`${new Date().toISOString().slice(0, 10)}T06:00:00.000Z`);

let moto: Moto;
let dir: string;
let table: string;
let dynamodb: DynamoDBClient;
let store: DynamoDbStateStore;
let server: RunningServer;
let listenerArn: string;
let lbDns: string;
const chains: Record<string, GeneratedChain> = {};
const arns: Record<string, string> = {};

const source = () =>
  new DiscoverySource({ regions: [REGION], clients: defaultDiscoveryClients((r) => moto.clientConfig(r)) });

/** One period: discovery of the region's scope, its batches recorded, then each handed to the prober. */
const period = async (d: number) => {
  const now = new Date(NOW.getTime() + d * DAY_MS);
  const bodies: string[] = [];
  const sink = probeQueueSink({
    sender: recordingSender(bodies),
    batchSize: 2,
    trackedScopes: (prefix) => trackedScopes(table, prefix, dynamodb),
    clock: () => now,
    scanId: () => `discovery-${d}`,
  });
  const discovery = new DiscoverySource({
    regions: [REGION],
    kinds: ['elbv2', 'apigateway', 'tag'],
    clients: defaultDiscoveryClients((r) => moto.clientConfig(r)),
    sink,
  });
  const scope = discovery.scopes(MOTO_ACCOUNT).find((s) => s.region)!;
  for await (const _ of discovery.reader(scope).list()) throw new Error('discovery lists no records');
  const results: ProbeResult[] = [];
  const publisher = new RecordingPublisher();
  const prober = makeProbeHandler({
    config: probeConfigFromEnv({
      ...endpointsFileEnv([]),
      EVENT_BUS_NAME: 'bus',
      PROBE_TIMEOUT_MS: '3000',
      PROBE_CONCURRENCY: '4',
      PROBE_DUAL_CERTIFICATES: 'false',
      CA_FILE: join(dir, 'ca.pem'),
      DISCOVERED_TARGETS: 'true',
    }),
    lifecycle: { store, config: lifecycleConfig() },
    // The injected resolver: every discovered DNS name is the local TLS server.
    probe: async (targets, options) => {
      const out = await probeAll(targets, {
        ...options,
        resolve: async () => [{ address: '127.0.0.1', family: 4 }],
      });
      results.push(...out);
      return out;
    },
    publisher,
    logger: silentLogger,
    metrics: () => {},
    clock: () => now,
  });
  expect((await prober(sqsEventOf(bodies))).batchItemFailures).toEqual([]);
  const batches = bodies.map(
    (b) => JSON.parse(b) as { targets: DiscoveredTarget[]; retiredScopes?: string[] },
  );
  return {
    targets: batches.flatMap((b) => b.targets),
    retired: batches.flatMap((b) => b.retiredScopes ?? []),
    results,
    events: publisher.events.filter((e: BusEvent) => e.detailType !== 'Scan Completed'),
  };
};

beforeAll(async () => {
  moto = await startMoto({ serialized: true });
  table = `discovery-${randomUUID()}`;
  dynamodb = new DynamoDBClient(moto.clientConfig(REGION));
  await createStateTable(dynamodb, table);
  store = new DynamoDbStateStore({ tableName: table }, dynamodb);
  const estate = await seedDiscoveryEstate(moto, {
    region: REGION,
    now: NOW,
    names: { a: 200, b: 200, api: 200, tagged: 200 },
    tagged: ['tagged'],
  });
  ({ server, listenerArn, lbDns } = estate);
  Object.assign(chains, estate.chains);
  Object.assign(arns, estate.arns);
  dir = mkdtempSync(join(tmpdir(), 'cew-discovery-'));
  writeFileSync(join(dir, 'ca.pem'), estate.caPem);
  await new APIGatewayClient(moto.clientConfig(REGION)).send(
    new CreateDomainNameCommand({
      domainName: 'api.example.test',
      regionalCertificateArn: arns.api,
      endpointConfiguration: { types: ['REGIONAL'] },
    }),
  );
}, 60_000);

afterAll(async () => {
  await server?.close();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('discovered endpoints through the probe queue and the prober', () => {
  it('probes each SNI name at the resource’s address, tracks each under its own scope, and retires a deleted listener’s', async () => {
    const first = await period(0);
    const named = first.targets.map((t) => `${t.expected.source} ${t.host}:${t.port}/${t.servername}`).sort();
    expect(named).toEqual(
      expect.arrayContaining([
        `elbv2 ${lbDns}:${server.port}/a.example.test`,
        `elbv2 ${lbDns}:${server.port}/b.example.test`,
        `tag tagged.example.test:${server.port}/tagged.example.test`,
      ]),
    );
    // The API Gateway regional domain at its target domain (port 443: no local server answers there).
    const api = first.targets.find((t) => t.servername === 'api.example.test')!;
    expect(api.host).toMatch(/^d-[a-z0-9]+\.execute-api\.eu-west-1\.amazonaws\.com$/);
    expect(api.expected.configured.map((c) => c.id)).toEqual([arns.api]);
    const b = first.targets.find((t) => t.servername === 'b.example.test')!;
    expect(b.expected.configured).toEqual([
      expect.objectContaining({
        id: arns.b,
        serialNumber: new X509Certificate(chains.b!.leaf.certPem).serialNumber,
      }),
    ]);
    // What each name served: its own certificate, chosen by SNI at the one address.
    const served = Object.fromEntries(
      first.results
        .filter((r) => r.port === server.port)
        .map((r) => [r.servername, r.leaf?.fingerprintSha256]),
    );
    for (const name of ['a', 'b', 'tagged'])
      expect(served[`${name}.example.test`]).toBe(
        new X509Certificate(chains[name]!.leaf.certPem).fingerprint256,
      );
    const tracked = await trackedScopes(table, 'discovery#', dynamodb);
    expect(tracked).toEqual(expect.arrayContaining(first.targets.map((t) => t.scope)));
    expect(tracked.filter((s) => s.includes(lbDns))).toHaveLength(2);

    await new ElasticLoadBalancingV2Client(moto.clientConfig(REGION)).send(
      new DeleteListenerCommand({ ListenerArn: listenerArn }),
    );
    const removed: string[] = [];
    let retired: string[] = [];
    for (let d = 1; d <= 6 && removed.length < 4; d++) {
      const p = await period(d);
      expect(p.targets.some((t) => t.host === lbDns)).toBe(false);
      retired = p.retired.length > 0 ? p.retired : retired;
      for (const e of p.events)
        if (e.detailType === 'Certificate Removed')
          removed.push((e.detail as { certificate: { id: string } }).certificate.id);
    }
    expect(retired.sort()).toEqual(
      [`a.example.test`, `b.example.test`].map(
        (n) => `discovery#${MOTO_ACCOUNT}#${REGION}@${lbDns}:${server.port}/${n}`,
      ),
    );
    // Each name's leaf and its path's first expiry, each at its own location.
    expect(removed.sort()).toEqual([
      `${lbDns}:${server.port}/a.example.test#chain@127.0.0.1`,
      `${lbDns}:${server.port}/a.example.test@127.0.0.1`,
      `${lbDns}:${server.port}/b.example.test#chain@127.0.0.1`,
      `${lbDns}:${server.port}/b.example.test@127.0.0.1`,
    ]);
    const after = await trackedScopes(table, 'discovery#', dynamodb);
    expect(after.some((s) => s.includes(lbDns))).toBe(false);
    expect(after.some((s) => s.includes('tagged.example.test'))).toBe(true);
    expect(source().scopes(MOTO_ACCOUNT)).toHaveLength(2);
  });
});
