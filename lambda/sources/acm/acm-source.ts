/**
 * ACM adapter: every certificate of one region from ListCertificates summaries (all statuses,
 * all key types, 1000 per page); DescribeCertificate only for the few being reported. A regional
 * store: one scope per configured region, `acm#<account>#<region>`.
 */
import {
  ACMClient,
  type ACMClientConfig,
  type CertificateDetail,
  type CertificateSummary,
  DescribeCertificateCommand,
  KeyAlgorithm,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
} from '@aws-sdk/client-acm';
import { scopeKeyOf } from '../../contracts/sources';
import type { CertificateRecord, CertificateType, RenewalStatus } from '../../core/certificate';
import type { CertificateSource, Scope, ScopeReader } from '../../core/ports';
import { sdkClientConfig } from '../client-config';
import { withStoreTags } from '../tags';

/** ListCertificates returns only RSA_2048 unless every key type is asked for. */
export const ALL_KEY_TYPES: KeyAlgorithm[] = Object.values(KeyAlgorithm);
export const PAGE_SIZE = 1000;

/** The ACM client a scope reader uses by default; `overrides` adds an endpoint or credentials. */
export const defaultAcmClient = (region: string, overrides: Partial<ACMClientConfig> = {}): ACMClient =>
  new ACMClient(sdkClientConfig(region, overrides));

const accountOf = (arn: string): string | undefined => arn.split(':')[4] || undefined;

const typeOf = (t: string | undefined): CertificateType =>
  t === 'AMAZON_ISSUED' || t === 'PRIVATE' || t === 'IMPORTED' ? t : 'IMPORTED';

export const fromSummary = (s: CertificateSummary, region: string): CertificateRecord => {
  const arn = s.CertificateArn ?? '';
  const sans = s.SubjectAlternativeNameSummaries ?? [];
  return {
    source: 'acm',
    id: arn,
    region,
    account: accountOf(arn),
    domain: s.DomainName ?? '',
    sans,
    // The summary lists at most 100 names; the full list comes from DescribeCertificate.
    sanCount: s.HasAdditionalSubjectAlternativeNames ? sans.length + 1 : sans.length,
    notBefore: s.NotBefore,
    notAfter: s.NotAfter,
    keyAlgorithm: s.KeyAlgorithm,
    // An unknown type is treated as IMPORTED: the one that never renews by itself is the safe guess.
    type: typeOf(s.Type),
    status: s.Status,
    inUse: s.InUse,
    renewalEligibility: s.RenewalEligibility,
  };
};

export const withDetail = (record: CertificateRecord, d: CertificateDetail): CertificateRecord => ({
  ...record,
  domain: d.DomainName ?? record.domain,
  sans: d.SubjectAlternativeNames ?? record.sans,
  sanCount: d.SubjectAlternativeNames?.length ?? record.sanCount,
  subject: d.Subject ?? record.subject,
  issuer: d.Issuer ?? record.issuer,
  serialNumber: d.Serial ?? record.serialNumber,
  notBefore: d.NotBefore ?? record.notBefore,
  notAfter: d.NotAfter ?? record.notAfter,
  keyAlgorithm: d.KeyAlgorithm ?? record.keyAlgorithm,
  type: d.Type ? typeOf(d.Type) : record.type,
  status: d.Status ?? record.status,
  inUseBy: d.InUseBy ?? record.inUseBy,
  inUse: d.InUseBy ? d.InUseBy.length > 0 : record.inUse,
  renewalEligibility: d.RenewalEligibility ?? record.renewalEligibility,
  renewalStatus: (d.RenewalSummary?.RenewalStatus as RenewalStatus | undefined) ?? record.renewalStatus,
  renewalReason: d.RenewalSummary?.RenewalStatusReason ?? record.renewalReason,
});

/** The scope of one ACM region of an account. */
export const acmScope = (account: string, region: string): Scope => ({
  key: scopeKeyOf('acm', account, region),
  kind: 'acm',
  account,
  region,
  label: region,
});

/** ACM in the configured regions of an account. */
export class AcmSource implements CertificateSource {
  readonly kind = 'acm';

  constructor(
    private readonly regions: readonly string[],
    private readonly clientFor: (region: string) => ACMClient = defaultAcmClient,
  ) {}

  scopes(account: string): Scope[] {
    return this.regions.map((r) => acmScope(account, r));
  }

  reader(scope: Scope): AcmScopeReader {
    return new AcmScopeReader(scope, this.clientFor(scope.region ?? ''));
  }
}

/** One region's certificates. */
export class AcmScopeReader implements ScopeReader {
  constructor(
    readonly scope: Scope,
    private readonly acm: ACMClient = defaultAcmClient(scope.region ?? ''),
  ) {}

  async *list(): AsyncIterable<CertificateRecord> {
    let nextToken: string | undefined;
    do {
      const page = await this.acm.send(
        new ListCertificatesCommand({
          Includes: { keyTypes: ALL_KEY_TYPES },
          MaxItems: PAGE_SIZE,
          NextToken: nextToken,
        }),
      );
      for (const summary of page.CertificateSummaryList ?? []) {
        if (summary.CertificateArn) yield fromSummary(summary, this.scope.region ?? '');
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }

  async enrich(record: CertificateRecord): Promise<CertificateRecord> {
    const [out, tagged] = await Promise.all([
      this.acm.send(new DescribeCertificateCommand({ CertificateArn: record.id })),
      withStoreTags(
        record,
        async () =>
          (await this.acm.send(new ListTagsForCertificateCommand({ CertificateArn: record.id })))?.Tags,
      ),
    ]);
    const detailed = out.Certificate ? withDetail(record, out.Certificate) : record;
    return tagged.tags ? { ...detailed, tags: tagged.tags } : detailed;
  }
}
