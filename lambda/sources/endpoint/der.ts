/**
 * A minimal DER reader: just enough to pull the signature algorithm out of a certificate, which
 * Node's X509Certificate does not expose. Every read is bounds-checked; malformed input throws
 * DerError and never loops (each step consumes at least one byte).
 */

export class DerError extends Error {
  override readonly name = 'DerError';
}

export interface Tlv {
  /** The full identifier byte (class, constructed bit and tag number; high tag numbers are rejected). */
  readonly tag: number;
  /** Offset of the value's first byte. */
  readonly start: number;
  /** Offset one past the value's last byte. */
  readonly end: number;
}

export const TAG_SEQUENCE = 0x30;
export const TAG_OID = 0x06;

/** Reads one tag-length-value at `offset`, staying inside `limit` (default: the whole buffer). */
export const readTlv = (buf: Uint8Array, offset: number, limit: number = buf.length): Tlv => {
  if (limit > buf.length) throw new DerError(`limit ${limit} beyond buffer length ${buf.length}`);
  if (offset < 0 || offset + 2 > limit) throw new DerError(`truncated header at offset ${offset}`);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`high tag numbers are not supported (offset ${offset})`);
  const first = buf[offset + 1]!;
  let pos = offset + 2;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new DerError(`indefinite length is not DER (offset ${offset})`);
    if (count > 4) throw new DerError(`length of ${count} bytes is too large (offset ${offset})`);
    if (pos + count > limit) throw new DerError(`truncated length at offset ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos + i]!;
    pos += count;
  }
  const end = pos + length;
  if (end > limit) throw new DerError(`value of ${length} bytes at offset ${offset} overruns its container`);
  return { tag, start: pos, end };
};

const expect = (tlv: Tlv, tag: number, what: string): Tlv => {
  if (tlv.tag !== tag) {
    throw new DerError(`expected ${what} (tag 0x${tag.toString(16)}), got tag 0x${tlv.tag.toString(16)}`);
  }
  return tlv;
};

/** Dotted-decimal form of an OBJECT IDENTIFIER's value bytes. */
export const decodeOid = (bytes: Uint8Array): string => {
  if (bytes.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OBJECT IDENTIFIER arc too large');
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) {
        const top = value < 80 ? Math.floor(value / 40) : 2;
        arcs.push(top, value - top * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
    } else if (i === bytes.length - 1) {
      throw new DerError('truncated OBJECT IDENTIFIER');
    }
  }
  return arcs.join('.');
};

/** OID of the outer signatureAlgorithm of an X.509 certificate (Certificate ::= SEQUENCE { tbs, alg, sig }). */
export const certificateSignatureOid = (der: Uint8Array): string => {
  const cert = expect(readTlv(der, 0), TAG_SEQUENCE, 'Certificate SEQUENCE');
  const tbs = expect(readTlv(der, cert.start, cert.end), TAG_SEQUENCE, 'TBSCertificate SEQUENCE');
  const alg = expect(readTlv(der, tbs.end, cert.end), TAG_SEQUENCE, 'AlgorithmIdentifier SEQUENCE');
  const oid = expect(readTlv(der, alg.start, alg.end), TAG_OID, 'algorithm OBJECT IDENTIFIER');
  return decodeOid(der.subarray(oid.start, oid.end));
};

const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '2.16.840.1.101.3.4.3.2': 'dsa-with-SHA256',
  '1.3.101.112': 'ed25519',
  '1.3.101.113': 'ed448',
  '1.2.156.10197.1.501': 'SM2-with-SM3',
};

/** Human name of a signature algorithm OID; the dotted OID itself when unknown. */
export const signatureAlgorithmName = (oid: string): string => SIGNATURE_ALGORITHMS[oid] ?? oid;

/** The certificate's signature algorithm name, e.g. 'sha256WithRSAEncryption'. Throws DerError on bad DER. */
export const certificateSignatureAlgorithm = (der: Uint8Array): string =>
  signatureAlgorithmName(certificateSignatureOid(der));

/** MD2, MD5 and SHA-1 signatures are forgeable or close to it. */
export const isWeakSignatureAlgorithm = (name: string): boolean =>
  /^(md2|md5|sha1)With|-with-SHA1$/i.test(name);

export interface KeyFacts {
  /** 'RSA' | 'RSA-PSS' | 'EC' | 'Ed25519' | 'Ed448' | 'DSA' */
  readonly keyType: string;
  /** Bits: modulus length for RSA/DSA, curve size for EC. */
  readonly keySize: number | null;
  readonly curve?: string;
}

const TAG_BIT_STRING = 0x03;
const TAG_INTEGER = 0x02;

const EC_CURVES: Readonly<Record<string, { curve: string; bits: number }>> = {
  '1.2.840.10045.3.1.7': { curve: 'prime256v1', bits: 256 },
  '1.3.132.0.34': { curve: 'secp384r1', bits: 384 },
  '1.3.132.0.35': { curve: 'secp521r1', bits: 521 },
  '1.3.132.0.10': { curve: 'secp256k1', bits: 256 },
  '1.2.840.10045.3.1.1': { curve: 'prime192v1', bits: 192 },
  '1.3.132.0.33': { curve: 'secp224r1', bits: 224 },
};

/** Bit length of an unsigned big-endian INTEGER value (leading zero bytes ignored). */
const integerBits = (buf: Uint8Array, tlv: Tlv): number => {
  let i = tlv.start;
  while (i < tlv.end && buf[i] === 0) i++;
  if (i === tlv.end) return 0;
  return (tlv.end - i - 1) * 8 + (32 - Math.clz32(buf[i]!));
};

/**
 * Key type and size read straight from the certificate's SubjectPublicKeyInfo, without building a
 * KeyObject (which costs about 0.1 ms per new certificate). Null for algorithms it does not know.
 */
export const certificateKeyFacts = (der: Uint8Array): KeyFacts | null => {
  const cert = expect(readTlv(der, 0), TAG_SEQUENCE, 'Certificate SEQUENCE');
  const tbs = expect(readTlv(der, cert.start, cert.end), TAG_SEQUENCE, 'TBSCertificate SEQUENCE');
  let field = readTlv(der, tbs.start, tbs.end);
  if (field.tag === 0xa0) field = readTlv(der, field.end, tbs.end); // [0] version
  // serialNumber, signature, issuer, validity, subject, then subjectPublicKeyInfo.
  for (let i = 0; i < 5; i++) field = readTlv(der, field.end, tbs.end);
  const spki = expect(field, TAG_SEQUENCE, 'SubjectPublicKeyInfo SEQUENCE');
  const alg = expect(readTlv(der, spki.start, spki.end), TAG_SEQUENCE, 'AlgorithmIdentifier SEQUENCE');
  const oidTlv = expect(readTlv(der, alg.start, alg.end), TAG_OID, 'algorithm OBJECT IDENTIFIER');
  const oid = decodeOid(der.subarray(oidTlv.start, oidTlv.end));
  const key = expect(readTlv(der, alg.end, spki.end), TAG_BIT_STRING, 'subjectPublicKey BIT STRING');
  switch (oid) {
    case '1.2.840.113549.1.1.1':
    case '1.2.840.113549.1.1.10': {
      // BIT STRING: one unused-bits byte, then RSAPublicKey ::= SEQUENCE { modulus, publicExponent }.
      const rsa = expect(readTlv(der, key.start + 1, key.end), TAG_SEQUENCE, 'RSAPublicKey SEQUENCE');
      const modulus = expect(readTlv(der, rsa.start, rsa.end), TAG_INTEGER, 'modulus INTEGER');
      return { keyType: oid.endsWith('.10') ? 'RSA-PSS' : 'RSA', keySize: integerBits(der, modulus) };
    }
    case '1.2.840.10045.2.1': {
      if (alg.end <= oidTlv.end) return { keyType: 'EC', keySize: null };
      const params = readTlv(der, oidTlv.end, alg.end);
      if (params.tag !== TAG_OID) return { keyType: 'EC', keySize: null };
      const named = EC_CURVES[decodeOid(der.subarray(params.start, params.end))];
      return named ? { keyType: 'EC', keySize: named.bits, curve: named.curve } : null;
    }
    case '1.3.101.112':
      return { keyType: 'Ed25519', keySize: 256 };
    case '1.3.101.113':
      return { keyType: 'Ed448', keySize: 448 };
    default:
      return null;
  }
};

const OID_COMMON_NAME = '2.5.4.3';
const TAG_SET = 0x31;
const decodeString = (tag: number, bytes: Uint8Array): string => {
  switch (tag) {
    case 0x1e: // BMPString: UTF-16BE
      return Buffer.from(bytes).swap16().toString('utf16le');
    case 0x1c: {
      // UniversalString: UTF-32BE
      let out = '';
      for (let i = 0; i + 3 < bytes.length; i += 4)
        out += String.fromCodePoint(
          ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0,
        );
      return out;
    }
    case 0x0c: // UTF8String
      return Buffer.from(bytes).toString('utf8');
    default: // PrintableString, IA5String, T61String (read as Latin-1, as OpenSSL does), ...
      return Buffer.from(bytes).toString('latin1');
  }
};

/**
 * A coarse key for an X.509 Name: its last commonName, decoded from its string type, lower-cased,
 * white space collapsed ('' when it has none). Names that are equal (RFC 5280 §7.1) have equal keys;
 * unequal names may share one, so it only narrows a search. `which`: the issuer or subject Name of
 * the certificate `der`. Throws DerError for malformed input.
 */
export const certificateNameKey = (der: Uint8Array, which: 'issuer' | 'subject'): string => {
  const cert = expect(readTlv(der, 0), TAG_SEQUENCE, 'Certificate SEQUENCE');
  const tbs = expect(readTlv(der, cert.start, cert.end), TAG_SEQUENCE, 'TBSCertificate SEQUENCE');
  let field = readTlv(der, tbs.start, tbs.end);
  if (field.tag === 0xa0) field = readTlv(der, field.end, tbs.end); // [0] version
  // serialNumber, signature, issuer, validity, subject.
  for (let i = 0; i < (which === 'issuer' ? 2 : 4); i++) field = readTlv(der, field.end, tbs.end);
  const name = expect(field, TAG_SEQUENCE, `${which} Name SEQUENCE`);
  let cn = '';
  for (let rdnAt = name.start; rdnAt < name.end; ) {
    const rdn = expect(readTlv(der, rdnAt, name.end), TAG_SET, 'RelativeDistinguishedName SET');
    for (let at = rdn.start; at < rdn.end; ) {
      const atv = expect(readTlv(der, at, rdn.end), TAG_SEQUENCE, 'AttributeTypeAndValue SEQUENCE');
      const type = expect(readTlv(der, atv.start, atv.end), TAG_OID, 'attribute type OBJECT IDENTIFIER');
      if (decodeOid(der.subarray(type.start, type.end)) === OID_COMMON_NAME) {
        const value = readTlv(der, type.end, atv.end);
        cn = decodeString(value.tag, der.subarray(value.start, value.end));
      }
      at = atv.end;
    }
    rdnAt = rdn.end;
  }
  return cn.toLowerCase().replace(/\s+/g, ' ').trim();
};
