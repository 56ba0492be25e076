/**
 * The HTML report in a real browser: Debian's Chromium (headless, driven by playwright-core),
 * opened from file:// with every other request refused. A report from real generated
 * certificates with hostile fields; the screenshot must not be blank, and the DOM must show the
 * counts, the timeline's bars, sorting, filtering and the hostile strings as inert text.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportFromState } from '../../lambda/reports/from-state';
import { renderHtml } from '../../lambda/reports/html';
import { decodePng, launchChromium } from '../support/chromium';
import { estateRecords, HOSTILE, statesOf } from '../support/report-estate';

// Whole seconds: X.509 times have no milliseconds, so days left come out exactly as asked.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
let domains: string[] = [];

let browser: Browser;
let page: Page;
let dir: string;
const consoleErrors: string[] = [];
const offsiteRequests: string[] = [];

beforeAll(async () => {
  const records = await estateRecords(NOW);
  domains = records.map((r) => r.domain);
  const states = statesOf(records, NOW, (s, i) => {
    if (i === 1)
      return {
        ...s,
        alert: { ...s.alert, expired: true, lastTransition: 'expired' },
        ack: { by: HOSTILE.attribute, reason: HOSTILE.script, at: NOW.toISOString() },
        ticket: { system: 'jira', key: 'OPS-1', url: HOSTILE.ticketUrl },
      };
    if (i === 2)
      return { ...s, ticket: { system: 'jira', key: 'OPS-2', url: 'https://jira.example/browse/OPS-2' } };
    return s;
  });
  const report = reportFromState(
    states,
    {
      scopesScanned: ['acm#111111111111#eu-west-1', 'acm#222222222222#us-east-1'],
      scopesFailed: [
        { scope: 'acm#333333333333#eu-west-1', code: 'ROLE_NOT_ASSUMED', message: HOSTILE.script },
      ],
    },
    'report-chromium test',
    NOW,
  );
  dir = mkdtempSync(join(tmpdir(), 'report-chromium-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, renderHtml(report));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    offsiteRequests.push(url);
    return route.abort();
  });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  // Page-side code as strings: the tests compile without the DOM library.
  await page.addInitScript({
    content:
      "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 60_000 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const visibleRows = () => page.locator('#certs tbody tr:not([hidden])');
const daysColumn = () =>
  page.$$eval('#certs tbody tr:not([hidden]) td:nth-child(4)', (cells) => cells.map((c) => c.textContent));

describe('the HTML report in Chromium', () => {
  it('renders something: the screenshot is not blank (and the same check fails on a blank page)', async () => {
    const ink = (png: ReturnType<typeof decodePng>) => {
      const colours = new Set<string>();
      let inked = 0;
      for (let y = 0; y < png.height; y += 3)
        for (let x = 0; x < png.width; x += 3) {
          const [r = 255, g = 255, b = 255] = png.pixel(x, y);
          colours.add(`${r >> 4},${g >> 4},${b >> 4}`);
          if (r + g + b < 600) inked += 1;
        }
      return { colours: colours.size, inked: inked / Math.ceil(png.width / 3) / Math.ceil(png.height / 3) };
    };
    const shot = decodePng(await page.screenshot({ fullPage: false }));
    expect(shot.width).toBe(1280);
    // Text, badges and timeline bars: many colours and a few percent of the page inked.
    const report = ink(shot);
    expect(report.colours).toBeGreaterThan(10);
    expect(report.inked).toBeGreaterThan(0.02);
    const blankPage = await browser.newPage({ viewport: { width: 320, height: 200 } });
    try {
      const blank = decodePng(await blankPage.screenshot());
      expect(blank.pixel(10, 10)).toEqual([255, 255, 255]);
      expect(ink(blank)).toEqual({ colours: 1, inked: 0 });
    } finally {
      await blankPage.close();
    }
  });

  it('shows the counts by severity and the total', async () => {
    const count = (key: string) => page.locator(`[data-count="${key}"]`).first().textContent();
    expect(await count('total')).toBe('9');
    expect(await page.locator('[data-count="severity:expired"]').textContent()).toBe(
      '2 expired (1 acknowledged)',
    );
    expect(await page.locator('[data-count="severity:critical"]').textContent()).toBe('2 critical');
    expect(await page.locator('[data-count="severity:warning"]').textContent()).toBe('2 warning');
    expect(await page.locator('[data-count="severity:ok"]').textContent()).toBe('3 ok');
    expect(await count('source:acm')).toBe('6');
    expect(await count('account:111111111111')).toBe('4');
    expect(await count('account:111111111111 (Production)')).toBe('1');
    expect(await count('scopes-failed')).toBe('1');
  });

  it('draws the timeline: the expired bucket first, then one bar per severity per week', async () => {
    const bars = await page.$$eval('#timeline-chart rect', (rects) =>
      rects.map((r) => ({
        severity: r.getAttribute('data-severity'),
        bucket: r.getAttribute('data-bucket'),
      })),
    );
    const per = (s: string) => bars.filter((b) => b.severity === s).length;
    // expired: one bucket; critical 3 and 5 days: week 0; warning 12 and 25 days: weeks 1 and 3; ok: 80, 180, 300 days.
    expect([per('expired'), per('critical'), per('warning'), per('ok')]).toEqual([1, 1, 2, 3]);
    expect(bars[0]).toEqual({ severity: 'expired', bucket: 'expired' });
    const box = await page.locator('#timeline-chart rect[data-bucket="expired"]').boundingBox();
    const week = await page.locator('#timeline-chart rect[data-bucket="w0"]').boundingBox();
    expect(box && week && box.x < week.x).toBe(true);
    expect(box?.height).toBeGreaterThan(0);
  });

  it('sorts by days left when the header is clicked, and says so with aria-sort', async () => {
    expect(await daysColumn()).toEqual(['-40', '-2', '3', '5', '12', '25', '80', '180', '300']);
    const header = page.locator('#certs thead th', { hasText: 'Days left' });
    await header.getByRole('button').click();
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    expect(await daysColumn()).toEqual(['300', '180', '80', '25', '12', '5', '3', '-2', '-40']);
    await header.getByRole('button').click();
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    expect((await daysColumn())[0]).toBe('-40');
  });

  it('filters as the user types, and by severity', async () => {
    await page.locator('#filter').fill('quarter.example');
    expect(await visibleRows().count()).toBe(1);
    expect(await page.locator('#shown').textContent()).toBe('1');
    await page.locator('#filter').fill('');
    await page.locator('#severity-filter').selectOption('warning');
    expect(await visibleRows().count()).toBe(2);
    await page.locator('#severity-filter').selectOption('');
    expect(await visibleRows().count()).toBe(9);
  });

  it('shows hostile fields as text and runs none of them', async () => {
    const cells = await page.$$eval('#certs td', (tds) => tds.map((td) => td.textContent ?? ''));
    // The subject's common name as the file source reads it (RFC 4514 escapes: `\<script\>`), markup intact.
    expect(domains[1]).toMatch(/<script\\?>window\.__pwned=1/);
    expect(domains[3]).toContain('"onerror=window.__pwned=2');
    expect(cells).toContain(domains[1]);
    expect(cells).toContain(domains[3]);
    expect(cells).toContain('evil[U+202E]moc.elgoog.example');
    expect(cells.some((c) => c.includes(`by ${HOSTILE.attribute}: ${HOSTILE.script}`))).toBe(true);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await page.locator('#certs script, #certs [onerror], a[href^="javascript"]').count()).toBe(0);
    expect(cells).toContain('jira OPS-1');
    expect(await page.locator('a', { hasText: 'jira OPS-2' }).getAttribute('href')).toBe(
      'https://jira.example/browse/OPS-2',
    );
  });

  it('fetched nothing and logged no error (a CSP violation is one)', async () => {
    expect(offsiteRequests).toEqual([]);
    expect(await page.evaluate('window.__csp')).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
