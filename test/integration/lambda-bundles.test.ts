/**
 * A bundle built by lib/lambda-bundling.ts (rewritten SDK schemas, the Lambda credential chain)
 * makes real calls: run in a fresh Node process against moto, with credentials in the
 * environment as Lambda gives them. The unit and integration tests run the SDK unbundled, so
 * only this shows the rewritten schemas still serialize requests and parse answers and errors.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleLambda, LAMBDA_ENTRY_FILE } from '../../lib/lambda-bundling';
import { type Moto, startMoto } from '../support/moto';

let moto: Moto;
let out: string;

beforeAll(async () => {
  moto = await startMoto();
  out = mkdtempSync(path.join(tmpdir(), 'cew-bundle-moto-'));
  bundleLambda('test/support/bundled-sdk-calls.ts', out);
}, 120_000);

afterAll(async () => {
  await moto?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('a bundled handler on moto', () => {
  it('serializes and parses REST-JSON, query, REST-XML and JSON 1.1 calls and a modeled error, and the older Private CA client', () => {
    const entry = pathToFileURL(path.join(out, LAMBDA_ENTRY_FILE)).href;
    const script = `import(${JSON.stringify(entry)}).then((m) => m.handler()).then((r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); })`;
    const result = JSON.parse(
      execFileSync(process.execPath, ['--enable-source-maps', '-e', script], {
        env: {
          PATH: process.env.PATH ?? '',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_SESSION_TOKEN: 'testing',
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      }).toString(),
    ) as Record<string, unknown>;

    expect(result).toEqual({
      iotListed: true,
      iotPem: true,
      iotMissing: 'ResourceNotFoundException',
      iamCertificates: 0,
      cloudFrontQuantity: 0,
      pcaAuthorities: 0,
      ssmValues: ['v1'],
      ssmInvalid: ['/bundle/none'],
    });
  });
});
