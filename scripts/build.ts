/**
 * `npm run build`: what the npm package ships, in dist/.
 *   dist/lib, dist/bin, dist/lambda   JavaScript + declarations (tsc -p tsconfig.build.json); lambda/ only
 *                                     what lib/ and the CLI import (contracts, the core the CLI runs)
 *   dist/assets/<name>/index.mjs (+ chunks/, source maps) every Lambda handler bundled exactly as the construct bundles it
 *                                     from source (WatcherFunction, esbuild), so a consumer's synth
 *                                     needs no esbuild, tsx or TypeScript (lib/bundled-assets.ts)
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { BUNDLING_SWITCH, prebundledAssetName } from '../lib/bundled-assets';
import { LAMBDA_ENTRY_FILE } from '../lib/lambda-bundling';
import { PROJECT_ROOT, WatcherFunction } from '../lib/watcher-function';

const DIST = path.join(PROJECT_ROOT, 'dist');
const HANDLERS = ['lambda/handlers', 'lambda/handlers/scan-workers'];

/** Handler entries: files that export `handler` (the `make-*` factories only export builders). */
export const handlerEntries = (root: string = PROJECT_ROOT): string[] =>
  HANDLERS.flatMap((dir) =>
    readdirSync(path.join(root, dir))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `${dir}/${f}`)
      .filter((entry) => /^export const handler\b/m.test(readFileSync(path.join(root, entry), 'utf8'))),
  ).sort();

const compile = (): void => {
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(PROJECT_ROOT, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
};

/** Bundles each handler through WatcherFunction in a throw-away app and copies its asset folder. */
const bundleHandlers = (entries: readonly string[]): void => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cert-watcher-build-'));
  const previous = process.env[BUNDLING_SWITCH];
  process.env[BUNDLING_SWITCH] = 'source';
  try {
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'Build');
    for (const entry of entries) {
      const name = prebundledAssetName(entry);
      const fn = new WatcherFunction(stack, `Fn${name.replace(/[^A-Za-z0-9]/g, '')}`, { entry });
      const assetPath = (fn.node.defaultChild as CfnFunction).getMetadata('aws:asset:path') as string;
      const source = path.resolve(outdir, assetPath);
      if (!existsSync(path.join(source, LAMBDA_ENTRY_FILE)))
        throw new Error(`no bundle for ${entry} in ${source}`);
      cpSync(source, path.join(DIST, 'assets', name), { recursive: true });
      console.log(`bundled ${entry} → dist/assets/${name}`);
    }
  } finally {
    if (previous === undefined) delete process.env[BUNDLING_SWITCH];
    else process.env[BUNDLING_SWITCH] = previous;
    rmSync(outdir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  rmSync(DIST, { recursive: true, force: true });
  compile();
  bundleHandlers(handlerEntries());
}
