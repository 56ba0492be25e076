/**
 * Trust anchors: Node's bundled Mozilla roots (parsed once per process, on first use) plus
 * caller-supplied PEM. Path building (path.ts) is ours so that every problem is reported, not just
 * the first one OpenSSL meets, and so that every anchor's own expiry can count.
 */
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { type CertInfo, certInfo, isSignedBy } from './cert-info';

export class InvalidCaBundleError extends Error {
  override readonly name = 'InvalidCaBundleError';
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM bundle; throws InvalidCaBundleError when there is none or one is malformed. */
export const parsePemBundle = (pem: string, origin = 'CA bundle'): X509Certificate[] => {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new InvalidCaBundleError(`${origin} contains no PEM certificate`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new InvalidCaBundleError(
        `${origin}: certificate #${i + 1} is not valid PEM/DER (${(err as Error).message})`,
      );
    }
  });
};

export class TrustStore {
  private readonly bySubject = new Map<string, CertInfo[]>();
  private readonly fingerprints = new Set<string>();

  constructor(anchors: readonly X509Certificate[]) {
    for (const x509 of anchors) {
      const info = certInfo(x509);
      if (this.fingerprints.has(info.fingerprintSha256)) continue;
      this.fingerprints.add(info.fingerprintSha256);
      const list = this.bySubject.get(info.subject);
      if (list) list.push(info);
      else this.bySubject.set(info.subject, [info]);
    }
  }

  get size(): number {
    return this.fingerprints.size;
  }

  isAnchor(cert: CertInfo): boolean {
    return this.fingerprints.has(cert.fingerprintSha256);
  }

  /** Every anchor that signed `cert` (a re-issued root keeps its name and key: several may). */
  issuersOf(cert: CertInfo): CertInfo[] {
    return (this.bySubject.get(cert.issuer) ?? []).filter((anchor) => isSignedBy(cert, anchor));
  }
}

let systemRoots: X509Certificate[] | undefined;
const systemRootCertificates = (): X509Certificate[] => {
  systemRoots ??= tls.rootCertificates.map((pem) => new X509Certificate(pem));
  return systemRoots;
};

const storeCache = new Map<string, TrustStore>();
const storeByArray = new WeakMap<readonly string[], TrustStore>();

/** A store for these options; built once per distinct bundle and reused across probes. */
export const trustStoreFor = (caPems: readonly string[] = [], useSystemRoots = true): TrustStore => {
  const same = useSystemRoots ? storeByArray.get(caPems) : undefined;
  if (same) return same;
  const key = `${useSystemRoots ? 'sys' : 'nosys'}\0${caPems.join('\0')}`;
  let store = storeCache.get(key);
  if (!store) {
    const extra = caPems.flatMap((pem, i) => parsePemBundle(pem, `caPems[${i}]`));
    store = new TrustStore([...(useSystemRoots ? systemRootCertificates() : []), ...extra]);
    if (storeCache.size > 16) storeCache.clear();
    storeCache.set(key, store);
  }
  if (useSystemRoots) storeByArray.set(caPems, store);
  return store;
};

/** Intermediates seen on trusted paths, to tell an omitted intermediate from an unknown issuer. */
const knownIntermediates = new Map<string, CertInfo>();

export const rememberIntermediate = (cert: CertInfo): void => {
  if (knownIntermediates.size >= 5_000) knownIntermediates.clear();
  knownIntermediates.set(cert.fingerprintSha256, cert);
};

export const findKnownIntermediate = (cert: CertInfo): CertInfo | undefined => {
  for (const candidate of knownIntermediates.values()) {
    if (candidate.subject === cert.issuer && isSignedBy(cert, candidate)) return candidate;
  }
  return undefined;
};
