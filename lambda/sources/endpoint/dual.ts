/**
 * Dual-certificate servers (docs/endpoints.md, "Dual certificates"): many servers hold an ECDSA and
 * an RSA certificate and pick one by what the client offers (nginx, Apache and HAProxy with two
 * certificates configured; CDNs). Our first handshake offers everything and gets one of them; a
 * second handshake offering only the other key family (its signature algorithms, RFC 8446 §4.2.3,
 * and for TLS 1.2 its cipher suites' authentication, RFC 5246 §7.4.2) gets the other, if there is
 * one. Both are then watched at the address, the second under its own location
 * (`host:port#rsa@address`), so the lifecycle tracks each.
 */
import * as tls from 'node:tls';
import { type CertInfo, certInfo } from './cert-info';
import { type Handshake, type HandshakeTarget, handshake } from './handshake';

/** The key family a server certificate signs the handshake with. */
export type KeyFamily = 'ecdsa' | 'rsa';

/** RSA and RSA-PSS keys are 'rsa'; EC and EdDSA keys are 'ecdsa' (both are offered together). */
export const keyFamilyOf = (keyType: string): KeyFamily | undefined => {
  if (keyType === 'RSA' || keyType === 'RSA-PSS') return 'rsa';
  if (keyType === 'EC' || keyType === 'Ed25519' || keyType === 'Ed448') return 'ecdsa';
  return undefined;
};

/** What a client that can only verify one family offers (OpenSSL sigalgs and cipher strings). */
const OFFER: Readonly<Record<KeyFamily, { sigalgs: string; ciphers: string }>> = {
  rsa: {
    sigalgs:
      'rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:RSA+SHA256:RSA+SHA384:RSA+SHA512:RSA+SHA1',
    ciphers: 'aRSA:@SECLEVEL=0',
  },
  ecdsa: {
    sigalgs: 'ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:ed25519:ed448:ECDSA+SHA1',
    ciphers: 'aECDSA:@SECLEVEL=0',
  },
};

const contexts = new Map<KeyFamily, tls.SecureContext>();
/** One shared client context per family, like the default one (empty CA store: we verify ourselves). */
const contextFor = (family: KeyFamily): tls.SecureContext => {
  let context = contexts.get(family);
  if (!context) {
    context = tls.createSecureContext({ ca: [], minVersion: 'TLSv1', ...OFFER[family] });
    contexts.set(family, context);
  }
  return context;
};

export interface OtherCertificate {
  /** The family offered, which the second leaf has: the suffix of its location. */
  readonly variant: KeyFamily;
  readonly shake: Handshake;
}

/**
 * The server's certificate of the other key family than `first`, or undefined when it has none
 * (the handshake fails for want of a common algorithm, or returns the same leaf). Costs one more
 * handshake (connect, STARTTLS, TLS) with its own deadline of `timeoutMs`; never throws.
 */
export const otherCertificate = async (
  target: HandshakeTarget,
  address: string,
  ipFamily: 4 | 6,
  first: CertInfo,
): Promise<OtherCertificate | undefined> => {
  const firstFamily = keyFamilyOf(first.keyType);
  if (firstFamily === undefined) return undefined;
  const variant: KeyFamily = firstFamily === 'ecdsa' ? 'rsa' : 'ecdsa';
  let shake: Handshake;
  try {
    shake = await handshake(target, address, ipFamily, contextFor(variant));
  } catch {
    return undefined; // no certificate of that family, or the server refused the narrower offer
  }
  const leaf = certInfo(shake.chain[0]!);
  // A different leaf of the family asked for; the same one (or another of the first family: a
  // load balancer's other backend) is no second certificate.
  if (leaf.fingerprintSha256 === first.fingerprintSha256 || keyFamilyOf(leaf.keyType) !== variant)
    return undefined;
  return { variant, shake };
};
