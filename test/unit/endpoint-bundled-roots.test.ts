/**
 * Issue #10, last point: trust anchors from Node's bundled Mozilla store (`tls.rootCertificates`),
 * the store the deployed prober and `check` use by default. No private key of a bundled root is
 * available, so no certificate it really issued can be made here; what can be tested honestly is
 * tested: every bundled root is an anchor with its own expiry, and a certificate that only *names*
 * a bundled root as its issuer (signed by another key) is never taken for a path to it.
 * A real chain to a bundled root needs a public server (the network); no test here does that.
 */
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { certInfo } from '../../lambda/sources/endpoint/cert-info';
import { buildPath } from '../../lambda/sources/endpoint/path';
import { trustStoreFor } from '../../lambda/sources/endpoint/trust';
import { createCertificate, daysFrom, type GeneratedCert, generateKeys } from '../support/certs';

const now = new Date();
const bundled = tls.rootCertificates.map((pem) => new X509Certificate(pem));
// A bundled root valid now, with a common name (most have one).
const root = bundled.find(
  (r) =>
    Date.parse(r.validTo) > now.getTime() && Date.parse(r.validFrom) < now.getTime() && /CN=/.test(r.subject),
)!;

/** An intermediate whose issuer name is the bundled root's subject, signed by a key of ours. */
const forgedChain = async () => {
  const keys = await generateKeys({ kind: 'ec' }, 'SHA-256', true);
  // The issuer as the generator needs it: the bundled root's name with our key pair.
  const claimed = { subject: root.subject.split('\n').join(', '), keys } as unknown as GeneratedCert;
  const intermediate = await createCertificate({
    commonName: 'Impostor Intermediate',
    notBefore: daysFrom(now, -10),
    notAfter: daysFrom(now, 365),
    isCa: true,
    issuer: claimed,
  });
  const leaf = await createCertificate({
    commonName: 'shop.example',
    notBefore: daysFrom(now, -1),
    notAfter: daysFrom(now, 90),
    issuer: intermediate,
  });
  return { intermediate, leaf };
};

describe("Node's bundled root store as trust anchors", () => {
  it('holds every bundled root once', () => {
    expect(bundled.length).toBeGreaterThan(100);
    expect(trustStoreFor([], true).size).toBe(new Set(bundled.map((r) => r.fingerprint256)).size);
    expect(trustStoreFor([], false).size).toBe(0);
  });

  it("a bundled root is an anchor, and the path's expiry is the root's own notAfter (the anchor rule)", () => {
    const path = buildPath(certInfo(root), [], trustStoreFor([], true), now);
    expect(path.complete).toBe(true);
    expect(path.certs).toHaveLength(1);
    expect(path.certs[0]!.cert.notAfter.getTime()).toBe(Date.parse(root.validTo));
  });

  it('an intermediate that only names a bundled root as its issuer is not a path to it', async () => {
    const { intermediate, leaf } = await forgedChain();
    const intermediateInfo = certInfo(new X509Certificate(intermediate.certPem));
    // The name matches the bundled root's subject as the path builder compares names...
    expect(intermediateInfo.issuer).toBe(certInfo(root).subject);
    const path = buildPath(
      certInfo(new X509Certificate(leaf.certPem)),
      [{ cert: intermediateInfo, source: 'sent' }],
      trustStoreFor([], true),
      now,
    );
    // ...but the signature is not the root's: no complete path, the chain stops at the impostor.
    expect(path.complete).toBe(false);
    expect(path.certs.map((c) => c.cert.subject)).toEqual([
      certInfo(new X509Certificate(leaf.certPem)).subject,
      intermediateInfo.subject,
    ]);
  });
});
