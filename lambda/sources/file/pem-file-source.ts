/**
 * Certificates in files: PEM bundles (any number of certificates, keys and other blocks mixed)
 * or a single DER certificate. A malformed block is reported and skipped; the rest still count.
 */
import { readFile, stat } from 'node:fs/promises';
import type { CertificateRecord } from '../../core/certificate';
import type { ItemError, Scope, ScopeReader } from '../../core/ports';
import { certInfo } from '../endpoint/cert-info';
import { certificatesIn } from '../pem';
import { recordFromCertInfo } from '../x509-record';

export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export class FileTooLargeError extends Error {
  override readonly name = 'FileTooLargeError';
}

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
    const { certificates, problems } = certificatesIn(bytes);
    for (const { index, x509 } of certificates) {
      yield recordFromCertInfo(certInfo(x509), {
        source: 'file',
        id: index ? `${this.path}#${index}` : this.path,
      });
    }
    for (const p of problems) {
      reportItemError({
        item: p.index ? `${this.path}#${p.index}` : this.path,
        code: p.code,
        message: p.message.startsWith('holds ') ? `the file ${p.message}` : p.message,
      });
    }
  }
}
