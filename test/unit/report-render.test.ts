import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { csvField, renderCsv } from '../../lambda/reports/csv';
import { httpsUrl, visible } from '../../lambda/reports/escape';
import { REPORT_CHUNK_ROWS, REPORT_SCRIPT, renderHtml, reportCsp } from '../../lambda/reports/html';
import { renderJson } from '../../lambda/reports/json';
import { type EstateReport, REPORT_VERSION, type ReportCertificate } from '../../lambda/reports/model';
import {
  monthTicks,
  renderTimeline,
  TIMELINE_WEEKS,
  timelineBuckets,
  WEEK_MS,
} from '../../lambda/reports/timeline';

const NOW = '2026-11-29T12:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();

const cert = (over: Partial<ReportCertificate> = {}): ReportCertificate => ({
  location: 'arn:aws:acm:eu-west-1:111111111111:certificate/1',
  source: 'acm',
  domain: 'a.example',
  sans: ['a.example'],
  severity: 'ok',
  inUseBy: [],
  problems: [],
  ...over,
});

const report = (certificates: ReportCertificate[], over: Partial<EstateReport> = {}): EstateReport => ({
  reportVersion: REPORT_VERSION,
  generatedAt: NOW,
  origin: 'test',
  certificates,
  coverage: { scopesScanned: ['acm#111111111111#eu-west-1'], scopesFailed: [] },
  ...over,
});

describe('HTML escaping', () => {
  it('escapes markup and quotes in every certificate field, text and attributes', () => {
    const hostile = '<img src=x onerror=alert(1)>"\'&';
    const html = renderHtml(
      report(
        [
          cert({
            location: hostile,
            domain: hostile,
            issuer: hostile,
            keyAlgorithm: hostile,
            inUseBy: [hostile],
            lifecycleState: hostile,
            account: hostile,
            accountName: hostile,
            region: hostile,
            source: hostile,
            problems: [hostile],
            acknowledged: { until: hostile, by: hostile, reason: hostile },
            ticket: { system: hostile, key: hostile, url: `https://t.example/${hostile}` },
          }),
        ],
        {
          origin: hostile,
          coverage: {
            scopesScanned: [hostile],
            scopesFailed: [{ scope: hostile, code: hostile, message: hostile }],
          },
        },
      ),
    );
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/"[^"]*onerror=alert\(1\)>"/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
  });

  it('marks bidi overrides and control characters visibly instead of letting them reorder text', () => {
    expect(visible('evil\u202Emoc.elgoog')).toBe('evil[U+202E]moc.elgoog');
    expect(visible('a\u0000b\u200Bc')).toBe('a[U+0000]b[U+200B]c');
    const html = renderHtml(report([cert({ domain: 'evil\u202Emoc.elgoog' })]));
    expect(html).not.toContain('\u202E');
    expect(html).toContain('evil[U+202E]moc.elgoog');
  });

  it('links a ticket only when its URL is https:', () => {
    expect(httpsUrl('javascript:alert(1)')).toBeUndefined();
    expect(httpsUrl('JaVaScRiPt:alert(1)')).toBeUndefined();
    expect(httpsUrl('http://t.example/1')).toBeUndefined();
    expect(httpsUrl('data:text/html,x')).toBeUndefined();
    expect(httpsUrl('not a url')).toBeUndefined();
    expect(httpsUrl('https://t.example/browse/OPS-1')).toBe('https://t.example/browse/OPS-1');
    const html = renderHtml(
      report([
        cert({ location: 'a', ticket: { system: 'jira', key: 'OPS-1', url: 'javascript:alert(1)' } }),
        cert({
          location: 'b',
          ticket: { system: 'jira', key: 'OPS-2', url: 'https://t.example/OPS-2?a=1&b=2' },
        }),
      ]),
    );
    expect(html).not.toContain('javascript:');
    expect(html).toContain('jira OPS-1</td>');
    expect(html).toContain(
      '<a href="https://t.example/OPS-2?a=1&amp;b=2" rel="noopener noreferrer">jira OPS-2</a>',
    );
  });

  it('allows only its own inline script, by hash, and no fetch at all', () => {
    const html = renderHtml(report([cert()]));
    const hash = createHash('sha256').update(REPORT_SCRIPT).digest('base64');
    expect(reportCsp()).toBe(
      `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`,
    );
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${reportCsp()}">`);
    expect(html.match(/<script>([\s\S]*?)<\/script>/g)).toEqual([`<script>${REPORT_SCRIPT}</script>`]);
    expect(html).not.toMatch(/\b(?:src|href)="?(?:https?:)?\/\//);
  });

  it('is an accessible table: column headers with scope, the sorted one with aria-sort, severity in words', () => {
    const html = renderHtml(
      report([cert({ severity: 'critical', daysRemaining: 3, notAfter: at(3 * 86_400_000) })]),
    );
    expect(html.match(/<th scope=col[^>]*><button type=button>/g)?.length).toBe(12);
    expect(html).toContain(
      '<th scope=col data-label="Days left" aria-sort=ascending><button type=button>Days left</button></th>',
    );
    expect(html).toContain('<td class=sv data-v=1>Critical</td>');
    expect(html).toContain('<td data-v="3">3</td>');
  });

  it('splits the rows into chunks of REPORT_CHUNK_ROWS, in order, the last one short', () => {
    const n = REPORT_CHUNK_ROWS * 2 + 13;
    const html = renderHtml(
      report(Array.from({ length: n }, (_, i) => cert({ domain: `d${i}.example`, daysRemaining: i }))),
    );
    expect(html).toContain(`<table id=certs data-chunk=${REPORT_CHUNK_ROWS}>`);
    const table = html.slice(html.indexOf('<table id=certs'));
    const chunks = [...table.matchAll(/<tbody[^>]*>([\s\S]*?)<\/tbody>/g)].map((m) => m[1] ?? '');
    // The short last chunk says how many rows it has (its estimated height).
    expect(table.match(/<tbody[^>]*>/g)).toEqual(['<tbody>', '<tbody>', '<tbody style="--rows:13">']);
    expect(chunks.map((c) => c.match(/<tr /g)?.length)).toEqual([REPORT_CHUNK_ROWS, REPORT_CHUNK_ROWS, 13]);
    const domains = chunks.join('').match(/d\d+\.example/g);
    expect(domains).toEqual(Array.from({ length: n }, (_, i) => `d${i}.example`));
  });

  it('says in the severity badges how many of the counted are acknowledged, still counting them by severity', () => {
    const ack = { until: 'renewal', by: 'alice' };
    const html = renderHtml(
      report([
        cert({ location: 'c1', severity: 'critical', acknowledged: ack }),
        cert({ location: 'c2', severity: 'critical', acknowledged: ack }),
        cert({ location: 'c3', severity: 'critical' }),
        cert({ location: 'e1', severity: 'expired', acknowledged: { until: at(86_400_000) } }),
        cert({ location: 'w1', severity: 'warning' }),
      ]),
    );
    const badges = html.slice(
      html.indexOf('<ul class=badges>'),
      html.indexOf('</ul>', html.indexOf('<ul class=badges>')),
    );
    expect(badges).toContain(
      '<li class="sev s-critical" data-count="severity:critical"><strong>3</strong> critical <span class=acked data-count="acknowledged:critical">(2 acknowledged)</span></li>',
    );
    expect(badges).toContain(
      '<strong>1</strong> expired <span class=acked data-count="acknowledged:expired">(1 acknowledged)</span></li>',
    );
    // None acknowledged: the badge is as it was.
    expect(badges).toContain(
      '<li class="sev s-warning" data-count="severity:warning"><strong>1</strong> warning</li>',
    );
    expect(badges.match(/class=acked/g)).toHaveLength(2);
    expect(renderHtml(report([cert({ severity: 'critical' })]))).not.toContain('class=acked');
  });

  it('renders an empty estate with zero counts and an empty timeline', () => {
    const html = renderHtml(report([], { coverage: { scopesScanned: [], scopesFailed: [] } }));
    expect(html).toContain('<strong data-count="total">0</strong> certificates');
    expect(html).toContain('No certificates in this report.');
    expect(html).not.toContain('<rect');
    // No empty table and no filter box to type into.
    expect(html).not.toContain('<table id=certs');
    expect(html).not.toContain('id=filter-box');
  });

  it('counts scopes, not error rows: a scope with two errors is one scope with errors, every row listed', () => {
    const scanned = ['acm', 'iam', 'pca', 'secrets', 'ssm'].map((k) => `${k}#111111111111#eu-west-1`);
    const iot = 'iot#111111111111#eu-west-1';
    const html = renderHtml(
      report([], {
        coverage: {
          scopesScanned: [...scanned, iot],
          scopesFailed: [
            { scope: iot, code: 'SCOPE_INCOMPLETE', message: 'stopped at page 3' },
            { scope: iot, code: 'UnexpectedResponse', message: 'cert 9: bad body' },
          ],
        },
      }),
    );
    expect(html).toContain('<strong data-count="scopes-scanned">6</strong> scopes scanned: ');
    expect(html).toContain('<strong data-count="scopes-complete">5</strong> listed completely, ');
    expect(html).toContain('<strong data-count="scopes-failed">1</strong> with errors.');
    expect(html).toContain('<td>SCOPE_INCOMPLETE</td>');
    expect(html).toContain('<td>UnexpectedResponse</td>');
    expect(html).not.toContain(`<li>${iot}</li>`);
  });

  it('says no scan period is recorded yet instead of "every scope was listed completely"', () => {
    const empty = { scopesScanned: [], scopesFailed: [] };
    const none = renderHtml(report([], { coverage: { ...empty, periodRecorded: false } }));
    expect(none).toContain('No scan period is recorded yet');
    expect(none).not.toContain('Every scope was listed completely');
    expect(none).not.toContain('data-count="scopes-scanned"');
    // A scan or check has no such field: its empty coverage is what it saw.
    expect(renderHtml(report([], { coverage: empty }))).toContain('Every scope was listed completely');
  });

  it('shows at most three "used by" entries and counts the rest', () => {
    const html = renderHtml(report([cert({ inUseBy: ['r1', 'r2', 'r3', 'r4', 'r5'] })]));
    expect(html).toContain('r1<br>r2<br>r3<br>+2 more');
    expect(html).not.toContain('r4');
  });
});

describe('timeline buckets', () => {
  const bucketOf = (ms: number, severity: ReportCertificate['severity'] = 'warning') => {
    const b = timelineBuckets(report([cert({ notAfter: at(ms), severity })]));
    const week = b.weeks.findIndex((w) => w.ok + w.warning + w.critical + w.expired > 0);
    return b.expired.expired ? 'expired' : week >= 0 ? week : b.later ? 'later' : 'none';
  };

  it('puts notAfter at or before the report instant in the expired bucket', () => {
    expect(bucketOf(0, 'expired')).toBe('expired');
    expect(bucketOf(-1, 'expired')).toBe('expired');
    expect(bucketOf(-400 * 86_400_000, 'expired')).toBe('expired');
  });

  it('counts weeks from the report instant: (0, 7 days] is week 0, a millisecond later is week 1', () => {
    expect(bucketOf(1)).toBe(0);
    expect(bucketOf(WEEK_MS)).toBe(0);
    expect(bucketOf(WEEK_MS + 1)).toBe(1);
    expect(bucketOf(TIMELINE_WEEKS * WEEK_MS)).toBe(TIMELINE_WEEKS - 1);
    expect(bucketOf(TIMELINE_WEEKS * WEEK_MS + 1)).toBe('later');
  });

  it('covers at least the next 12 calendar months', () => {
    const inAYear = new Date(NOW);
    inAYear.setUTCFullYear(inAYear.getUTCFullYear() + 1);
    expect(bucketOf(inAYear.getTime() - Date.parse(NOW))).not.toBe('later');
  });

  it('stacks by severity and counts certificates without an expiry apart', () => {
    const b = timelineBuckets(
      report([
        cert({ notAfter: at(86_400_000), severity: 'critical' }),
        cert({ notAfter: at(2 * 86_400_000), severity: 'critical' }),
        cert({ notAfter: at(3 * 86_400_000), severity: 'warning' }),
        cert({ severity: 'critical' }),
      ]),
    );
    expect(b.weeks[0]).toEqual({ ok: 0, warning: 1, critical: 2, expired: 0 });
    expect(b.noExpiry).toBe(1);
  });

  it('puts a month tick at the first instant of each month, with the year at January', () => {
    const ticks = monthTicks('2026-12-31T23:59:59.000Z');
    expect(ticks[0]).toMatchObject({ label: 'Jan 2027', start: '2027-01-01T00:00:00.000Z' });
    expect(ticks[0]?.weeks).toBeCloseTo(1 / (7 * 86_400), 6);
    expect(ticks.map((t) => t.label).slice(0, 3)).toEqual(['Jan 2027', 'Feb', 'Mar']);
    // 53 weeks reach past the next January: 13 month starts, the last one labelled with its year.
    expect(ticks).toHaveLength(13);
    expect(ticks.at(-1)).toMatchObject({ label: 'Jan 2028', start: '2028-01-01T00:00:00.000Z' });
    // A report made at a month's first instant: that month starts at week 0, so the first tick is the next one.
    expect(monthTicks('2027-03-01T00:00:00.000Z')[0]).toMatchObject({ label: 'Apr 2027' });
  });

  it('draws one bar per severity per non-empty bucket, each with a title', () => {
    const svg = renderTimeline(
      report([
        cert({ notAfter: at(-86_400_000), severity: 'expired' }),
        cert({ notAfter: at(86_400_000), severity: 'critical' }),
        cert({ notAfter: at(86_400_000), severity: 'warning' }),
        cert({ notAfter: at(10 * WEEK_MS), severity: 'ok' }),
      ]),
    );
    expect(svg.match(/<rect /g)).toHaveLength(4);
    expect(svg).toContain('data-severity="expired" data-bucket="expired"');
    expect(svg).toContain('data-severity="critical" data-bucket="w0"');
    expect(svg).toContain('data-severity="ok" data-bucket="w9"');
    expect(svg).toMatch(/<title>Expired: 1 expired<\/title>/);
  });
});

describe('CSV', () => {
  it('neutralises formula starts in text cells (OWASP CSV injection) but keeps computed numbers', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r'])
      expect(csvField(`${start}cmd|' /C calc'!A0`).replace(/^"/, '')).toMatch(/^'/);
    expect(csvField(-3)).toBe('-3');
    expect(csvField('-3')).toBe("'-3");
    expect(csvField('plain')).toBe('plain');
  });

  it('quotes fields per RFC 4180 and ends every line with CRLF', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    const csv = renderCsv(
      report([cert({ domain: '=HYPERLINK("http://x")', daysRemaining: -3, severity: 'expired' })]),
    );
    const lines = csv.split('\r\n');
    expect(
      lines[0]?.startsWith(
        'location,source,scope,account,account_name,region,domain,sans,not_after,days_remaining,severity',
      ),
    ).toBe(true);
    expect(lines[1]).toContain(`,"'=HYPERLINK(""http://x"")",`);
    expect(lines[1]).toContain(',-3,expired,');
    expect(lines[2]).toBe('');
    expect(csv.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('marks bidi controls visibly as the HTML does, so a reversed name cannot pass for another', () => {
    expect(csvField('evil\u202Emoc.elgoog')).toBe('evil[U+202E]moc.elgoog');
    for (const c of ['\u202A', '\u202D', '\u2066', '\u2069', '\u200E', '\u200F', '\u061C'])
      expect(csvField(`a${c}b`)).toBe(`a${visible(c)}b`);
    expect(csvField('\u202E=1+1')).toBe('[U+202E]=1+1');
    // Tab, CR and LF stay: quoting and the formula rule handle them.
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    const line = renderCsv(report([cert({ domain: 'evil\u202Emoc.elgoog', sans: ['x\u2067y'] })])).split(
      '\r\n',
    )[1];
    expect(line).toContain(',evil[U+202E]moc.elgoog,x[U+2067]y,');
    expect(line).not.toMatch(/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/);
  });

  it('writes a header alone for an empty estate', () => {
    expect(renderCsv(report([])).split('\r\n')).toHaveLength(2);
  });
});

describe('JSON', () => {
  it('is the report shape with its version first', () => {
    const r = report([cert()]);
    const json = renderJson(r);
    expect(JSON.parse(json)).toEqual(r);
    expect(json.startsWith(`{\n  "reportVersion": "${REPORT_VERSION}"`)).toBe(true);
  });
});
