/**
 * Estate reports built from plain data for the digest and the scheduled report's tests (the
 * renderers and the state-table reader are part 1's; these tests only need the shape).
 */
import type { Severity } from '../../lambda/core/evaluate';
import { type EstateReport, REPORT_VERSION, type ReportCertificate } from '../../lambda/reports/model';

const DAY_MS = 86_400_000;

/** A certificate `days` whole days from `now` (negative: expired), its severity from the default tiers. */
export const certificateAt = (
  now: Date,
  location: string,
  days: number,
  extra: Partial<ReportCertificate> = {},
): ReportCertificate => {
  const severity: Severity = days < 0 ? 'expired' : days <= 7 ? 'critical' : days <= 30 ? 'warning' : 'ok';
  return {
    location,
    source: 'acm',
    account: '111122223333',
    region: 'eu-west-1',
    domain: location.split('/').pop() ?? location,
    sans: [],
    notAfter: new Date(now.getTime() + days * DAY_MS + 3_600_000).toISOString(),
    daysRemaining: days,
    severity,
    inUseBy: [],
    problems: [],
    ...extra,
  };
};

export const estateReport = (
  now: Date,
  certificates: readonly ReportCertificate[],
  coverage: Partial<EstateReport['coverage']> = {},
): EstateReport => ({
  reportVersion: REPORT_VERSION,
  generatedAt: now.toISOString(),
  origin: 'state table test',
  certificates,
  coverage: {
    scopesScanned: coverage.scopesScanned ?? ['acm#111122223333#eu-west-1'],
    scopesFailed: coverage.scopesFailed ?? [],
  },
});

/** Hostile names a certificate's issuer or an endpoint's operator can choose. */
export const HOSTILE_DOMAIN =
  '<!channel> *bold* _it_ ~s~ `tick` <https://evil.example|click> @here \u202Egnp.exe &amp; <script>alert(1)</script>';

/** The digest's counts: `total`, `expired`, and those within 7, 30 and 90 days. */
export const digestCounts = (
  total: number,
  expired: number,
  [d7, d30, d90]: readonly [number, number, number],
) => ({
  total,
  expired,
  within: [
    { days: 7, count: d7 },
    { days: 30, count: d30 },
    { days: 90, count: d90 },
  ],
});
