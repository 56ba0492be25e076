import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundleLambda,
  eagerBundleFiles,
  LAMBDA_ENTRY_FILE,
  literalTraitKeys,
  SDK_SCHEMA_FILE,
} from '../../lib/lambda-bundling';

/** Every `.mjs` file of a bundle folder (entry and chunks), relative to it. */
const bundleFiles = (dir: string): string[] =>
  (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.mjs'));

const read = (dir: string, files: readonly string[]): string =>
  files.map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');

/** `node -e` that imports a bundle's entry and writes what `then` makes of it. */
const runBundle = (dir: string, then: string): string =>
  `import(${JSON.stringify(pathToFileURL(path.join(dir, LAMBDA_ENTRY_FILE)).href)}).then(${then})`;

describe('literalTraitKeys (the SDK schema rewrite)', () => {
  it('writes a computed key declared as a string constant as that literal', () => {
    const source = [
      'const _h = "http";',
      'const _hQ = "httpQuery";',
      'export var A$ = [9, n0, _A, { [_h]: ["GET", "/a", 200] }, () => B$];',
      'export var B$ = [3, n0, _B, 0, [_m], [[0, { [_hQ]: _m }]]];',
    ].join('\n');
    expect(literalTraitKeys(source)).toBe(
      [
        'const _h = "http";',
        'const _hQ = "httpQuery";',
        'export var A$ = [9, n0, _A, { "http": ["GET", "/a", 200] }, () => B$];',
        'export var B$ = [3, n0, _B, 0, [_m], [[0, { "httpQuery": _m }]]];',
      ].join('\n'),
    );
  });

  it('leaves keys it cannot prove to be strings: an undeclared or non-string identifier', () => {
    const source = 'const _n = 3;\nlet _l = "x";\nexport var A$ = { [_n]: 1, [_l]: 2, [_u]: 3 };';
    expect(literalTraitKeys(source)).toBe(source);
  });

  it('matches the schema modules of clients and of nested clients, and nothing else', () => {
    expect(SDK_SCHEMA_FILE.test('/p/node_modules/@aws-sdk/client-iot/dist-es/schemas/schemas_0.js')).toBe(
      true,
    );
    expect(
      SDK_SCHEMA_FILE.test(
        '/p/node_modules/@aws-sdk/nested-clients/dist-es/submodules/sts/schemas/schemas_0.js',
      ),
    ).toBe(true);
    expect(
      SDK_SCHEMA_FILE.test('/p/node_modules/@aws-sdk/client-iot/dist-es/commands/ListCertificatesCommand.js'),
    ).toBe(false);
    expect(SDK_SCHEMA_FILE.test('/p/lambda/contracts/schemas/schemas_0.js')).toBe(false);
  });
});

describe('bundleLambda', () => {
  let out: string;
  /** Everything the bundle holds, entry and chunks. */
  let bundle: string;
  /** What a cold start loads: the entry and the chunks it imports statically. */
  let eager: string[];

  beforeAll(() => {
    out = mkdtempSync(path.join(tmpdir(), 'cew-bundle-'));
    bundleLambda('test/support/bundling-fixture.ts', out);
    bundle = read(out, bundleFiles(out));
    eager = eagerBundleFiles(out);
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('keeps the schema of the operation used and drops the others of the client', () => {
    expect(bundle).toContain('"/certificates"');
    // UpdateScheduledAudit, never imported: NodejsFunction's own bundling kept every operation.
    expect(bundle).not.toContain('/audit/scheduledaudits/{scheduledAuditName}');
    const eagerBytes = eager.reduce((n, f) => n + statSync(path.join(out, f)).size, 0);
    expect(eagerBytes).toBeLessThan(300 * 1024);
  });

  it("keeps only name and version of an SDK client's package.json (its user agent reads the version)", () => {
    const { description, version } = JSON.parse(
      readFileSync(require.resolve('@aws-sdk/client-iot/package.json'), 'utf8'),
    ) as { description: string; version: string };
    expect(bundle).toContain(`"${version}"`);
    expect(bundle).not.toContain(description);
  });

  it("bundles the Lambda credential chain instead of the SDK's Node.js chain", () => {
    expect(bundle).toContain('no AWS credentials: neither AWS_ACCESS_KEY_ID');
    expect(bundle).not.toContain('defaultProvider::fromSSO');
    expect(bundle).not.toContain('credential-provider-ini');
  });

  it('writes a linked source map naming our files', () => {
    expect(read(out, [LAMBDA_ENTRY_FILE])).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    const maps = bundleFiles(out).map(
      (f) =>
        JSON.parse(readFileSync(path.join(out, `${f}.map`), 'utf8')) as {
          sources: string[];
          sourcesContent?: unknown;
        },
    );
    const sources = maps.flatMap((m) => m.sources);
    expect(sources.some((s) => s.endsWith('test/support/bundling-fixture.ts'))).toBe(true);
    expect(sources.some((s) => s.endsWith('lambda/shared/lambda-credentials.ts'))).toBe(true);
    expect(maps.every((m) => m.sourcesContent === undefined)).toBe(true);
  });

  it("resolves the execution role's credentials from the environment when run", () => {
    const script = runBundle(out, '(m) => m.handler()).then((k) => process.stdout.write(k)');
    const key = execFileSync(process.execPath, ['-e', script], {
      env: {
        PATH: process.env.PATH ?? '',
        AWS_ACCESS_KEY_ID: 'AKIDLAMBDAROLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_SESSION_TOKEN: 'token',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    }).toString();
    expect(key).toBe('AKIDLAMBDAROLE');
  });

  it('is an ES module whose static imports a cold start loads are a subset of its files', () => {
    const files = bundleFiles(out);
    expect(eager[0]).toBe(LAMBDA_ENTRY_FILE);
    for (const f of eager) expect(files).toContain(f);
    // The SDK loads its event-stream codec with import(): a chunk of its own, never loaded here.
    const lazy = files.filter((f) => !eager.includes(f));
    expect(lazy.some((f) => read(out, [f]).includes('EventStreamSerde') || /event-streams/.test(f))).toBe(
      true,
    );
    expect(read(out, eager)).not.toMatch(/class \w+\{[^}]*eventStreamMarshaller/);
  });

  it("fails with esbuild's message when the entry does not build", () => {
    expect(() => bundleLambda('test/support/no-such-handler.ts', out)).toThrow(
      /esbuild could not bundle test\/support\/no-such-handler\.ts: .*Could not resolve/s,
    );
  });
});
