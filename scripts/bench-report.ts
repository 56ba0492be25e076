/**
 * `npm run bench -- report`: the estate report for 10,000 certificates: HTML and CSV generation
 * time, file sizes, and the time until headless Chromium has rendered the HTML (navigation to
 * `load`, then the first frame after it: two `requestAnimationFrame` callbacks), median of 3.
 * The estate is synthetic and demo-like (test/support/synthetic-estate.ts); the same generator makes
 * the screenshot in docs/reports.md (scripts/report-screenshot.ts) and the large report's browser test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderCsv } from '../lambda/reports/csv';
import { renderHtml } from '../lambda/reports/html';
import { launchChromium } from '../test/support/chromium';
import { syntheticEstate } from '../test/support/synthetic-estate';

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
  /** performance.now() when the whole table is laid out (the table no longer `aria-busy`), each run. */
  readonly exposedMs: readonly number[];
  /** The longest task (Long Tasks API, over 50 ms) between the first frame and then, each run; 0 if none. */
  readonly longestTaskMs: readonly number[];
  /** A click on "Days left" (descending sort of every row) to the frame after it, each run. */
  readonly sortMs: readonly number[];
  /** One filter entered (input event) to the frame after it, each run. */
  readonly filterMs: readonly number[];
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
  const exposedMs: number[] = [];
  const longestTaskMs: number[] = [];
  const sortMs: number[] = [];
  const filterMs: number[] = [];
  // Page-side code as strings: this script compiles without the DOM library.
  const nextFrame =
    'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))';
  const exposed =
    "new Promise((r) => { const t = document.getElementById('certs'); const done = () => t.hasAttribute('aria-busy') ? setTimeout(done, 20) : r(performance.now()); done(); })";
  try {
    for (let i = 0; i < runs; i++) {
      const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await tab.addInitScript({
        content:
          "window.__tasks = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__tasks.push([e.startTime, e.duration]); }).observe({ type: 'longtask' });",
      });
      const start = performance.now();
      await tab.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 120_000 });
      const painted = (await tab.evaluate(nextFrame)) as number;
      wallMs.push(performance.now() - start);
      renderMs.push(painted);
      exposedMs.push((await tab.evaluate(exposed)) as number);
      const tasks = (await tab.evaluate('window.__tasks')) as [number, number][];
      longestTaskMs.push(Math.max(0, ...tasks.filter(([at]) => at >= painted).map(([, d]) => d)));
      // A click on "Days left" (a sort of all rows), then one letter typed in the filter box.
      const clicked = (await tab.evaluate(
        `(() => { const b = document.querySelectorAll('#certs thead button')[3]; const t0 = performance.now(); b.click(); return ${nextFrame}.then((t) => t - t0); })()`,
      )) as number;
      sortMs.push(clicked);
      const typed = (await tab.evaluate(
        `(() => { const q = document.getElementById('filter'); const t0 = performance.now(); q.value = 'shop'; q.dispatchEvent(new Event('input')); return ${nextFrame}.then((t) => t - t0); })()`,
      )) as number;
      filterMs.push(typed);
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
    exposedMs,
    longestTaskMs,
    sortMs,
    filterMs,
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
    `| Chromium: navigation start to the whole table laid out in the background (no longer \`aria-busy\`) | ${ms(r.exposedMs)} | — |`,
    `| Chromium: longest task meanwhile (Long Tasks API; 0: none over 50 ms) | ${ms(r.longestTaskMs)} | — |`,
    `| Chromium: sort of every row (click on "Days left") to the next frame | ${ms(r.sortMs)} | — |`,
    `| Chromium: filter typed (\`input\` event) to the next frame | ${ms(r.filterMs)} | — |`,
  ];
};
