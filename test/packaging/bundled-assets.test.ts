import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BUNDLING_SWITCH,
  chooseBundlingMode,
  prebundledAssetName,
  prebundledCode,
} from '../../lib/bundled-assets';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bundled-assets-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** An installed package's layout: dist/assets/<name>/index.mjs and its chunks, no TypeScript handler. */
const installedLayout = (): { root: string; assets: string } => {
  const root = tempDir();
  const assets = path.join(root, 'assets');
  mkdirSync(path.join(assets, 'fanout'), { recursive: true });
  mkdirSync(path.join(assets, 'fanout', 'chunks'));
  writeFileSync(
    path.join(assets, 'fanout', 'index.mjs'),
    'export const handler = async () => (await import("./chunks/a.mjs")).one;\n',
  );
  writeFileSync(path.join(assets, 'fanout', 'index.mjs.map'), '{}');
  writeFileSync(path.join(assets, 'fanout', 'chunks', 'a.mjs'), 'export const one = 1;\n');
  return { root, assets };
};

describe('prebundledAssetName', () => {
  it('names a handler entry by its path under lambda/handlers', () => {
    expect(prebundledAssetName('lambda/handlers/fanout.ts')).toBe('fanout');
    expect(prebundledAssetName('lambda/handlers/scan-workers/acm.ts')).toBe('scan-workers-acm');
    expect(prebundledAssetName('./lambda/handlers/plan-scan.ts')).toBe('plan-scan');
  });
});

describe('chooseBundlingMode', () => {
  const { root, assets } = installedLayout();
  const base = { assetsDir: assets, assetName: 'fanout', esbuildAvailable: () => true };

  it('bundles from source in a clone: the TypeScript entry and esbuild are there', () => {
    const entryPath = path.join(root, 'fanout.ts');
    writeFileSync(entryPath, 'export const handler = 1;\n');
    expect(chooseBundlingMode({ ...base, entryPath })).toBe('source');
  });

  it('uses the pre-bundled asset when the TypeScript entry is not shipped (installed from npm)', () => {
    expect(chooseBundlingMode({ ...base, entryPath: path.join(root, 'missing.ts') })).toBe('prebundled');
  });

  it('uses the pre-bundled asset when esbuild is not installed, even beside the TypeScript entry', () => {
    const entryPath = path.join(root, 'fanout.ts');
    expect(chooseBundlingMode({ ...base, entryPath, esbuildAvailable: () => false })).toBe('prebundled');
  });

  it('follows the explicit switch, and fails when a required asset is missing', () => {
    const entryPath = path.join(root, 'missing.ts');
    expect(chooseBundlingMode({ ...base, entryPath, switchValue: 'source' })).toBe('source');
    expect(chooseBundlingMode({ ...base, entryPath: __filename, switchValue: 'prebundled' })).toBe(
      'prebundled',
    );
    expect(() =>
      chooseBundlingMode({ ...base, assetName: 'tickets', entryPath, switchValue: 'prebundled' }),
    ).toThrow(/tickets.*npm run build/);
    expect(() => chooseBundlingMode({ ...base, entryPath, switchValue: 'docker' })).toThrow(
      new RegExp(`${BUNDLING_SWITCH} must be "source" or "prebundled", got "docker"`),
    );
  });
});

describe('prebundledCode', () => {
  const assetPath = (code: lambda.Code | undefined): string => (code as unknown as { path: string }).path;

  it('ships the pre-bundled folder as it is when there are no extra files', () => {
    const { root, assets } = installedLayout();
    const stack = new Stack(new App({ outdir: tempDir() }), 'S');
    const code = prebundledCode(stack, root, 'lambda/handlers/fanout.ts', {}, assets);
    expect(assetPath(code)).toBe(path.join(assets, 'fanout'));
  });

  it('copies the bundle and writes the extra files beside it inside the cloud assembly', () => {
    const { root, assets } = installedLayout();
    const outdir = tempDir();
    const stack = new Stack(new App({ outdir }), 'S');
    const code = prebundledCode(
      stack,
      root,
      'lambda/handlers/fanout.ts',
      { 'endpoints.json': '["a.example.com"]' },
      assets,
    );
    const dir = assetPath(code);
    expect(dir.startsWith(outdir)).toBe(true);
    expect(readFileSync(path.join(dir, 'endpoints.json'), 'utf8')).toBe('["a.example.com"]');
    expect(existsSync(path.join(dir, 'index.mjs'))).toBe(true);
    expect(existsSync(path.join(dir, 'index.mjs.map'))).toBe(true);
    expect(existsSync(path.join(dir, 'chunks', 'a.mjs'))).toBe(true);
  });

  it('returns undefined (esbuild bundles) for a handler of this repository', () => {
    const stack = new Stack(new App({ outdir: tempDir() }), 'S');
    const repo = path.resolve(__dirname, '..', '..');
    expect(prebundledCode(stack, repo, 'lambda/handlers/fanout.ts', {}, tempDir())).toBeUndefined();
  });
});
