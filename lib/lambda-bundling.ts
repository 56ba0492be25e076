/**
 * How every Lambda handler is bundled (build time only: nothing here runs in a Lambda). esbuild's
 * JavaScript API, so fixes that its command line cannot express apply to every bundle:
 *
 * - **SDK schemas tree-shaken** ({@link sdkSchemaLiteralKeys}). AWS SDK v3 clients since 3.930
 *   describe every operation in one `schemas_0.js` whose trait objects use computed keys
 *   (`{ [_h]: ["GET", "/path", 200] }`, `_h = "http"`). esbuild cannot prove a computed key free of
 *   side effects, so it keeps every operation's schema and, through them, every shape: the IoT
 *   client brought 110 KiB of schemas for the five operations we call. The plugin writes those keys
 *   as the string literals they stand for, which is the upstream fix (aws/aws-sdk-js-v3#7607,
 *   smithy-lang/smithy-typescript#1889) applied at bundle time; once a release generates literal
 *   keys it finds nothing to rewrite. The SDK's package manifests, imported for their version, are
 *   cut to name and version ({@link SDK_PACKAGE_JSON}).
 * - **The Lambda credential chain** ({@link LAMBDA_ALIASES}): `@aws-sdk/credential-provider-node` is
 *   replaced by `lambda/shared/lambda-credentials.ts` (environment, then the container endpoint), so
 *   no bundle carries SSO, ini-file, process or web-identity providers and their clients.
 *
 * The AWS SDK stays bundled (nothing is external) although the Node.js Lambda runtime ships one:
 * our code then runs the SDK version the lock file pins and the tests ran, not whatever the runtime
 * has that day (docs/benchmarks.md, "Lambda bundles").
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';

/** The repository root: entries, tsconfig and node_modules are resolved from here. */
const ROOT = path.resolve(__dirname, '..');

/** An SDK package's generated schema module (`dist-es/schemas/schemas_0.js`, also nested clients'). */
export const SDK_SCHEMA_FILE = /[\\/]node_modules[\\/]@aws-sdk[\\/].+[\\/]schemas[\\/]schemas_\d+\.js$/;

/**
 * `source` with every computed key `[_x]:` whose `_x` the module declares as `const _x = "...";`
 * written as that string literal; anything else is left as it is.
 */
export const literalTraitKeys = (source: string): string => {
  const strings = new Map<string, string>();
  for (const m of source.matchAll(/^const (_\w*) = ("(?:[^"\\\n]|\\.)*");$/gm))
    if (m[1] && m[2]) strings.set(m[1], m[2]);
  if (strings.size === 0) return source;
  return source.replace(/\[(_\w*)\]:/g, (key, id: string) => {
    const literal = strings.get(id);
    return literal === undefined ? key : `${literal}:`;
  });
};

/** An SDK package's manifest, which its runtime configuration imports for `version` alone. */
export const SDK_PACKAGE_JSON = /[\\/]node_modules[\\/]@aws-sdk[\\/](?:.+[\\/])?package\.json$/;

/** esbuild plugin: {@link literalTraitKeys} on every {@link SDK_SCHEMA_FILE}; SDK manifests cut to their version. */
export const sdkBundleTrims: Plugin = {
  name: 'sdk-bundle-trims',
  setup(build) {
    build.onLoad({ filter: SDK_SCHEMA_FILE }, async (args) => ({
      contents: literalTraitKeys(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
    // `import packageInfo from "../package.json"` keeps the whole manifest (2-4 KiB a client), yet
    // the generated code reads only `packageInfo.version` (the user agent).
    build.onLoad({ filter: SDK_PACKAGE_JSON }, async (args) => {
      const { name, version } = JSON.parse(await readFile(args.path, 'utf8')) as Record<string, unknown>;
      return { contents: JSON.stringify({ name, version }), loader: 'json' };
    });
  },
};

/**
 * The providers our Lambda code imports from `@aws-sdk/credential-providers`, each from its own
 * module. The package's index re-exports every provider, and with code splitting esbuild writes a
 * chunk for each `import()` it meets even in code that tree-shaking drops: SSO, ini files,
 * Cognito, sign-in (about 120 KiB of files never loaded). Importing another provider fails the
 * build ("No matching export") until it is added here.
 */
export const CREDENTIAL_PROVIDERS_USED = [
  'createCredentialChain',
  'fromEnv',
  'fromHttp',
  'fromTemporaryCredentials',
] as const;

/** esbuild plugin: `@aws-sdk/credential-providers` as the {@link CREDENTIAL_PROVIDERS_USED} alone. */
export const credentialProvidersUsed: Plugin = {
  name: 'credential-providers-used',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-providers$/ }, () => ({
      path: '@aws-sdk/credential-providers',
      namespace: 'credential-providers-used',
    }));
    build.onLoad({ filter: /.*/, namespace: 'credential-providers-used' }, () => ({
      contents: CREDENTIAL_PROVIDERS_USED.map(
        (name) => `export { ${name} } from '@aws-sdk/credential-providers/dist-es/${name}.js';`,
      ).join('\n'),
      resolveDir: ROOT,
      loader: 'js',
    }));
  },
};

/**
 * Packages only a browser runtime loads, through an `import()` that esbuild would otherwise write as
 * a chunk: `bowser` (35 KiB), the user-agent parser of `@aws-sdk/core`'s browser configuration.
 */
export const BROWSER_ONLY_PACKAGES = ['bowser'] as const;

/** esbuild plugin: each of {@link BROWSER_ONLY_PACKAGES} as a module that throws if it is ever loaded. */
export const browserOnlyPackages: Plugin = {
  name: 'browser-only-packages',
  setup(build) {
    const names = new RegExp(`^(?:${BROWSER_ONLY_PACKAGES.join('|')})$`);
    build.onResolve({ filter: names }, (args) => ({ path: args.path, namespace: 'browser-only' }));
    build.onLoad({ filter: /.*/, namespace: 'browser-only' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is for browsers and is not in this Lambda bundle`)});`,
      loader: 'js',
    }));
  },
};

/** Packages replaced in every bundle, with the module that replaces each. */
export const LAMBDA_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': path.join(ROOT, 'lambda/shared/lambda-credentials.ts'),
};

/**
 * The file Lambda loads for the handler `index.handler`: an ES module, with its lazily loaded
 * chunks in {@link LAMBDA_CHUNK_DIR} beside it.
 */
export const LAMBDA_ENTRY_FILE = 'index.mjs';

/** Where the lazily loaded parts of a bundle go, beside {@link LAMBDA_ENTRY_FILE} (`index.mjs`). */
export const LAMBDA_CHUNK_DIR = 'chunks';

/**
 * What an ES module bundle defines first, for the CommonJS code inside it: `require` (for Node.js
 * built-ins a bundled CommonJS module requires), `__filename` and `__dirname`.
 */
export const ESM_BANNER = [
  "import { createRequire as __cewRequire } from 'node:module';",
  "import { fileURLToPath as __cewPath } from 'node:url';",
  "import { dirname as __cewDir } from 'node:path';",
  'const require = __cewRequire(import.meta.url);',
  'const __filename = __cewPath(import.meta.url);',
  'const __dirname = __cewDir(__filename);',
].join(' ');

/**
 * The esbuild options of one handler: `entry` (relative to the repository root) to
 * `<outdir>/index.mjs`, an ES module, with code splitting: what the handler imports dynamically
 * (`await import(...)`: the IAM worker's "in use by" lookup, the SDK's event-stream codec and
 * optional credential loaders) becomes chunks under `<outdir>/chunks/`, loaded only if that code
 * runs, so a cold start loads only the entry and its static imports. Linked source maps (stack
 * traces name our files: the function runs with `--enable-source-maps`; sources are not embedded),
 * minified, for Node.js 24, the SDK's ES module builds preferred so they tree-shake.
 */
export const lambdaEsbuildOptions = (entry: string, outdir: string): BuildOptions => ({
  entryPoints: { index: path.resolve(ROOT, entry) },
  outdir,
  outExtension: { '.js': '.mjs' },
  chunkNames: `${LAMBDA_CHUNK_DIR}/[name]-[hash]`,
  absWorkingDir: ROOT,
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  banner: { js: ESM_BANNER },
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  tsconfig: path.join(ROOT, 'tsconfig.json'),
  alias: { ...LAMBDA_ALIASES },
  plugins: [sdkBundleTrims, credentialProvidersUsed, browserOnlyPackages],
  logLevel: 'warning',
});

/** A relative module specifier in a static `import … from "./x.mjs"` or `import "./x.mjs"` (not `import("./x.mjs")`). */
const STATIC_IMPORT = /(?:\bfrom|\bimport)\s*["'](\.{1,2}\/[^"']+\.mjs)["']/g;

/**
 * The files of a bundle in `dir` that a cold start loads: {@link LAMBDA_ENTRY_FILE} and, transitively,
 * every chunk it imports statically. Chunks reached only through `import()` are left out: they load
 * when that code first runs. Paths relative to `dir`, entry first.
 */
export const eagerBundleFiles = (dir: string): string[] => {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(path.join(dir, file), 'utf8');
    for (const m of code.matchAll(STATIC_IMPORT))
      if (m[1]) visit(path.posix.join(path.posix.dirname(file), m[1]));
  };
  visit(LAMBDA_ENTRY_FILE);
  return [...seen];
};

/** Runs in the child process of {@link bundleLambda}: esbuild plugins need the asynchronous API. */
export const buildLambda = async (entry: string, outdir: string): Promise<void> => {
  const esbuild = await import('esbuild');
  await esbuild.build(lambdaEsbuildOptions(entry, outdir));
};

/**
 * Bundles `entry` into `outdir` synchronously, as CDK's local bundling requires: this module,
 * compiled by esbuild on the fly, runs {@link buildLambda} in a child Node.js process (no tsx, no
 * temporary files). Throws with esbuild's messages when the build fails.
 */
export const bundleLambda = (entry: string, outdir: string): void => {
  const esbuild = require('esbuild') as typeof import('esbuild');
  const self = esbuild.buildSync({
    entryPoints: [__filename],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['esbuild'],
    // Run from stdin, the child would resolve the repository root from its working directory.
    define: { __dirname: JSON.stringify(__dirname) },
    write: false,
    logLevel: 'silent',
  }).outputFiles[0]?.text;
  if (!self) throw new Error(`could not compile ${__filename} to bundle ${entry}`);
  const run = `${self}\nmodule.exports.buildLambda(${JSON.stringify(entry)}, ${JSON.stringify(outdir)}).catch(() => process.exit(1));\n`;
  const child = spawnSync(process.execPath, ['-'], {
    input: run,
    cwd: ROOT,
    stdio: ['pipe', 'inherit', 'pipe'],
  });
  const messages = child.stderr?.toString().trim() ?? '';
  if (child.status !== 0)
    throw new Error(`esbuild could not bundle ${entry}: ${messages || child.error?.message || child.signal}`);
  if (messages) process.stderr.write(`${messages}\n`);
};
