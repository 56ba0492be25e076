/**
 * `npm run bench -- report`: the estate report for 10,000 certificates: HTML and CSV generation
 * time, file sizes, and the time until headless Chromium has rendered the HTML (navigation to
 * `load`, then the first frame after it: two `requestAnimationFrame` callbacks), median of 3.
 * The estate is synthetic and demo-like (example domains and account ids, no real data); the same
 * generator makes the screenshot in docs/reports.md (scripts/report-screenshot.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Severity } from '../lambda/core/evaluate';
import { renderCsv } from '../lambda/reports/csv';
import { renderHtml } from '../lambda/reports/html';
import { type EstateReport, REPORT_VERSION, type ReportCertificate } from '../lambda/reports/model';
import { launchChromium } from '../test/support/chromium';

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

const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const timed = <T>(fn: () => T): [T, number] => {
  const start = process.hrtime.bigint();
  const out = fn();
  return [out, Number(process.hrtime.bigint() - start) / 1e6];
};

export interface ReportBench {
  readonly certificates: number;
  readonly htmlMs: number;
  readonly csvMs: number;
  readonly htmlBytes: number;
  readonly csvBytes: number;
  /** performance.now() at the first frame after `load` (from navigation start), each run. */
  readonly renderMs: readonly number[];
  /** Wall time from `goto` to that frame, each run. */
  readonly wallMs: readonly number[];
}

export const benchReport = async (n = 10_000, runs = 3): Promise<ReportBench> => {
  const report = syntheticEstate(n, new Date());
  renderHtml(syntheticEstate(500, new Date())); // warm-up: JIT out of the measurement
  const html: number[] = [];
  const csv: number[] = [];
  let page = '';
  let sheet = '';
  for (let i = 0; i < runs; i++) {
    const [h, hMs] = timed(() => renderHtml(report));
    const [c, cMs] = timed(() => renderCsv(report));
    html.push(hMs);
    csv.push(cMs);
    page = h;
    sheet = c;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, page);
  const browser = await launchChromium();
  const renderMs: number[] = [];
  const wallMs: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const start = performance.now();
      await tab.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 120_000 });
      const painted = (await tab.evaluate(
        'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))',
      )) as number;
      wallMs.push(performance.now() - start);
      renderMs.push(painted);
      await tab.close();
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    certificates: n,
    htmlMs: median(html),
    csvMs: median(csv),
    htmlBytes: Buffer.byteLength(page),
    csvBytes: Buffer.byteLength(sheet),
    renderMs,
    wallMs,
  };
};

export const reportBenchLines = (r: ReportBench): string[] => {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB (${b.toLocaleString('en-US')} bytes)`;
  const ms = (xs: readonly number[]) =>
    `${median(xs).toFixed(0)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
  return [
    `## Estate report: ${r.certificates.toLocaleString('en-US')} certificates`,
    '| measure | value | goal |',
    '| --- | --- | --- |',
    `| HTML generation (\`renderHtml\`, median of 3) | ${r.htmlMs.toFixed(0)} ms | — |`,
    `| CSV generation (\`renderCsv\`, median of 3) | ${r.csvMs.toFixed(0)} ms | — |`,
    `| HTML file | ${mib(r.htmlBytes)} | < 5 MB |`,
    `| CSV file | ${mib(r.csvBytes)} | — |`,
    `| Chromium: navigation start to first frame after \`load\` (median of 3) | ${ms(r.renderMs)} | < 2 s |`,
    `| Chromium: wall time from \`goto\` to that frame (median of 3) | ${ms(r.wallMs)} | — |`,
  ];
};
