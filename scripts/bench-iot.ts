/**
 * IoT Core benchmark: 10,000 device certificates and 2 CA certificates in one region, through the
 * real IoT client and the real scan engine, with IoT answered by an in-process HTTP-layer fake that
 * pages like the real service (moto ignores pageSize/marker). Every certificate is a distinct,
 * parseable X.509 certificate: 100 real certificates generated here, each stamped with 100 serials
 * (signatures are never checked by the source, so the copies parse like real ones). PEMs are built
 * per request and never kept by the fake, so the heap shows what the source holds.
 * Reports API calls per operation, wall time at the configured concurrency and heap.
 */
import { Readable } from 'node:stream';
import { IoTClient } from '@aws-sdk/client-iot';
import { HttpResponse } from '@smithy/core/transport';
import { DEFAULT_THRESHOLDS } from '../lambda/core/evaluate';
import { runScan } from '../lambda/core/scan';
import {
  DEFAULT_DESCRIBE_CONCURRENCY,
  DEFAULT_IOT_OPTIONS,
  IotScopeReader,
  iotScope,
  PAGE_SIZE,
} from '../lambda/sources/iot/iot-source';
import { createCertificate, daysFrom } from '../test/support/certs';
import { createFleetCa } from '../test/support/iot-seed';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
/** IoT's default DescribeCertificate quota (requests per second), adjustable in Service Quotas. */
export const IOT_DESCRIBE_TPS = 10;
const TEMPLATES = 100;
const SERIAL = 'aa'.repeat(15);

const restJson = (body: unknown, status = 200) => ({
  response: new HttpResponse({
    statusCode: status,
    headers: { 'content-type': 'application/json' },
    body: Readable.from([Buffer.from(JSON.stringify(body))]),
  }),
});

const toPem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)
    ?.join('\n')}\n-----END CERTIFICATE-----\n`;

const hexId = (i: number) => i.toString(16).padStart(64, '0');

export const benchIot = async (
  total = 10_000,
  describeConcurrency = DEFAULT_DESCRIBE_CONCURRENCY,
): Promise<Record<string, number>> => {
  const now = new Date();
  const ca = await createFleetCa(now, 900, 'Bench Fleet CA');
  // 4 % inside the warning window or expired (4 templates of 100), as in a fleet between rotations.
  const templates: { der: Buffer; at: number }[] = [];
  for (let t = 0; t < TEMPLATES; t++) {
    const days = t % 50 === 0 ? (t % 100) / 10 - 2 : t % 50 === 25 ? 12 : 60 + 9 * t;
    const g = await createCertificate({
      commonName: `device-${t}`,
      dnsNames: [],
      serialNumber: `01${SERIAL}`,
      notBefore: daysFrom(now, -700),
      notAfter: daysFrom(now, days),
      issuer: ca,
    });
    const der = Buffer.from(g.cert.rawData);
    templates.push({ der, at: der.indexOf(Buffer.from(SERIAL, 'hex')) });
  }
  /** Certificate i: template i % 100 with its own serial. */
  const pemOf = (i: number): string => {
    const t = templates[i % TEMPLATES];
    if (!t) throw new Error(`no template for ${i}`);
    const der = Buffer.from(t.der);
    der.writeUInt32BE(i, t.at + 11);
    return toPem(der);
  };
  const calls: Record<string, number> = {
    ListCertificates: 0,
    ListCACertificates: 0,
    DescribeCertificate: 0,
    DescribeCACertificate: 0,
    ListPrincipalThings: 0,
  };
  const count = (op: string) => {
    calls[op] = (calls[op] ?? 0) + 1;
  };
  const listing = (
    n: number,
    arn: (i: number) => string,
    query: Record<string, string | string[] | null>,
  ) => {
    const start = query.marker ? Number(Buffer.from(String(query.marker), 'base64').toString()) : 0;
    const end = Math.min(n, start + Number(query.pageSize ?? 25));
    return restJson({
      certificates: Array.from({ length: end - start }, (_, k) => ({
        certificateArn: arn(start + k),
        certificateId: hexId(start + k),
        status: 'ACTIVE',
        creationDate: now.getTime() / 1000,
      })),
      nextMarker: end < n ? Buffer.from(String(end)).toString('base64') : undefined,
    });
  };
  const requestHandler = {
    handle: async (request: { path: string; query?: Record<string, string | string[] | null> }) => {
      const query = request.query ?? {};
      if (request.path === '/certificates') {
        count('ListCertificates');
        return listing(total, (i) => `arn:aws:iot:${REGION}:${ACCOUNT}:cert/${hexId(i)}`, query);
      }
      if (request.path === '/cacertificates') {
        count('ListCACertificates');
        return listing(2, (i) => `arn:aws:iot:${REGION}:${ACCOUNT}:cacert/${hexId(i)}`, query);
      }
      if (request.path.startsWith('/cacertificate/')) {
        count('DescribeCACertificate');
        return restJson({ certificateDescription: { status: 'ACTIVE', certificatePem: ca.certPem } });
      }
      if (request.path.startsWith('/certificates/')) {
        count('DescribeCertificate');
        const i = Number.parseInt(request.path.slice('/certificates/'.length), 16);
        return restJson({ certificateDescription: { status: 'ACTIVE', certificatePem: pemOf(i) } });
      }
      count('ListPrincipalThings');
      return restJson({ things: ['meter'] });
    },
  };
  const client = new IoTClient({
    region: REGION,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler,
  });
  const reader = new IotScopeReader(iotScope(ACCOUNT, REGION), client, {
    ...DEFAULT_IOT_OPTIONS,
    describeConcurrency,
    caCertificates: true,
  });
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = heapBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 20);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await runScan([reader], { scanId: 'bench-iot', now, thresholds: DEFAULT_THRESHOLDS });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  const reported = result.certificates.filter((c) => c.evaluation.severity !== 'ok').length;
  // With --expose-gc, "after" is what stays reachable: the scan's records (and the parser's cache).
  global.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  return {
    certificates: result.counts.total,
    reported,
    itemErrors: result.itemErrors.length,
    describeConcurrency,
    'ListCertificates calls': calls.ListCertificates ?? 0,
    'ListCertificates goal (ceil(N/250))': Math.ceil(total / PAGE_SIZE),
    'ListCACertificates calls': calls.ListCACertificates ?? 0,
    'DescribeCertificate calls': calls.DescribeCertificate ?? 0,
    'DescribeCACertificate calls': calls.DescribeCACertificate ?? 0,
    'ListPrincipalThings calls': calls.ListPrincipalThings ?? 0,
    wallMs: Math.round(wallMs),
    // On a shared machine wall time waits for the CPU; this is what the scan itself used.
    'cpu ms (user + system)': Math.round((cpu.user + cpu.system) / 1000),
    'wall s at the default 10 TPS DescribeCertificate quota (floor)': Math.ceil(total / IOT_DESCRIBE_TPS),
    'heap MiB before scan': Math.round(heapBefore / 1_048_576),
    'heap MiB peak during scan': Math.round(peak / 1_048_576),
    'heap MiB after scan (records retained)': Math.round(heapAfter / 1_048_576),
  };
};
