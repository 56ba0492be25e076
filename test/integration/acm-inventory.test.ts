/**
 * End to end on the local AWS: real certificates imported into moto's ACM in two regions, the
 * inventory handler run in-process (moto cannot run Lambdas), events put on a bus and delivered
 * through a rule to SQS (moto cannot target SNS), each validated against the JSON Schema.
 */
import { X509Certificate } from 'node:crypto';
import { ACMClient } from '@aws-sdk/client-acm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wholeDaysUntil } from '../../lambda/core/time';
import type { makeInventoryHandler } from '../../lambda/handlers/make-inventory-handler';
import { type Seeded, seedAcm, standardSeed } from '../support/acm-seed';
import { type BusCapture, captureBus, type ReceivedEvent } from '../support/bus-capture';
import { inventoryOnMoto } from '../support/inventory-on-moto';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../support/moto';
import { assertValidEvent } from '../support/schemas';
import { watcherEventPattern } from '../support/template';

const REGIONS = ['eu-west-1', 'us-east-1'];
const HOME = 'us-east-1';
const SOURCE = 'cert-expiry-watcher';

let moto: Moto;
let seeded: Seeded[];
let capture: BusCapture;
let received: ReceivedEvent[];
let summary: Awaited<ReturnType<ReturnType<typeof makeInventoryHandler>>>;
const metrics: Record<string, number>[] = [];

beforeAll(async () => {
  moto = await startMoto();
  const acm = (region: string) => new ACMClient(moto.clientConfig(region));
  seeded = await seedAcm(acm, standardSeed(REGIONS));
  capture = await captureBus(moto.clientConfig(HOME), 'watcher-bus', watcherEventPattern());
  const handler = inventoryOnMoto(moto, {
    regions: REGIONS,
    home: HOME,
    busName: 'watcher-bus',
    acmFor: acm,
    metrics: (m) => metrics.push(m),
  });
  summary = await handler({ id: 'scan-it-1' });
  received = await capture.receive(7);
});

afterAll(async () => {
  await moto?.stop();
});

const byDomain = (events: ReceivedEvent[]) =>
  Object.fromEntries(
    events
      .filter((e) => e['detail-type'] !== 'Scan Completed')
      .map((e) => [(e.detail.certificate as { domain: string }).domain, e]),
  );

describe('ACM inventory against the local AWS', () => {
  it('delivers exactly one event per expiring or expired certificate, plus the heartbeat', () => {
    const types = received.map((e) => e['detail-type']).sort();
    expect(types).toEqual([
      'Certificate Expired',
      'Certificate Expired',
      'Certificate Expiring',
      'Certificate Expiring',
      'Certificate Expiring',
      'Certificate Expiring',
      'Scan Completed',
    ]);
    expect(Object.keys(byDomain(received)).sort()).toEqual(
      seeded
        .filter((s) => s.days !== 200)
        .map((s) => s.name)
        .sort(),
    );
    for (const e of received) expect(e.source).toBe(SOURCE);
  });

  it('every delivered event validates against the JSON Schema', () => {
    for (const e of received) assertValidEvent(e['detail-type'], e.detail);
  });

  it('reports each certificate with the severity and days its real notAfter gives', () => {
    const events = byDomain(received);
    for (const s of seeded.filter((x) => x.days !== 200)) {
      const e = events[s.name];
      const detail = e?.detail as {
        certificate: Record<string, unknown>;
        evaluation: Record<string, unknown>;
      };
      const observedAt = new Date(String(e?.detail.observedAt));
      const expected = s.days === 'expired' ? 'expired' : s.days < 7 ? 'critical' : 'warning';
      expect(detail.evaluation.severity, s.name).toBe(expected);
      expect(detail.evaluation.daysRemaining).toBe(wholeDaysUntil(s.notAfter, observedAt));
      expect(detail.certificate).toMatchObject({
        source: 'acm',
        id: s.arn,
        region: s.region,
        type: 'IMPORTED',
        notAfter: new Date(new X509Certificate(s.certPem).validTo).toISOString(),
        keyAlgorithm:
          s.key.kind === 'rsa' ? 'RSA_2048' : s.key.curve === 'P-384' ? 'EC_secp384r1' : 'EC_prime256v1',
      });
      // Reported certificates are described: the full SAN list and issuer come from DescribeCertificate.
      expect(detail.certificate.sans).toEqual([s.name, `www.${s.name}`]);
      expect(detail.certificate.issuer).toBe('Test Intermediate CA');
      expect(e?.resources).toEqual([s.arn]);
      expect(e?.region).toBe(HOME);
    }
  });

  it('the heartbeat counts every certificate and names both regions as scopes of the account', () => {
    const heartbeat = received.find((e) => e['detail-type'] === 'Scan Completed');
    expect(heartbeat?.detail).toMatchObject({
      scanId: 'scan-it-1',
      source: 'acm',
      scopesScanned: REGIONS.map((r) => `acm#${MOTO_ACCOUNT}#${r}`),
      scopesFailed: [],
      counts: { total: 8, ok: 2, warning: 2, critical: 2, expired: 2 },
      eventsPublished: 6,
    });
    expect(summary.counts.total).toBe(8);
    expect(metrics).toEqual([
      expect.objectContaining({ ScanSucceeded: 1, CertificatesExpired: 2, CertificatesExpiring: 4 }),
    ]);
  });
});

describe('a region whose endpoint is unreachable', () => {
  it('is reported as failed while the reachable region is still scanned', async () => {
    const acm = (region: string) =>
      region === 'ap-southeast-2'
        ? new ACMClient({ ...moto.clientConfig(region), endpoint: 'http://127.0.0.1:9', maxAttempts: 2 })
        : new ACMClient(moto.clientConfig(region));
    const local = await captureBus(moto.clientConfig(HOME), 'watcher-bus-2', watcherEventPattern());
    const handler = inventoryOnMoto(moto, {
      regions: ['eu-west-1', 'ap-southeast-2'],
      home: HOME,
      busName: 'watcher-bus-2',
      acmFor: acm,
    });
    const result = await handler({ id: 'scan-it-2' });
    expect(result.scopesScanned).toEqual([`acm#${MOTO_ACCOUNT}#eu-west-1`]);
    expect(result.scopesFailed).toHaveLength(1);
    expect(result.scopesFailed[0]).toMatchObject({ scope: `acm#${MOTO_ACCOUNT}#ap-southeast-2` });
    expect(result.scopesFailed[0]?.message).toMatch(/ECONNREFUSED|connect/i);
    const events = await local.receive(4);
    const heartbeat = events.find((e) => e['detail-type'] === 'Scan Completed');
    expect(heartbeat?.detail.scopesFailed).toEqual(result.scopesFailed);
    assertValidEvent('Scan Completed', heartbeat?.detail);
    expect(events.filter((e) => e['detail-type'] !== 'Scan Completed')).toHaveLength(3);
  });
});
