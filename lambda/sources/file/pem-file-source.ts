/**
 * Certificates in files: PEM bundles (any number of certificates, keys and other blocks mixed)
 * or a single DER certificate. A malformed block is reported and skipped; the rest still count.
 */
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { CertificateRecord } from '../../core/certificate';
import type { ItemError, Scope, ScopeReader } from '../../core/ports';
import { certInfo } from '../endpoint/cert-info';
import { recordFromCertInfo } from '../x509-record';

export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export class FileTooLargeError extends Error {
  override readonly name = 'FileTooLargeError';
}

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE']);
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

const describeError = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The scope of one file: `file#<path>`. */
export const fileScope = (path: string): Scope => ({ key: `file#${path}`, kind: 'file', label: path });

export class PemFileSource implements ScopeReader {
  readonly scope: Scope;
  private readonly path: string;

  constructor(path: string) {
    this.path = path;
    this.scope = fileScope(path);
  }

  async *list(reportItemError: (e: ItemError) => void = () => {}): AsyncIterable<CertificateRecord> {
    const size = (await stat(this.path)).size;
    if (size > MAX_FILE_BYTES) {
      throw new FileTooLargeError(
        `${this.path} is ${size} bytes; certificate files above ${MAX_FILE_BYTES} are refused`,
      );
    }
    const bytes = await readFile(this.path);
    const text = bytes.toString('latin1');
    const blocks = [...text.matchAll(PEM_BLOCK)];
    if (blocks.length === 0) {
      try {
        const x509 = new X509Certificate(bytes);
        yield recordFromCertInfo(certInfo(x509), { source: 'file', id: this.path });
      } catch (error) {
        reportItemError({
          item: this.path,
          code: 'NOT_A_CERTIFICATE',
          message: `no PEM certificate block found and not a DER certificate (${describeError(error)})`,
        });
      }
      return;
    }
    let index = 0;
    let certificates = 0;
    for (const [block, label] of blocks) {
      index++;
      // Keys and parameters often share a bundle with the certificates: skip them, never echo them.
      if (!label || !CERTIFICATE_LABELS.has(label)) continue;
      certificates++;
      const item = `${this.path}#${index}`;
      try {
        const x509 = new X509Certificate(
          label === 'CERTIFICATE' ? block : block.replace(/(TRUSTED|X509) CERTIFICATE/g, 'CERTIFICATE'),
        );
        yield recordFromCertInfo(certInfo(x509), { source: 'file', id: item });
      } catch (error) {
        reportItemError({
          item,
          code: 'MALFORMED_CERTIFICATE',
          message: `block ${index} is not a valid certificate (${describeError(error)})`,
        });
      }
    }
    if (certificates === 0) {
      reportItemError({
        item: this.path,
        code: 'NOT_A_CERTIFICATE',
        message: 'the file holds PEM blocks but no CERTIFICATE block',
      });
    }
  }
}
