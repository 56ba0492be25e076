/** Chain analysis on real generated certificates, without a network. */
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../lambda/core/evaluate';
import { analyzeChain, EmptyChainError, leafRecord } from '../../lambda/sources/endpoint/analyze';
import { certInfo } from '../../lambda/sources/endpoint/cert-info';
import { classifyError } from '../../lambda/sources/endpoint/errors';
import { formatTarget, starttlsFor } from '../../lambda/sources/endpoint/probe';
import { StarttlsRefusedError } from '../../lambda/sources/endpoint/starttls';
import {
  InvalidCaBundleError,
  parsePemBundle,
  TrustStore,
  trustStoreFor,
} from '../../lambda/sources/endpoint/trust';
import { createCertificate, daysFrom, type GeneratedCert } from '../support/certs';

const now = new Date();
const info = (c: GeneratedCert) => certInfo(new X509Certificate(c.certPem));
let root: GeneratedCert;
let store: TrustStore;

const validity = (days: number) => ({ notBefore: daysFrom(now, -10), notAfter: daysFrom(now, days) });
const analyze = (sent: GeneratedCert[], expectedName: string) =>
  analyzeChain({
    sent: sent.map(info),
    expectedName,
    now,
    thresholds: DEFAULT_THRESHOLDS,
    trustStore: store,
  });
const codes = (a: ReturnType<typeof analyze>) => a.problems.map((p) => p.code).sort();

beforeAll(async () => {
  root = await createCertificate({ commonName: 'Unit Root', ...validity(3650), isCa: true });
  store = new TrustStore([new X509Certificate(root.certPem)]);
});

describe('analyzeChain', () => {
  it('does not flag an intermediate that outlives the leaf, or one outside the warning window', async () => {
    const later = await createCertificate({
      commonName: 'Later CA',
      ...validity(400),
      issuer: root,
      isCa: true,
    });
    const leafA = await createCertificate({ commonName: 'a.test', ...validity(90), issuer: later });
    expect(codes(analyze([leafA, later], 'a.test'))).toEqual([]);
    const sooner = await createCertificate({
      commonName: 'Sooner CA',
      ...validity(60),
      issuer: root,
      isCa: true,
    });
    const leafB = await createCertificate({ commonName: 'b.test', ...validity(90), issuer: sooner });
    const b = analyze([leafB, sooner], 'b.test');
    expect(codes(b)).toEqual([]);
    expect(b.earliestExpiry.role).toBe('intermediate');
    expect(b.expiryStatus).toBe('ok');
  });

  it('matches wildcards one label deep only', async () => {
    const ca = await createCertificate({ commonName: 'Wild CA', ...validity(400), issuer: root, isCa: true });
    const leaf = await createCertificate({ commonName: '*.example.test', ...validity(90), issuer: ca });
    expect(codes(analyze([leaf, ca], 'www.example.test'))).toEqual([]);
    expect(codes(analyze([leaf, ca], 'a.b.example.test'))).toEqual(['HOSTNAME_MISMATCH']);
    expect(codes(analyze([leaf, ca], 'example.test'))).toEqual(['HOSTNAME_MISMATCH']);
  });

  it('survives repeated and unrelated certificates in the sent chain', async () => {
    const ca = await createCertificate({
      commonName: 'Repeat CA',
      ...validity(400),
      issuer: root,
      isCa: true,
    });
    const stray = await createCertificate({ commonName: 'Stray CA', ...validity(400), isCa: true });
    const leaf = await createCertificate({ commonName: 'r.test', ...validity(90), issuer: ca });
    const a = analyze([leaf, stray, ca, ca, leaf, ca], 'r.test');
    // The stray root is off the path: a note naming it, never the verdict; repeats are not extra.
    expect(codes(a)).toEqual(['EXTRA_CERTIFICATE']);
    expect(a.problems[0]).toMatchObject({ severity: 'info' });
    expect(a.problems[0]!.message).toContain("'CN=Stray CA'");
    expect(a.problems[0]!.message).not.toContain('Repeat CA');
    expect(a.chain.map((c) => c.onPath)).toEqual([true, false, true, true, true, true]);
    expect(a.path.map((c) => c.subject)).toEqual(['CN=r.test', 'CN=Repeat CA', 'CN=Unit Root']);
    expect(a.chain.map((c) => c.role)).toEqual([
      'leaf',
      'root',
      'intermediate',
      'intermediate',
      'intermediate',
      'intermediate',
    ]);
  });

  it('reports a complete chain to an unknown root as UNTRUSTED with the trust hint, the root counting for expiry', async () => {
    const otherRoot = await createCertificate({ commonName: 'Other Root', ...validity(3), isCa: true });
    const ca = await createCertificate({
      commonName: 'Other CA',
      ...validity(400),
      issuer: otherRoot,
      isCa: true,
    });
    const leaf = await createCertificate({ commonName: 'o.test', ...validity(90), issuer: ca });
    const a = analyze([leaf, ca, otherRoot], 'o.test');
    expect(codes(a)).toEqual(['CHAIN_EXPIRING', 'UNTRUSTED']);
    const untrusted = a.problems.find((p) => p.code === 'UNTRUSTED')!;
    expect(untrusted.message).toContain("ends at root 'CN=Other Root'");
    expect(untrusted.message).toContain('--ca-file');
    expect(untrusted.message).toContain('caBundlePem');
    // Once trusted it is the anchor, and the path dies with it.
    expect(a.earliestExpiry).toMatchObject({ role: 'root', index: 2 });
    expect(a.chain[2]!.role).toBe('root');
  });

  it('names an intermediate seen on a trusted path when a server later omits it', async () => {
    const ca = await createCertificate({ commonName: 'Seen CA', ...validity(400), issuer: root, isCa: true });
    const leaf = await createCertificate({ commonName: 's.test', ...validity(90), issuer: ca });
    expect(codes(analyze([leaf, ca], 's.test'))).toEqual([]);
    const omitted = analyze([leaf], 's.test');
    expect(codes(omitted)).toEqual(['INCOMPLETE_CHAIN']);
    expect(omitted.problems[0]!.message).toContain("'CN=Seen CA'");
  });

  it('throws EmptyChainError for an empty chain', () => {
    expect(() => analyze([], 'x.test')).toThrow(EmptyChainError);
  });
});

describe('trust store', () => {
  it('rejects a CA bundle without certificates or with a broken one', () => {
    expect(() => parsePemBundle('hello', 'ca.pem')).toThrow(InvalidCaBundleError);
    expect(() =>
      parsePemBundle('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', 'ca.pem'),
    ).toThrow(/certificate #1/);
    expect(() => trustStoreFor(['garbage'])).toThrow(InvalidCaBundleError);
  });

  it('includes Node root certificates by default, once', () => {
    const a = trustStoreFor([]);
    expect(a.size).toBeGreaterThan(50);
    expect(trustStoreFor([])).toBe(a);
  });
});

describe('classifyError', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  it.each([
    [err('ECONNREFUSED'), false, 'CONNECTION_REFUSED'],
    [err('ECONNRESET'), false, 'CONNECTION_FAILED'],
    [err('ECONNRESET'), true, 'HANDSHAKE_FAILED'],
    [err('EHOSTUNREACH'), false, 'CONNECTION_FAILED'],
    [err('ERR_SSL_WRONG_VERSION_NUMBER'), true, 'NOT_TLS'],
    [err('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'), true, 'HANDSHAKE_FAILED'],
    [new StarttlsRefusedError('454 TLS not available', '454 TLS not available'), false, 'STARTTLS_REFUSED'],
  ])('maps %s (handshake started: %s) to %s', (error, started, code) => {
    expect(classifyError(error, started).code).toBe(code);
  });
});

describe('starttlsFor and formatTarget', () => {
  it('picks STARTTLS by well-known port unless told otherwise', () => {
    expect(starttlsFor({ host: 'mx', port: 25 })).toBe('smtp');
    expect(starttlsFor({ host: 'mx', port: 587 })).toBe('smtp');
    expect(starttlsFor({ host: 'db', port: 5432 })).toBe('postgres');
    expect(starttlsFor({ host: 'mx', port: 25, starttls: 'none' })).toBeUndefined();
    expect(starttlsFor({ host: 'mx', port: 25, starttls: 'imap' })).toBe('imap');
    expect(starttlsFor({ host: 'web' })).toBeUndefined();
  });

  it('brackets IPv6 literals', () => {
    expect(formatTarget('::1', 443)).toBe('[::1]:443');
    expect(formatTarget('example.com', 8443)).toBe('example.com:8443');
  });
});

describe('leafRecord', () => {
  it('names the certificate by the SNI name when an address was probed, and locates it by host, port and address', async () => {
    const now = new Date();
    const leaf = await createCertificate({
      commonName: 'api.example.com',
      notBefore: now,
      notAfter: daysFrom(now, 30),
    });
    const byAddress = leafRecord(
      info(leaf),
      { host: '203.0.113.7', port: 8443, address: '203.0.113.7', servername: 'api.example.com' },
      { team: 'x' },
    );
    expect(byAddress).toMatchObject({
      source: 'endpoint',
      id: '203.0.113.7:8443@203.0.113.7',
      domain: 'api.example.com',
      type: 'UNMANAGED',
      keyAlgorithm: 'EC_prime256v1',
      labels: { team: 'x' },
    });
    expect(leafRecord(info(leaf), { host: 'www.example.com', port: 443, address: '192.0.2.1' }).domain).toBe(
      'www.example.com',
    );
  });
});
