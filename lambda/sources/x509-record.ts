/** Maps a parsed X.509 certificate into the record model, for sources that hold the certificate itself. */
import type { CertificateRecord, SourceKind } from '../core/certificate';
import type { CertInfo } from './endpoint/cert-info';

/** ACM's names for key algorithms (RSA_2048, EC_prime256v1, ...), so every source reads alike. */
export const keyAlgorithmName = (info: Pick<CertInfo, 'keyType' | 'keySize' | 'curve'>): string => {
  if (info.keyType === 'RSA' && info.keySize) return `RSA_${info.keySize}`;
  if (info.keyType === 'EC' && info.curve) return `EC_${info.curve}`;
  return info.keySize ? `${info.keyType}_${info.keySize}` : info.keyType;
};

const commonName = (subject: string): string | undefined => /(?:^|, )CN=([^,]*)/.exec(subject)?.[1];

export const recordFromCertInfo = (
  info: CertInfo,
  where: { source: SourceKind; id: string; labels?: Record<string, string> },
): CertificateRecord => ({
  source: where.source,
  id: where.id,
  domain: commonName(info.subject) ?? info.sans[0] ?? info.subject,
  sans: info.sans,
  subject: info.subject,
  issuer: info.issuer,
  serialNumber: info.serialNumber,
  fingerprintSha256: info.fingerprintSha256,
  notBefore: info.notBefore,
  notAfter: info.notAfter,
  keyAlgorithm: keyAlgorithmName(info),
  type: 'UNMANAGED',
  labels: where.labels,
});
