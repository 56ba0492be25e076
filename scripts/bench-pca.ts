/**
 * Private CA benchmark: 200 CAs over 4 regions through the real SDK client (serialization, retry
 * middleware) and the real scan engine, Private CA answered by an in-process HTTP-layer fake that
 * pages like the real service. Reports the API calls per operation, wall time and heap.
 */
import { Readable } from 'node:stream';
import { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import { DEFAULT_THRESHOLDS } from '../lambda/core/evaluate';
import { runScan } from '../lambda/core/scan';
import { PcaSource } from '../lambda/sources/pca/pca-source';
import { createCertificate } from '../test/support/certs';

const DAY = 86_400_000;
const ACCOUNT = '111122223333';
const PAGE_LIMIT = 1000;

const json = (status: number, body: unknown) => ({
  response: {
    statusCode: status,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: Readable.from([Buffer.from(JSON.stringify(body))]),
  },
});

const bodyText = (body: unknown): string =>
  typeof body === 'string'
    ? body
    : body instanceof Uint8Array
      ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
      : '{}';

export async function benchPca(
  total = 200,
  regions = ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'sa-east-1'],
): Promise<Record<string, number>> {
  const now = Date.now();
  // A few real CA certificates to answer GetCertificateAuthorityCertificate (parsed like any other).
  const root = await createCertificate({
    commonName: 'Bench Root CA',
    isCa: true,
    notBefore: new Date(now - 1000 * DAY),
    notAfter: new Date(now + 3000 * DAY),
  });
  const subs = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      createCertificate({
        commonName: `Bench Issuing CA ${i}`,
        isCa: true,
        issuer: root,
        notBefore: new Date(now - 700 * DAY),
        notAfter: new Date(now + (20 + i * 40) * DAY),
      }),
    ),
  );
  const calls = { ListCertificateAuthorities: 0, GetCertificateAuthorityCertificate: 0 };
  const listsPerRegion: Record<string, number> = Object.fromEntries(regions.map((r) => [r, 0]));
  const perRegion = new Map(
    regions.map((region, r) => {
      const n = Math.floor(total / regions.length) + (r < total % regions.length ? 1 : 0);
      return [
        region,
        Array.from({ length: n }, (_, i) => {
          // Lifetimes spread over 10 years; one CA in 10 still waits for its certificate, one in 20 is disabled.
          const days = 10 + ((i * 37 + r * 11) % 3650);
          const pending = i % 10 === 9;
          return {
            Arn: `arn:aws:acm-pca:${region}:${ACCOUNT}:certificate-authority/${r}-${String(i).padStart(6, '0')}`,
            OwnerAccount: ACCOUNT,
            Type: i % 8 === 0 ? 'ROOT' : 'SUBORDINATE',
            Status: pending ? 'PENDING_CERTIFICATE' : i % 20 === 3 ? 'DISABLED' : 'ACTIVE',
            UsageMode: 'GENERAL_PURPOSE',
            CertificateAuthorityConfiguration: {
              KeyAlgorithm: 'EC_prime256v1',
              SigningAlgorithm: 'SHA256WITHECDSA',
              Subject: { CommonName: `ca-${i}.${region}.example.internal` },
            },
            ...(pending ? {} : { NotBefore: (now - 700 * DAY) / 1000, NotAfter: (now + days * DAY) / 1000 }),
          };
        }),
      ];
    }),
  );
  const handler = (region: string) => ({
    handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
      const target = request.headers['x-amz-target'] ?? '';
      const input = JSON.parse(bodyText(request.body)) as { NextToken?: string; MaxResults?: number };
      if (target.endsWith('.ListCertificateAuthorities')) {
        calls.ListCertificateAuthorities++;
        listsPerRegion[region] = (listsPerRegion[region] ?? 0) + 1;
        const all = perRegion.get(region) ?? [];
        const start = Number(input.NextToken ?? 0);
        const end = start + Math.min(input.MaxResults ?? PAGE_LIMIT, PAGE_LIMIT);
        return json(200, {
          CertificateAuthorities: all.slice(start, end),
          ...(end < all.length ? { NextToken: String(end) } : {}),
        });
      }
      calls.GetCertificateAuthorityCertificate++;
      const sub = subs[calls.GetCertificateAuthorityCertificate % subs.length];
      return json(200, { Certificate: sub?.certPem, CertificateChain: root.certPem });
    },
  });
  const source = new PcaSource(regions, {
    clientFor: (region) =>
      new ACMPCAClient({
        region,
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
        retryMode: 'adaptive',
        requestHandler: handler(region) as never,
      }),
  });
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const result = await runScan(
    source.scopes(ACCOUNT).map((s) => source.reader(s)),
    { scanId: 'bench-pca', now: new Date(now), thresholds: DEFAULT_THRESHOLDS },
  );
  const wallMs = performance.now() - started;
  const heapMiB = Math.max(0, process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  return {
    cas: result.counts.total,
    regions: regions.length,
    reported: result.counts.total - result.counts.ok,
    scopesFailed: result.scopesFailed.length,
    listCalls: calls.ListCertificateAuthorities,
    maxListCallsPerRegion: Math.max(...Object.values(listsPerRegion)),
    getCertificateCalls: calls.GetCertificateAuthorityCertificate,
    wallMs: Math.round(wallMs),
    heapMiB: Math.round(heapMiB * 10) / 10,
  };
}
