/**
 * A short-lived certificate (lifetime at most 60 days) is graded by a share of its lifetime, not
 * the day tiers (docs/lifecycle.md, "Short-lived certificates"): the CLI tables say so under the
 * table, so a 47-day certificate shown OK with 20 days left under a 30-day warning tier is explained.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/cert-watch';
import { LIFETIME_NOTES_SHOWN, lifetimeNotes } from '../../bin/cli/table';
import { createCertificate, daysFrom } from '../support/certs';
import { captureCliIo } from '../support/cli-io';

const NOW = new Date('2026-11-29T12:00:00.000Z');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'short-lived-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pemOf = async (name: string, issuedDaysAgo: number, daysLeft: number) =>
  (
    await createCertificate({
      commonName: name,
      notBefore: daysFrom(NOW, -issuedDaysAgo),
      notAfter: daysFrom(NOW, daysLeft),
    })
  ).certPem;

describe('short-lived certificates in the scan table', () => {
  it('names each one graded by its lifetime with its tiers, in the table\u2019s order, and only those', async () => {
    const pem = join(dir, 'bundle.pem');
    writeFileSync(
      pem,
      [
        await pemOf('47day.example', 27, 20), // OK by lifetime (warning at 15.51), WARNING by the 30-day tier
        await pemOf('6day.example', 1, 5), // OK by lifetime (warning at 1.98), CRITICAL by the 7-day tier
        await pemOf('90day.example', 70, 20), // a 90-day certificate: the day tiers, WARNING
      ].join(''),
    );
    const cap = captureCliIo({}, () => NOW);
    const code = await main(['scan', 'file', pem], cap.io);
    expect(code).toBe(1);
    const out = cap.out();
    expect(out).toMatch(/^OK\s+20\s.*47day\.example/m);
    expect(out).toMatch(/^OK\s+5\s.*6day\.example/m);
    expect(out).toMatch(/^WARNING\s+20\s.*90day\.example/m);
    expect(out).toContain(
      'Short-lived, graded by a share of the lifetime left instead of the day tiers (docs/lifecycle.md, "Short-lived certificates"):\n' +
        '  6day.example: 6-day lifetime: warning at 1.98 days left, critical at 0.6\n' +
        '  47day.example: 47-day lifetime: warning at 15.51 days left, critical at 4.7\n',
    );
    expect(out).not.toContain('  90day.example:');
  });

  it('says the same in the HTML and CSV report, and nothing for a certificate on the day tiers', async () => {
    const pem = join(dir, 'report.pem');
    writeFileSync(pem, [await pemOf('47day.example', 27, 20), await pemOf('90day.example', 70, 20)].join(''));
    const html = join(dir, 'r.html');
    const csv = join(dir, 'r.csv');
    const cap = captureCliIo({}, () => NOW);
    await main(['scan', 'file', pem, '--html', html, '--csv', csv], cap.io);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('Short-lived (47-day lifetime): warning at 15.51 days left, critical at 4.7');
    expect(page.match(/Short-lived \(/g)).toHaveLength(1);
    const [header = '', ...rows] = readFileSync(csv, 'utf8').trim().split('\r\n');
    const columns = header.split(',');
    const at = (row: string, name: string) => row.split(',')[columns.indexOf(name)];
    const short = rows.find((r) => r.includes('47day.example')) ?? '';
    const long = rows.find((r) => r.includes('90day.example')) ?? '';
    expect([at(short, 'lifetime_days'), at(short, 'warning_at_days'), at(short, 'critical_at_days')]).toEqual(
      ['47', '15.51', '4.7'],
    );
    expect([at(long, 'lifetime_days'), at(long, 'warning_at_days'), at(long, 'critical_at_days')]).toEqual([
      '',
      '',
      '',
    ]);
  });

  it('puts the grading in scan --json, null on the day tiers', async () => {
    const pem = join(dir, 'json.pem');
    writeFileSync(pem, [await pemOf('47day.example', 27, 20), await pemOf('90day.example', 70, 20)].join(''));
    const cap = captureCliIo({}, () => NOW);
    await main(['scan', 'file', pem, '--json'], cap.io);
    const { certificates } = JSON.parse(cap.out()) as {
      certificates: { domain: string; shortLived: Record<string, number> | null }[];
    };
    const of = (domain: string) => certificates.find((c) => c.domain === domain)?.shortLived;
    expect(of('47day.example')).toEqual({ lifetimeDays: 47, warningDays: 15.51, criticalDays: 4.7 });
    expect(of('90day.example')).toBeNull();
  });

  it('names at most LIFETIME_NOTES_SHOWN and counts the rest; nothing without one', () => {
    const graded = Array.from({ length: LIFETIME_NOTES_SHOWN + 3 }, (_, i) => ({
      name: `c${i}.example`,
      lifetimeDays: 6.67,
      warningDays: 2.2,
      criticalDays: 0.67,
    }));
    const lines = lifetimeNotes(graded);
    expect(lines).toHaveLength(2 + LIFETIME_NOTES_SHOWN + 1);
    expect(lines[2]).toBe('  c0.example: 6.67-day lifetime: warning at 2.2 days left, critical at 0.67');
    expect(lines.at(-1)).toBe('  +3 more');
    expect(lifetimeNotes([])).toEqual([]);
    // Names are untrusted: control and bidi characters never reach the terminal.
    expect(lifetimeNotes([{ ...graded[0]!, name: 'evil\u202Egnp' }])[2]).toContain('evil?gnp');
  });
});
