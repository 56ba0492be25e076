/**
 * Certificates in stored text or bytes (PEM bundles, one DER certificate, base64 DER), for every
 * source that holds the certificate itself: files, secrets, parameters, IAM and IoT bodies.
 * Private keys and other blocks are skipped and never echoed: only their label is looked at
 * (RFC 7468 textual encodings).
 */
import { X509Certificate } from 'node:crypto';

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE']);
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64 = /^[A-Za-z0-9+/\s]+={0,2}\s*$/;

export interface ParsedCertificate {
  /** 1-based position among the PEM blocks (0 for a DER or base64 DER value). */
  readonly index: number;
  readonly x509: X509Certificate;
}

export interface PemProblem {
  readonly index: number;
  readonly code: 'MALFORMED_CERTIFICATE' | 'NOT_A_CERTIFICATE';
  readonly message: string;
}

export interface PemContents {
  readonly certificates: ParsedCertificate[];
  readonly problems: PemProblem[];
  /** PEM blocks that were not certificates (private keys, parameters): counted, never kept. */
  readonly otherBlocks: number;
}

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Every certificate in `value`: PEM blocks (any number, mixed with keys), else one DER
 * certificate, else base64 of one DER certificate (`base64: true`). Never throws.
 */
export const certificatesIn = (value: string | Buffer, options: { base64?: boolean } = {}): PemContents => {
  const text = typeof value === 'string' ? value : value.toString('latin1');
  const blocks = [...text.matchAll(PEM_BLOCK)];
  const certificates: ParsedCertificate[] = [];
  const problems: PemProblem[] = [];
  if (blocks.length === 0) {
    const der =
      typeof value !== 'string'
        ? value
        : options.base64 && BASE64.test(value)
          ? Buffer.from(value, 'base64')
          : null;
    if (der) {
      try {
        certificates.push({ index: 0, x509: new X509Certificate(der) });
        return { certificates, problems, otherBlocks: 0 };
      } catch (error) {
        problems.push({
          index: 0,
          code: 'NOT_A_CERTIFICATE',
          message: `no PEM certificate block found and not a DER certificate (${describe(error)})`,
        });
        return { certificates, problems, otherBlocks: 0 };
      }
    }
    problems.push({ index: 0, code: 'NOT_A_CERTIFICATE', message: 'no PEM certificate block found' });
    return { certificates, problems, otherBlocks: 0 };
  }
  let otherBlocks = 0;
  blocks.forEach(([block, label], i) => {
    const index = i + 1;
    if (!label || !CERTIFICATE_LABELS.has(label)) {
      otherBlocks++;
      return;
    }
    try {
      certificates.push({
        index,
        x509: new X509Certificate(
          label === 'CERTIFICATE' ? block : block.replace(/(TRUSTED|X509) CERTIFICATE/g, 'CERTIFICATE'),
        ),
      });
    } catch (error) {
      problems.push({
        index,
        code: 'MALFORMED_CERTIFICATE',
        message: `block ${index} is not a valid certificate (${describe(error)})`,
      });
    }
  });
  if (certificates.length === 0 && problems.length === 0)
    problems.push({
      index: 0,
      code: 'NOT_A_CERTIFICATE',
      message: 'holds PEM blocks but no CERTIFICATE block',
    });
  return { certificates, problems, otherBlocks };
};
