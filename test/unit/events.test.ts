import { describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../lambda/core/certificate';
import { endpointCheckFailedEvent } from '../../lambda/core/endpoint-events';
import { DEFAULT_THRESHOLDS, evaluate } from '../../lambda/core/evaluate';
import {
  certificateEvent,
  DetailType,
  MAX_EVENT_ENTRY_BYTES,
  MAX_PROBLEMS_IN_EVENT,
  MAX_SANS_IN_EVENT,
  scanCompletedEvent,
} from '../../lambda/core/events';
import { MS_PER_DAY } from '../../lambda/core/time';
import { EventBusPublisher, entrySize } from '../../lambda/sinks/bus/event-bus-publisher';
import { assertValidEvent } from '../support/schemas';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const record = (over: Partial<CertificateRecord> = {}): CertificateRecord => ({
  source: 'acm',
  id: 'arn:aws:acm:eu-west-1:111122223333:certificate/abc',
  region: 'eu-west-1',
  account: '111122223333',
  domain: 'api.example.com',
  sans: ['api.example.com'],
  type: 'IMPORTED',
  notBefore: new Date(NOW.getTime() - 90 * MS_PER_DAY),
  notAfter: new Date(NOW.getTime() + 3 * MS_PER_DAY),
  ...over,
});
const build = (r: CertificateRecord, now = NOW) =>
  certificateEvent(r, evaluate(r, now, DEFAULT_THRESHOLDS), { scanId: 'scan-1', now });

describe('certificate events', () => {
  it('an expiring certificate becomes a schema-valid "Certificate Expiring" event', () => {
    const e = build(record());
    expect(e.detailType).toBe(DetailType.Expiring);
    expect(e.resources).toEqual(['arn:aws:acm:eu-west-1:111122223333:certificate/abc']);
    expect(e.detail.evaluation).toMatchObject({ severity: 'critical', daysRemaining: 3, tierDays: 3 });
    expect(e.detail.certificate.notAfter).toBe('2026-06-18T12:00:00.000Z');
    assertValidEvent(e.detailType, e.detail);
  });

  it('severity is the overall verdict (2.2): a misconfigured endpoint is critical, its expiry apart', () => {
    const r = record({
      source: 'endpoint',
      id: 'h:443@127.0.0.1',
      notAfter: new Date(NOW.getTime() + 200 * MS_PER_DAY),
    });
    const e = certificateEvent(r, evaluate(r, NOW, DEFAULT_THRESHOLDS), {
      scanId: 'scan-1',
      now: NOW,
      detailType: DetailType.EndpointMisconfigured,
      problems: [
        { code: 'HOSTNAME_MISMATCH', message: 'certificate is for a, not b', severity: 'critical' },
        { code: 'EXTRA_CERTIFICATE', message: 'note', severity: 'info' },
      ],
    });
    // Before 2.2 this event said severity 'ok' while clients rejected the certificate.
    expect(e.detail).toMatchObject({
      schemaVersion: '2.4',
      evaluation: { severity: 'critical', expirySeverity: 'ok' },
    });
    expect(e.detail.problems[0]).toEqual({
      code: 'HOSTNAME_MISMATCH',
      message: 'certificate is for a, not b',
      severity: 'critical',
    });
    assertValidEvent(e.detailType, e.detail);
    const noted = certificateEvent(r, evaluate(r, NOW, DEFAULT_THRESHOLDS), {
      scanId: 'scan-1',
      now: NOW,
      problems: [{ code: 'EXTRA_CERTIFICATE', message: 'note', severity: 'info' }],
    });
    expect(noted.detail.evaluation.severity).toBe('ok');
  });

  it('an expired certificate becomes "Certificate Expired"', () => {
    const e = build(record({ notAfter: new Date(NOW.getTime() - 1) }));
    expect(e.detailType).toBe(DetailType.Expired);
    assertValidEvent(e.detailType, e.detail);
  });

  it('the event id is deterministic per location, certificate, transition and day', () => {
    const a = build(record());
    expect(build(record()).detail.eventId).toBe(a.detail.eventId);
    expect(build(record(), new Date(NOW.getTime() + 3_600_000)).detail.eventId).toBe(a.detail.eventId);
    expect(build(record(), new Date(NOW.getTime() + MS_PER_DAY / 2 + 1)).detail.eventId).not.toBe(
      a.detail.eventId,
    );
    expect(
      build(record({ id: 'arn:aws:acm:eu-west-1:111122223333:certificate/other' })).detail.eventId,
    ).not.toBe(a.detail.eventId);
    expect(build(record({ serialNumber: '01' })).detail.eventId).not.toBe(a.detail.eventId);
  });

  it('a hostile certificate (10,000 SANs, huge subject) still yields one bounded, valid event', () => {
    const sans = Array.from({ length: 10_000 }, (_, i) => `host-${i}.${'sub.'.repeat(40)}example.com`);
    const e = build(
      record({
        sans,
        subject: `CN=${'A'.repeat(100_000)}`,
        inUseBy: Array.from({ length: 500 }, (_, i) => `arn:x:${i}`),
      }),
    );
    expect(e.detail.certificate.sans).toHaveLength(MAX_SANS_IN_EVENT);
    expect(e.detail.certificate.sanCount).toBe(10_000);
    expect(e.detail.certificate.subject?.length).toBeLessThanOrEqual(1024);
    assertValidEvent(e.detailType, e.detail);
    const size = entrySize(new EventBusPublisher({ busName: 'b' }).toEntry(e));
    expect(size).toBeLessThan(64 * 1024);
  });

  it('counts what it cut: sansOmitted, inUseByOmitted, labelsOmitted, tagsOmitted, problemsOmitted (critical kept)', () => {
    const many = (n: number, p: string) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`${p}${i}`, 'v'.repeat(400)]));
    const r = record({
      sans: Array.from({ length: 250 }, (_, i) => `h${i}.example.com`),
      inUseBy: Array.from(
        { length: 80 },
        (_, i) => `arn:aws:elasticloadbalancing:eu-west-1:111122223333:lb/${i}`,
      ),
      labels: many(300, 'label'),
      tags: many(120, 'tag'),
    });
    const problems = Array.from({ length: 301 }, (_, i) => ({
      code: 'CHAIN_EXPIRING',
      message: `intermediate ${i} ${'z'.repeat(1200)}`,
      severity: i >= 298 ? ('critical' as const) : ('warning' as const),
    }));
    const e = certificateEvent(r, evaluate(r, NOW, DEFAULT_THRESHOLDS), { scanId: 's', now: NOW, problems });
    const c = e.detail.certificate;
    expect([c.sansOmitted, c.inUseByOmitted, c.labelsOmitted, c.tagsOmitted]).toEqual([150, 30, 250, 70]);
    expect(Object.keys(c.labels ?? {})).toHaveLength(50);
    expect(Object.values(c.labels ?? {}).every((v) => v.length === 256)).toBe(true);
    expect(e.detail.problems).toHaveLength(MAX_PROBLEMS_IN_EVENT);
    expect(e.detail.problemsOmitted).toBe(276);
    expect(e.detail.problems.slice(0, 3).map((p) => p.severity)).toEqual([
      'critical',
      'critical',
      'critical',
    ]);
    expect(e.detail.evaluation.severity).toBe('critical');
    assertValidEvent(e.detailType, e.detail);
    expect(entrySize(new EventBusPublisher({ busName: 'b' }).toEntry(e))).toBeLessThan(
      MAX_EVENT_ENTRY_BYTES / 2,
    );
    // Nothing cut, nothing said.
    const plain = build(record());
    expect(plain.detail).not.toHaveProperty('problemsOmitted');
    expect(plain.detail.certificate).not.toHaveProperty('sansOmitted');
  });

  it('an "Endpoint Check Failed" event keeps at most 50 labels', () => {
    const labels = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 'v'.repeat(1000)]));
    const e = endpointCheckFailedEvent(
      {
        target: 'a.test:443',
        host: 'a.test',
        port: 443,
        address: null,
        servername: null,
        starttls: null,
        labels,
      },
      { code: 'TIMEOUT', message: 'timed out' },
      { scanId: 's', now: NOW },
    );
    expect(Object.keys(e.detail.endpoint.labels ?? {})).toHaveLength(50);
    expect(JSON.stringify(e.detail).length).toBeLessThan(20_000);
    assertValidEvent(e.detailType, e.detail);
  });

  it('the schema rejects an event that breaks the contract', () => {
    const e = build(record());
    expect(() =>
      assertValidEvent(e.detailType, {
        ...e.detail,
        evaluation: { ...e.detail.evaluation, severity: 'meh' },
      }),
    ).toThrow(/severity/);
    expect(() => assertValidEvent(e.detailType, { ...e.detail, eventId: undefined })).toThrow(/eventId/);
  });
});

describe('Scan Completed', () => {
  it('is schema-valid and carries counts, duration and failed scopes', () => {
    const e = scanCompletedEvent({
      scanId: 'scan-1',
      source: 'acm',
      startedAt: NOW.toISOString(),
      finishedAt: new Date(NOW.getTime() + 1234).toISOString(),
      durationMs: 1234,
      scopesScanned: ['acm#111122223333#eu-west-1'],
      scopesFailed: [{ scope: 'acm#111122223333#us-east-1', code: 'AccessDeniedException', message: 'no' }],
      counts: { total: 3, ok: 1, warning: 1, critical: 0, expired: 1 },
      eventsPublished: 2,
    });
    expect(e.detailType).toBe('Scan Completed');
    expect(e.time.toISOString()).toBe('2026-06-15T12:00:01.234Z');
    assertValidEvent(e.detailType, e.detail);
  });
});
