/**
 * Parsed facts about one certificate, cached by SHA-256 fingerprint: endpoints that share a leaf
 * or an intermediate (most do) pay for parsing, key inspection and signature checks once.
 */

import type { KeyObject, X509Certificate } from 'node:crypto';
import { certificateKeyFacts, certificateSignatureAlgorithm, DerError } from './der';

export interface CertInfo {
  readonly x509: X509Certificate;
  readonly fingerprintSha256: string;
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly sans: readonly string[];
  readonly isCa: boolean;
  readonly keyType: string;
  readonly keySize: number | null;
  readonly curve?: string;
  readonly signatureAlgorithm: string;
  /** Subject equals issuer and the certificate verifies with its own key. */
  readonly selfSigned: boolean;
  /** Authority Information Access caIssuers URIs (RFC 5280 §4.2.2.1), in certificate order. */
  readonly caIssuers: readonly string[];
  readonly publicKey: KeyObject;
}

const MAX_CACHED = 5_000;
const infoCache = new Map<string, CertInfo>();
const signedByCache = new Map<string, boolean>();

const KEY_TYPES: Readonly<Record<string, string>> = {
  rsa: 'RSA',
  'rsa-pss': 'RSA-PSS',
  ec: 'EC',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
  dsa: 'DSA',
};

const keyFacts = (key: KeyObject): { keyType: string; keySize: number | null; curve?: string } => {
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  const keyType = KEY_TYPES[type] ?? type;
  if (details.modulusLength !== undefined) return { keyType, keySize: details.modulusLength };
  if (details.namedCurve !== undefined) {
    const bits = /(\d{3})/.exec(details.namedCurve)?.[1];
    return { keyType, keySize: bits ? Number(bits) : null, curve: details.namedCurve };
  }
  if (type === 'ed25519') return { keyType, keySize: 256 };
  if (type === 'ed448') return { keyType, keySize: 448 };
  return { keyType, keySize: null };
};

/** `DNS:a, IP Address:1.2.3.4` → ['a', '1.2.3.4']; other kinds keep their prefix (e.g. 'URI:...'). */
export const parseSubjectAltName = (san: string | undefined): string[] => {
  if (!san) return [];
  return san
    .split(/, (?=[A-Za-z][A-Za-z ]*:)/)
    .map((entry) => entry.replace(/^(DNS|IP Address):/, '').replace(/^"(.*)"$/, '$1'))
    .filter((entry) => entry.length > 0);
};

/** `CA Issuers - URI:http://x/ca.crt\nOCSP - URI:...` → ['http://x/ca.crt']. */
export const parseCaIssuers = (infoAccess: string | undefined): string[] =>
  (infoAccess ?? '').split('\n').flatMap((line) => /^CA Issuers - URI:(\S+)$/.exec(line.trim())?.[1] ?? []);

/** OpenSSL's one-line name forms use newlines; a single line reads better in tables and events. */
const oneLine = (name: string): string => name.split('\n').filter(Boolean).join(', ');

const cacheSet = <V>(map: Map<string, V>, key: string, value: V): void => {
  if (map.size >= MAX_CACHED) map.clear();
  map.set(key, value);
};

/** Facts about a certificate; `x509` is parsed again only when its fingerprint is new. */
export const certInfo = (x509: X509Certificate): CertInfo => {
  const fingerprintSha256 = x509.fingerprint256;
  const cached = infoCache.get(fingerprintSha256);
  if (cached) return cached;
  // The KeyObject is built only when a signature check needs it (about 0.1 ms per new certificate).
  let key: KeyObject | undefined;
  const publicKeyOf = (): KeyObject => {
    key ??= x509.publicKey;
    return key;
  };
  const raw = x509.raw;
  let signatureAlgorithm: string;
  let facts: ReturnType<typeof keyFacts> | null;
  try {
    signatureAlgorithm = certificateSignatureAlgorithm(raw);
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    signatureAlgorithm = 'unknown';
  }
  try {
    facts = certificateKeyFacts(raw);
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    facts = null;
  }
  const subject = oneLine(x509.subject);
  const issuer = oneLine(x509.issuer);
  // Checked when first asked: a trust store's system roots (about 140, one signature check each) mostly never are.
  let selfSigned: boolean | undefined;
  const selfSignedOf = (): boolean => {
    if (selfSigned !== undefined) return selfSigned;
    selfSigned = false;
    if (subject === issuer) {
      try {
        // Not checkIssued(self): it also demands keyCertSign, which self-signed leaves lack.
        selfSigned = x509.verify(publicKeyOf());
      } catch {
        selfSigned = false;
      }
    }
    return selfSigned;
  };
  const info: CertInfo = {
    x509,
    fingerprintSha256,
    subject,
    issuer,
    serialNumber: x509.serialNumber,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    sans: parseSubjectAltName(x509.subjectAltName),
    isCa: x509.ca,
    ...(facts ?? keyFacts(publicKeyOf())),
    signatureAlgorithm,
    get selfSigned() {
      return selfSignedOf();
    },
    caIssuers: parseCaIssuers(x509.infoAccess),
    get publicKey() {
      return publicKeyOf();
    },
  };
  cacheSet(infoCache, fingerprintSha256, info);
  return info;
};

/** Whether `issuer` issued `child`: names and key identifiers match and the signature verifies. */
export const isSignedBy = (child: CertInfo, issuer: CertInfo): boolean => {
  const key = `${child.fingerprintSha256}/${issuer.fingerprintSha256}`;
  const cached = signedByCache.get(key);
  if (cached !== undefined) return cached;
  let ok = false;
  try {
    ok =
      child.issuer === issuer.subject &&
      child.x509.checkIssued(issuer.x509) &&
      child.x509.verify(issuer.publicKey);
  } catch {
    ok = false;
  }
  cacheSet(signedByCache, key, ok);
  return ok;
};
