import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, topicArnEnv } from '../../lambda/contracts/channels';
import { declaredEnvNames, literalEnvReads, literalEnvWrites, scanFolders } from '../support/env-names';
import { importCycles, importGraph, REPO_ROOT } from '../support/import-graph';

const CONTRACTS = 'lambda/contracts/';

describe('module boundaries', () => {
  const graph = importGraph(['lib', 'lambda', 'bin', 'scripts']);

  it('lib/ imports nothing from lambda/ but the contracts in lambda/contracts', () => {
    const crossings = [...graph].flatMap(([file, targets]) =>
      file.startsWith('lib/')
        ? targets
            .filter((t) => t.startsWith('lambda/') && !t.startsWith(CONTRACTS))
            .map((t) => `${file} -> ${t}`)
        : [],
    );
    expect(crossings).toEqual([]);
  });

  it('the contracts import only each other and no AWS SDK, CDK or construct package', () => {
    const contracts = [...graph.keys()].filter((f) => f.startsWith(CONTRACTS));
    expect(contracts.length).toBeGreaterThan(0);
    const outside = contracts.flatMap((file) =>
      (graph.get(file) ?? []).filter((t) => !t.startsWith(CONTRACTS)).map((t) => `${file} -> ${t}`),
    );
    const packages = contracts.flatMap((file) =>
      ts
        .preProcessFile(readFileSync(path.join(REPO_ROOT, file), 'utf8'), true, true)
        .importedFiles.map((f) => f.fileName)
        .filter((name) => /^(aws-cdk-lib|constructs|@aws-sdk\/|@aws-lambda-powertools\/)/.test(name))
        .map((name) => `${file} -> ${name}`),
    );
    expect([...outside, ...packages]).toEqual([]);
  });

  it('has no import cycle in lib/, lambda/, bin/ or scripts/ (type-only imports included)', () => {
    expect(importCycles(graph)).toEqual([]);
  });
});

/**
 * Set by the platform, not by the construct: `LAMBDA_TASK_ROOT` (Lambda, "Defined runtime
 * environment variables"), Powertools' own settings, and `NODE_OPTIONS` (Node.js), which
 * WatcherFunction sets for source maps.
 */
const PLATFORM_ENV = new Set([
  'LAMBDA_TASK_ROOT',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_LOG_LEVEL',
  'LOG_LEVEL',
  'NODE_OPTIONS',
]);

describe('environment variable names', () => {
  let declared: Set<string>;

  beforeAll(async () => {
    const dir = path.join(REPO_ROOT, CONTRACTS);
    const modules = await Promise.all(
      readdirSync(dir)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => import(path.join(dir, f)) as Promise<Record<string, unknown>>),
    );
    declared = declaredEnvNames(modules);
    for (const channel of CHANNELS) declared.add(topicArnEnv(channel));
  });

  it('every name a Lambda reads is declared in lambda/contracts or set by the platform', () => {
    const undeclared = scanFolders(['lambda'], literalEnvReads, (f) => f.startsWith(CONTRACTS)).filter(
      (use) => !declared.has(use.name) && !PLATFORM_ENV.has(use.name),
    );
    expect(undeclared).toEqual([]);
  });

  it("Lambdas read the names the construct sets through the contracts' constants, never as literals", () => {
    const literal = scanFolders(['lambda'], literalEnvReads, (f) => f.startsWith(CONTRACTS)).filter((use) =>
      declared.has(use.name),
    );
    expect(literal).toEqual([]);
  });

  it("the construct sets environment variables through the contracts' constants, never as literals", () => {
    const literal = scanFolders(['lib'], literalEnvWrites).filter((use) => !PLATFORM_ENV.has(use.name));
    expect(literal).toEqual([]);
  });

  it('declares *_ENV names in lambda/contracts only', () => {
    const elsewhere = scanFolders(['lambda', 'lib'], (file, text) =>
      file.startsWith(CONTRACTS)
        ? []
        : [...text.matchAll(/^(?:export )?const ([A-Z0-9_]+_ENV)\b/gm)].map((m) => ({
            name: m[1] ?? '',
            where: file,
          })),
    );
    expect(elsewhere).toEqual([]);
  });
});

describe('literalEnvReads and literalEnvWrites', () => {
  it('find names read or set by a literal, and not those given by a constant', () => {
    const handler = [
      "const a = requireEnv(env, 'EVENT_BUS_NAME');",
      'const b = process.env.WATCHER_ID;',
      "const c = env['TIERS_DAYS'];",
      'const d = requireEnv(env, STATE_TABLE_NAME_ENV) + env[OWNERS_ENV] + positiveIntEnv(env, X_ENV, 3);',
    ].join('\n');
    expect(literalEnvReads('h.ts', handler)).toEqual([
      { name: 'EVENT_BUS_NAME', where: 'h.ts:1' },
      { name: 'WATCHER_ID', where: 'h.ts:2' },
      { name: 'TIERS_DAYS', where: 'h.ts:3' },
    ]);
    const construct = [
      'new WatcherFunction(this, "F", {',
      '  environment: { EVENT_SOURCE: s, [EVENT_BUS_NAME_ENV]: b, METRICS_NAMESPACE, ...(x ? { CA_FILE: p } : {}) },',
      '});',
      "fn.addEnvironment('ROUTING', r);",
      'fn.addEnvironment(SOURCES_ENV, s);',
    ].join('\n');
    expect(literalEnvWrites('c.ts', construct).map((u) => u.name)).toEqual([
      'EVENT_SOURCE',
      'METRICS_NAMESPACE',
      'CA_FILE',
      'ROUTING',
    ]);
  });
});

describe('importCycles', () => {
  it('reports a cycle through three files, a self-import, and nothing for a diamond', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
      ['self.ts', ['self.ts']],
      ['top.ts', ['left.ts', 'right.ts']],
      ['left.ts', ['bottom.ts']],
      ['right.ts', ['bottom.ts']],
      ['bottom.ts', []],
    ]);
    expect(importCycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['self.ts']]);
  });
});
