/**
 * Test-time certificate factory: real X.509 certificates and keys, generated fresh for each run
 * with WebCrypto (@peculiar/x509). Dates are explicit so tests control expiry exactly.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;
type EcKeyGenParams = webcrypto.EcKeyGenParams;
type RsaHashedKeyAlgorithm = webcrypto.RsaHashedKeyAlgorithm;
type EcKeyAlgorithm = webcrypto.EcKeyAlgorithm;

import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const DAY_MS = 86_400_000;
export const daysFrom = (now: Date, days: number): Date => new Date(now.getTime() + days * DAY_MS);

export type KeySpec = { kind: 'rsa'; bits?: number } | { kind: 'ec'; curve?: 'P-256' | 'P-384' };

export interface CertSpec {
  commonName: string;
  /** DNS subject alternative names; defaults to [commonName] for leaves. */
  dnsNames?: string[];
  ipAddresses?: string[];
  notBefore: Date;
  notAfter: Date;
  key?: KeySpec;
  /** Signing CA; self-signed when absent. */
  issuer?: GeneratedCert;
  isCa?: boolean;
  /** Hash of the signature; SHA-1 makes a deliberately weak certificate. */
  hash?: 'SHA-256' | 'SHA-384' | 'SHA-1';
  serialNumber?: string;
  organization?: string;
  /** Authority Information Access caIssuers URL (RFC 5280 §4.2.2.1), where the issuer is published. */
  caIssuersUrl?: string;
  /** Key pair to certify (e.g. a root's, for a cross-certificate); fresh or shared by default. */
  keys?: CryptoKeyPair;
}

export interface GeneratedCert {
  readonly certPem: string;
  readonly keyPem: string;
  readonly cert: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
  readonly subject: string;
  readonly spec: CertSpec;
}

const keyCache = new Map<string, Promise<CryptoKeyPair>>();

const keyAlgorithm = (key: KeySpec, hash: string): RsaHashedKeyGenParams | EcKeyGenParams =>
  key.kind === 'rsa'
    ? {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: key.bits ?? 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash,
      }
    : { name: 'ECDSA', namedCurve: key.curve ?? 'P-256' };

/**
 * A key pair; `fresh: false` reuses one per algorithm to keep RSA generation off the hot path
 * (certificates still differ by serial, names and dates).
 */
export const generateKeys = (
  key: KeySpec = { kind: 'ec' },
  hash = 'SHA-256',
  fresh = false,
): Promise<CryptoKeyPair> => {
  const id = JSON.stringify([key, hash]);
  const make = () =>
    webcrypto.subtle.generateKey(keyAlgorithm(key, hash), true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
  if (fresh) return make();
  let cached = keyCache.get(id);
  if (!cached) {
    cached = make();
    keyCache.set(id, cached);
  }
  return cached;
};

const toPem = (der: ArrayBuffer, label: string): string => {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)?.join('\n')}\n-----END ${label}-----\n`;
};

const escapeRdn = (v: string): string => v.replace(/([,+"\\<>;=])/g, '\\$1');

export const createCertificate = async (spec: CertSpec): Promise<GeneratedCert> => {
  const hash = spec.hash ?? 'SHA-256';
  const key = spec.key ?? { kind: 'ec' };
  const keys = spec.keys ?? (await generateKeys(key, hash, spec.issuer === undefined || spec.isCa === true));
  const subject = `CN=${escapeRdn(spec.commonName)}${spec.organization ? `, O=${escapeRdn(spec.organization)}` : ''}`;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(spec.isCa === true, undefined, true),
    new x509.KeyUsagesExtension(
      spec.isCa
        ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature
        : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (!spec.isCa) {
    extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]));
    const names: x509.JsonGeneralName[] = [
      ...(spec.dnsNames ?? (spec.ipAddresses ? [] : [spec.commonName])).map((value) => ({
        type: 'dns' as const,
        value,
      })),
      ...(spec.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ];
    if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  }
  if (spec.issuer) {
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(spec.issuer.keys.publicKey));
  }
  if (spec.caIssuersUrl) {
    extensions.push(new x509.AuthorityInfoAccessExtension({ caIssuers: spec.caIssuersUrl }));
  }
  const signer = spec.issuer?.keys ?? keys;
  const signerAlg = signer.privateKey.algorithm as RsaHashedKeyAlgorithm | EcKeyAlgorithm;
  const signingAlgorithm =
    signerAlg.name === 'ECDSA' ? { name: 'ECDSA', hash } : { name: 'RSASSA-PKCS1-v1_5', hash };
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: spec.serialNumber ?? randomSerial(),
    subject,
    issuer: spec.issuer?.subject ?? subject,
    notBefore: spec.notBefore,
    notAfter: spec.notAfter,
    publicKey: keys.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm,
    extensions,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    certPem: `${cert.toString('pem').trimEnd()}\n`,
    keyPem: toPem(pkcs8, 'PRIVATE KEY'),
    cert,
    keys,
    subject,
    spec,
  };
};

const randomSerial = (): string => {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive
  bytes[0] = (bytes[0] ?? 0) | 0x01; // no leading zero byte
  return Buffer.from(bytes).toString('hex');
};

export interface ChainSpec {
  now: Date;
  leaf: Omit<CertSpec, 'issuer' | 'isCa'>;
  /** Overrides for the intermediate (validity defaults to 5 years around now). */
  intermediate?: Partial<Omit<CertSpec, 'issuer' | 'isCa'>>;
  root?: Partial<Omit<CertSpec, 'issuer' | 'isCa'>>;
}

export interface GeneratedChain {
  readonly root: GeneratedCert;
  readonly intermediate: GeneratedCert;
  readonly leaf: GeneratedCert;
  /** Leaf then intermediate, as servers send it (and as ACM's CertificateChain expects). */
  readonly chainPem: string;
}

/** A root CA, an intermediate and a leaf: the shape of most public certificates. */
export const createChain = async (spec: ChainSpec): Promise<GeneratedChain> => {
  const root = await createCertificate({
    commonName: 'Test Root CA',
    notBefore: daysFrom(spec.now, -3650),
    notAfter: daysFrom(spec.now, 3650),
    key: { kind: 'ec', curve: 'P-384' },
    hash: 'SHA-384',
    ...spec.root,
    isCa: true,
  });
  const intermediate = await createCertificate({
    commonName: 'Test Intermediate CA',
    notBefore: daysFrom(spec.now, -365),
    notAfter: daysFrom(spec.now, 1825),
    ...spec.intermediate,
    issuer: root,
    isCa: true,
  });
  const leaf = await createCertificate({ ...spec.leaf, issuer: intermediate });
  return { root, intermediate, leaf, chainPem: leaf.certPem + intermediate.certPem };
};
