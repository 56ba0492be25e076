/**
 * Environment variable names in the project's source, read with the TypeScript compiler's parser,
 * for the architecture tests: which names Lambda code reads by a literal, which names the
 * construct writes by a literal, and which names the contracts declare.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { REPO_ROOT } from './import-graph';

/** One use of a literal name: `file:line NAME`. */
export interface EnvNameUse {
  readonly name: string;
  readonly where: string;
}

/** The helpers of lambda/shared/env.ts: `(env, name)`. */
const ENV_READERS = new Set(['requireEnv', 'listEnv', 'numberListEnv', 'numberEnv', 'positiveIntEnv']);
const ENV_OBJECT = /^(process\.)?env$/;

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });

const parse = (file: string, text: string) => ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);

const at = (source: ts.SourceFile, node: ts.Node, file: string) =>
  `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;

/**
 * Names read by a literal: `env.NAME`, `process.env.NAME`, `env['NAME']` and `requireEnv(env, 'NAME')`
 * (and the other readers of lambda/shared/env.ts).
 */
export const literalEnvReads = (file: string, text: string): EnvNameUse[] => {
  const source = parse(file, text);
  const uses: EnvNameUse[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ENV_OBJECT.test(node.expression.getText(source)))
      uses.push({ name: node.name.text, where: at(source, node, file) });
    if (
      ts.isElementAccessExpression(node) &&
      ENV_OBJECT.test(node.expression.getText(source)) &&
      ts.isStringLiteralLike(node.argumentExpression)
    )
      uses.push({ name: node.argumentExpression.text, where: at(source, node, file) });
    if (ts.isCallExpression(node) && ENV_READERS.has(node.expression.getText(source))) {
      const name = node.arguments[1];
      if (name && ts.isStringLiteralLike(name)) uses.push({ name: name.text, where: at(source, node, file) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
};

/**
 * Names written by a literal: keys of an object literal given as `environment` (nested literals
 * in spreads and conditionals included) and the first argument of `addEnvironment('NAME', ...)`.
 * A computed key (`[EVENT_BUS_NAME_ENV]: ...`) is a constant, not a literal.
 */
export const literalEnvWrites = (file: string, text: string): EnvNameUse[] => {
  const source = parse(file, text);
  const uses: EnvNameUse[] = [];
  const keysOf = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node)) {
      for (const p of node.properties) {
        if (
          (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) &&
          !ts.isComputedPropertyName(p.name)
        )
          uses.push({ name: p.name.getText(source).replace(/^['"]|['"]$/g, ''), where: at(source, p, file) });
        if (ts.isSpreadAssignment(p)) keysOf(p.expression);
      }
      return;
    }
    if (ts.isParenthesizedExpression(node)) keysOf(node.expression);
    if (ts.isConditionalExpression(node)) {
      keysOf(node.whenTrue);
      keysOf(node.whenFalse);
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && node.name.getText(source) === 'environment')
      keysOf(node.initializer);
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'addEnvironment'
    ) {
      const name = node.arguments[0];
      if (name && ts.isStringLiteralLike(name)) uses.push({ name: name.text, where: at(source, node, file) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
};

/** `literalEnvReads` or `literalEnvWrites` over every .ts file under the repository folders. */
export const scanFolders = (
  folders: readonly string[],
  scan: (file: string, text: string) => EnvNameUse[],
  skip: (file: string) => boolean = () => false,
): EnvNameUse[] =>
  folders
    .flatMap((folder) => walk(path.join(REPO_ROOT, folder)))
    .map((full) => path.relative(REPO_ROOT, full).split(path.sep).join('/'))
    .filter((file) => !skip(file))
    .flatMap((file) => scan(file, readFileSync(path.join(REPO_ROOT, file), 'utf8')));

/** Every `export const X_ENV = '...'` of a module's exports, and the keys of an exported `*_ENV` object. */
export const declaredEnvNames = (modules: readonly Record<string, unknown>[]): Set<string> => {
  const names = new Set<string>();
  for (const mod of modules)
    for (const [key, value] of Object.entries(mod)) {
      if (!key.endsWith('_ENV')) continue;
      if (typeof value === 'string') names.add(value);
      else if (value && typeof value === 'object') for (const name of Object.keys(value)) names.add(name);
    }
  return names;
};
