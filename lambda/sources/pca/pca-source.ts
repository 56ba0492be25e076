/**
 * AWS Private CA adapter: every CA of one region (root and subordinate, every status) from
 * ListCertificateAuthorities, graded by the NotAfter the listing gives under the CA tiers
 * (lambda/contracts/pca-options.ts); GetCertificateAuthorityCertificate only for the CAs being
 * reported: the CA's own certificate and its chain. A regional store: one scope per configured
 * region, `pca#<account>#<region>`.
 */
import {
  ACMPCAClient,
  type ACMPCAClientConfig,
  type CertificateAuthority,
  GetCertificateAuthorityCertificateCommand,
  ListCertificateAuthoritiesCommand,
  ListTagsCommand,
} from '@aws-sdk/client-acm-pca';
import { type PcaOptions, parsePcaOptions } from '../../contracts/pca-options';
import { scopeKeyOf } from '../../contracts/sources';
import type { CertificateRecord } from '../../core/certificate';
import type { CertificateSource, ItemError, Scope, ScopeReader } from '../../core/ports';
import { errorCode, errorMessage } from '../../core/scan';
import { daysUntil } from '../../core/time';
import { sdkClientConfig } from '../client-config';
import { certInfo } from '../endpoint/cert-info';
import { certificatesIn } from '../pem';
import { withStoreTags } from '../tags';
import { recordFromCertInfo } from '../x509-record';

/** ListCertificateAuthorities' largest page. */
export const PCA_PAGE_SIZE = 1000;

/** Statuses of a CA that has no certificate (yet, or ever): listed without an expiry. */
export const NO_CERTIFICATE_STATUSES: ReadonlySet<string> = new Set([
  'PENDING_CERTIFICATE',
  'CREATING',
  'FAILED',
]);
/** A CA pending deletion issues nothing and is not graded; restored, it is graded again. */
const NOT_GRADED_STATUSES: ReadonlySet<string> = new Set([...NO_CERTIFICATE_STATUSES, 'DELETED']);
/** Statuses under which a CA issues, or will again once enabled. */
const ISSUING_STATUSES: ReadonlySet<string> = new Set(['ACTIVE', 'DISABLED']);
/** A CA in short-lived certificate mode issues certificates of at most 7 days. */
const SHORT_LIVED_VALIDITY_DAYS = 7;

export const ISSUANCE_CAPPED = 'ISSUANCE_CAPPED';
export const CHAIN_EXPIRES_FIRST = 'CHAIN_EXPIRES_FIRST';

/** The CA's certificate could not be read or parsed. */
export class PcaCertificateUnreadableError extends Error {
  override readonly name = 'PcaCertificateUnreadableError';
}

/** The Private CA client a scope reader uses by default; `overrides` adds an endpoint or credentials. */
export const defaultPcaClient = (region: string, overrides: Partial<ACMPCAClientConfig> = {}): ACMPCAClient =>
  new ACMPCAClient(sdkClientConfig(region, overrides));

const accountOf = (arn: string): string | undefined => arn.split(':')[4] || undefined;

/**
 * Why the CA needs replacing before its tiers say so: with less life left than the validity it
 * usually issues, every certificate it issues now ends at the CA's own expiry. No day count in the
 * text, so the stored state does not change every day.
 */
export const issuanceCappedReason = (
  ca: { notAfter?: Date; status?: string; usageMode?: string },
  issuanceValidityDays: number,
  now: Date,
): string | undefined => {
  if (!ca.notAfter || !ISSUING_STATUSES.has(ca.status ?? '')) return undefined;
  const validity =
    ca.usageMode === 'SHORT_LIVED_CERTIFICATE'
      ? Math.min(issuanceValidityDays, SHORT_LIVED_VALIDITY_DAYS)
      : issuanceValidityDays;
  const left = daysUntil(ca.notAfter, now);
  if (left <= 0 || left >= validity) return undefined;
  return (
    `${ISSUANCE_CAPPED}: issued certificates are capped by the CA's expiry ` +
    `(${ca.notAfter.toISOString()}), sooner than the usual ${validity}-day validity`
  );
};

const defined = (entries: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(entries).filter((e): e is [string, string] => e[1] !== undefined));

/** One CA as the listing shows it: graded by its NotAfter, with the CA tiers. */
export const fromAuthority = (
  ca: CertificateAuthority,
  region: string,
  options: PcaOptions,
  now: Date,
): CertificateRecord => {
  const arn = ca.Arn ?? '';
  const graded = !NOT_GRADED_STATUSES.has(ca.Status ?? '');
  const notAfter = graded ? ca.NotAfter : undefined;
  return {
    source: 'pca',
    id: arn,
    region,
    account: ca.OwnerAccount ?? accountOf(arn),
    domain: ca.CertificateAuthorityConfiguration?.Subject?.CommonName ?? arn.split('/').pop() ?? arn,
    sans: [],
    notBefore: graded ? ca.NotBefore : undefined,
    notAfter,
    keyAlgorithm: ca.CertificateAuthorityConfiguration?.KeyAlgorithm,
    // Nothing renews a CA's own certificate: like an imported certificate, never downgraded.
    type: 'IMPORTED',
    status: ca.Status,
    labels: defined({ caType: ca.Type, usageMode: ca.UsageMode }),
    thresholds: options.thresholds,
    renewalReason: issuanceCappedReason(
      { notAfter, status: ca.Status, usageMode: ca.UsageMode },
      options.issuanceValidityDays,
      now,
    ),
  };
};

/**
 * The record with the facts of the CA's real certificate (fingerprint, subject, issuer, validity)
 * and of its chain (`chainLength`, and `chainNotAfter`: the chain's earliest expiry; a chain
 * certificate expiring before the CA is also said in `renewalReason`).
 */
export const withCertificate = (
  record: CertificateRecord,
  certificatePem: string,
  chainPem: string | undefined,
  options: PcaOptions,
  now: Date,
): CertificateRecord => {
  const own = certificatesIn(certificatePem).certificates[0];
  if (!own)
    throw new PcaCertificateUnreadableError(`${record.id}: the CA certificate is not a PEM certificate`);
  const cert = recordFromCertInfo(certInfo(own.x509), { source: 'pca', id: record.id });
  const chain = chainPem ? certificatesIn(chainPem).certificates.map((c) => certInfo(c.x509)) : [];
  const first = [...chain].sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime())[0];
  // As the IAM source says it: a parent expiring before this CA breaks what it issued sooner.
  const chainFirst =
    first && cert.notAfter && first.notAfter.getTime() < cert.notAfter.getTime()
      ? `${CHAIN_EXPIRES_FIRST}: chain certificate "${first.subject}" expires ${first.notAfter.toISOString()}, before this CA`
      : undefined;
  const capped = issuanceCappedReason(
    { notAfter: cert.notAfter, status: record.status, usageMode: record.labels?.usageMode },
    options.issuanceValidityDays,
    now,
  );
  const reasons = [capped, chainFirst].filter((r): r is string => r !== undefined);
  return {
    ...record,
    domain: cert.domain,
    sans: cert.sans,
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber,
    fingerprintSha256: cert.fingerprintSha256,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    keyAlgorithm: cert.keyAlgorithm,
    labels: {
      ...record.labels,
      chainLength: String(chain.length),
      ...(first ? { chainNotAfter: first.notAfter.toISOString() } : {}),
    },
    renewalReason: reasons.length > 0 ? reasons.join('; ') : undefined,
  };
};

/** The scope of one Private CA region of an account. */
export const pcaScope = (account: string, region: string): Scope => ({
  key: scopeKeyOf('pca', account, region),
  kind: 'pca',
  account,
  region,
  label: region,
});

export interface PcaSourceOptions {
  readonly clientFor?: (region: string) => ACMPCAClient;
  /** The setting's options (tiersDays, criticalDays, issuanceValidityDays). */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The instant "less life left than the issuance validity" is judged at. */
  readonly clock?: () => Date;
}

/** Private CA in the configured regions of an account. */
export class PcaSource implements CertificateSource {
  readonly kind = 'pca';
  private readonly options: PcaOptions;

  /** Throws InvalidSourceSettingError for bad options, naming the value. */
  constructor(
    private readonly regions: readonly string[],
    private readonly deps: PcaSourceOptions = {},
  ) {
    this.options = parsePcaOptions(deps.options);
  }

  scopes(account: string): Scope[] {
    return this.regions.map((r) => pcaScope(account, r));
  }

  reader(scope: Scope): PcaScopeReader {
    const region = scope.region ?? '';
    return new PcaScopeReader(
      scope,
      (this.deps.clientFor ?? defaultPcaClient)(region),
      this.options,
      this.deps.clock,
    );
  }
}

/** One region's CAs. */
export class PcaScopeReader implements ScopeReader {
  private skipped = 0;

  constructor(
    readonly scope: Scope,
    private readonly pca: ACMPCAClient = defaultPcaClient(scope.region ?? ''),
    private readonly options: PcaOptions = parsePcaOptions(),
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async *list(reportItemError: (e: ItemError) => void = () => {}): AsyncIterable<CertificateRecord> {
    this.skipped = 0;
    const region = this.scope.region ?? '';
    let nextToken: string | undefined;
    let position = 0;
    do {
      const page = await this.pca.send(
        new ListCertificateAuthoritiesCommand({ MaxResults: PCA_PAGE_SIZE, NextToken: nextToken }),
      );
      for (const ca of page.CertificateAuthorities ?? []) {
        position++;
        const record = await this.fromListing(ca, region, position, reportItemError);
        if (record) yield record;
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }

  /** A skipped CA may be a tracked one: its absence proves nothing. */
  complete(): boolean {
    return this.skipped === 0;
  }

  async enrich(record: CertificateRecord): Promise<CertificateRecord> {
    const out = await this.pca.send(
      new GetCertificateAuthorityCertificateCommand({ CertificateAuthorityArn: record.id }),
    );
    if (!out.Certificate)
      throw new PcaCertificateUnreadableError(
        `${record.id}: GetCertificateAuthorityCertificate returned no certificate`,
      );
    return withStoreTags(
      withCertificate(record, out.Certificate, out.CertificateChain, this.options, this.clock()),
      async () => (await this.pca.send(new ListTagsCommand({ CertificateAuthorityArn: record.id })))?.Tags,
    );
  }

  private async fromListing(
    ca: CertificateAuthority,
    region: string,
    position: number,
    reportItemError: (e: ItemError) => void,
  ): Promise<CertificateRecord | undefined> {
    const skip = (code: string, message: string, item = ca.Arn ?? `${this.scope.key}#${position}`) => {
      this.skipped++;
      reportItemError({ item, code, message });
      return undefined;
    };
    if (!ca.Arn) return skip('CA_WITHOUT_ARN', `CA number ${position} of the listing has no ARN`);
    const record = fromAuthority(ca, region, this.options, this.clock());
    if (record.notAfter || NOT_GRADED_STATUSES.has(ca.Status ?? '')) return record;
    // A CA that should have a certificate but whose listing gives no expiry: read the certificate.
    try {
      return await this.enrich(record);
    } catch (error) {
      return skip(
        errorCode(error),
        `${ca.Status ?? 'unknown status'} CA listed without NotAfter, and its certificate could not be read: ${errorMessage(error)}`,
      );
    }
  }
}
