import { X509Certificate } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  IoTClient,
  ListCACertificatesCommand,
  ListCertificatesCommand,
  ListPrincipalThingsCommand,
} from '@aws-sdk/client-iot';
import { HttpResponse } from '@smithy/core/transport';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidSourceSettingError } from '../../lambda/contracts/sources';
import type { CertificateRecord } from '../../lambda/core/certificate';
import { DEFAULT_THRESHOLDS } from '../../lambda/core/evaluate';
import type { ItemError } from '../../lambda/core/ports';
import { runScan } from '../../lambda/core/scan';
import {
  DEFAULT_DESCRIBE_BUDGET_SECONDS,
  DEFAULT_IOT_OPTIONS,
  type IotOptions,
  IotScopeReader,
  iotOptions,
  iotScope,
  MAX_DESCRIBE_CONCURRENCY,
  PAGE_SIZE,
} from '../../lambda/sources/iot/iot-source';
import { buildSources } from '../../lambda/sources/registry';
import { createCertificate, DAY_MS, daysFrom, type GeneratedCert } from '../support/certs';
import { createFleetCa } from '../support/iot-seed';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const NOW = new Date();
const SCOPE = iotScope(ACCOUNT, REGION);

let iotMock = mockClient(IoTClient);
beforeEach(() => {
  iotMock = mockClient(IoTClient);
});
afterEach(() => iotMock.restore());

const hexId = (i: number, prefix = 'a') => `${prefix}${String(i).padStart(63, '0')}`;
const certArn = (i: number) => `arn:aws:iot:${REGION}:${ACCOUNT}:cert/${hexId(i)}`;
const caArn = (i: number) => `arn:aws:iot:${REGION}:${ACCOUNT}:cacert/${hexId(i, 'c')}`;

let ca: GeneratedCert;
/** Device certificates by days left: a few real PEMs reused across a large fake fleet. */
const pems = new Map<number, GeneratedCert>();
const DAYS = [3, 20, 200];
beforeAll(async () => {
  ca = await createFleetCa(NOW, 60);
  for (const days of DAYS)
    pems.set(
      days,
      await createCertificate({
        commonName: `device-${days}d`,
        dnsNames: [],
        notBefore: daysFrom(NOW, -80),
        notAfter: daysFrom(NOW, days),
        issuer: ca,
      }),
    );
});

const daysOf = (i: number) => DAYS[i % DAYS.length] as number;

/** A fake IoT that pages like the real one (marker/pageSize) and describes with real PEMs. */
/** What DescribeCertificate answers for a device of pagedIot. */
const describedFake = (certificateId: string) => {
  const i = Number(certificateId.slice(1));
  return {
    certificateDescription: {
      certificateArn: certArn(i),
      certificateId,
      status: 'ACTIVE',
      certificatePem: pems.get(daysOf(i))?.certPem,
      caCertificateId: hexId(0, 'c'),
      // What moto answers (and what IoT's field would say): never used, the PEM's dates are.
      validity: { notBefore: daysFrom(NOW, -1), notAfter: daysFrom(NOW, 1) },
    },
  };
};

const pagedIot = (devices: number, cas = 0) => {
  const listed = (n: number, arn: (i: number) => string, prefix: string) =>
    Array.from({ length: n }, (_, i) => ({
      certificateArn: arn(i),
      certificateId: hexId(i, prefix),
      status: 'ACTIVE',
      creationDate: NOW,
    }));
  const page = (all: ReturnType<typeof listed>) => (input: { marker?: string; pageSize?: number }) => {
    const start = input.marker ? Number(Buffer.from(input.marker, 'base64').toString()) : 0;
    const end = start + (input.pageSize ?? 25);
    return {
      certificates: all.slice(start, end),
      nextMarker: end < all.length ? Buffer.from(String(end)).toString('base64') : undefined,
    };
  };
  iotMock.on(ListCertificatesCommand).callsFake(page(listed(devices, certArn, 'a')));
  iotMock.on(ListCACertificatesCommand).callsFake(page(listed(cas, caArn, 'c')));
  iotMock
    .on(DescribeCertificateCommand)
    .callsFake((input: { certificateId: string }) => describedFake(input.certificateId));
  iotMock.on(DescribeCACertificateCommand).callsFake((input: { certificateId: string }) => ({
    certificateDescription: {
      certificateArn: caArn(Number(input.certificateId.slice(1))),
      certificateId: input.certificateId,
      status: 'ACTIVE',
      certificatePem: ca.certPem,
    },
  }));
};

/** Noon of an even UTC day (days since the epoch): listings go in ascending order. */
const EVEN_DAY =
  Math.floor(Date.parse('2026-11-28T12:00:00.000Z') / (2 * 86_400_000)) * 2 * 86_400_000 + 43_200_000;

const reader = (
  options: Partial<IotOptions> = {},
  client = new IoTClient({ region: REGION }),
  clock: () => number = () => EVEN_DAY,
) => new IotScopeReader(SCOPE, client, { ...DEFAULT_IOT_OPTIONS, ...options }, clock);

const listAll = async (r: IotScopeReader) => {
  const records: CertificateRecord[] = [];
  const errors: ItemError[] = [];
  for await (const rec of r.list((e) => errors.push(e))) records.push(rec);
  return { records, errors };
};

describe('IotScopeReader.list', () => {
  it('reads 600 device certificates over 3 pages of 250 and the CA certificates, describing each once', async () => {
    pagedIot(600, 2);
    const { records, errors } = await listAll(reader());

    expect(errors).toEqual([]);
    expect(records).toHaveLength(602);
    expect(new Set(records.map((r) => r.id)).size).toBe(602);
    const calls = iotMock.commandCalls(ListCertificatesCommand);
    expect(calls).toHaveLength(3);
    for (const c of calls) {
      expect(c.args[0].input.pageSize).toBe(PAGE_SIZE);
      expect(c.args[0].input.ascendingOrder).toBe(true);
    }
    expect(calls.map((c) => c.args[0].input.marker)).toEqual([
      undefined,
      Buffer.from('250').toString('base64'),
      Buffer.from('500').toString('base64'),
    ]);
    expect(iotMock.commandCalls(DescribeCertificateCommand)).toHaveLength(600);
    expect(iotMock.commandCalls(DescribeCACertificateCommand)).toHaveLength(2);
    expect(iotMock.commandCalls(ListPrincipalThingsCommand)).toHaveLength(0);
  });

  it("takes every date from the certificate's PEM, never from IoT's validity field", async () => {
    pagedIot(3);
    const { records } = await listAll(reader());
    for (const [i, r] of records.entries()) {
      const g = pems.get(daysOf(i))!;
      expect(r.notAfter?.toISOString()).toBe(g.cert.notAfter.toISOString());
      expect(r.notBefore?.toISOString()).toBe(g.cert.notBefore.toISOString());
      expect(Math.round(((r.notAfter?.getTime() ?? 0) - NOW.getTime()) / DAY_MS)).toBe(daysOf(i));
    }
  });

  it('maps a device certificate and a CA certificate into records a channel can tell apart', async () => {
    pagedIot(1, 1);
    const { records } = await listAll(reader());
    const device = records.find((r) => r.labels?.role === 'device');
    const caRecord = records.find((r) => r.labels?.role === 'ca');
    expect(device).toMatchObject({
      source: 'iot',
      id: certArn(0),
      region: REGION,
      account: ACCOUNT,
      domain: 'device-3d',
      type: 'IMPORTED',
      status: 'ACTIVE',
      issuer: expect.stringContaining('CN=Fleet Device CA'),
      keyAlgorithm: 'EC_prime256v1',
      labels: { role: 'device', caCertificateId: hexId(0, 'c') },
    });
    expect(device?.fingerprintSha256).toBe(new X509Certificate(pems.get(3)?.certPem ?? '').fingerprint256);
    expect(caRecord).toMatchObject({
      source: 'iot',
      id: caArn(0),
      domain: 'Fleet Device CA',
      type: 'IMPORTED',
      labels: { role: 'ca' },
    });
  });

  it("names a certificate IoT issued itself by its id, since every one has the CN 'AWS IoT Certificate'", async () => {
    const generic = await createCertificate({
      commonName: 'AWS IoT Certificate',
      dnsNames: [],
      notBefore: daysFrom(NOW, -1),
      notAfter: daysFrom(NOW, 9000),
      issuer: ca,
    });
    iotMock.on(ListCertificatesCommand).resolves({
      certificates: [{ certificateArn: certArn(7), certificateId: hexId(7), status: 'INACTIVE' }],
    });
    iotMock.on(ListCACertificatesCommand).resolves({ certificates: [] });
    iotMock
      .on(DescribeCertificateCommand)
      .resolves({ certificateDescription: { certificatePem: generic.certPem } });
    const { records } = await listAll(reader());
    expect(records[0]).toMatchObject({ domain: hexId(7), status: 'INACTIVE' });
  });

  it('keeps at most describeConcurrency DescribeCertificate calls in flight', async () => {
    pagedIot(100);
    let inFlight = 0;
    let most = 0;
    iotMock.on(DescribeCertificateCommand).callsFake(async (input: { certificateId: string }) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return {
        certificateDescription: {
          certificatePem: pems.get(daysOf(Number(input.certificateId.slice(1))))?.certPem,
        },
      };
    });
    const { records } = await listAll(reader({ describeConcurrency: 5 }));
    expect(records).toHaveLength(100);
    expect(most).toBe(5);
  });
});

describe('IotScopeReader: one bad item never costs the rest', () => {
  it('reports an unreadable PEM, skips a certificate deleted meanwhile, and lists the others', async () => {
    pagedIot(5);
    const key = pems.get(3)!.keyPem;
    iotMock.on(DescribeCertificateCommand).callsFake((input: { certificateId: string }) => {
      const i = Number(input.certificateId.slice(1));
      if (i === 1) return { certificateDescription: { certificatePem: 'not a certificate' } };
      if (i === 2) throw Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' });
      // A hostile value: a private key block beside the certificate.
      if (i === 3) return { certificateDescription: { certificatePem: key + pems.get(20)!.certPem } };
      if (i === 4) return { certificateDescription: { certificatePem: key } };
      return { certificateDescription: { certificatePem: pems.get(200)!.certPem } };
    });
    const r = reader();
    const { records, errors } = await listAll(r);

    expect(records.map((x) => x.id).sort()).toEqual([certArn(0), certArn(3)].sort());
    expect(errors).toEqual([
      {
        item: certArn(1),
        code: 'NOT_A_CERTIFICATE',
        message: expect.stringContaining('DescribeCertificate returned no readable certificate'),
      },
      {
        item: certArn(4),
        code: 'NOT_A_CERTIFICATE',
        message: expect.stringContaining('no CERTIFICATE block'),
      },
    ]);
    // Never a certificate that exists but could not be read: the listing stays complete.
    expect(r.complete()).toBe(true);
    const body = key.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, '');
    const text = JSON.stringify({ records, errors });
    expect(text).not.toContain(body.slice(0, 40));
    expect(text).not.toContain('PRIVATE KEY');
  });

  it('a certificate that could not be described is reported and makes the listing incomplete', async () => {
    pagedIot(3);
    iotMock
      .on(DescribeCertificateCommand, { certificateId: hexId(1) })
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'UnauthorizedException' }));
    const r = reader();
    const { records, errors } = await listAll(r);
    expect(records).toHaveLength(2);
    expect(errors).toEqual([
      { item: certArn(1), code: 'UnauthorizedException', message: 'User is not authorized' },
    ]);
    expect(r.complete()).toBe(false);
  });

  it('lists the device certificates when ListCACertificates fails, says so, and counts the scope incomplete', async () => {
    pagedIot(4);
    iotMock
      .on(ListCACertificatesCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));
    const result = await runScan([reader()], { scanId: 's', now: NOW, thresholds: DEFAULT_THRESHOLDS });
    expect(result.certificates).toHaveLength(4);
    expect(result.itemErrors).toEqual([
      {
        scope: SCOPE.key,
        item: `${SCOPE.key} CA certificates`,
        code: 'AccessDeniedException',
        message: 'ListCACertificates failed, CA certificates not checked: not allowed',
      },
    ]);
    expect(result.scopesFailed.map((f) => [f.scope.key, f.code])).toEqual([[SCOPE.key, 'SCOPE_INCOMPLETE']]);
  });

  it('caCertificates=false lists no CA certificates and asks nothing of ListCACertificates', async () => {
    pagedIot(2, 3);
    const { records } = await listAll(reader({ describeConcurrency: 2, caCertificates: false }));
    expect(records).toHaveLength(2);
    expect(iotMock.commandCalls(ListCACertificatesCommand)).toHaveLength(0);
  });

  it('a region whose device certificates cannot be listed fails as a scope', async () => {
    iotMock.on(ListCACertificatesCommand).resolves({ certificates: [] });
    iotMock
      .on(ListCertificatesCommand)
      .rejects(
        Object.assign(new Error('The security token is invalid'), { name: 'UnrecognizedClientException' }),
      );
    const result = await runScan([reader()], { scanId: 's', now: NOW, thresholds: DEFAULT_THRESHOLDS });
    expect(result.scopesFailed).toEqual([
      { scope: SCOPE, code: 'UnrecognizedClientException', message: 'The security token is invalid' },
    ]);
  });
});

describe('scan over IoT: grading and things', () => {
  it('grades by dates whatever the status (as ACM grades REVOKED), carrying the status; things only for the reported', async () => {
    pagedIot(3);
    iotMock.on(DescribeCertificateCommand).callsFake((input: { certificateId: string }) => {
      const i = Number(input.certificateId.slice(1));
      return {
        certificateDescription: {
          certificatePem: pems.get(daysOf(i))?.certPem,
          status: i === 0 ? 'REVOKED' : 'ACTIVE',
        },
      };
    });
    iotMock
      .on(ListPrincipalThingsCommand)
      .callsFake((input: { nextToken?: string }) =>
        input.nextToken ? { things: ['pump-2'] } : { things: ['pump-1'], nextToken: 'page-2' },
      );
    const result = await runScan([reader()], { scanId: 's', now: NOW, thresholds: DEFAULT_THRESHOLDS });
    expect(result.counts).toMatchObject({ total: 3, critical: 1, warning: 1, ok: 1 });
    const critical = result.certificates.find((c) => c.evaluation.severity === 'critical');
    expect(critical?.record).toMatchObject({
      status: 'REVOKED',
      inUse: true,
      inUseBy: [
        `arn:aws:iot:${REGION}:${ACCOUNT}:thing/pump-1`,
        `arn:aws:iot:${REGION}:${ACCOUNT}:thing/pump-2`,
      ],
    });
    const principals = iotMock.commandCalls(ListPrincipalThingsCommand).map((c) => c.args[0].input.principal);
    // Two pages for each of the two reported certificates; the healthy one is never asked about.
    expect(principals.sort()).toEqual([certArn(0), certArn(0), certArn(1), certArn(1)].sort());
    for (const c of iotMock.commandCalls(ListPrincipalThingsCommand))
      expect(c.args[0].input.maxResults).toBe(250);
  });

  it('asks nothing about things for a reported CA certificate', async () => {
    const soon = await createFleetCa(NOW, 5, 'Expiring CA');
    iotMock.on(ListCertificatesCommand).resolves({ certificates: [] });
    iotMock.on(ListCACertificatesCommand).resolves({
      certificates: [{ certificateArn: caArn(1), certificateId: hexId(1, 'c'), status: 'ACTIVE' }],
    });
    iotMock
      .on(DescribeCACertificateCommand)
      .resolves({ certificateDescription: { certificatePem: soon.certPem } });
    const result = await runScan([reader()], { scanId: 's', now: NOW, thresholds: DEFAULT_THRESHOLDS });
    expect(result.certificates[0]?.evaluation.severity).toBe('critical');
    expect(result.certificates[0]?.record.labels).toEqual({ role: 'ca' });
    expect(iotMock.commandCalls(ListPrincipalThingsCommand)).toHaveLength(0);
  });
});

describe('throttling: the real SDK retry middleware', () => {
  // aws-sdk-client-mock replaces send() and skips retries, so these tests fake the HTTP layer.
  const restJson = (status: number, body: unknown, errorType?: string) => ({
    response: new HttpResponse({
      statusCode: status,
      headers: {
        'content-type': 'application/json',
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      },
      body: Readable.from([Buffer.from(JSON.stringify(body))]),
    }),
  });

  it('retries a throttled DescribeCertificate and lists the certificate', async () => {
    iotMock.restore();
    let describes = 0;
    const requestHandler = {
      handle: async (request: { path: string }) => {
        if (request.path === '/cacertificates') return restJson(200, { certificates: [] });
        if (request.path === '/certificates')
          return restJson(200, {
            certificates: [{ certificateArn: certArn(0), certificateId: hexId(0), status: 'ACTIVE' }],
          });
        describes++;
        return describes <= 2
          ? restJson(400, { message: 'Rate exceeded' }, 'ThrottlingException')
          : restJson(200, { certificateDescription: { certificatePem: pems.get(3)?.certPem } });
      },
    };
    const client = new IoTClient({
      region: REGION,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      retryMode: 'adaptive',
      maxAttempts: 4,
      requestHandler,
    });
    const r = reader({}, client);
    const { records, errors } = await listAll(r);
    expect(errors).toEqual([]);
    expect(records).toHaveLength(1);
    expect(describes).toBe(3);
    expect(r.complete()).toBe(true);
  });

  it('a certificate still throttled after every attempt is one item error, not a failed region', async () => {
    iotMock.restore();
    const requestHandler = {
      handle: async (request: { path: string }) => {
        if (request.path === '/cacertificates') return restJson(200, { certificates: [] });
        if (request.path === '/certificates')
          return restJson(200, {
            certificates: [0, 1].map((i) => ({
              certificateArn: certArn(i),
              certificateId: hexId(i),
              status: 'ACTIVE',
            })),
          });
        return request.path.endsWith(hexId(1))
          ? restJson(400, { message: 'Rate exceeded' }, 'ThrottlingException')
          : restJson(200, { certificateDescription: { certificatePem: pems.get(20)?.certPem } });
      },
    };
    const client = new IoTClient({
      region: REGION,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 2,
      requestHandler,
    });
    const result = await runScan([reader({}, client)], {
      scanId: 's',
      now: NOW,
      thresholds: DEFAULT_THRESHOLDS,
    });
    expect(result.certificates).toHaveLength(1);
    expect(result.itemErrors).toEqual([
      { scope: SCOPE.key, item: certArn(1), code: 'ThrottlingException', message: 'Rate exceeded' },
    ]);
    expect(result.scopesFailed.map((f) => f.code)).toEqual(['SCOPE_INCOMPLETE']);
  });
});

describe('a fleet larger than the describe budget', () => {
  it('describes until the budget is spent, counts the rest as waiting, and marks the scope incomplete', async () => {
    pagedIot(600, 0);
    // Each description moves the clock by a second: a 100-second budget describes about 100.
    let now = EVEN_DAY;
    iotMock.on(DescribeCertificateCommand).callsFake(async (input: { certificateId: string }) => {
      now += 1000;
      return describedFake(input.certificateId);
    });
    const r = reader(
      { describeBudgetSeconds: 100, describeConcurrency: 1, caCertificates: false },
      undefined,
      () => now,
    );
    const { records, errors } = await listAll(r);
    expect(records.length).toBeGreaterThanOrEqual(100);
    expect(records.length).toBeLessThan(110);
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'DESCRIBE_BUDGET_EXHAUSTED',
        message: expect.stringMatching(/described \d+ certificate\(s\) in the 100 s budget; \d+ more wait/),
      }),
    ]);
    expect(600 - records.length).toBe(Number(/; (\d+) more/.exec(errors[0]!.message)?.[1]));
    expect(r.complete()).toBe(false);
    // Listing is cheap: every page is still listed, so the count of those waiting is exact.
    expect(iotMock.commandCalls(ListCertificatesCommand)).toHaveLength(3);
  });

  it('lists from the other end on odd UTC days, so two scans cover what one budget cannot', async () => {
    pagedIot(10, 0);
    await listAll(reader({ caCertificates: false }, undefined, () => EVEN_DAY + 86_400_000));
    expect(iotMock.commandCalls(ListCertificatesCommand)[0]?.args[0].input.ascendingOrder).toBe(false);
  });
});

describe('iot options and registry line', () => {
  it('reads options from JSON and from --option strings, and refuses bad values naming them', () => {
    expect(iotOptions()).toEqual(DEFAULT_IOT_OPTIONS);
    expect(iotOptions({ describeConcurrency: '16', caCertificates: 'false', other: 'x' })).toEqual({
      describeConcurrency: 16,
      caCertificates: false,
      describeBudgetSeconds: DEFAULT_DESCRIBE_BUDGET_SECONDS,
    });
    expect(
      iotOptions({ describeConcurrency: 4, caCertificates: true, describeBudgetSeconds: '600' }),
    ).toEqual({
      describeConcurrency: 4,
      caCertificates: true,
      describeBudgetSeconds: 600,
    });
    expect(() => iotOptions({ describeBudgetSeconds: 901 })).toThrow(
      /describeBudgetSeconds .* from 1 to 900, got 901/,
    );
    expect(() => iotOptions({ describeConcurrency: '0' })).toThrow(InvalidSourceSettingError);
    expect(() => iotOptions({ describeConcurrency: MAX_DESCRIBE_CONCURRENCY + 1 })).toThrow(
      /from 1 to 64, got 65/,
    );
    expect(() => iotOptions({ describeConcurrency: 'fast' })).toThrow(/got "fast"/);
    expect(() => iotOptions({ caCertificates: 'yes' })).toThrow(
      /caCertificates must be true or false, got "yes"/,
    );
  });

  it('the registry builds one scope per region, iot#<account>#<region>', () => {
    const [source] = buildSources([{ kind: 'iot', regions: ['eu-west-1', 'us-east-1'] }]);
    expect(source?.kind).toBe('iot');
    expect(source?.scopes(ACCOUNT).map((s) => s.key)).toEqual([
      `iot#${ACCOUNT}#eu-west-1`,
      `iot#${ACCOUNT}#us-east-1`,
    ]);
  });
});
