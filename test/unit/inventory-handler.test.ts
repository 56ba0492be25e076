import { describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { BusEvent } from '../../lambda/core/events';
import type { CertificateSource } from '../../lambda/core/ports';
import { silentLogger } from '../../lambda/core/ports';
import { MS_PER_DAY } from '../../lambda/core/time';
import {
  type InventoryConfig,
  inventoryConfigFromEnv,
  makeInventoryHandler,
} from '../../lambda/handlers/make-inventory-handler';
import { ConfigurationError } from '../../lambda/shared/env';
import { assertValidEvent } from '../support/schemas';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const config: InventoryConfig = {
  busName: 'bus',
  eventSource: 'cert-expiry-watcher',
  regions: ['eu-west-1', 'us-east-1'],
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

const source = (scope: string, records: CertificateRecord[] | Error): CertificateSource => ({
  scope,
  async *list() {
    if (records instanceof Error) throw records;
    yield* records;
  },
});

const harness = (sources: Record<string, CertificateRecord[] | Error>, publishError?: Error) => {
  const published: BusEvent[] = [];
  const metrics: Record<string, number>[] = [];
  const handler = makeInventoryHandler({
    config: { ...config, regions: Object.keys(sources) },
    sourceFor: (r) => source(r, sources[r] ?? []),
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
    expect(h.published.map((e) => e.detailType)).toEqual([
      'Certificate Expired',
      'Certificate Expiring',
      'Certificate Expiring',
      'Scan Completed',
    ]);
    for (const e of h.published) assertValidEvent(e.detailType, e.detail);
    expect(summary).toMatchObject({
      scanId: 'evt-1',
      eventsPublished: 3,
      counts: { total: 4, ok: 1, warning: 1, critical: 1, expired: 1 },
    });
    expect(h.metrics).toEqual([
      {
        ScanSucceeded: 1,
        RegionsFailed: 0,
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
      regionsScanned: ['eu-west-1'],
      regionsFailed: [
        { region: 'ap-east-1', code: 'UnrecognizedClientException', message: 'opt-in region not enabled' },
      ],
    });
    expect(h.published[0]?.detailType).toBe('Certificate Expiring');
    expect(h.metrics[0]).toMatchObject({ ScanSucceeded: 0, RegionsFailed: 1 });
  });

  it('fails the invocation when publishing fails, so Lambda retries and alarms fire', async () => {
    const h = harness({ 'eu-west-1': [cert('eu-west-1', 2, 3)] }, new Error('PutEvents down'));
    await expect(h.handler()).rejects.toThrow('PutEvents down');
    expect(h.metrics).toEqual([expect.objectContaining({ ScanSucceeded: 0, PublishFailed: 1 })]);
  });
});

describe('configuration from the environment', () => {
  it('fails fast naming the missing variable', () => {
    expect(() => inventoryConfigFromEnv({ SCAN_REGIONS: 'eu-west-1' })).toThrow(ConfigurationError);
    expect(() => inventoryConfigFromEnv({ SCAN_REGIONS: 'eu-west-1' })).toThrow(/EVENT_BUS_NAME/);
    expect(() => inventoryConfigFromEnv({ EVENT_BUS_NAME: 'b' })).toThrow(/SCAN_REGIONS/);
    expect(() =>
      inventoryConfigFromEnv({ EVENT_BUS_NAME: 'b', SCAN_REGIONS: 'x', TIERS_DAYS: '7,30' }),
    ).toThrow(/strictly descending/);
    expect(() =>
      inventoryConfigFromEnv({ EVENT_BUS_NAME: 'b', SCAN_REGIONS: 'x', CRITICAL_DAYS: 'soon' }),
    ).toThrow(/CRITICAL_DAYS/);
  });

  it('reads every setting', () => {
    expect(
      inventoryConfigFromEnv({
        EVENT_BUS_NAME: 'b',
        SCAN_REGIONS: 'eu-west-1, us-east-1',
        TIERS_DAYS: '45,10,2',
        CRITICAL_DAYS: '10',
        EVENT_SOURCE: 'acme.certs',
        WATCHER_ID: 'prod',
        METRICS_NAMESPACE: 'Ns',
      }),
    ).toEqual({
      busName: 'b',
      eventSource: 'acme.certs',
      regions: ['eu-west-1', 'us-east-1'],
      thresholds: { tiersDays: [45, 10, 2], criticalDays: 10 },
      metricsNamespace: 'Ns',
      watcherId: 'prod',
    });
  });
});
