/**
 * Inventory benchmark: 10,000 ACM certificates across 3 regions through the real SDK clients and
 * the real scan engine, with ACM and EventBridge answered by an in-process HTTP-layer fake that
 * pages like the real service (moto ignores MaxItems/NextToken, so it cannot show paging).
 * Reports the API calls made against the goals, and wall time.
 */
import { Readable } from 'node:stream';
import { ACMClient } from '@aws-sdk/client-acm';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { HttpResponse } from '@smithy/core/transport';
import { DEFAULT_THRESHOLDS } from '../lambda/core/evaluate';
import { silentLogger } from '../lambda/core/ports';
import { makeInventoryHandler } from '../lambda/handlers/make-inventory-handler';
import { EventBusPublisher } from '../lambda/sinks/bus/event-bus-publisher';
import { AcmSource } from '../lambda/sources/acm/acm-source';

const DAY = 86_400_000;

export interface InventoryBenchResult {
  certificates: number;
  regions: number;
  reported: number;
  listCalls: Record<string, number>;
  listGoalPerRegion: Record<string, number>;
  describeCalls: number;
  putEventsCalls: number;
  putEventsGoal: number;
  wallMs: number;
  heapUsedMb: number;
}

const json = (status: number, body: unknown) => ({
  response: new HttpResponse({
    statusCode: status,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: Readable.from([Buffer.from(JSON.stringify(body))]),
  }),
});

const readBody = async (body: unknown): Promise<string> => {
  if (typeof body === 'string') return body;
  // View the bytes without calling methods on the SDK's string-adapter subclass of Uint8Array.
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return '';
};

export const benchInventory = async (
  total = 10_000,
  regions = ['eu-west-1', 'us-east-1', 'ap-southeast-2'],
) => {
  const now = Date.now();
  // About 2 % of certificates are inside the warning window or expired, as in a real estate.
  const perRegion = new Map<string, unknown[]>();
  regions.forEach((region, r) => {
    const n = Math.floor(total / regions.length) + (r < total % regions.length ? 1 : 0);
    perRegion.set(
      region,
      Array.from({ length: n }, (_, i) => {
        const days = i % 50 === 0 ? (i % 100) / 10 - 2 : 40 + (i % 300);
        return {
          CertificateArn: `arn:aws:acm:${region}:111122223333:certificate/${r}-${String(i).padStart(6, '0')}`,
          DomainName: `svc-${i}.${region}.example.com`,
          SubjectAlternativeNameSummaries: [`svc-${i}.${region}.example.com`],
          Status: 'ISSUED',
          Type: i % 3 === 0 ? 'IMPORTED' : 'AMAZON_ISSUED',
          KeyAlgorithm: i % 2 ? 'EC_prime256v1' : 'RSA_2048',
          InUse: true,
          RenewalEligibility: 'ELIGIBLE',
          NotBefore: (now - 300 * DAY) / 1000,
          NotAfter: (now + days * DAY) / 1000,
        };
      }),
    );
  });
  const listCalls: Record<string, number> = Object.fromEntries(regions.map((r) => [r, 0]));
  let describeCalls = 0;
  let putEventsCalls = 0;
  const acmHandler = (region: string) => ({
    handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
      const target = request.headers['x-amz-target'] ?? '';
      const input = JSON.parse((await readBody(request.body)) || '{}') as Record<string, unknown>;
      if (target.endsWith('.ListCertificates')) {
        listCalls[region] = (listCalls[region] ?? 0) + 1;
        const all = perRegion.get(region) ?? [];
        const start = Number(input.NextToken ?? 0);
        const end = start + Number(input.MaxItems ?? 10);
        return json(200, {
          CertificateSummaryList: all.slice(start, end),
          NextToken: end < all.length ? String(end) : undefined,
        });
      }
      describeCalls++;
      return json(200, {
        Certificate: {
          CertificateArn: input.CertificateArn,
          InUseBy: ['arn:aws:cloudfront::111122223333:distribution/E1'],
          RenewalSummary: { RenewalStatus: 'PENDING_AUTO_RENEWAL' },
        },
      });
    },
  });
  const ebHandler = {
    handle: async (request: { body?: unknown }) => {
      putEventsCalls++;
      const input = JSON.parse(await readBody(request.body)) as { Entries: unknown[] };
      return json(200, {
        FailedEntryCount: 0,
        Entries: input.Entries.map((_, i) => ({ EventId: `e-${putEventsCalls}-${i}` })),
      });
    },
  };
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const handler = makeInventoryHandler({
    config: {
      busName: 'bench',
      eventSource: 'cert-expiry-watcher',
      account: '111122223333',
      sources: [{ kind: 'acm', regions }],
      thresholds: DEFAULT_THRESHOLDS,
      metricsNamespace: 'Bench',
      watcherId: 'bench',
    },
    sources: [
      new AcmSource(
        regions,
        (region) => new ACMClient({ region, credentials, requestHandler: acmHandler(region) }),
      ),
    ],
    publisher: new EventBusPublisher(
      { busName: 'bench' },
      new EventBridgeClient({ region: 'eu-west-1', credentials, requestHandler: ebHandler }),
    ),
    logger: silentLogger,
    metrics: () => {},
  });
  const t0 = performance.now();
  const summary = await handler({ id: 'bench' });
  const wallMs = performance.now() - t0;
  const reported = summary.eventsPublished;
  return {
    certificates: summary.counts.total,
    regions: regions.length,
    reported,
    listCalls,
    listGoalPerRegion: Object.fromEntries(
      regions.map((r) => [r, Math.max(1, Math.ceil((perRegion.get(r)?.length ?? 0) / 1000))]),
    ),
    describeCalls,
    putEventsCalls,
    putEventsGoal: Math.ceil((reported + 1) / 10),
    wallMs,
    heapUsedMb: process.memoryUsage().heapUsed / 1_048_576,
  } satisfies InventoryBenchResult;
};
