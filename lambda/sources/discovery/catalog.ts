/**
 * What the stores say about the certificates discovered resources are configured with: their DNS
 * names (the SNI names to probe), serial, notAfter and when the store got them (ACM
 * DescribeCertificate: `ImportedAt` / `IssuedAt`; IAM server certificate metadata: `UploadDate`,
 * and its body for names and serial), and for IAM the newer certificates of the same account that
 * cover all of a configured one's names (`successors`, the "replaced but still pointed at the old
 * one" case). ACM renewals and re-imports keep the ARN, so ACM certificates have no successors.
 * Every read is made once per scope and cached; one that fails is an item error of its caller.
 */
import { X509Certificate } from 'node:crypto';
import { DescribeCertificateCommand } from '@aws-sdk/client-acm';
import {
  GetServerCertificateCommand,
  ListServerCertificatesCommand,
  type ServerCertificateMetadata,
} from '@aws-sdk/client-iam';
import type { ExpectedCertificate } from '../../contracts/discovery';
import { mapLimit } from '../../core/scan';
import type { DiscoveryClients } from './clients';
import { coversAll } from './names';

/** A stored certificate: what to expect, and the names it covers. */
export interface StoredCertificate {
  readonly expected: ExpectedCertificate;
  /** DNS names (SANs, else the subject CN). */
  readonly names: readonly string[];
}

/** IAM returns at most 1000 server certificates per page. */
const IAM_PAGE = 1000;
/** GetServerCertificate calls in flight: IAM's control plane rate is low. */
const IAM_CONCURRENCY = 4;

const iso = (d: Date | undefined): string | undefined => d?.toISOString();
/**
 * ACM's serial as `AABB0C`, whole bytes as Node's `X509Certificate.serialNumber` writes it (so
 * `01338C…`, never `1338C…`): ACM gives `aa:bb:0c` (colon-separated hex); moto gives the decimal
 * integer, converted here.
 */
export const acmSerialOf = (s: string | undefined): string | undefined => {
  const v = s?.trim();
  if (!v) return undefined;
  if (v.includes(':') || !/^\d+$/.test(v)) return v.replace(/:/g, '').toUpperCase();
  const hex = BigInt(v).toString(16).toUpperCase();
  return hex.length % 2 === 0 ? hex : `0${hex}`;
};

/** Names, serial, fingerprint and notAfter read from a PEM body (IAM's Expiration is metadata only). */
export const fromPem = (id: string, pem: string, storedAt?: Date): StoredCertificate => {
  const x = new X509Certificate(pem);
  const sans = (x.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((e) => e.startsWith('DNS:'))
    .map((e) => e.slice(4));
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(x.subject)?.[1];
  return {
    names: sans.length > 0 ? sans : cn ? [cn] : [],
    expected: {
      id,
      serialNumber: x.serialNumber.toUpperCase(),
      fingerprintSha256: x.fingerprint256,
      notAfter: new Date(x.validTo).toISOString(),
      ...(storedAt ? { storedAt: storedAt.toISOString() } : {}),
    },
  };
};

const regionOf = (arn: string): string => arn.split(':')[3] ?? '';

export class CertificateCatalog {
  private readonly acm = new Map<string, Promise<StoredCertificate>>();
  private iamList?: Promise<ServerCertificateMetadata[]>;
  private readonly iamBodies = new Map<string, Promise<StoredCertificate>>();

  constructor(private readonly clients: DiscoveryClients) {}

  /** One ACM certificate by ARN (its region is the ARN's). */
  acmCertificate(arn: string): Promise<StoredCertificate> {
    let found = this.acm.get(arn);
    if (!found) {
      found = (async () => {
        const { Certificate: c } = await this.clients
          .acm(regionOf(arn))
          .send(new DescribeCertificateCommand({ CertificateArn: arn }));
        return {
          names: c?.SubjectAlternativeNames?.length
            ? c.SubjectAlternativeNames
            : c?.DomainName
              ? [c.DomainName]
              : [],
          expected: {
            id: arn,
            serialNumber: acmSerialOf(c?.Serial),
            notAfter: iso(c?.NotAfter),
            storedAt: iso(c?.ImportedAt ?? c?.IssuedAt ?? c?.CreatedAt),
          },
        };
      })();
      this.acm.set(arn, found);
    }
    return found;
  }

  /** Every IAM server certificate of the account (metadata), listed once. */
  iamCertificates(): Promise<ServerCertificateMetadata[]> {
    this.iamList ??= (async () => {
      const all: ServerCertificateMetadata[] = [];
      let marker: string | undefined;
      do {
        const page = await this.clients
          .iam()
          .send(new ListServerCertificatesCommand({ Marker: marker, MaxItems: IAM_PAGE }));
        all.push(...(page.ServerCertificateMetadataList ?? []));
        marker = page.IsTruncated ? page.Marker : undefined;
      } while (marker);
      return all;
    })();
    return this.iamList;
  }

  /** An IAM server certificate by ARN or id (CloudFront names its id), read from its body. */
  async iamCertificate(arnOrId: string): Promise<StoredCertificate> {
    const meta = (await this.iamCertificates()).find(
      (m) => m.Arn === arnOrId || m.ServerCertificateId === arnOrId,
    );
    if (!meta?.Arn || !meta.ServerCertificateName)
      throw Object.assign(new Error(`IAM server certificate ${arnOrId} is not in this account's list`), {
        name: 'NoSuchEntity',
      });
    return this.iamBody(meta);
  }

  private iamBody(meta: ServerCertificateMetadata): Promise<StoredCertificate> {
    const arn = meta.Arn ?? '';
    let found = this.iamBodies.get(arn);
    if (!found) {
      found = (async () => {
        const r = await this.clients
          .iam()
          .send(new GetServerCertificateCommand({ ServerCertificateName: meta.ServerCertificateName }));
        return fromPem(arn, r.ServerCertificate?.CertificateBody ?? '', meta.UploadDate);
      })();
      this.iamBodies.set(arn, found);
    }
    return found;
  }

  /** Any certificate id a resource names: ACM ARN, IAM ARN or IAM id. */
  certificate(id: string): Promise<StoredCertificate> {
    return id.includes(':acm:') ? this.acmCertificate(id) : this.iamCertificate(id);
  }

  /**
   * The newer IAM certificates of the account that cover all of `configured`'s names with a later
   * notAfter (read from their bodies: IAM's `Expiration` metadata is not always the certificate's),
   * latest first. None for ACM certificates.
   */
  async successors(configured: StoredCertificate): Promise<(ExpectedCertificate & { replaces: string })[]> {
    if (!configured.expected.id.includes(':iam:') || !configured.expected.notAfter) return [];
    const others = (await this.iamCertificates()).filter((m) => m.Arn && m.Arn !== configured.expected.id);
    const read = await mapLimit(others, IAM_CONCURRENCY, (m) =>
      this.iamBody(m).then(
        (c) => c,
        () => undefined, // an unreadable candidate is not a successor; the configured one is still judged
      ),
    );
    const after = Date.parse(configured.expected.notAfter);
    return read
      .filter(
        (c): c is StoredCertificate => !!c?.expected.notAfter && Date.parse(c.expected.notAfter) > after,
      )
      .filter((c) => coversAll(c.names, configured.names))
      .sort((a, b) => Date.parse(b.expected.notAfter!) - Date.parse(a.expected.notAfter!))
      .map((c) => ({ ...c.expected, replaces: configured.expected.id }));
  }
}
