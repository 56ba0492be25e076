import { describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { BusEvent } from '../../lambda/core/events';
import { silentLogger } from '../../lambda/core/ports';
import { MS_PER_DAY } from '../../lambda/core/time';
import {
  type InventoryConfig,
  inventoryConfigFromEnv,
  makeInventoryHandler,
} from '../../lambda/handlers/make-inventory-handler';
import { ConfigurationError } from '../../lambda/shared/env';
import { buildSources } from '../../lambda/sources/registry';
import { assertValidEvent } from '../support/schemas';
import { registryWithTestSource, TEST_SOURCE_KIND, TestSource } from '../support/test-source';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const config: InventoryConfig = {
  busName: 'bus',
  eventSource: 'cert-expiry-watcher',
  account: '111122223333',
  sources: [{ kind: 'acm', regions: ['eu-west-1', 'us-east-1'] }],
  thresholds: { tiersDays: [30, 14, 7, 3, 1], criticalDays: 7 },
  metricsNamespace: 'CertExpiryWatcher',
  watcherId: 'w1',
};

const cert = (region: string, n: number, days: number): CertificateRecord => ({
  source: 'acm',
  id: `arn:aws:acm:${region}:111122223333:certificate/${n}`,
  region,
  domain: `h${n}.example.com`,
  sans: [],
  type: 'IMPORTED',
  notAfter: new Date(NOW.getTime() + days * MS_PER_DAY),
});

/** ACM-like records per region, served by a regional test source of kind `acm`. */
const regional = (byRegion: Record<string, CertificateRecord[] | Error>) =>
  new TestSource(
    (scope) => {
      const v = byRegion[scope.region ?? ''] ?? [];
      return v instanceof Error ? { error: v } : { records: v };
    },
    Object.keys(byRegion),
    'acm',
  );

const harness = (sources: Record<string, CertificateRecord[] | Error>, publishError?: Error) => {
  const published: BusEvent[] = [];
  const metrics: Record<string, number>[] = [];
  const handler = makeInventoryHandler({
    config,
    sources: [regional(sources)],
    publisher: {
      publish: async (events) => {
        if (publishError) throw publishError;
        published.push(...events);
        return { published: events.length };
      },
    },
    logger: silentLogger,
    metrics: (m) => metrics.push(m),
    clock: () => NOW,
  });
  return { handler, published, metrics };
};

describe('inventory handler', () => {
  it('publishes one event per reported certificate and a heartbeat last', async () => {
    const h = harness({
      'eu-west-1': [cert('eu-west-1', 1, 200), cert('eu-west-1', 2, 3), cert('eu-west-1', 3, -1)],
      'us-east-1': [cert('us-east-1', 4, 20)],
    });
    const summary = await h.handler({ id: 'evt-1' });
    // Each scope publishes as soon as it is listed (scopes run concurrently); the heartbeat comes last.
    expect(h.published.at(-1)?.detailType).toBe('Scan Completed');
    const certificates = h.published
      .slice(0, -1)
      .map((e) => [e.detailType, (e.detail as { certificate: { id: string } }).certificate.id]);
    expect(certificates.sort()).toEqual([
      ['Certificate Expired', cert('eu-west-1', 3, -1).id],
      ['Certificate Expiring', cert('eu-west-1', 2, 3).id],
      ['Certificate Expiring', cert('us-east-1', 4, 20).id],
    ]);
    expect(h.published.at(-1)?.detail).toMatchObject({
      coverage: { expected: 2, scanned: 2, failed: 0, skipped: 0, accounts: 1 },
      counts: { total: 4, ok: 1, warning: 1, critical: 1, expired: 1 },
      eventsPublished: 3,
    });
    for (const e of h.published) assertValidEvent(e.detailType, e.detail);
    expect(summary).toMatchObject({
      scanId: 'evt-1',
      eventsPublished: 3,
      counts: { total: 4, ok: 1, warning: 1, critical: 1, expired: 1 },
    });
    expect(h.metrics).toEqual([
      {
        ScanSucceeded: 1,
        ScopesFailed: 0,
        CertificatesTotal: 4,
        CertificatesExpiring: 2,
        CertificatesExpired: 1,
      },
    ]);
  });

  it('a failed region is in the heartbeat and the metrics, and the other region is still reported', async () => {
    const h = harness({
      'eu-west-1': [cert('eu-west-1', 2, 3)],
      'ap-east-1': Object.assign(new Error('opt-in region not enabled'), {
        name: 'UnrecognizedClientException',
      }),
    });
    await h.handler();
    const heartbeat = h.published.at(-1);
    expect(heartbeat?.detailType).toBe('Scan Completed');
    expect(heartbeat?.detail).toMatchObject({
      scopesScanned: ['acm#111122223333#eu-west-1'],
      scopesFailed: [
        {
          scope: 'acm#111122223333#ap-east-1',
          code: 'UnrecognizedClientException',
          message: 'opt-in region not enabled',
        },
      ],
    });
    expect(h.published[0]?.detailType).toBe('Certificate Expiring');
    expect(h.metrics[0]).toMatchObject({ ScanSucceeded: 0, ScopesFailed: 1 });
  });

  it('fails the invocation when publishing fails, so Lambda retries and alarms fire', async () => {
    const h = harness({ 'eu-west-1': [cert('eu-west-1', 2, 3)] }, new Error('PutEvents down'));
    await expect(h.handler()).rejects.toThrow('PutEvents down');
    expect(h.metrics).toEqual([expect.objectContaining({ ScanSucceeded: 0, PublishFailed: 1 })]);
  });
});

describe('sources as plugins', () => {
  const record = (scope: string, n: number, days: number): CertificateRecord => ({
    source: TEST_SOURCE_KIND,
    id: `vault://${scope}/cert-${n}`,
    account: '111122223333',
    domain: `v${n}.example.com`,
    sans: [],
    type: 'UNMANAGED',
    notAfter: new Date(NOW.getTime() + days * MS_PER_DAY),
  });

  it('a source the production registry does not know runs beside ACM with its own scopes and heartbeat', async () => {
    const registry = registryWithTestSource((scope) => ({ records: [record(scope.key, 1, 5)] }));
    const sources = buildSources(
      [{ kind: 'acm', regions: ['eu-west-1'] }, { kind: TEST_SOURCE_KIND }],
      {},
      {
        ...registry,
        acm: { ...registry.acm!, create: () => regional({ 'eu-west-1': [cert('eu-west-1', 7, 20)] }) },
      },
    );
    const published: BusEvent[] = [];
    const summary = await makeInventoryHandler({
      config: { ...config, sources: [{ kind: 'acm' }, { kind: TEST_SOURCE_KIND }] },
      sources,
      publisher: {
        publish: async (e) => {
          published.push(...e);
          return { published: e.length };
        },
      },
      logger: silentLogger,
      metrics: () => {},
      clock: () => NOW,
    })({ id: 'mixed' });
    expect(summary.scopesScanned).toEqual([`acm#111122223333#eu-west-1`, `${TEST_SOURCE_KIND}#111122223333`]);
    const heartbeats = published.filter((e) => e.detailType === 'Scan Completed');
    expect(
      heartbeats.map((e) => (e.detail as { source: string; scopesScanned: string[] }).scopesScanned),
    ).toEqual([['acm#111122223333#eu-west-1'], [`${TEST_SOURCE_KIND}#111122223333`]]);
    const vault = published.find(
      (e) => (e.detail as { certificate?: { source: string } }).certificate?.source === TEST_SOURCE_KIND,
    );
    expect(vault?.detailType).toBe('Certificate Expiring');
    for (const e of published) assertValidEvent(e.detailType, e.detail);
  });

  it('a scope listed incompletely keeps its certificates but counts as failed', async () => {
    const h = makeInventoryHandler({
      config,
      sources: [new TestSource((scope) => ({ records: [record(scope.key, 2, 3)], incomplete: true }))],
      publisher: { publish: async (e) => ({ published: e.length }) },
      logger: silentLogger,
      metrics: () => {},
      clock: () => NOW,
    });
    const summary = await h({ id: 'partial' });
    expect(summary.counts.critical).toBe(1);
    expect(summary.scopesScanned).toEqual([]);
    expect(summary.scopesFailed).toEqual([
      expect.objectContaining({ scope: `${TEST_SOURCE_KIND}#111122223333`, code: 'SCOPE_INCOMPLETE' }),
    ]);
  });

  it('refuses a kind this build does not know, naming the known ones', () => {
    expect(() => buildSources([{ kind: 'nosuch' }])).toThrow(
      /unknown source kind "nosuch"; this build knows acm/,
    );
  });
});

describe('configuration from the environment', () => {
  const base = {
    EVENT_BUS_NAME: 'b',
    WATCHER_ACCOUNT_ID: '111122223333',
    WATCHER_SOURCES: '[{"kind":"acm","regions":["x"]}]',
  };
  it('fails fast naming the missing variable', () => {
    expect(() => inventoryConfigFromEnv({ ...base, EVENT_BUS_NAME: undefined })).toThrow(ConfigurationError);
    expect(() => inventoryConfigFromEnv({ ...base, EVENT_BUS_NAME: undefined })).toThrow(/EVENT_BUS_NAME/);
    expect(() => inventoryConfigFromEnv({ ...base, WATCHER_SOURCES: undefined })).toThrow(/WATCHER_SOURCES/);
    expect(() => inventoryConfigFromEnv({ ...base, WATCHER_ACCOUNT_ID: undefined })).toThrow(
      /WATCHER_ACCOUNT_ID/,
    );
    expect(() => inventoryConfigFromEnv({ ...base, WATCHER_SOURCES: '[{"kind":"ACM!"}]' })).toThrow(
      /WATCHER_SOURCES\[0\]\.kind must match/,
    );
    expect(() => inventoryConfigFromEnv({ ...base, TIERS_DAYS: '7,30' })).toThrow(/strictly descending/);
    expect(() => inventoryConfigFromEnv({ ...base, CRITICAL_DAYS: 'soon' })).toThrow(/CRITICAL_DAYS/);
  });

  it('reads every setting', () => {
    expect(
      inventoryConfigFromEnv({
        EVENT_BUS_NAME: 'b',
        WATCHER_ACCOUNT_ID: '111122223333',
        WATCHER_SOURCES: '[{"kind":"acm","regions":["eu-west-1","us-east-1"]}]',
        TIERS_DAYS: '45,10,2',
        CRITICAL_DAYS: '10',
        EVENT_SOURCE: 'acme.certs',
        WATCHER_ID: 'prod',
        METRICS_NAMESPACE: 'Ns',
      }),
    ).toEqual({
      busName: 'b',
      eventSource: 'acme.certs',
      account: '111122223333',
      sources: [{ kind: 'acm', regions: ['eu-west-1', 'us-east-1'] }],
      thresholds: { tiersDays: [45, 10, 2], criticalDays: 10 },
      metricsNamespace: 'Ns',
      watcherId: 'prod',
    });
  });
});
