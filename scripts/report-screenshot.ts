/**
 * `npx tsx scripts/report-screenshot.ts [file.png]`: the screenshot in docs/reports.md, made from a
 * generated demo-like estate (example domains and account ids: no real account data), rendered by
 * `renderHtml` and shot in headless Chromium. Default output: docs/images/report.png.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../lambda/reports/html';
import { launchChromium } from '../test/support/chromium';
import { syntheticEstate } from '../test/support/synthetic-estate';

const main = async () => {
  const out = resolve(process.argv[2] ?? 'docs/images/report.png');
  const dir = mkdtempSync(join(tmpdir(), 'report-screenshot-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, renderHtml(syntheticEstate(240, new Date('2026-12-01T09:00:00Z'))));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 }, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.screenshot({ path: out, fullPage: false });
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`wrote ${out}\n`);
};

main().catch((error: unknown) => {
  process.stderr.write(
    `report-screenshot failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
});
