/**
 * Trust anchors: Node's bundled Mozilla roots (parsed once per process, on first use) plus
 * caller-supplied PEM. Path building (path.ts) is ours so that every problem is reported, not just
 * the first one OpenSSL meets, and so that every anchor's own expiry can count.
 */
import { createHash, X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { type CertInfo, certInfo, isSignedBy } from './cert-info';
import { certificateNameKey } from './der';

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

/**
 * Node's bundled roots, indexed without parsing them: by SHA-256 fingerprint (of the DER) and by
 * the coarse name key of their subject (der.ts). A root is parsed the first time a path asks for
 * an issuer with its key: a run trusted by --ca-file parses none of the ~140, and a public chain
 * parses the one or two it needs (parsing them all cost 20-40 ms of every CLI start).
 */
class SystemRoots {
  readonly fingerprints = new Set<string>();
  private readonly byKey = new Map<string, { pem: string; info?: CertInfo }[]>();

  constructor(pems: readonly string[]) {
    for (const pem of pems) {
      const der = Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ''), 'base64');
      let key: string;
      try {
        key = certificateNameKey(der, 'subject');
      } catch {
        key = UNKNOWN_KEY;
      }
      this.fingerprints.add(fingerprintOf(der));
      const list = this.byKey.get(key);
      if (list) list.push({ pem });
      else this.byKey.set(key, [{ pem }]);
    }
  }

  /** The roots whose subject may be `cert`'s issuer (parsed now, once). */
  candidatesFor(cert: CertInfo): CertInfo[] {
    const key = issuerKeyOf(cert);
    const lists =
      key === UNKNOWN_KEY ? [...this.byKey.values()] : [this.byKey.get(key), this.byKey.get(UNKNOWN_KEY)];
    return lists.flatMap((list) =>
      (list ?? []).map((root) => {
        root.info ??= certInfo(new X509Certificate(root.pem));
        return root.info;
      }),
    );
  }
}

const issuerKeys = new WeakMap<CertInfo, string>();
const issuerKeyOf = (cert: CertInfo): string => {
  let key = issuerKeys.get(cert);
  if (key === undefined) {
    try {
      key = certificateNameKey(cert.x509.raw, 'issuer');
    } catch {
      key = UNKNOWN_KEY;
    }
    issuerKeys.set(cert, key);
  }
  return key;
};

/** A name key der.ts cannot produce (keys are lower-case): the bucket of roots checked for every issuer. */
const UNKNOWN_KEY = '\0UNKNOWN';

/** The fingerprint in X509Certificate.fingerprint256's form (upper-case hex, colon-separated). */
const fingerprintOf = (der: Uint8Array): string =>
  createHash('sha256')
    .update(der)
    .digest('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');

export class TrustStore {
  private readonly bySubject = new Map<string, CertInfo[]>();
  private readonly fingerprints = new Set<string>();

  /** `anchors`, plus `systemRoots` (parsed only when a path asks for one, see SystemRoots). */
  constructor(
    anchors: readonly X509Certificate[],
    private readonly systemRoots?: SystemRoots,
  ) {
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
    let extra = 0;
    for (const fp of this.systemRoots?.fingerprints ?? []) if (!this.fingerprints.has(fp)) extra++;
    return this.fingerprints.size + extra;
  }

  isAnchor(cert: CertInfo): boolean {
    return (
      this.fingerprints.has(cert.fingerprintSha256) ||
      (this.systemRoots?.fingerprints.has(cert.fingerprintSha256) ?? false)
    );
  }

  /** Every anchor that signed `cert` (a re-issued root keeps its name and key: several may). */
  issuersOf(cert: CertInfo): CertInfo[] {
    const own = this.bySubject.get(cert.issuer) ?? [];
    const system = (this.systemRoots?.candidatesFor(cert) ?? []).filter(
      (root) => root.subject === cert.issuer && !this.fingerprints.has(root.fingerprintSha256),
    );
    return [...system, ...own].filter((anchor) => isSignedBy(cert, anchor));
  }
}

let systemRoots: SystemRoots | undefined;
const systemRootIndex = (): SystemRoots => {
  systemRoots ??= new SystemRoots(tls.rootCertificates);
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
    store = new TrustStore(extra, useSystemRoots ? systemRootIndex() : undefined);
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
