/**
 * Dual-certificate servers (docs/endpoints.md, "Dual certificates"): many servers hold an ECDSA and
 * an RSA certificate and pick one by what the client offers (nginx, Apache and HAProxy with two
 * certificates configured; CDNs). Our first handshake offers everything, ECDSA first (OpenSSL's
 * default signature-algorithm and cipher order), and gets one of them.
 *
 * After an ECDSA (or EdDSA) leaf, a second handshake offering only RSA (its signature algorithms,
 * RFC 8446 §4.2.3, and for TLS 1.2 its cipher suites' authentication, RFC 5246 §7.4.2) gets the
 * RSA twin, if there is one: the certificate the server gives clients without ECDSA. After an RSA
 * leaf there is no second handshake: the server ranked RSA above ECDSA for a client that prefers
 * ECDSA, so an ECDSA twin could only go to a client offering no RSA at all, and every compliant
 * client offers RSA (RFC 8446 §9.1 makes rsa_pkcs1_sha256 and rsa_pss_rsae_sha256 mandatory; TLS
 * 1.2's mandatory suite, RFC 5246 §9, is RSA): no client is served it, so there is nothing to watch.
 * Both certificates are then watched at the address, the second under its own location
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

/** What a client that can only verify RSA offers (OpenSSL sigalgs and cipher strings). */
const RSA_ONLY = {
  sigalgs:
    'rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:RSA+SHA256:RSA+SHA384:RSA+SHA512:RSA+SHA1',
  ciphers: 'aRSA:@SECLEVEL=0',
};

let rsaContext: tls.SecureContext | undefined;
/** One shared client context, like the default one (empty CA store: we verify ourselves). */
const rsaOnlyContext = (): tls.SecureContext => {
  rsaContext ??= tls.createSecureContext({ ca: [], minVersion: 'TLSv1', ...RSA_ONLY });
  return rsaContext;
};

export interface OtherCertificate {
  /** The family offered, which the second leaf has: the suffix of its location. */
  readonly variant: KeyFamily;
  readonly shake: Handshake;
}

/**
 * The family of a twin certificate some client can be served, given the first leaf's key type:
 * 'rsa' after an ECDSA or EdDSA leaf; undefined after an RSA leaf (see above) or an unknown key.
 */
export const twinFamilyAfter = (firstKeyType: string): 'rsa' | undefined =>
  keyFamilyOf(firstKeyType) === 'ecdsa' ? 'rsa' : undefined;

/**
 * The server's RSA certificate after an ECDSA/EdDSA first leaf, or undefined when it has none (the
 * handshake fails for want of a common algorithm, or returns the same leaf) or the first leaf is
 * RSA (no handshake is made: `twinFamilyAfter`). Costs one more handshake (connect, STARTTLS, TLS)
 * with its own deadline of `timeoutMs`; never throws.
 */
export const otherCertificate = async (
  target: HandshakeTarget,
  address: string,
  ipFamily: 4 | 6,
  first: CertInfo,
): Promise<OtherCertificate | undefined> => {
  const variant = twinFamilyAfter(first.keyType);
  if (variant === undefined) return undefined;
  let shake: Handshake;
  try {
    shake = await handshake(target, address, ipFamily, rsaOnlyContext());
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
