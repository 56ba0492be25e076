import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleLambda, literalTraitKeys, SDK_SCHEMA_FILE } from '../../lib/lambda-bundling';

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
  let bundle: string;

  beforeAll(() => {
    out = mkdtempSync(path.join(tmpdir(), 'cew-bundle-'));
    bundleLambda('test/support/bundling-fixture.ts', out);
    bundle = readFileSync(path.join(out, 'index.js'), 'utf8');
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('keeps the schema of the operation used and drops the others of the client', () => {
    expect(bundle).toContain('"/certificates"');
    // UpdateScheduledAudit, never imported: NodejsFunction's own bundling kept every operation.
    expect(bundle).not.toContain('/audit/scheduledaudits/{scheduledAuditName}');
    expect(statSync(path.join(out, 'index.js')).size).toBeLessThan(300 * 1024);
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
    expect(bundle).toMatch(/\/\/# sourceMappingURL=index\.js\.map\s*$/);
    const map = JSON.parse(readFileSync(path.join(out, 'index.js.map'), 'utf8')) as {
      sources: string[];
      sourcesContent?: unknown;
    };
    expect(map.sources.some((s) => s.endsWith('test/support/bundling-fixture.ts'))).toBe(true);
    expect(map.sources.some((s) => s.endsWith('lambda/shared/lambda-credentials.ts'))).toBe(true);
    expect(map.sourcesContent).toBeUndefined();
  });

  it("resolves the execution role's credentials from the environment when run", () => {
    const script = `require(${JSON.stringify(path.join(out, 'index.js'))}).handler().then((k) => process.stdout.write(k))`;
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

  it("fails with esbuild's message when the entry does not build", () => {
    expect(() => bundleLambda('test/support/no-such-handler.ts', out)).toThrow(
      /esbuild could not bundle test\/support\/no-such-handler\.ts: .*Could not resolve/s,
    );
  });
});
