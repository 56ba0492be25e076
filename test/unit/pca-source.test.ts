import { Readable } from 'node:stream';
import {
  ACMPCAClient,
  type CertificateAuthority,
  GetCertificateAuthorityCertificateCommand,
  ListCertificateAuthoritiesCommand,
} from '@aws-sdk/client-acm-pca';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PCA_DEFAULT_THRESHOLDS, parsePcaOptions } from '../../lambda/contracts/pca-options';
import { InvalidSourceSettingError } from '../../lambda/contracts/sources';
import type { CertificateRecord } from '../../lambda/core/certificate';
import { DEFAULT_THRESHOLDS } from '../../lambda/core/evaluate';
import { toCertificateDetail } from '../../lambda/core/events';
import { runScan } from '../../lambda/core/scan';
import { recordFromDetail } from '../../lambda/lifecycle/lifecycle-events';
import { lifecycleConfig } from '../../lambda/lifecycle/model';
import { effectiveThresholds } from '../../lambda/lifecycle/thresholds';
import {
  ISSUANCE_CAPPED,
  issuanceCappedReason,
  PCA_PAGE_SIZE,
  PcaScopeReader,
  PcaSource,
  pcaScope,
} from '../../lambda/sources/pca/pca-source';
import { buildSources } from '../../lambda/sources/registry';
import { createCertificate, DAY_MS, daysFrom, type GeneratedCert } from '../support/certs';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const NOW = new Date('2026-06-15T12:00:00.000Z');
const SCOPE = pcaScope(ACCOUNT, REGION);

// @aws-sdk/client-acm-pca 3.523 (the newest the registry offers) is typed against an older Smithy
// than aws-sdk-client-mock, so the mock and its commands are typed loosely here; they run as usual.
// biome-ignore lint/suspicious/noExplicitAny: see above
type PcaStub = AwsStub<any, any, any>;
const mockPca = (client: unknown): PcaStub => mockClient(client as never) as unknown as PcaStub;
const LIST = ListCertificateAuthoritiesCommand as never;
const GET_CERTIFICATE = GetCertificateAuthorityCertificateCommand as never;

let pcaMock = mockPca(ACMPCAClient);
beforeEach(() => {
  pcaMock = mockPca(ACMPCAClient);
});
afterEach(() => pcaMock.restore());

const arnOf = (i: number) =>
  `arn:aws:acm-pca:${REGION}:${ACCOUNT}:certificate-authority/${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;

const authority = (
  i: number,
  daysLeft: number | null,
  over: Partial<CertificateAuthority> = {},
): CertificateAuthority => ({
  Arn: arnOf(i),
  OwnerAccount: ACCOUNT,
  Type: 'SUBORDINATE',
  Status: 'ACTIVE',
  UsageMode: 'GENERAL_PURPOSE',
  CertificateAuthorityConfiguration: {
    KeyAlgorithm: 'EC_prime256v1',
    SigningAlgorithm: 'SHA256WITHECDSA',
    Subject: { CommonName: `ca${i}.example.internal` },
  },
  ...(daysLeft === null
    ? {}
    : {
        NotBefore: new Date(NOW.getTime() - 700 * DAY_MS),
        NotAfter: new Date(NOW.getTime() + daysLeft * DAY_MS),
      }),
  ...over,
});

/** A fake Private CA that pages like the real one: NextToken, MaxResults honoured. */
const pagedPca = (all: CertificateAuthority[]) => {
  pcaMock.on(LIST).callsFake((input: { NextToken?: string; MaxResults?: number }) => {
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const end = start + (input.MaxResults ?? 10);
    return {
      CertificateAuthorities: all.slice(start, end),
      NextToken: end < all.length ? String(end) : undefined,
    };
  });
};

const reader = (options?: Record<string, unknown>) =>
  new PcaScopeReader(SCOPE, new ACMPCAClient({ region: REGION }), parsePcaOptions(options), () => NOW);

const listAll = async (r: PcaScopeReader, errors: unknown[] = []) => {
  const out: CertificateRecord[] = [];
  for await (const rec of r.list((e) => errors.push(e))) out.push(rec);
  return out;
};

const scan = (r: PcaScopeReader) => runScan([r], { scanId: 's1', now: NOW, thresholds: DEFAULT_THRESHOLDS });

describe('PcaScopeReader.list', () => {
  it('reads 2,500 CAs over 3 pages of 1000 without fetching any certificate', async () => {
    pagedPca(Array.from({ length: 2500 }, (_, i) => authority(i, 400 + i)));
    const r = reader();
    const ids = (await listAll(r)).map((x) => x.id);

    expect(ids).toHaveLength(2500);
    expect(new Set(ids).size).toBe(2500);
    const calls = pcaMock.commandCalls(LIST);
    expect(calls.map((c) => c.args[0].input.MaxResults)).toEqual([
      PCA_PAGE_SIZE,
      PCA_PAGE_SIZE,
      PCA_PAGE_SIZE,
    ]);
    expect(calls.map((c) => c.args[0].input.NextToken)).toEqual([undefined, '1000', '2000']);
    // Every CA of the account, not only some owner's: no ResourceOwner filter beyond the default (SELF).
    expect(calls[0]?.args[0].input.ResourceOwner).toBeUndefined();
    expect(pcaMock.commandCalls(GET_CERTIFICATE)).toHaveLength(0);
    expect(r.complete()).toBe(true);
  });

  it('maps a listed CA: IMPORTED (nothing renews it), its status, type and the CA tiers', async () => {
    pagedPca([authority(1, 100, { Type: 'ROOT', Status: 'DISABLED' })]);
    const [rec] = await listAll(reader());
    expect(rec).toMatchObject({
      source: 'pca',
      id: arnOf(1),
      region: REGION,
      account: ACCOUNT,
      domain: 'ca1.example.internal',
      sans: [],
      type: 'IMPORTED',
      status: 'DISABLED',
      keyAlgorithm: 'EC_prime256v1',
      labels: { caType: 'ROOT', usageMode: 'GENERAL_PURPOSE' },
      thresholds: PCA_DEFAULT_THRESHOLDS,
    });
    expect(rec?.notAfter?.getTime()).toBe(NOW.getTime() + 100 * DAY_MS);
  });

  it('lists CAs without a certificate (pending, creating, failed) and deleted ones with no expiry, ok', async () => {
    const statuses = ['PENDING_CERTIFICATE', 'CREATING', 'FAILED', 'DELETED'] as const;
    // A deleted CA still has its NotAfter in the listing: it issues nothing, so it is not graded.
    pagedPca(statuses.map((Status, i) => authority(i, Status === 'DELETED' ? 10 : null, { Status })));
    const result = await scan(reader());
    expect(result.itemErrors).toEqual([]);
    expect(
      result.certificates.map((c) => [c.record.status, c.record.notAfter, c.evaluation.severity]),
    ).toEqual(expect.arrayContaining(statuses.map((s) => [s, undefined, 'ok'])));
    expect(pcaMock.commandCalls(GET_CERTIFICATE)).toHaveLength(0);
  });

  it('one CA whose expiry cannot be known is reported, the rest listed, and the scope is incomplete', async () => {
    pagedPca([
      authority(1, 200),
      authority(2, null, { Status: 'ACTIVE' }),
      authority(3, 20),
      { ...authority(4, 50), Arn: undefined },
    ]);
    pcaMock
      .on(GET_CERTIFICATE)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    const result = await scan(reader());
    expect(result.certificates.map((c) => c.record.id).sort()).toEqual([arnOf(1), arnOf(3)]);
    expect(result.itemErrors).toEqual([
      {
        scope: SCOPE.key,
        item: arnOf(2),
        code: 'AccessDeniedException',
        message: expect.stringMatching(/ACTIVE CA listed without NotAfter.*User is not authorized/),
      },
      {
        scope: SCOPE.key,
        item: `${SCOPE.key}#4`,
        code: 'CA_WITHOUT_ARN',
        message: expect.stringContaining('no ARN'),
      },
    ]);
    // A skipped CA may be tracked: its absence must prove nothing to the lifecycle.
    expect(result.scopesFailed.map((f) => f.code)).toEqual(['SCOPE_INCOMPLETE']);
  });
});

describe('CA tiers: graded by the source, not the watcher', () => {
  it('grades every CA from the listing alone with 365/180/90/30, critical 30', async () => {
    pagedPca([authority(1, 400), authority(2, 300), authority(3, 100), authority(4, 25), authority(5, -2)]);
    pcaMock.on(GET_CERTIFICATE).rejects(new Error('not under test'));
    const result = await scan(reader());
    const by = Object.fromEntries(result.certificates.map((c) => [c.record.domain, c.evaluation]));
    // With the watcher's 30-day window, the first three would all be ok.
    expect(by['ca1.example.internal']).toMatchObject({ severity: 'ok', tierDays: null });
    expect(by['ca2.example.internal']).toMatchObject({ severity: 'warning', tierDays: 365 });
    expect(by['ca3.example.internal']).toMatchObject({ severity: 'warning', tierDays: 180 });
    expect(by['ca4.example.internal']).toMatchObject({ severity: 'critical', tierDays: 30 });
    expect(by['ca5.example.internal']).toMatchObject({ severity: 'expired', renewsAutomatically: false });
  });

  it('takes tiers and critical days from the options, as JSON or as CLI strings', async () => {
    pagedPca([authority(1, 50)]);
    pcaMock.on(GET_CERTIFICATE).rejects(new Error('not under test'));
    const result = await scan(reader({ tiersDays: '60,20', criticalDays: '20' }));
    expect(result.certificates[0]?.evaluation).toMatchObject({ severity: 'warning', tierDays: 60 });
    expect(result.certificates[0]?.record.thresholds).toEqual({ tiersDays: [60, 20], criticalDays: 20 });
    expect(parsePcaOptions({ tiersDays: [500, 100], criticalDays: 100 }).thresholds.tiersDays).toEqual([
      500, 100,
    ]);
  });

  it('refuses bad options naming the value', () => {
    expect(() => parsePcaOptions({ tiersDays: [30, 90] })).toThrow(/strictly descending.*\[30, 90\]/);
    expect(() => parsePcaOptions({ criticalDays: 'soon' })).toThrow(
      /criticalDays must be a number of days, got "soon"/,
    );
    expect(() => parsePcaOptions({ tiersDays: [20, 10] })).toThrow(/criticalDays \(30\) must not exceed/);
    expect(() => parsePcaOptions({ issuanceValidityDays: 0 })).toThrow(InvalidSourceSettingError);
    expect(() => buildSources([{ kind: 'pca', regions: [REGION], options: { tiersDays: 'x' } }])).toThrow(
      /pca options: tiersDays\[0\] must be a number of days, got "x"/,
    );
  });

  it('the lifecycle grades a CA record by the same tiers, also when rebuilt from its stored snapshot', () => {
    const record: CertificateRecord = {
      source: 'pca',
      id: arnOf(1),
      domain: 'ca',
      sans: [],
      type: 'IMPORTED',
      notBefore: daysFrom(NOW, -20),
      notAfter: daysFrom(NOW, 40),
      thresholds: PCA_DEFAULT_THRESHOLDS,
    };
    // Its lifetime (60 days) would make it "short-lived" for the watcher: the CA tiers still win.
    const config = lifecycleConfig();
    const fresh = effectiveThresholds(record, 60, config);
    const stored = effectiveThresholds(recordFromDetail(toCertificateDetail(record)), 60, config);
    expect(fresh).toEqual({ thresholds: PCA_DEFAULT_THRESHOLDS, basis: 'days' });
    expect(stored).toEqual(fresh);
    // Records without their own tiers are unchanged: the watcher's.
    const { thresholds: _own, ...plain } = record;
    expect(effectiveThresholds({ ...plain, notBefore: daysFrom(NOW, -300) }, 340, config).thresholds).toBe(
      config.thresholds,
    );
  });
});

describe('issued certificates are capped by the CA expiry', () => {
  const at = (days: number) => daysFrom(NOW, days);
  it.each([
    ['general purpose, 300 days left < 395', { notAfter: at(300), status: 'ACTIVE' }, 395, true],
    ['general purpose, 400 days left', { notAfter: at(400), status: 'ACTIVE' }, 395, false],
    ['disabled CA (it may be enabled again)', { notAfter: at(60), status: 'DISABLED' }, 395, true],
    ['expired CA: the expiry says it all', { notAfter: at(-1), status: 'EXPIRED' }, 395, false],
    [
      'short-lived mode issues 7 days: 60 left is enough',
      { notAfter: at(60), status: 'ACTIVE', usageMode: 'SHORT_LIVED_CERTIFICATE' },
      395,
      false,
    ],
    [
      'short-lived mode, 5 days left',
      { notAfter: at(5), status: 'ACTIVE', usageMode: 'SHORT_LIVED_CERTIFICATE' },
      395,
      true,
    ],
    ['configured 30-day issuance, 60 left', { notAfter: at(60), status: 'ACTIVE' }, 30, false],
  ])('%s', (_name, ca, validity, capped) => {
    const reason = issuanceCappedReason(ca, validity, NOW);
    if (!capped) return expect(reason).toBeUndefined();
    expect(reason).toMatch(
      new RegExp(`^${ISSUANCE_CAPPED}: issued certificates are capped by the CA's expiry`),
    );
    // No day count: the stored state must not change every day.
    expect(reason).toContain(ca.notAfter.toISOString());
    expect(issuanceCappedReason(ca, validity, daysFrom(NOW, 1))).toBe(reason);
  });

  it('a listed CA with 60 days left carries the reason in its record and its event detail', async () => {
    pagedPca([authority(1, 60)]);
    pcaMock.on(GET_CERTIFICATE).rejects(new Error('not under test'));
    const [c] = (await scan(reader())).certificates;
    expect(c?.record.renewalReason).toMatch(/^ISSUANCE_CAPPED: .*395-day validity/);
    expect(toCertificateDetail(c?.record as CertificateRecord).renewalReason).toBe(c?.record.renewalReason);
  });
});

describe('enrich: the real CA certificate and chain, only for reported CAs', () => {
  let root: GeneratedCert;
  let sub: GeneratedCert;
  beforeAll(async () => {
    root = await createCertificate({
      commonName: 'Example Root CA',
      isCa: true,
      notBefore: daysFrom(NOW, -3000),
      notAfter: daysFrom(NOW, 3000),
    });
    sub = await createCertificate({
      commonName: 'Example Issuing CA',
      isCa: true,
      issuer: root,
      notBefore: daysFrom(NOW, -700),
      notAfter: daysFrom(NOW, 60),
    });
  });

  it('fetches the certificate of reported CAs only; fingerprint, subject, issuer, dates and chain come from it', async () => {
    pagedPca([authority(1, 60), authority(2, 900)]);
    pcaMock.on(GET_CERTIFICATE).resolves({
      Certificate: sub.certPem,
      CertificateChain: root.certPem,
    });
    const result = await scan(reader());
    expect(pcaMock.commandCalls(GET_CERTIFICATE).map((c) => c.args[0].input)).toEqual([
      { CertificateAuthorityArn: arnOf(1) },
    ]);
    const reported = result.certificates.find((c) => c.record.id === arnOf(1))?.record;
    expect(reported).toMatchObject({
      source: 'pca',
      domain: 'Example Issuing CA',
      subject: 'CN=Example Issuing CA',
      issuer: 'CN=Example Root CA',
      fingerprintSha256: new (await import('node:crypto')).X509Certificate(sub.certPem).fingerprint256,
      notAfter: sub.cert.notAfter,
      type: 'IMPORTED',
      status: 'ACTIVE',
      labels: {
        caType: 'SUBORDINATE',
        usageMode: 'GENERAL_PURPOSE',
        chainLength: '1',
        chainNotAfter: root.cert.notAfter.toISOString(),
      },
      thresholds: PCA_DEFAULT_THRESHOLDS,
      renewalReason: expect.stringMatching(/^ISSUANCE_CAPPED/),
    });
    const json = JSON.stringify([result, toCertificateDetail(reported as CertificateRecord)]);
    for (const key of [root.keyPem, sub.keyPem]) {
      const body = key.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, '');
      expect(json).not.toContain(body.slice(0, 40));
    }
  });

  it('a parent in the chain expiring before the CA is said in renewalReason, beside the capping', async () => {
    const shortRoot = await createCertificate({
      commonName: 'Short Root CA',
      isCa: true,
      notBefore: daysFrom(NOW, -3000),
      notAfter: daysFrom(NOW, 20),
    });
    pagedPca([authority(1, 60)]);
    pcaMock.on(GET_CERTIFICATE).resolves({ Certificate: sub.certPem, CertificateChain: shortRoot.certPem });
    const [c] = (await scan(reader())).certificates;
    expect(c?.record.renewalReason).toMatch(
      /^ISSUANCE_CAPPED: .*; CHAIN_EXPIRES_FIRST: chain certificate "CN=Short Root CA" expires .*, before this CA$/,
    );
    expect(c?.record.labels?.chainNotAfter).toBe(shortRoot.cert.notAfter.toISOString());
    // The CA is still graded by its own expiry: the parent is a CA of its own, graded where it lives.
    expect(c?.record.notAfter?.getTime()).toBe(sub.cert.notAfter.getTime());
  });

  it('a root CA has no chain; an unreadable certificate keeps the listing data', async () => {
    pagedPca([authority(1, 20, { Type: 'ROOT' }), authority(2, 10)]);
    pcaMock
      .on(GET_CERTIFICATE, { CertificateAuthorityArn: arnOf(1) })
      .resolves({ Certificate: root.certPem })
      .on(GET_CERTIFICATE, { CertificateAuthorityArn: arnOf(2) })
      .resolves({ Certificate: 'not a certificate' });
    const result = await scan(reader());
    const by = Object.fromEntries(result.certificates.map((c) => [c.record.id, c]));
    expect(by[arnOf(1)]?.record.labels).toMatchObject({ caType: 'ROOT', chainLength: '0' });
    expect(by[arnOf(1)]?.record.labels?.chainNotAfter).toBeUndefined();
    expect(by[arnOf(2)]?.record.fingerprintSha256).toBeUndefined();
    expect(by[arnOf(2)]?.evaluation.severity).toBe('critical');
  });
});

describe('failures and throttling', () => {
  const throttled = { __type: 'ThrottlingException', message: 'Rate exceeded' };
  /** Fakes the HTTP layer: listing answers in turn, certificate reads are denied. */
  const fakeHttp = (bodies: { status: number; body: unknown }[]) => {
    let listCalls = 0;
    return {
      listCalls: () => listCalls,
      handle: async (request: { headers: Record<string, string> }) => {
        const isList = request.headers['x-amz-target']?.endsWith('.ListCertificateAuthorities');
        const next = isList
          ? (bodies[Math.min(listCalls++, bodies.length - 1)] as { status: number; body: unknown })
          : { status: 400, body: { __type: 'AccessDeniedException', message: 'denied' } };
        return {
          response: {
            statusCode: next.status,
            headers: { 'content-type': 'application/x-amz-json-1.1' },
            body: Readable.from([Buffer.from(JSON.stringify(next.body))]),
          },
        };
      },
    };
  };

  it('retries a throttled ListCertificateAuthorities with backoff and then succeeds (real SDK retry)', async () => {
    // aws-sdk-client-mock replaces send() and skips retries, so this fakes the HTTP layer instead.
    pcaMock.restore();
    const http = fakeHttp([
      { status: 400, body: throttled },
      { status: 400, body: throttled },
      {
        status: 200,
        body: {
          CertificateAuthorities: [
            { ...authority(1, 20), NotAfter: (NOW.getTime() + 20 * DAY_MS) / 1000, NotBefore: 0 },
          ],
        },
      },
    ]);
    const client = new ACMPCAClient({
      region: REGION,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      retryMode: 'adaptive',
      maxAttempts: 4,
      requestHandler: { handle: http.handle } as never,
    });
    const r = new PcaScopeReader(SCOPE, client, parsePcaOptions(), () => NOW);
    const result = await runScan([r], {
      scanId: 's1',
      now: NOW,
      thresholds: DEFAULT_THRESHOLDS,
      enrichConcurrency: 1,
    });
    expect(result.scopesFailed).toEqual([]);
    expect(result.counts.critical).toBe(1);
    expect(http.listCalls()).toBe(3);
  });

  it('a region that cannot be listed fails alone and is reported with its code', async () => {
    const ok = new ACMPCAClient({ region: REGION });
    const broken = new ACMPCAClient({ region: 'ap-south-2' });
    mockPca(ok)
      .on(LIST)
      .resolves({ CertificateAuthorities: [authority(1, 400)] });
    mockPca(broken)
      .on(LIST)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const source = new PcaSource([REGION, 'ap-south-2'], {
      clientFor: (region) => (region === REGION ? ok : broken),
      clock: () => NOW,
    });
    const result = await runScan(
      source.scopes(ACCOUNT).map((s) => source.reader(s)),
      { scanId: 's1', now: NOW, thresholds: DEFAULT_THRESHOLDS },
    );
    expect(result.scopesScanned.map((s) => s.key)).toEqual([`pca#${ACCOUNT}#${REGION}`]);
    expect(result.scopesFailed).toEqual([
      { scope: pcaScope(ACCOUNT, 'ap-south-2'), code: 'AccessDeniedException', message: 'not authorized' },
    ]);
  });
});
