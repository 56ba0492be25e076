/**
 * Secrets Manager benchmark: 1,000 tagged secrets (among 1,200 listed: the tag filters match by
 * prefix, so 200 near-misses are re-checked and skipped) through the real source, SDK client
 * (serialization, retry middleware) and scan engine, answered in-process at the HTTP layer by a
 * fake that pages like the service. Every value is a real generated certificate: two thirds a
 * chain plus its private key in PEM, one third JSON with PEM fields; 2 % expire inside the warning
 * window.
 */
import { Readable } from 'node:stream';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { HttpResponse } from '@smithy/core/transport';
import { DEFAULT_THRESHOLDS } from '../lambda/core/evaluate';
import { runScan } from '../lambda/core/scan';
import { SecretsSource } from '../lambda/sources/secrets/secrets-source';
import { storedValueOptions } from '../lambda/sources/stored-value';
import { createCertificate, createChain, daysFrom } from '../test/support/certs';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';

const respond = (body: unknown) => ({
  response: new HttpResponse({
    statusCode: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: Readable.from([Buffer.from(JSON.stringify(body))]),
  }),
});

const bodyOf = (body: unknown): Record<string, unknown> =>
  JSON.parse(
    typeof body === 'string'
      ? body
      : body instanceof Uint8Array
        ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
        : '{}',
  );

/** A certificate as secrets hold it: one in three JSON with PEM fields, the others the key, leaf and chain in PEM. */
export const storedSecretValue = (
  i: number,
  leaf: { readonly certPem: string; readonly keyPem: string },
  intermediate: { readonly certPem: string },
): string =>
  i % 3 === 0
    ? JSON.stringify({ certificate: leaf.certPem, chain: intermediate.certPem, privateKey: leaf.keyPem })
    : leaf.keyPem + leaf.certPem + intermediate.certPem;

export async function benchSecrets(tagged = 1_000, nearMisses = 200): Promise<Record<string, number>> {
  const now = new Date();
  const ca = await createChain({
    now,
    leaf: { commonName: 'unused.example.com', notBefore: daysFrom(now, -1), notAfter: daysFrom(now, 1) },
  });
  const names = Array.from(
    { length: tagged + nearMisses },
    (_, i) => `tls/service-${String(i).padStart(5, '0')}`,
  );
  const values = new Map<string, string>();
  for (let i = 0; i < tagged; i++) {
    const leaf = await createCertificate({
      commonName: `service-${i}.example.com`,
      notBefore: daysFrom(now, -300),
      notAfter: daysFrom(now, i % 50 === 0 ? 3 + (i % 20) : 60 + (i % 300)),
      issuer: ca.intermediate,
    });
    values.set(names[i] ?? '', storedSecretValue(i, leaf, ca.intermediate));
  }
  const arn = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
  const entries = names.map((name, i) => ({
    ARN: arn(name),
    Name: name,
    Tags: [{ Key: 'cert-watch:watch', Value: i < tagged ? 'true' : 'true-but-not-exactly' }],
  }));
  const byArn = new Map(names.map((n) => [arn(n), n]));

  const calls: Record<string, number> = {};
  const requestHandler = {
    handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
      const op = request.headers['x-amz-target']?.split('.')[1] ?? '';
      calls[op] = (calls[op] ?? 0) + 1;
      const input = bodyOf(request.body);
      if (op === 'ListSecrets') {
        const start = Number(input.NextToken ?? 0);
        const end = start + Number(input.MaxResults ?? 100);
        return respond({
          SecretList: entries.slice(start, end),
          NextToken: end < entries.length ? String(end) : undefined,
        });
      }
      const name = byArn.get(String(input.SecretId)) ?? '';
      return respond({ ARN: input.SecretId, Name: name, SecretString: values.get(name) });
    },
  };
  const source = new SecretsSource(
    [REGION],
    storedValueOptions('secrets'),
    (region) =>
      new SecretsManagerClient({
        region,
        credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
        requestHandler,
      }),
  );
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const result = await runScan(
    source.scopes(ACCOUNT).map((s) => source.reader(s)),
    { scanId: 'bench', now, thresholds: DEFAULT_THRESHOLDS },
  );
  const wallMs = Math.round(performance.now() - t0);
  const heapUsedMb = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  return {
    secretsListed: entries.length,
    secretsTagged: tagged,
    certificates: result.counts.total,
    reported: result.counts.total - result.counts.ok,
    itemErrors: result.itemErrors.length,
    listSecretsCalls: calls.ListSecrets ?? 0,
    listSecretsGoal: Math.ceil(entries.length / 100),
    getSecretValueCalls: calls.GetSecretValue ?? 0,
    getSecretValueGoal: tagged,
    wallMs,
    heapUsedMb,
    heapGrowthMb: Math.round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20),
  };
}

if (require.main === module) {
  benchSecrets().then((r) => console.log(JSON.stringify(r, null, 2)));
}
