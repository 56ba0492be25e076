/**
 * Certificates in files: PEM bundles (any number of certificates, keys and other blocks mixed)
 * or a single DER certificate. A malformed block is reported and skipped; the rest still count.
 */
import type { CertificateRecord } from '../../core/certificate';
import type { ItemError, Scope, ScopeReader } from '../../core/ports';
import { certInfo } from '../endpoint/cert-info';
import { certificatesIn } from '../pem';
import { recordFromCertInfo } from '../x509-record';
import { MAX_INPUT_BYTES, readFileBounded } from './bounded-read';

export { FileReadTimeoutError, FileTooLargeError, InputFileError } from './bounded-read';

export const MAX_FILE_BYTES = MAX_INPUT_BYTES;

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
    // Bounded by the bytes read and a deadline, not by stat: /dev/zero and FIFOs report size 0.
    const bytes = await readFileBounded(this.path, { maxBytes: MAX_FILE_BYTES, what: 'certificate file' });
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
