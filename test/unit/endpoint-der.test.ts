import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  certificateKeyFacts,
  certificateSignatureAlgorithm,
  DerError,
  decodeOid,
  isWeakSignatureAlgorithm,
  readTlv,
  signatureAlgorithmName,
} from '../../lambda/sources/endpoint/der';
import { createCertificate, daysFrom } from '../support/certs';

const now = new Date();
const der = (pem: string): Buffer => new X509Certificate(pem).raw;

describe('certificateSignatureAlgorithm', () => {
  it('reads ECDSA, RSA and SHA-1 signature algorithms from real certificates', async () => {
    const base = { notBefore: daysFrom(now, -1), notAfter: daysFrom(now, 30) };
    const ec = await createCertificate({ ...base, commonName: 'ec.test' });
    const ec384 = await createCertificate({ ...base, commonName: 'ec384.test', hash: 'SHA-384' });
    const rsaSha1 = await createCertificate({
      ...base,
      commonName: 'rsa.test',
      key: { kind: 'rsa', bits: 1024 },
      hash: 'SHA-1',
    });
    const rsa = await createCertificate({
      ...base,
      commonName: 'rsa256.test',
      key: { kind: 'rsa', bits: 1024 },
    });
    expect(certificateSignatureAlgorithm(der(ec.certPem))).toBe('ecdsa-with-SHA256');
    expect(certificateSignatureAlgorithm(der(ec384.certPem))).toBe('ecdsa-with-SHA384');
    expect(certificateSignatureAlgorithm(der(rsaSha1.certPem))).toBe('sha1WithRSAEncryption');
    expect(certificateSignatureAlgorithm(der(rsa.certPem))).toBe('sha256WithRSAEncryption');
  });

  it('throws DerError, never hangs, on every truncation of a real certificate', async () => {
    const cert = await createCertificate({
      commonName: 't.test',
      notBefore: now,
      notAfter: daysFrom(now, 1),
    });
    const bytes = der(cert.certPem);
    for (let len = 0; len < bytes.length; len++) {
      expect(() => certificateSignatureAlgorithm(bytes.subarray(0, len)), `prefix of ${len} bytes`).toThrow(
        DerError,
      );
    }
  });

  it('throws only DerError on random input', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    for (let i = 0; i < 2000; i++) {
      const buf = Uint8Array.from({ length: (i % 64) + 1 }, rand);
      if (i % 2 === 0) buf[0] = 0x30;
      try {
        certificateSignatureAlgorithm(buf);
      } catch (err) {
        expect(err).toBeInstanceOf(DerError);
      }
    }
  });
});

describe('readTlv', () => {
  it('reads short and long lengths', () => {
    expect(readTlv(Uint8Array.from([0x04, 0x02, 0xaa, 0xbb]), 0)).toEqual({ tag: 0x04, start: 2, end: 4 });
    const long = new Uint8Array(4 + 300);
    long.set([0x04, 0x82, 0x01, 0x2c]);
    expect(readTlv(long, 0)).toEqual({ tag: 0x04, start: 4, end: 304 });
  });

  it.each([
    ['indefinite length', [0x30, 0x80, 0x00, 0x00], /indefinite/],
    ['overlong length field', [0x30, 0x85, 1, 1, 1, 1, 1], /too large/],
    ['value past the end', [0x30, 0x05, 0x00], /overruns/],
    ['truncated length', [0x30, 0x82, 0x01], /truncated length/],
    ['empty input', [], /truncated header/],
    ['high tag number', [0x1f, 0x01, 0x00], /high tag/],
  ])('rejects %s', (_name, bytes, message) => {
    expect(() => readTlv(Uint8Array.from(bytes), 0)).toThrow(message);
  });
});

describe('OIDs', () => {
  it('decodes dotted OIDs, including multi-byte arcs', () => {
    expect(decodeOid(Uint8Array.from([0x2b, 0x65, 0x70]))).toBe('1.3.101.112');
    expect(decodeOid(Uint8Array.from([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]))).toBe(
      '1.2.840.10045.4.3.2',
    );
    expect(() => decodeOid(Uint8Array.from([0x2a, 0x86]))).toThrow(DerError);
    expect(() => decodeOid(new Uint8Array(0))).toThrow(DerError);
  });

  it('names known algorithms and passes unknown OIDs through', () => {
    expect(signatureAlgorithmName('1.3.101.112')).toBe('ed25519');
    expect(signatureAlgorithmName('1.2.840.113549.1.1.10')).toBe('RSASSA-PSS');
    expect(signatureAlgorithmName('1.2.3.4')).toBe('1.2.3.4');
  });

  it('flags MD5, MD2 and SHA-1 signatures as weak', () => {
    for (const weak of [
      'md5WithRSAEncryption',
      'md2WithRSAEncryption',
      'sha1WithRSAEncryption',
      'ecdsa-with-SHA1',
      'dsa-with-SHA1',
    ]) {
      expect(isWeakSignatureAlgorithm(weak), weak).toBe(true);
    }
    for (const strong of ['sha256WithRSAEncryption', 'ecdsa-with-SHA256', 'ed25519', 'RSASSA-PSS']) {
      expect(isWeakSignatureAlgorithm(strong), strong).toBe(false);
    }
  });
});

describe('certificateKeyFacts: key type and size from SubjectPublicKeyInfo', () => {
  it.each([
    [
      { kind: 'rsa', bits: 2048 },
      { keyType: 'RSA', keySize: 2048 },
    ],
    [
      { kind: 'rsa', bits: 1024 },
      { keyType: 'RSA', keySize: 1024 },
    ],
    [
      { kind: 'ec', curve: 'P-256' },
      { keyType: 'EC', keySize: 256, curve: 'prime256v1' },
    ],
    [
      { kind: 'ec', curve: 'P-384' },
      { keyType: 'EC', keySize: 384, curve: 'secp384r1' },
    ],
  ] as const)('%j agrees with the KeyObject Node builds', async (key, expected) => {
    const now = new Date();
    const cert = await createCertificate({
      commonName: 'k.example.com',
      notBefore: now,
      notAfter: daysFrom(now, 1),
      key,
    });
    const x509 = new X509Certificate(cert.certPem);
    expect(certificateKeyFacts(x509.raw)).toEqual(expected);
    const details = x509.publicKey.asymmetricKeyDetails ?? {};
    expect(expected.keySize).toBe(
      details.modulusLength ?? Number(/\d{3}/.exec(details.namedCurve ?? '')?.[0]),
    );
  });

  it('throws DerError on every truncation instead of guessing', async () => {
    const cert = await createCertificate({
      commonName: 't.test',
      notBefore: now,
      notAfter: daysFrom(now, 1),
    });
    const raw = der(cert.certPem);
    for (let cut = 0; cut < raw.length; cut += 7) {
      expect(() => certificateKeyFacts(raw.subarray(0, cut))).toThrow(DerError);
    }
  });
});
