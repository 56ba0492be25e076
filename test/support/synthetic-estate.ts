/**
 * A synthetic, demo-like estate report (example domains and account ids, no real data), the same
 * for the same seed: the report benchmark (scripts/bench-report.ts), the screenshot in
 * docs/reports.md (scripts/report-screenshot.ts) and the large report's browser test.
 */
import type { Severity } from '../../lambda/core/evaluate';
import { type EstateReport, REPORT_VERSION, type ReportCertificate } from '../../lambda/reports/model';

const DAY_MS = 86_400_000;

/** A small deterministic generator (mulberry32), so every run renders the same estate. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

const ACCOUNTS = [
  ['111111111111', 'Production'],
  ['222222222222', 'Staging'],
  ['333333333333', 'Shared services'],
  ['444444444444', 'Data platform'],
] as const;
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
const SOURCES = ['acm', 'acm', 'acm', 'endpoint', 'iam', 'secrets', 'pca'];
const ISSUERS = [
  'CN=Amazon RSA 2048 M02, O=Amazon, C=US',
  'CN=Example Internal CA, O=Example',
  "CN=R11, O=Let's Encrypt",
];
const KEYS = ['RSA_2048', 'EC_prime256v1', 'RSA_4096'];
const APPS = ['api', 'shop', 'auth', 'billing', 'search', 'media', 'admin', 'status'];

const severityOf = (days: number): Severity =>
  days <= 0 ? 'expired' : days <= 7 ? 'critical' : days <= 30 ? 'warning' : 'ok';

/**
 * `n` certificates expiring from 30 days ago to 14 months ahead (most of them later, as in a real
 * estate), across four example accounts, three regions and the source kinds, some acknowledged
 * or ticketed, with a failed scope in the coverage.
 */
export const syntheticEstate = (n: number, now: Date, seed = 14): EstateReport => {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const certificates: ReportCertificate[] = [];
  for (let i = 0; i < n; i++) {
    const days = Math.round(next() < 0.15 ? next() * 60 - 30 : next() * 430);
    const [account, accountName] = pick(ACCOUNTS);
    const region = pick(REGIONS);
    const source = pick(SOURCES);
    const domain = `${pick(APPS)}-${i}.${pick(APPS)}.example.com`;
    const severity = severityOf(days);
    certificates.push({
      location:
        source === 'endpoint'
          ? `${domain}:443@192.0.2.${i % 250}`
          : `arn:aws:${source}:${region}:${account}:certificate/${(i * 2654435761).toString(16).padStart(8, '0')}-${i}`,
      source,
      scope: source === 'endpoint' ? `endpoint#${domain}:443` : `${source}#${account}#${region}`,
      account,
      accountName,
      region,
      domain,
      sans: [domain, `www.${domain}`],
      notAfter: new Date(now.getTime() + days * DAY_MS).toISOString(),
      daysRemaining: days,
      severity,
      issuer: pick(ISSUERS),
      keyAlgorithm: pick(KEYS),
      inUseBy:
        next() < 0.6
          ? [
              `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/app/${pick(APPS)}/${i.toString(16)}`,
            ]
          : [],
      problems: [],
      lifecycleState:
        severity === 'expired'
          ? 'Certificate Expired'
          : severity === 'ok'
            ? 'Tracked'
            : 'Certificate Expiring',
      ...(severity !== 'ok' && next() < 0.3
        ? {
            acknowledged: {
              until: new Date(now.getTime() + 14 * DAY_MS).toISOString(),
              by: 'ops',
              reason: 'renewal booked',
            },
          }
        : {}),
      ...(severity !== 'ok' && next() < 0.4
        ? { ticket: { system: 'jira', key: `OPS-${i}`, url: `https://jira.example.com/browse/OPS-${i}` } }
        : {}),
    });
  }
  certificates.sort((a, b) => (a.daysRemaining ?? 0) - (b.daysRemaining ?? 0));
  return {
    reportVersion: REPORT_VERSION,
    generatedAt: now.toISOString(),
    origin: 'synthetic demo estate',
    certificates,
    coverage: {
      scopesScanned: ACCOUNTS.flatMap(([a]) => REGIONS.map((r) => `acm#${a}#${r}`)).slice(1),
      scopesFailed: [
        {
          scope: `acm#${ACCOUNTS[0][0]}#${REGIONS[0]}`,
          code: 'ROLE_NOT_ASSUMED',
          message: 'AccessDenied: sts:AssumeRole',
        },
      ],
    },
  };
};
