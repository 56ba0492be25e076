import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';
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
