import { describe, expect, it } from 'vitest';
import {
  type DiscoveredTarget,
  discoveredScopeOf,
  isDiscoveredTarget,
} from '../../lambda/contracts/discovery';
import { type Scope, silentLogger } from '../../lambda/core/ports';
import { makeProbeHandler, probeConfigFromEnv } from '../../lambda/handlers/make-probe-handler';
import { lifecycleScanFromProbeResults } from '../../lambda/lifecycle/observations';
import { admitDiscovered } from '../../lambda/sources/discovery/admission';
import type { ScopeDiscovery } from '../../lambda/sources/discovery/discover';
import { discoveredPlaces } from '../../lambda/sources/discovery/placement';
import { probeQueueSink, retiredOf } from '../../lambda/sources/discovery/probe-queue-sink';
import type { ProbeResult } from '../../lambda/sources/endpoint/types';
import { endpointsFileEnv } from '../support/endpoints-file';
import { sqsEventOf } from '../support/lifecycle-run';
import { recordingSender } from '../support/recording-sender';

const SCOPE: Scope = {
  key: 'discovery#111122223333#eu-west-1',
  kind: 'discovery',
  account: '111122223333',
  region: 'eu-west-1',
  label: 'eu-west-1',
};
const target = (
  servername: string,
  host = 'lb-1.eu-west-1.elb.amazonaws.com',
  port = 443,
): DiscoveredTarget => ({
  host,
  port,
  servername,
  starttls: 'none',
  labels: { 'discovery:source': 'elbv2', 'discovery:resource': 'arn:listener' },
  expected: { source: 'elbv2', resource: 'arn:listener', configured: [{ id: 'arn:acm:c' }], successors: [] },
  scope: discoveredScopeOf(SCOPE.key, { host, port, servername }),
});
const found = (targets: DiscoveredTarget[], o: Partial<ScopeDiscovery> = {}): ScopeDiscovery => ({
  endpoints: [],
  targets,
  skipped: [],
  partial: false,
  itemErrors: [],
  ...o,
});

describe('the probe queue sink', () => {
  it('sends the targets in batches of the dispatcher’s size, the tracked scopes not found retired with the first', async () => {
    const bodies: string[] = [];
    const prefixes: string[] = [];
    const gone = discoveredScopeOf(SCOPE.key, {
      host: 'old.elb.amazonaws.com',
      port: 443,
      servername: 'x.example.com',
    });
    const sink = probeQueueSink({
      sender: recordingSender(bodies),
      batchSize: 2,
      trackedScopes: async (prefix) => {
        prefixes.push(prefix);
        return [target('a.example.com').scope, gone];
      },
      scanId: () => 's1',
    });
    const targets = ['a.example.com', 'b.example.com', 'c.example.com'].map((n) => target(n));
    expect(await sink.deliver(SCOPE, found(targets))).toEqual({ batches: 2, retired: 1 });
    expect(prefixes).toEqual([`${SCOPE.key}@`]);
    const batches = bodies.map((b) => JSON.parse(b));
    expect(batches.map((b) => [b.batchIndex, b.batchCount, b.targets.length, b.retiredScopes])).toEqual([
      [1, 2, 2, [gone]],
      [2, 2, 1, undefined],
    ]);
  });

  it('retires nothing after a partial listing, and never an internal endpoint it skipped', () => {
    const tracked = [
      target('a.example.com').scope,
      target('i.example.com', 'internal-lb.elb.amazonaws.com').scope,
    ];
    expect(retiredOf(tracked, found([], { partial: true }))).toEqual([]);
    expect(
      retiredOf(
        tracked,
        found([target('a.example.com')], {
          skipped: [target('i.example.com', 'internal-lb.elb.amazonaws.com')],
        }),
      ),
    ).toEqual([]);
    expect(retiredOf(tracked, found([]))).toEqual(tracked);
  });

  it('sends a lone batch to retire when nothing is found any more, and nothing at all when nothing is tracked', async () => {
    const bodies: string[] = [];
    const sink = (tracked: string[]) =>
      probeQueueSink({
        sender: recordingSender(bodies),
        batchSize: 25,
        trackedScopes: async () => tracked,
      });
    expect(await sink([target('a.example.com').scope]).deliver(SCOPE, found([]))).toEqual({
      batches: 1,
      retired: 1,
    });
    expect(JSON.parse(bodies[0]!)).toMatchObject({
      targets: [],
      retiredScopes: [target('a.example.com').scope],
    });
    expect(await sink([]).deliver(SCOPE, found([]))).toEqual({ batches: 0, retired: 0 });
    expect(bodies).toHaveLength(1);
  });

  it('counts a scope that left nothing to probe (the probes’ heartbeat without configured endpoints), and only such a scope', async () => {
    const emitted: Record<string, number>[] = [];
    const sink = (tracked: string[]) =>
      probeQueueSink({
        sender: recordingSender([]),
        batchSize: 25,
        trackedScopes: async () => tracked,
        metrics: (values) => emitted.push(values),
      });
    await sink([]).deliver(SCOPE, found([]));
    await sink([]).deliver(SCOPE, found([], { partial: true }));
    expect(emitted).toEqual([{ DiscoveredNothingToProbe: 1 }, { DiscoveredNothingToProbe: 1 }]);
    // A batch follows (targets, or scopes to retire): the prober's EndpointBatchesCompleted is the heartbeat.
    await sink([]).deliver(SCOPE, found([target('a.example.com')]));
    await sink([target('a.example.com').scope]).deliver(SCOPE, found([]));
    expect(emitted).toHaveLength(2);
  });
});

describe('admission of a queued discovered target', () => {
  it('takes a well-formed one with only its own fields', () => {
    const t = { ...target('a.example.com'), owner: 'forged', extra: 1 };
    expect(admitDiscovered(t)).toEqual(target('a.example.com'));
  });
  it('refuses a scope that is not its own, a link-local host, a bad SNI name and a configured-looking target', () => {
    const t = target('a.example.com');
    expect(admitDiscovered({ ...t, scope: target('b.example.com').scope })).toBeUndefined();
    expect(admitDiscovered({ ...t, scope: t.scope.replace('discovery#', 'endpoint#') })).toBeUndefined();
    const meta = target('a.example.com', '169.254.169.254');
    expect(isDiscoveredTarget(meta)).toBe(true);
    expect(admitDiscovered(meta)).toBeUndefined();
    expect(admitDiscovered(target('bad name'))).toBeUndefined();
    expect(admitDiscovered({ host: 'example.com', port: 443 })).toBeUndefined();
  });
  it('refuses an expectation over the contract bound or with a malformed certificate', () => {
    const t = target('a.example.com');
    const cert = t.expected.configured[0] ?? { id: 'arn:aws:acm:eu-west-1:111122223333:certificate/x' };
    const many = Array.from({ length: 21 }, (_, i) => ({ ...cert, id: `${cert.id}-${i}` }));
    expect(admitDiscovered({ ...t, expected: { ...t.expected, configured: many } })).toBeUndefined();
    expect(
      admitDiscovered({ ...t, expected: { ...t.expected, configured: [{ ...cert, notAfter: 'soon' }] } }),
    ).toBeUndefined();
    expect(admitDiscovered({ ...t, expected: { ...t.expected, source: 'dns' } })).toBeUndefined();
  });
});

describe('lifecycle places of discovered results', () => {
  const result = (servername: string, address = '10.0.0.1'): ProbeResult =>
    ({
      target: 'lb-1.eu-west-1.elb.amazonaws.com:443',
      host: 'lb-1.eu-west-1.elb.amazonaws.com',
      port: 443,
      address,
      servername,
      starttls: null,
      status: 'ok',
      problems: [],
      error: null,
      path: [],
      record: {
        source: 'endpoint',
        id: `lb-1.eu-west-1.elb.amazonaws.com:443@${address}`,
        domain: servername,
        sans: [servername],
        notAfter: new Date('2027-01-01T00:00:00Z'),
      },
    }) as unknown as ProbeResult;

  it('tracks two SNI names of one listener at two locations under two scopes; configured results keep host:port', () => {
    const place = discoveredPlaces([target('a.example.com'), target('b.example.com')]);
    const scan = lifecycleScanFromProbeResults(
      's',
      [result('a.example.com'), result('b.example.com'), result('c.example.com')],
      [],
      place,
    );
    expect(scan.observations.map((o) => [o.location, o.scope])).toEqual([
      ['lb-1.eu-west-1.elb.amazonaws.com:443/a.example.com@10.0.0.1', target('a.example.com').scope],
      ['lb-1.eu-west-1.elb.amazonaws.com:443/b.example.com@10.0.0.1', target('b.example.com').scope],
      ['lb-1.eu-west-1.elb.amazonaws.com:443@10.0.0.1', 'endpoint#lb-1.eu-west-1.elb.amazonaws.com:443'],
    ]);
    expect(scan.observations[0]!.record?.id).toBe(
      'lb-1.eu-west-1.elb.amazonaws.com:443/a.example.com@10.0.0.1',
    );
    expect(scan.completeScopes).toEqual([
      target('a.example.com').scope,
      target('b.example.com').scope,
      'endpoint#lb-1.eu-west-1.elb.amazonaws.com:443',
    ]);
  });
});

describe('the prober and discovered targets', () => {
  const run = async (env: Record<string, string>) => {
    const probed: unknown[] = [];
    const metrics: Record<string, number>[] = [];
    const handler = makeProbeHandler({
      config: probeConfigFromEnv({
        ...endpointsFileEnv([]),
        EVENT_BUS_NAME: 'bus',
        PROBE_TIMEOUT_MS: '1000',
        PROBE_CONCURRENCY: '2',
        ...env,
      }),
      probe: async (targets) => {
        probed.push(...targets);
        return [];
      },
      publisher: { publish: async (events) => ({ published: events.length }) },
      logger: silentLogger,
      metrics: (m) => metrics.push(m as Record<string, number>),
    });
    const batch = {
      schemaVersion: '1.0',
      scanId: 's',
      batchIndex: 1,
      batchCount: 1,
      scheduledAt: new Date().toISOString(),
      targets: [target('a.example.com')],
    };
    expect((await handler(sqsEventOf([JSON.stringify(batch)]))).batchItemFailures).toEqual([]);
    return { probed, rejected: metrics.reduce((n, m) => n + (m.EndpointTargetsRejected ?? 0), 0) };
  };

  it('rejects them without DISCOVERED_TARGETS (discovery off), probes them with it, expectation included', async () => {
    expect(await run({})).toEqual({ probed: [], rejected: 1 });
    const on = await run({ DISCOVERED_TARGETS: 'true' });
    expect(on.rejected).toBe(0);
    expect(on.probed).toEqual([target('a.example.com')]);
  });
});
