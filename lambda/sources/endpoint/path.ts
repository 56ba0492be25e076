/**
 * Certification path building (RFC 5280 §6, RFC 4158): from the leaf, through the certificates the
 * server sent (and any fetched from AIA caIssuers URLs), to a trust anchor, the way OpenSSL, Go and
 * browsers build it. Every path is explored (bounded), and the best one is kept: the certificates a
 * client does not need can then no longer decide the verdict.
 *
 * Checks per step (RFC 5280 §6.1.3/§6.1.4): the issuer's subject equals the child's issuer name,
 * its key identifiers and keyUsage allow the issue (OpenSSL `X509_check_issued`, via
 * `X509Certificate.checkIssued`), the signature verifies with its public key, and a non-anchor
 * issuer is a CA (basicConstraints cA). Validity periods rank paths (a client accepts only a path
 * valid now). Not checked: pathLenConstraint, name constraints, certificate policies, extended key
 * usage and revocation.
 */
import { type CertInfo, isSignedBy } from './cert-info';
import type { TrustStore } from './trust';

/** Where a certificate on a path came from. */
export type PathSource = 'sent' | 'trust-store' | 'aia';

export interface PathCert {
  readonly cert: CertInfo;
  readonly source: PathSource;
}

export type TrustPath =
  /** Ends at a trust anchor (the last element; the leaf itself when it is an anchor). */
  | { readonly complete: true; readonly certs: readonly PathCert[] }
  /**
   * No anchor reached. `root`: ends at a self-signed certificate that is not an anchor;
   * `missing-issuer`: the last certificate's issuer is neither sent, fetched nor an anchor.
   */
  | {
      readonly complete: false;
      readonly end: 'root' | 'missing-issuer';
      readonly certs: readonly PathCert[];
    };

/** OpenSSL's default verify depth; real paths hold 2-4 certificates. Bounds hostile chains. */
const MAX_PATH_LENGTH = 100;
/** Steps explored at most, whatever the pool: keeps a hostile chain of many cross-signs cheap. */
const MAX_STEPS = 2_000;

const validAt = (cert: CertInfo, now: Date): boolean =>
  cert.notBefore.getTime() <= now.getTime() && now.getTime() <= cert.notAfter.getTime();

const earliestNotAfter = (certs: readonly PathCert[]): number =>
  Math.min(...certs.map((c) => c.cert.notAfter.getTime()));

/**
 * Path order, best first: valid now on every element (what a client accepts), then the latest
 * earliest expiry (the path that keeps working longest), then the shorter path.
 */
const better = (a: readonly PathCert[], b: readonly PathCert[], now: Date): boolean => {
  const va = a.every((c) => validAt(c.cert, now));
  const vb = b.every((c) => validAt(c.cert, now));
  if (va !== vb) return va;
  const ea = earliestNotAfter(a);
  const eb = earliestNotAfter(b);
  if (ea !== eb) return ea > eb;
  return a.length < b.length;
};

/**
 * The best path from `leaf` to an anchor of `store` through `pool` (sent certificates, then fetched
 * ones); when none exists, the longest partial path, preferring one that ends at an untrusted root.
 */
export const buildPath = (
  leaf: CertInfo,
  pool: readonly PathCert[],
  store: TrustStore,
  now: Date,
): TrustPath => {
  let best: PathCert[] | undefined;
  let partial: { end: 'root' | 'missing-issuer'; certs: PathCert[] } | undefined;
  let steps = 0;

  const deadEnd = (end: 'root' | 'missing-issuer', certs: PathCert[]): void => {
    const rank = (p: { end: string; certs: PathCert[] }) => (p.end === 'root' ? 1_000 : 0) + p.certs.length;
    if (!partial || rank({ end, certs }) > rank(partial)) partial = { end, certs: [...certs] };
  };
  const complete = (certs: PathCert[]): void => {
    if (!best || better(certs, best, now)) best = [...certs];
  };

  const walk = (path: PathCert[]): void => {
    if (++steps > MAX_STEPS) return;
    const current = path[path.length - 1]!.cert;
    if (store.isAnchor(current)) {
      complete(path);
      return;
    }
    // A self-signed certificate that is not an anchor ends the path: nothing can vouch for it.
    if (current.selfSigned) {
      deadEnd('root', path);
      return;
    }
    let extended = false;
    for (const anchor of store.issuersOf(current)) {
      extended = true;
      complete([...path, { cert: anchor, source: 'trust-store' }]);
    }
    if (path.length >= MAX_PATH_LENGTH) return;
    for (const candidate of pool) {
      const next = candidate.cert;
      if (
        next.subject !== current.issuer ||
        !next.isCa ||
        path.some((p) => p.cert.fingerprintSha256 === next.fingerprintSha256) ||
        !isSignedBy(current, next)
      )
        continue;
      extended = true;
      walk([...path, candidate]);
    }
    if (!extended) deadEnd('missing-issuer', path);
  };

  walk([{ cert: leaf, source: 'sent' }]);
  if (best) return { complete: true, certs: best };
  return {
    complete: false,
    ...(partial ?? { end: 'missing-issuer', certs: [{ cert: leaf, source: 'sent' }] }),
  };
};

/** Distinct certificates of `pool`, first occurrence kept (servers sometimes repeat one). */
export const distinctPool = (certs: readonly PathCert[]): PathCert[] => {
  const seen = new Set<string>();
  return certs.filter((c) => {
    if (seen.has(c.cert.fingerprintSha256)) return false;
    seen.add(c.cert.fingerprintSha256);
    return true;
  });
};
