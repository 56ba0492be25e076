/**
 * The project's own import graph, read with the TypeScript compiler's import scanner (every
 * `import`, `import type`, `export ... from`, `require` and `import()` of a relative path), for
 * the architecture tests: which lib/ file imports what from lambda/, and import cycles.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Repository-relative path (forward slashes) → the files it imports, also repository-relative. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

const SOURCE = /\.(ts|cts|mts)$/;

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : walk(full);
    return SOURCE.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });

const relative = (file: string): string => path.relative(REPO_ROOT, file).split(path.sep).join('/');

/** A relative specifier resolved the way TypeScript's node resolution finds a .ts file; else undefined. */
const resolveSpecifier = (from: string, specifier: string): string | undefined => {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  const stem = base.replace(/\.(c|m)?js$/, '');
  const candidates = [
    base,
    `${stem}.ts`,
    `${stem}.cts`,
    `${stem}.mts`,
    path.join(base, 'index.ts'),
    path.join(base, 'index.cts'),
  ];
  return candidates.find((c) => SOURCE.test(c) && existsSync(c) && statSync(c).isFile());
};

/** The graph of every .ts file under `dirs` (repository-relative), edges to files inside the repository. */
export const importGraph = (dirs: readonly string[]): ImportGraph => {
  const graph = new Map<string, string[]>();
  for (const dir of dirs) {
    for (const file of walk(path.join(REPO_ROOT, dir))) {
      const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const targets = info.importedFiles
        .map((f) => resolveSpecifier(file, f.fileName))
        .filter((f): f is string => f !== undefined)
        .map(relative);
      graph.set(relative(file), [...new Set(targets)].sort());
    }
  }
  return graph;
};

/**
 * Every import cycle, one per strongly connected component of more than one file (or a file
 * importing itself), as the sorted files of that component.
 */
export const importCycles = (graph: ImportGraph): string[][] => {
  // Tarjan's strongly connected components, iterative so deep graphs cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; edge: number }[] = [{ node: root, edge: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++]!;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = (graph.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfLoop) components.push(component.sort());
      }
    }
  }
  return components.sort((a, b) => a[0]!.localeCompare(b[0]!));
};
