import { describe, expect, it } from 'vitest';
import {
  DIGEST_SECTIONS,
  datedReportKey,
  digestSettingsFromEnv,
  latestReportKey,
  validateDigestSettings,
} from '../../lambda/contracts/report';
import { buildDigest, DIGEST_LIST_LIMIT, digestEvent } from '../../lambda/reports/digest';
import { certificateAt, digestCounts, estateReport } from '../support/estate-reports';

const NOW = new Date('2026-11-30T08:00:00Z');
const WEEK_AGO = new Date('2026-11-23T08:00:00Z');
const defaults = validateDigestSettings({});

describe('buildDigest', () => {
  it('counts expired certificates and those within 7, 30 and 90 days (cumulative), excluding undated ones', () => {
    const report = estateReport(NOW, [
      certificateAt(NOW, 'a', -3),
      certificateAt(NOW, 'b', 0),
      certificateAt(NOW, 'c', 7),
      certificateAt(NOW, 'd', 8),
      certificateAt(NOW, 'e', 30),
      certificateAt(NOW, 'f', 90),
      certificateAt(NOW, 'g', 91),
      {
        ...certificateAt(NOW, 'never-issued', 0),
        notAfter: undefined,
        daysRemaining: undefined,
      },
    ]);
    const d = buildDigest({ current: report, settings: defaults });
    expect(d.counts).toEqual(digestCounts(8, 1, [2, 4, 5]));
  });

  it('counts a certificate that expired hours ago (0 days left) as expired, not as expiring within 7 days', () => {
    const hoursAgo = {
      ...certificateAt(NOW, 'hours-ago', 0),
      notAfter: new Date(NOW.getTime() - 5 * 3_600_000).toISOString(),
      severity: 'expired' as const,
    };
    const d = buildDigest({
      current: estateReport(NOW, [hoursAgo, certificateAt(NOW, 'later', 3)]),
      settings: defaults,
    });
    expect(d.counts).toEqual(digestCounts(2, 1, [1, 1, 1]));
  });

  it('says how many of each count are acknowledged, counting them all the same (absent when none)', () => {
    const ack = { acknowledged: { until: 'renewal', by: 'alice' } };
    const d = buildDigest({
      current: estateReport(NOW, [
        certificateAt(NOW, 'x1', -3, ack),
        certificateAt(NOW, 'x2', -1),
        certificateAt(NOW, 'c1', 2, ack),
        certificateAt(NOW, 'w1', 20, ack),
        certificateAt(NOW, 'o1', 60),
      ]),
      settings: defaults,
    });
    expect(d.counts).toEqual({
      total: 5,
      expired: 2,
      expiredAcknowledged: 1,
      within: [
        { days: 7, count: 1, acknowledged: 1 },
        { days: 30, count: 2, acknowledged: 2 },
        { days: 90, count: 3, acknowledged: 2 },
      ],
    });
  });

  it('lists the soonest first, already expired at the top, cut to the configured number', () => {
    const certs = [40, -1, 3, -10, 12, 5, 200].map((d, i) => certificateAt(NOW, `arn:acm/${i}`, d));
    const d = buildDigest({
      current: estateReport(NOW, certs),
      settings: validateDigestSettings({ soonest: 4 }),
    });
    expect(d.soonest.map((c) => c.daysRemaining)).toEqual([-10, -1, 3, 5]);
    expect(buildDigest({ current: estateReport(NOW, certs), settings: defaults }).soonest).toHaveLength(7);
  });

  it('finds renewals (same location, later notAfter) and removals (location gone) since the previous report', () => {
    const previous = estateReport(WEEK_AGO, [
      certificateAt(WEEK_AGO, 'renewed', 5),
      certificateAt(WEEK_AGO, 'unchanged', 50),
      certificateAt(WEEK_AGO, 'gone', 20),
    ]);
    const current = estateReport(NOW, [
      certificateAt(NOW, 'renewed', 395),
      certificateAt(NOW, 'unchanged', 43),
      certificateAt(NOW, 'new', 60),
    ]);
    const d = buildDigest({ current, previous, settings: defaults });
    expect(d.previousGeneratedAt).toBe(WEEK_AGO.toISOString());
    expect(d.changes?.renewed.total).toBe(1);
    expect(d.changes?.renewed.items[0]).toMatchObject({
      location: 'renewed',
      previousNotAfter: previous.certificates[0]?.notAfter,
      notAfter: current.certificates[0]?.notAfter,
    });
    expect(d.changes?.removed.items.map((c) => c.location)).toEqual(['gone']);
    expect(d.changes?.added).toBe(1);
  });

  it('has no changes for the first report, and cuts long lists keeping their totals', () => {
    const many = Array.from({ length: 30 }, (_, i) => certificateAt(WEEK_AGO, `old-${i}`, 40 + i));
    const first = buildDigest({ current: estateReport(WEEK_AGO, many), settings: defaults });
    expect(first.changes).toBeUndefined();
    const d = buildDigest({
      current: estateReport(NOW, []),
      previous: estateReport(WEEK_AGO, many),
      settings: defaults,
    });
    expect(d.changes?.removed.total).toBe(30);
    expect(d.changes?.removed.items).toHaveLength(DIGEST_LIST_LIMIT);
  });

  it('reports coverage: scopes scanned and the failed ones with their reason', () => {
    const failed = Array.from({ length: 12 }, (_, i) => ({
      scope: `acm#1#r${i}`,
      code: 'AccessDenied',
      message: 'no',
    }));
    const d = buildDigest({
      current: estateReport(NOW, [], { scopesScanned: ['a', 'b', 'c'], scopesFailed: failed }),
      settings: defaults,
      link: { url: 'https://console.aws.amazon.com/s3/object/b?prefix=x', label: 'Full report' },
    });
    expect(d.coverage).toEqual({
      scopesScanned: 3,
      scopesFailed: { total: 12, items: failed.slice(0, DIGEST_LIST_LIMIT) },
    });
    expect(d.link?.label).toBe('Full report');
  });

  it('gives the digest event one id per day, so a retried run is one delivery', () => {
    const d = buildDigest({ current: estateReport(NOW, []), settings: defaults });
    const e = digestEvent(d, 'cert-expiry-watcher');
    expect(e).toMatchObject({
      id: 'digest-2026-11-30',
      'detail-type': 'Certificate Digest',
      detail: { eventId: 'digest-2026-11-30' },
    });
  });
});

describe('digest settings and report keys (the contract)', () => {
  it('defaults to every section, 10 soonest, enabled; keeps the contract order whatever the order given', () => {
    expect(digestSettingsFromEnv(undefined)).toEqual({
      enabled: true,
      sections: DIGEST_SECTIONS,
      soonest: 10,
    });
    expect(digestSettingsFromEnv('{"sections":["link","counts"],"soonest":3}')).toEqual({
      enabled: true,
      sections: ['counts', 'link'],
      soonest: 3,
    });
  });

  it.each([
    [{ soonest: 0 }, /soonest must be a whole number from 1 to 25, got 0/],
    [{ soonest: 26 }, /got 26/],
    [{ sections: ['counts', 'weather'] }, /sections must list some of counts, soonest/],
    [{ sections: [] }, /sections must list/],
    [{ sections: ['counts', 'counts'] }, /once each/],
    [{ enabled: 'yes' }, /enabled must be true or false/],
    [{ colour: 'red' }, /unknown field\(s\) colour/],
  ])('refuses %j naming the field', (value, message) => {
    expect(() => validateDigestSettings(value)).toThrow(message);
  });

  it('names the variable when REPORT_DIGEST is not JSON', () => {
    expect(() => digestSettingsFromEnv('{')).toThrow(/REPORT_DIGEST is not valid JSON/);
  });

  it('keys reports by the UTC day they were generated, and the newest under latest/', () => {
    expect(datedReportKey('2026-11-30T23:59:59.000Z', 'html')).toBe('reports/2026-11-30/report.html');
    expect(latestReportKey('json')).toBe('latest/report.json');
  });
});
