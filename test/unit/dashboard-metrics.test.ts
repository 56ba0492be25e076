/** The metrics the dashboard (lib/dashboard.ts) adds to what the watcher already emitted. */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ZERO_COUNTS } from '../../lambda/core/coverage';
import { DetailType } from '../../lambda/core/events';
import { type CoverageStore, finalizePeriod } from '../../lambda/handlers/finalize-period';
import { emfMetrics } from '../../lambda/shared/metrics';
import { EventBusPublisher } from '../../lambda/sinks/bus/event-bus-publisher';
import type { CoverageRecord } from '../../lambda/sinks/state/coverage-store';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

type Call = { values: Record<string, number>; dimensions?: Record<string, string> };
const recorder = () => {
  const calls: Call[] = [];
  return {
    calls,
    sink: (values: Record<string, number>, dimensions?: Record<string, string>) =>
      calls.push({ values, ...(dimensions ? { dimensions } : {}) }),
  };
};

describe('EMF metrics with extra dimensions', () => {
  it('adds the dimensions to this document only, beside Watcher', () => {
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const sink = emfMetrics('Ns', { Watcher: 'w' });
    sink({ EventsPublished: 2 }, { DetailType: 'Certificate Expiring' });
    sink({ ScanSucceeded: 1 });
    const [first, second] = log.mock.calls.map((c) => JSON.parse(String(c[0])));
    expect(first._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Watcher', 'DetailType']]);
    expect(first).toMatchObject({ Watcher: 'w', DetailType: 'Certificate Expiring', EventsPublished: 2 });
    expect(second._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Watcher']]);
    expect(second).not.toHaveProperty('DetailType');
  });
});

describe('EventsPublished per detail-type', () => {
  it('counts the events the bus took, one metric per detail-type', async () => {
    const eb = mockClient(EventBridgeClient);
    eb.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `id-${i}` })),
    }));
    const m = recorder();
    const p = new EventBusPublisher({ busName: 'b', metrics: m.sink }, new EventBridgeClient({}));
    const ev = (detailType: DetailType, i: number) => ({
      detailType,
      detail: { eventId: `e${i}` },
      resources: [],
      time: new Date(),
    });
    await p.publish([ev(DetailType.Expiring, 1), ev(DetailType.Expiring, 2), ev(DetailType.Renewed, 3)]);
    expect(m.calls).toEqual([
      { values: { EventsPublished: 2 }, dimensions: { DetailType: 'Certificate Expiring' } },
      { values: { EventsPublished: 1 }, dimensions: { DetailType: 'Certificate Renewed' } },
    ]);
    eb.restore();
  });
});

describe('a finalized scan period', () => {
  const record = (
    scope: string,
    kind: string,
    status: 'scanned' | 'failed',
    counts = ZERO_COUNTS,
  ): CoverageRecord => ({
    scope,
    kind,
    account: '111122223333',
    expectedScanId: 'scan-1',
    lastScanId: 'scan-1',
    status,
    counts,
  });
  const store = (records: CoverageRecord[]): CoverageStore =>
    ({
      period: async () => ({
        scanId: 'scan-1',
        scanAt: '',
        startedAt: '2026-11-30T00:00:00Z',
        kinds: ['acm', 'iam'],
        expected: 3,
        remaining: 0,
      }),
      claimFinalize: async () => true,
      releaseFinalize: async () => {},
      listCoverage: async () => records,
      recordOutcome: async () => true,
    }) as unknown as CoverageStore;

  it('emits the certificates by severity, and per source the scopes listed completely', async () => {
    const m = recorder();
    await finalizePeriod(
      {
        coverage: store([
          record('acm#1#eu-west-1', 'acm', 'scanned', {
            total: 6,
            ok: 3,
            warning: 1,
            critical: 1,
            expired: 1,
          }),
          record('acm#1#us-east-1', 'acm', 'scanned', {
            total: 1,
            ok: 0,
            warning: 1,
            critical: 0,
            expired: 0,
          }),
          record('iam#1', 'iam', 'failed'),
        ]),
        publisher: { publish: async () => ({ published: 0 }) } as never,
        logger: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as never,
        metrics: m.sink,
        clock: () => new Date('2026-11-30T00:10:00Z'),
      },
      'scan-1',
    );
    expect(m.calls[0]?.values).toMatchObject({
      CertificatesTotal: 7,
      CertificatesOk: 3,
      CertificatesWarning: 2,
      CertificatesCritical: 1,
      CertificatesExpired: 1,
    });
    expect(m.calls.slice(1)).toEqual([
      { values: { ScopesSucceeded: 2 }, dimensions: { Source: 'acm' } },
      { values: { ScopesSucceeded: 0 }, dimensions: { Source: 'iam' } },
    ]);
  });
});
