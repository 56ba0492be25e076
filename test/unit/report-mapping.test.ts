import { beforeAll, describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../lambda/core/certificate';
import { DEFAULT_THRESHOLDS } from '../../lambda/core/evaluate';
import { runScan } from '../../lambda/core/scan';
import { reportFromProbes, reportFromScan } from '../../lambda/reports/from-scan';
import { coverageFromRecords, reportFromState } from '../../lambda/reports/from-state';
import { coverageCounts, REPORT_VERSION } from '../../lambda/reports/model';
import { ESTATE, estateRecords, recordsReader, statesOf } from '../support/report-estate';

const NOW = new Date('2026-11-29T12:00:00.000Z');
let records: CertificateRecord[];

beforeAll(async () => {
  records = await estateRecords(NOW);
});

describe('reportFromScan', () => {
  it('maps every scanned certificate with its scope, verdict and days, soonest expiry first', async () => {
    const result = await runScan(
      [
        recordsReader('acm#111111111111#eu-west-1', records),
        recordsReader(
          'acm#111111111111#us-west-2',
          [],
          Object.assign(new Error('denied'), { name: 'AccessDenied' }),
        ),
      ],
      { scanId: 's', now: NOW, thresholds: DEFAULT_THRESHOLDS },
    );
    const report = reportFromScan(result, 'cert-watch scan acm', NOW);
    expect(report).toMatchObject({
      reportVersion: REPORT_VERSION,
      generatedAt: NOW.toISOString(),
      origin: 'cert-watch scan acm',
      coverage: {
        scopesScanned: ['acm#111111111111#eu-west-1'],
        scopesFailed: [{ scope: 'acm#111111111111#us-west-2', code: 'AccessDenied', message: 'denied' }],
      },
    });
    expect(report.certificates.map((c) => c.daysRemaining)).toEqual(ESTATE.map((e) => e.days));
    expect(report.certificates.map((c) => c.severity)).toEqual([
      'expired',
      'expired',
      'critical',
      'critical',
      'warning',
      'warning',
      'ok',
      'ok',
      'ok',
    ]);
    const year = report.certificates.at(-1);
    expect(year).toMatchObject({
      location: records.at(-1)?.id,
      source: 'acm',
      scope: 'acm#111111111111#eu-west-1',
      account: '111111111111',
      accountName: 'Production',
      region: 'eu-west-1',
      domain: 'year.example',
      sans: ['host8.example'],
      keyAlgorithm: 'EC_prime256v1',
      inUseBy: ['arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/1'],
      problems: [],
    });
    expect(year?.fingerprintSha256).toMatch(/^[0-9A-F:]+$/i);
    expect(year?.notAfter).toBe(records.at(-1)?.notAfter?.toISOString());
    expect(year).not.toHaveProperty('lifecycleState');
  });

  it('reports an item a source could not read as a failure of its scope', async () => {
    const failing = {
      ...recordsReader('file#b.pem', []),
      async *list(report?: (e: { item: string; code: string; message: string }) => void) {
        report?.({ item: 'b.pem#2', code: 'MALFORMED_PEM', message: 'not base64' });
        yield* records.slice(0, 1);
      },
    };
    const result = await runScan([failing], { scanId: 's', now: NOW, thresholds: DEFAULT_THRESHOLDS });
    const { coverage } = reportFromScan(result, 'x', NOW);
    expect(coverage.scopesFailed).toEqual([
      { scope: 'file#b.pem', code: 'MALFORMED_PEM', message: 'b.pem#2: not base64' },
    ]);
    // Listed with an error: a failed scope, not also a scanned one (one scope, not "1 scanned, 1 failed").
    expect(coverage.scopesScanned).toEqual([]);
    expect(coverageCounts(coverage)).toEqual({ scopes: 1, complete: 0, withErrors: 1 });
    expect(coverage).not.toHaveProperty('periodRecorded');
  });
});

describe('reportFromProbes', () => {
  it('gives two SNI names served at one address two locations and two scopes', () => {
    const record = records[2] as CertificateRecord;
    const probe = (servername: string) => ({
      target: 'lb-1.elb.example:443',
      host: 'lb-1.elb.example',
      servername,
      address: '192.0.2.1',
      verdict: 'ok' as const,
      daysRemaining: 60,
      notAfter: record.notAfter?.toISOString() ?? null,
      problems: [],
      error: null,
      record: { ...record, id: 'lb-1.elb.example:443@192.0.2.1' },
    });
    const report = reportFromProbes([probe('pay.example'), probe('login.example')], 'cert-watch check', NOW);
    expect(report.certificates.map((c) => c.location).sort()).toEqual([
      'lb-1.elb.example:443/login.example@192.0.2.1',
      'lb-1.elb.example:443/pay.example@192.0.2.1',
    ]);
    expect(new Set(report.certificates.map((c) => c.scope)).size).toBe(2);
    // The host itself as SNI adds nothing to the location.
    expect(reportFromProbes([probe('LB-1.elb.example')], 'c', NOW).certificates[0]?.location).toBe(
      'lb-1.elb.example:443@192.0.2.1',
    );
  });

  it('maps probed certificates with their verdict and failed addresses as critical rows with the error', () => {
    const record = records[2] as CertificateRecord;
    const report = reportFromProbes(
      [
        {
          target: 'soon.example:443',
          host: 'soon.example',
          address: '192.0.2.1',
          verdict: 'critical',
          daysRemaining: 3,
          notAfter: record.notAfter?.toISOString() ?? null,
          problems: [{ code: 'UNTRUSTED', message: 'no path', severity: 'critical' }],
          error: null,
          record: { ...record, id: 'soon.example:443@192.0.2.1' },
        },
        {
          target: 'down.example:443',
          host: 'down.example',
          address: '192.0.2.9',
          verdict: 'error',
          daysRemaining: null,
          notAfter: null,
          problems: [],
          error: { code: 'TIMEOUT', message: 'no answer in 10000 ms' },
        },
      ],
      'cert-watch check',
      NOW,
    );
    // No expiry known and not OK (the address did not answer): first, before the soonest expiry.
    expect(report.certificates).toEqual([
      expect.objectContaining({
        location: 'down.example:443@192.0.2.9',
        domain: 'down.example',
        severity: 'critical',
        problems: ['TIMEOUT'],
        error: { code: 'TIMEOUT', message: 'no answer in 10000 ms' },
      }),
      expect.objectContaining({
        location: 'soon.example:443@192.0.2.1',
        source: 'endpoint',
        scope: 'endpoint#soon.example:443',
        severity: 'critical',
        daysRemaining: 3,
        problems: ['UNTRUSTED'],
      }),
    ]);
    expect(report.coverage).toEqual({
      scopesScanned: ['endpoint#soon.example:443'],
      scopesFailed: [
        { scope: 'endpoint#down.example:443', code: 'TIMEOUT', message: '192.0.2.9: no answer in 10000 ms' },
      ],
    });
  });
});

describe('reportFromState', () => {
  it('grades tracked locations now, with lifecycle state, acknowledgement and ticket; removed ones left out', () => {
    const states = statesOf(records, NOW, (s, i) => {
      if (i === 0) return { ...s, removedAt: NOW.toISOString() };
      if (i === 1)
        return {
          ...s,
          alert: { ...s.alert, expired: true, lastTransition: 'expired' },
          ack: {
            until: '2026-12-24T00:00:00.000Z',
            by: 'alice',
            reason: 'vendor renews',
            at: NOW.toISOString(),
          },
          ticket: { system: 'jira', key: 'OPS-7', url: 'https://jira.example/browse/OPS-7' },
        };
      if (i === 2)
        return {
          ...s,
          alert: { ...s.alert, tierDays: 7, lastTransition: 'tier-entered' },
          ack: { until: '2026-11-01T00:00:00.000Z', at: '2026-10-01T00:00:00.000Z' },
        };
      if (i === 3) return { ...s, missingScans: 2 };
      return s;
    });
    const report = reportFromState(
      states,
      { scopesScanned: ['acm#1'], scopesFailed: [] },
      'state table t',
      NOW,
    );
    expect(report.certificates).toHaveLength(records.length - 1);
    expect(report.certificates.map((c) => c.location)).not.toContain(records[0]?.id);
    const [expired, critical, missing] = report.certificates;
    expect(expired).toMatchObject({
      location: records[1]?.id,
      severity: 'expired',
      daysRemaining: -2,
      lifecycleState: 'Certificate Expired',
      acknowledged: { until: '2026-12-24T00:00:00.000Z', by: 'alice', reason: 'vendor renews' },
      ticket: { system: 'jira', key: 'OPS-7', url: 'https://jira.example/browse/OPS-7' },
    });
    // An acknowledgement that has run out is not shown as one.
    expect(critical).toMatchObject({ severity: 'critical', lifecycleState: 'Certificate Expiring' });
    expect(critical).not.toHaveProperty('acknowledged');
    expect(missing?.lifecycleState).toBe('Missing (2 scans)');
    expect(report.certificates.at(-1)?.lifecycleState).toBe('Tracked');
  });

  it('shows an endpoint that never served a certificate as a critical row with its problem', () => {
    const [base] = statesOf(records.slice(5, 6), NOW);
    if (!base) throw new Error('no state');
    const placeholder = {
      ...base,
      placeholder: true,
      notAfter: null,
      certificate: { ...base.certificate, notAfter: undefined, sans: [] },
      problem: {
        kind: 'check-failed' as const,
        codes: ['CONNECTION_REFUSED'],
        problems: [{ code: 'CONNECTION_REFUSED', message: 'connect ECONNREFUSED' }],
        since: NOW.toISOString(),
        lastEmittedAt: NOW.toISOString(),
        reminderCount: 0,
      },
    };
    const [row] = reportFromState(
      [placeholder],
      { scopesScanned: [], scopesFailed: [] },
      'x',
      NOW,
    ).certificates;
    expect(row).toMatchObject({
      location: base.location,
      severity: 'critical',
      problems: ['CONNECTION_REFUSED'],
      error: { code: 'CONNECTION_REFUSED', message: 'connect ECONNREFUSED' },
      lifecycleState: 'Endpoint Check Failed',
    });
    expect(row).not.toHaveProperty('notAfter');
  });

  it('takes coverage from the coverage items: scanned, failed with code; skipped is neither', () => {
    expect(
      coverageFromRecords([
        { scope: 'acm#1#eu-west-1', status: 'scanned' },
        {
          scope: 'acm#2#eu-west-1',
          status: 'failed',
          reason: 'ROLE_NOT_ASSUMED',
          code: 'AccessDenied',
          message: 'no',
        },
        { scope: 'acm#3#ap-east-1', status: 'skipped', reason: 'REGION_DISABLED' },
      ]),
    ).toEqual({
      scopesScanned: ['acm#1#eu-west-1'],
      scopesFailed: [{ scope: 'acm#2#eu-west-1', code: 'AccessDenied', message: 'no' }],
    });
  });
});
