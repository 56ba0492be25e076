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

/** Packages replaced in every bundle, with the module that replaces each. */
export const LAMBDA_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': path.join(ROOT, 'lambda/shared/lambda-credentials.ts'),
};

/**
 * The esbuild options of one handler: `entry` (relative to the repository root) to
 * `<outdir>/index.js` with a linked source map (stack traces name our files: the function runs
 * with `--enable-source-maps`; sources are not embedded), minified, CommonJS for Node.js 24, the
 * SDK's ES module builds preferred so they tree-shake.
 */
export const lambdaEsbuildOptions = (entry: string, outdir: string): BuildOptions => ({
  entryPoints: [path.resolve(ROOT, entry)],
  outfile: path.join(outdir, 'index.js'),
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  tsconfig: path.join(ROOT, 'tsconfig.json'),
  alias: { ...LAMBDA_ALIASES },
  plugins: [sdkBundleTrims],
  logLevel: 'warning',
});

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
