/**
 * The prober's per-run caches (issue #15) on real generated certificates: a kept chain analysis is
 * returned only for the same chain, name, trust store, verdict policy and instant; the
 * dual-certificate rule says when a second handshake can find a certificate a client is served.
 */
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, thresholdsFromWindow } from '../../lambda/core/evaluate';
import { keepAnalysis, keptAnalysis } from '../../lambda/sources/endpoint/analysis-cache';
import { analyzeChain } from '../../lambda/sources/endpoint/analyze';
import { certInfo } from '../../lambda/sources/endpoint/cert-info';
import { certificateNameKey } from '../../lambda/sources/endpoint/der';
import { twinFamilyAfter } from '../../lambda/sources/endpoint/dual';
import { screenAddresses } from '../../lambda/sources/endpoint/resolve';
import { TrustStore, trustStoreFor } from '../../lambda/sources/endpoint/trust';
import { createCertificate, daysFrom, type GeneratedCert } from '../support/certs';

const now = new Date();
const info = (c: GeneratedCert) => certInfo(new X509Certificate(c.certPem));
let root: GeneratedCert;
let otherRoot: GeneratedCert;
let intermediate: GeneratedCert;
let leafA: GeneratedCert;
let leafB: GeneratedCert;
let store: TrustStore;

beforeAll(async () => {
  // Long-lived leaves: the day tiers apply (not the short-lifetime rule).
  const validity = (days: number) => ({ notBefore: daysFrom(now, -300), notAfter: daysFrom(now, days) });
  root = await createCertificate({ commonName: 'Cache Root', ...validity(3650), isCa: true });
  otherRoot = await createCertificate({ commonName: 'Other Root', ...validity(3650), isCa: true });
  intermediate = await createCertificate({
    commonName: 'Cache Intermediate',
    ...validity(1000),
    isCa: true,
    issuer: root,
  });
  leafA = await createCertificate({ commonName: 'a.cache.test', ...validity(20), issuer: intermediate });
  leafB = await createCertificate({ commonName: 'b.cache.test', ...validity(200), issuer: intermediate });
  store = new TrustStore([new X509Certificate(root.certPem)]);
});

const input = (over: Partial<Parameters<typeof analyzeChain>[0]> = {}) => ({
  sent: [info(leafA), info(intermediate)],
  expectedName: 'a.cache.test',
  now,
  thresholds: DEFAULT_THRESHOLDS,
  trustStore: store,
  ...over,
});

describe('kept chain analyses', () => {
  it('gives back the analysis of the same chain, name, store, policy and instant, with its own problems list', () => {
    const key = input();
    const fresh = analyzeChain(key);
    expect(fresh.trusted).toBe(true);
    expect(fresh.expiryStatus).toBe('warning');
    keepAnalysis(key, fresh);
    const kept = keptAnalysis(input())!;
    expect(kept).toEqual(fresh);
    // A probe adds its own problems (CLIENT_CERT_REQUIRED): the next one must not see them.
    kept.problems.push({ code: 'EXTRA_CERTIFICATE', severity: 'info', message: 'added by one probe' });
    expect(keptAnalysis(input())!.problems).toEqual(fresh.problems);
  });

  it('misses for anything the analysis depends on, each of which changes the result', () => {
    keepAnalysis(input(), analyzeChain(input()));
    const variants = {
      'another leaf on the same intermediate': input({ sent: [info(leafB), info(intermediate)] }),
      'the same leaf sent without its intermediate': input({ sent: [info(leafA)] }),
      'another name': input({ expectedName: 'b.cache.test' }),
      'another trust store': input({ trustStore: new TrustStore([new X509Certificate(otherRoot.certPem)]) }),
      'another verdict policy': input({ thresholds: thresholdsFromWindow(10, 5) }),
    };
    const reference = analyzeChain(input());
    for (const [what, key] of Object.entries(variants)) {
      expect(keptAnalysis(key), what).toBeUndefined();
      const fresh = analyzeChain(key);
      expect(
        [fresh.expiryStatus, fresh.leaf.subject, fresh.trusted, fresh.problems.map((p) => p.code).join()],
        what,
      ).not.toEqual([
        reference.expiryStatus,
        reference.leaf.subject,
        reference.trusted,
        reference.problems.map((p) => p.code).join(),
      ]);
    }
    // The first key is still kept beside them.
    expect(keptAnalysis(input())).toEqual(reference);
  });

  it('keeps one instant: another `now` misses and forgets the analyses of the previous one', () => {
    keepAnalysis(input(), analyzeChain(input()));
    const later = daysFrom(now, 15);
    expect(keptAnalysis(input({ now: later }))).toBeUndefined();
    expect(analyzeChain(input({ now: later })).expiryStatus).toBe('critical');
    expect(keptAnalysis(input())).toBeUndefined();
  });

  it('does not keep an untrusted analysis (it can depend on AIA fetches and intermediates seen before)', () => {
    const key = input({ sent: [info(leafA)] });
    const untrusted = analyzeChain(key);
    expect(untrusted.trusted).toBe(false);
    keepAnalysis(key, untrusted);
    expect(keptAnalysis(key)).toBeUndefined();
  });
});

describe('the dual-certificate rule', () => {
  it('looks for an RSA twin after an ECDSA or EdDSA leaf, and for nothing after an RSA or unknown one', () => {
    expect(['EC', 'Ed25519', 'Ed448', 'RSA', 'RSA-PSS', 'DSA'].map(twinFamilyAfter)).toEqual([
      'rsa',
      'rsa',
      'rsa',
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('address screening, remembered per address', () => {
  it('refuses the metadata address every time it is asked, and allows the loopback every time', () => {
    for (let i = 0; i < 3; i++) {
      const { allowed, refused } = screenAddresses(
        'x.test',
        [
          { address: '127.0.0.1', family: 4 },
          { address: '169.254.169.254', family: 4 },
        ],
        false,
      );
      expect(allowed.map((a) => a.address)).toEqual(['127.0.0.1']);
      expect(refused.map((r) => [r.address.address, r.error.name])).toEqual([
        ['169.254.169.254', 'AddressRefusedError'],
      ]);
    }
  });
});

describe('the bundled roots, indexed unparsed and parsed when a path asks', () => {
  it('finds every bundled root as an anchor and as its own issuer (the name index misses none)', () => {
    const store = trustStoreFor([], true);
    const roots = rootCertificates.map((pem) => certInfo(new X509Certificate(pem)));
    expect(store.size).toBe(new Set(roots.map((r) => r.fingerprintSha256)).size);
    const missed = roots.filter(
      (root) =>
        !store.isAnchor(root) ||
        (root.selfSigned &&
          !store.issuersOf(root).some((a) => a.fingerprintSha256 === root.fingerprintSha256)),
    );
    expect(missed.map((r) => r.subject)).toEqual([]);
  });

  it('keys a name by its last commonName, case and spacing aside', () => {
    const der = new X509Certificate(leafA.certPem).raw;
    expect(certificateNameKey(der, 'subject')).toBe('a.cache.test');
    expect(certificateNameKey(der, 'issuer')).toBe('cache intermediate');
  });

  it('a chain to a bundle root is trusted beside the system roots, and not without the bundle', () => {
    const sent = [info(leafA), info(intermediate)];
    const withBundle = analyzeChain(input({ sent, trustStore: trustStoreFor([root.certPem], true) }));
    const systemOnly = analyzeChain(input({ sent, trustStore: trustStoreFor([], true) }));
    expect([withBundle.trusted, systemOnly.trusted]).toEqual([true, false]);
  });
});
