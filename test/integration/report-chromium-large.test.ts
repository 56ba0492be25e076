/**
 * A report with several row chunks in a real headless Chromium: the table is split into `<tbody>`
 * chunks that the first frame may skip (`content-visibility: auto`); these tests check what a user
 * and a screen reader get from that: every row in the accessibility tree once the table is no longer
 * `aria-busy`, sorting and filtering across chunks (each shown chunk full but the last, no empty
 * chunk shown, the order back when the filter is cleared), and the whole table with scripting off.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_CHUNK_ROWS, renderHtml } from '../../lambda/reports/html';
import type { EstateReport } from '../../lambda/reports/model';
import { launchChromium } from '../support/chromium';
import { syntheticEstate } from '../support/synthetic-estate';

// Not a multiple of the chunk size, so the last chunk is a short one.
const N = REPORT_CHUNK_ROWS * 4 + 37;
let report: EstateReport;
let browser: Browser;
let dir: string;
let url: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  report = syntheticEstate(N, new Date(), 7);
  dir = mkdtempSync(join(tmpdir(), 'report-chromium-large-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, renderHtml(report));
  url = pathToFileURL(file).href;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const open = async (javaScriptEnabled = true): Promise<Page> => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
  return page;
};

// Page-side code as strings: the tests compile without the DOM library. Polled from here: the
// page's CSP forbids the string evaluation that waitForFunction would do inside it.
const laidOut = async (page: Page): Promise<void> => {
  const deadline = Date.now() + 60_000;
  while (await page.evaluate("document.getElementById('certs').hasAttribute('aria-busy')")) {
    if (Date.now() > deadline) throw new Error('the table stayed aria-busy for 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** Shown rows per shown chunk, and the days-left column of the shown rows in order. */
const shownChunks = (page: Page) =>
  page.evaluate(
    "Array.from(document.querySelectorAll('#certs tbody:not([hidden])')).map((b) => b.querySelectorAll('tr:not([hidden])').length)",
  ) as Promise<number[]>;
const shownDays = async (page: Page) =>
  (await page.$$eval('#certs tbody:not([hidden]) tr:not([hidden]) td:nth-child(4)', (cells) =>
    cells.map((c) => Number(c.textContent)),
  )) as number[];

const chunkSizes = (shown: number): number[] => {
  const sizes: number[] = [];
  for (let left = shown; left > 0; left -= REPORT_CHUNK_ROWS) sizes.push(Math.min(left, REPORT_CHUNK_ROWS));
  return sizes;
};

describe('a report of several chunks in Chromium', () => {
  it('puts every row in the accessibility tree once the table is laid out (no longer aria-busy)', async () => {
    const page = await open();
    try {
      expect(await page.locator('#certs tbody').count()).toBe(Math.ceil(N / REPORT_CHUNK_ROWS));
      await laidOut(page);
      const cdp = await page.context().newCDPSession(page);
      const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
        nodes: { ignored: boolean; role?: { value: string }; name?: { value: string } }[];
      };
      const table = nodes.find(
        (n) => n.role?.value === 'table' && n.name?.value === 'Every certificate, soonest expiry first',
      );
      expect(table).toBeDefined();
      const exposed = (role: string) => nodes.filter((n) => !n.ignored && n.role?.value === role).length;
      // The certificate table's header row and rows, beside the small count tables' own.
      const smallTables = (await page.locator('table.mini tr').count()) as number;
      expect(exposed('row')).toBe(N + 1 + smallTables);
      expect(exposed('columnheader')).toBe(12 + (await page.locator('table.mini thead th').count()));
    } finally {
      await page.context().close();
    }
  }, 90_000);

  it('sorts across chunks: every chunk full but the last, the whole column in order', async () => {
    const page = await open();
    try {
      const expected = report.certificates.map((c) => c.daysRemaining ?? 0);
      expect(await shownDays(page)).toEqual(expected);
      await page.locator('#certs thead th', { hasText: 'Days left' }).getByRole('button').click();
      const days = await shownDays(page);
      expect(days).toEqual([...expected].sort((a, b) => b - a));
      expect(await shownChunks(page)).toEqual(chunkSizes(N));
      // Severity's first click: the most urgent first, like days left's.
      await page.locator('#certs thead th', { hasText: 'Severity' }).getByRole('button').click();
      const severities = await page.$$eval('#certs tbody tr td:nth-child(6)', (cells) =>
        cells.map((c) => c.textContent),
      );
      const rank = ['Expired', 'Critical', 'Warning', 'OK'];
      const ranks = severities.map((s) => rank.indexOf(s ?? ''));
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      expect(ranks[0]).toBe(0);
    } finally {
      await page.context().close();
    }
  }, 90_000);

  it('filters across chunks: no empty chunk shown, and the order comes back when cleared', async () => {
    const page = await open();
    try {
      await laidOut(page);
      const warnings = report.certificates.filter((c) => c.severity === 'warning').length;
      const oks = report.certificates.filter((c) => c.severity === 'ok').length;
      expect(warnings).toBeGreaterThan(0);
      expect(oks).toBeGreaterThan(REPORT_CHUNK_ROWS);
      await page.locator('#severity-filter').selectOption('warning');
      expect(await page.locator('#shown').textContent()).toBe(String(warnings));
      expect(await shownChunks(page)).toEqual(chunkSizes(warnings));
      expect(
        await page.$$eval('#certs tr:not([hidden])[class^="s-"]', (rows) => rows.map((r) => r.className)),
      ).toEqual(Array(warnings).fill('s-warning'));
      await page.locator('#severity-filter').selectOption('ok');
      expect(await shownChunks(page)).toEqual(chunkSizes(oks));
      // Chunks get laid out again after a filter, so the tree is complete again.
      await laidOut(page);
      expect(await page.locator('#certs tbody.v').count()).toBe(Math.ceil(N / REPORT_CHUNK_ROWS));
      await page.locator('#severity-filter').selectOption('');
      expect(await shownDays(page)).toEqual(report.certificates.map((c) => c.daysRemaining ?? 0));
      expect(await shownChunks(page)).toEqual(chunkSizes(N));
      expect(pageErrors).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 90_000);

  it('names columns without the sort arrow, says the order in the caption, sorts blanks last and numbers as numbers', async () => {
    const page = await open();
    try {
      await laidOut(page);
      const cdp = await page.context().newCDPSession(page);
      const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
        nodes: { ignored: boolean; role?: { value: string }; name?: { value: string } }[];
      };
      const headers = nodes
        .filter((n) => !n.ignored && n.role?.value === 'columnheader')
        .map((n) => n.name?.value);
      expect(headers).toContain('Days left');
      expect(headers.some((h) => /[\u25B2\u25BC]/.test(h ?? ''))).toBe(false);
      const ticket = page.locator('#certs thead th', { hasText: 'Ticket' }).getByRole('button');
      const tickets = () =>
        page.$$eval('#certs tbody tr td:nth-child(12)', (cells) => cells.map((c) => c.textContent ?? ''));
      const numbers = (list: string[]) => list.filter(Boolean).map((t) => Number(t.replace(/^\D+/, '')));
      await ticket.click();
      expect(await page.locator('#order').textContent()).toBe('by ticket, ascending');
      let list = await tickets();
      const withTicket = report.certificates.filter((c) => c.ticket).length;
      expect(withTicket).toBeGreaterThan(1);
      // Tickets first, blanks after them; OPS-9 before OPS-10.
      expect(list.slice(0, withTicket).every(Boolean)).toBe(true);
      expect(list.slice(withTicket).every((t) => t === '')).toBe(true);
      expect(numbers(list)).toEqual([...numbers(list)].sort((a, b) => a - b));
      await ticket.click();
      expect(await page.locator('#order').textContent()).toBe('by ticket, descending');
      list = await tickets();
      expect(list.slice(0, withTicket).every(Boolean)).toBe(true);
      expect(numbers(list)).toEqual([...numbers(list)].sort((a, b) => b - a));
    } finally {
      await page.context().close();
    }
  }, 90_000);

  it('filters within a cell, not across two', async () => {
    const page = await open();
    try {
      // Every domain ends in "example.com" and the next cell holds the days left.
      await page.locator('#filter').fill('example.com4');
      expect(await page.locator('#shown').textContent()).toBe('0');
      await page.locator('#filter').fill('example.com');
      expect(await page.locator('#shown').textContent()).toBe(String(N));
    } finally {
      await page.context().close();
    }
  }, 90_000);

  it('keeps the header row in view while scrolling, and prints every column with the header repeated', async () => {
    const page = await open();
    try {
      await laidOut(page);
      expect(
        Number.parseFloat(
          await page.evaluate(
            "getComputedStyle(document.getElementById('certs')).getPropertyValue('--row-height')",
          ),
        ),
      ).toBeGreaterThan(10);
      await page.locator('#certs tbody').nth(2).scrollIntoViewIfNeeded();
      const header = await page.locator('#certs thead').boundingBox();
      expect(header?.y).toBeGreaterThanOrEqual(-1);
      expect(header?.y).toBeLessThan(2);
      await page.emulateMedia({ media: 'print' });
      await page.setViewportSize({ width: 1000, height: 700 });
      const printed = await page.evaluate(
        "(() => { const t = document.getElementById('certs'); const th = t.tHead.rows[0].cells; const last = th[th.length - 1].getBoundingClientRect(); return { display: getComputedStyle(t.tHead).display, right: last.right, width: document.documentElement.clientWidth }; })()",
      );
      expect(printed).toMatchObject({ display: 'table-header-group' });
      // The names come from data-label (Chromium leaves a button's text out of a repeated header).
      expect(
        await page.evaluate(
          "(() => { const th = document.querySelectorAll('#certs thead th')[3]; return [getComputedStyle(th, '::before').content, getComputedStyle(th.querySelector('button')).display]; })()",
        ),
      ).toEqual(['"Days left"', 'none']);
      const { right, width } = printed as { right: number; width: number };
      expect(right).toBeLessThanOrEqual(width);
      expect((await page.pdf({ format: 'A4' })).subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await page.context().close();
    }
  }, 90_000);

  it('keeps the row under the header in place when the window width changes', async () => {
    const page = await open();
    try {
      await laidOut(page);
      // The 250th row just under the sticky header, as a reader scrolled there would have it.
      await page.evaluate(
        "(() => { const r = document.querySelectorAll('#certs tbody tr')[250]; r.scrollIntoView(); window.scrollBy(0, -document.getElementById('certs').tHead.getBoundingClientRect().height); })()",
      );
      const rowUnderHeader =
        "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => { const h = document.getElementById('certs').tHead.getBoundingClientRect(); const r = document.elementFromPoint(h.left + 4, h.bottom + 4).closest('tr'); done(Array.prototype.indexOf.call(document.querySelectorAll('#certs tbody tr'), r)); })))";
      expect(await page.evaluate(rowUnderHeader)).toBe(250);
      for (const width of [900, 1600, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        expect(await page.evaluate(rowUnderHeader)).toBe(250);
        await laidOut(page);
        expect(await page.evaluate(rowUnderHeader)).toBe(250);
      }
    } finally {
      await page.context().close();
    }
  }, 90_000);

  it('shows the whole table with scripting off, and no filter box that could not work', async () => {
    const page = await open(false);
    try {
      expect(await page.locator('#filter-box').isVisible()).toBe(false);
      expect(await page.locator('#certs tbody tr').count()).toBe(N);
      expect(await page.locator('#certs tbody tr').first().isVisible()).toBe(true);
      // The last row is reachable: scrolled to, it renders.
      const last = page.locator('#certs tbody tr').last();
      await last.scrollIntoViewIfNeeded();
      expect(await last.isVisible()).toBe(true);
      expect((await last.boundingBox())?.height).toBeGreaterThan(10);
    } finally {
      await page.context().close();
    }
  }, 90_000);
});
