import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Stage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { LAMBDA_ENTRY_FILE } from './lambda-bundling';

/**
 * Where `npm run build` (scripts/build.ts) writes the pre-bundled handlers: `<package>/dist/assets/<name>/`,
 * one folder per handler with `index.mjs`, its chunks and source maps. Beside the compiled `dist/lib/`.
 */
export const PREBUNDLED_ASSETS_DIR = path.resolve(__dirname, '..', 'assets');

/**
 * Environment switch for the bundling mode: `prebundled` (use `dist/assets`, fail when one is missing)
 * or `source` (esbuild from the TypeScript handler at synth). Unset: source when the handler's
 * TypeScript file and esbuild are both there (a clone of the repository), pre-bundled otherwise (the
 * package installed from npm, which ships no TypeScript and needs no esbuild).
 */
export const BUNDLING_SWITCH = 'CERT_WATCHER_BUNDLING';

/** The asset folder name of a handler entry: `lambda/handlers/scan-workers/acm.ts` → `scan-workers-acm`. */
export const prebundledAssetName = (entry: string): string =>
  entry
    .replace(/\\/g, '/')
    .replace(/^(\.\/)?lambda\/handlers\//, '')
    .replace(/\.[cm]?[tj]s$/, '')
    .replace(/\//g, '-');

export type BundlingMode = 'source' | 'prebundled';

export interface BundlingModeInput {
  /** Absolute path of the handler's TypeScript entry. */
  readonly entryPath: string;
  /** Folder holding the pre-bundled assets. */
  readonly assetsDir: string;
  /** The entry's asset folder name ({@link prebundledAssetName}). */
  readonly assetName: string;
  /** Value of {@link BUNDLING_SWITCH}, if set. */
  readonly switchValue?: string;
  /** Whether esbuild can be loaded from the project. */
  readonly esbuildAvailable: () => boolean;
}

/**
 * Chooses how a handler's code is built; throws when the switch names an unknown mode or a
 * pre-bundled asset is required but missing (the message names the asset and `npm run build`).
 */
export const chooseBundlingMode = (input: BundlingModeInput): BundlingMode => {
  const asset = path.join(input.assetsDir, input.assetName, LAMBDA_ENTRY_FILE);
  const value = input.switchValue?.trim();
  if (value === 'source') return 'source';
  if (value === 'prebundled') {
    if (!existsSync(asset))
      throw new Error(`${BUNDLING_SWITCH}=prebundled but ${asset} is missing: run "npm run build" first`);
    return 'prebundled';
  }
  if (value) throw new Error(`${BUNDLING_SWITCH} must be "source" or "prebundled", got "${value}"`);
  if (existsSync(input.entryPath) && input.esbuildAvailable()) return 'source';
  return existsSync(asset) ? 'prebundled' : 'source';
};

/**
 * Writes generated files once per content into the cloud assembly (`cdk.out/<prefix>.<hash>`, beside
 * the assets, never the system temp directory) and returns that folder.
 *
 * @param seed more input to the folder's hash (e.g. the bundle the files go beside)
 * @throws Error when `scope` is not inside an App or Stage
 */
export const writeAssemblyFiles = (
  scope: Construct,
  prefix: string,
  files: Readonly<Record<string, string>>,
  seed = '',
): string => {
  const stage = Stage.of(scope);
  if (!stage) throw new Error('A WatcherFunction with extraFiles must be inside an App or Stage');
  const names = Object.keys(files).sort();
  const hash = createHash('sha256').update(seed).update('\0');
  for (const name of names)
    hash
      .update(name)
      .update('\0')
      .update(files[name] ?? '')
      .update('\0');
  const dir = path.join(stage.assetOutdir, `${prefix}.${hash.digest('hex').slice(0, 16)}`);
  mkdirSync(dir, { recursive: true });
  for (const name of names) writeFileSync(path.join(dir, name), files[name] ?? '');
  return dir;
};

const esbuildFrom = (root: string) => (): boolean => {
  try {
    require.resolve('esbuild', { paths: [root] });
    return true;
  } catch {
    return false;
  }
};

/**
 * The pre-bundled code of a handler, or `undefined` when it is to be bundled from source with esbuild.
 * Extra files (e.g. `endpoints.json`) are copied beside the bundle in a folder of the cloud assembly
 * (`cdk.out/prebundled.<hash>`), so they are part of the asset hash as with source bundling.
 *
 * @param projectRoot folder the entry is relative to (the repository root, or `dist/` when installed)
 * @param entry handler file relative to `projectRoot`, e.g. `lambda/handlers/fanout.ts`
 */
export const prebundledCode = (
  scope: Construct,
  projectRoot: string,
  entry: string,
  extraFiles: Readonly<Record<string, string>>,
  assetsDir: string = PREBUNDLED_ASSETS_DIR,
): lambda.Code | undefined => {
  const assetName = prebundledAssetName(entry);
  const mode = chooseBundlingMode({
    entryPath: path.resolve(projectRoot, entry),
    assetsDir,
    assetName,
    switchValue: process.env[BUNDLING_SWITCH],
    esbuildAvailable: esbuildFrom(projectRoot),
  });
  if (mode === 'source') return undefined;
  const bundleDir = path.join(assetsDir, assetName);
  if (Object.keys(extraFiles).length === 0) return lambda.Code.fromAsset(bundleDir);
  const dir = writeAssemblyFiles(scope, 'prebundled', extraFiles, bundleDir);
  cpSync(bundleDir, dir, { recursive: true });
  return lambda.Code.fromAsset(dir);
};
