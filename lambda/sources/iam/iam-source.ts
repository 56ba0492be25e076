/**
 * IAM server certificates: the certificates CloudFront and load balancers serve from IAM. A global
 * store: one scope per account, `iam#<account>`. The listing is ListServerCertificates metadata
 * (name, ARN, Expiration; 1,000 per page); the body, the chain and where the certificate is used
 * are read only for the certificates being reported. IAM never renews anything: every record is
 * IMPORTED.
 */
import {
  GetServerCertificateCommand,
  IAMClient,
  type IAMClientConfig,
  ListServerCertificatesCommand,
  ListServerCertificateTagsCommand,
  type ServerCertificate,
  type ServerCertificateMetadata,
} from '@aws-sdk/client-iam';
import { InvalidSourceSettingError, scopeKeyOf } from '../../contracts/sources';
import type { CertificateRecord } from '../../core/certificate';
import type { CertificateSource, ItemError, Scope, ScopeReader } from '../../core/ports';
import { sdkClientConfig } from '../client-config';
import { type CertInfo, certInfo } from '../endpoint/cert-info';
import { certificatesIn } from '../pem';
import { withStoreTags } from '../tags';
import { recordFromCertInfo } from '../x509-record';
import type { CertificateUsage, UsageClients } from './usage';

export const IAM_KIND = 'iam';
/** ListServerCertificates' largest page. */
export const IAM_PAGE_SIZE = 1000;
/** IAM and CloudFront are global: in the aws partition their clients sign for us-east-1. */
export const IAM_REGION = 'us-east-1';
/** `status` of a certificate whose chain stops being valid before the certificate itself. */
export const CHAIN_EXPIRES_FIRST = 'CHAIN_EXPIRES_FIRST';

export interface IamSourceOptions {
  /**
   * Region the IAM and CloudFront clients use (another partition's, e.g. cn-north-1).
   * @default 'us-east-1'
   */
  readonly region?: string;
  /** Regions whose load balancers are searched for listeners serving a reported certificate. @default [region] */
  readonly usageRegions?: readonly string[];
  /** Look up CloudFront distributions and load balancer listeners for reported certificates. @default true */
  readonly lookUpUsage?: boolean;
}

export interface IamClients {
  iam(): IAMClient;
  /**
   * The clients of the "in use by" lookup (CloudFront, ELBv2, classic ELB). A promise: their SDK
   * clients are a lazily loaded part of the IAM worker's bundle, loaded on the first reported
   * certificate, never for a scan that reports none (docs/benchmarks.md, "Lambda bundles").
   */
  usage(): Promise<UsageClients>;
}

/** Endpoint, credentials or region on top of the clients' defaults (the registry's SourceContext). */
export type IamClientOverrides = (
  region: string,
) => Partial<Pick<IAMClientConfig, 'region' | 'endpoint' | 'credentials'>> | undefined;

/** The clients a scope reader uses by default: IAM and CloudFront in `region`, ELB per usage region. */
export const defaultIamClients = (region: string, overrides?: IamClientOverrides): IamClients => {
  const config = (r: string) => sdkClientConfig(r, overrides?.(r));
  return {
    iam: () => new IAMClient(config(region)),
    usage: async () => (await import('./usage')).defaultUsageClients(region, config),
  };
};

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

const regionList = (value: unknown, key: string): string[] => {
  const list = typeof value === 'string' ? value.split(',').map((r) => r.trim()) : value;
  if (!Array.isArray(list) || !list.every((r) => typeof r === 'string' && REGION.test(r)))
    throw new InvalidSourceSettingError(
      `iam option ${key} must be region names (a list, or comma-separated), got ${JSON.stringify(value)}`,
    );
  return [...new Set(list as string[])];
};

/** The iam source's options from its setting (the construct's JSON or `--option key=value`). */
export const iamSourceOptions = (options: Readonly<Record<string, unknown>> = {}): IamSourceOptions => {
  const { region, usageRegions, lookUpUsage } = options;
  if (region !== undefined && (typeof region !== 'string' || !REGION.test(region)))
    throw new InvalidSourceSettingError(
      `iam option region must be a region name, got ${JSON.stringify(region)}`,
    );
  if (lookUpUsage !== undefined && ![true, false, 'true', 'false'].includes(lookUpUsage as never))
    throw new InvalidSourceSettingError(
      `iam option lookUpUsage must be true or false, got ${JSON.stringify(lookUpUsage)}`,
    );
  return {
    ...(region !== undefined ? { region } : {}),
    ...(usageRegions !== undefined ? { usageRegions: regionList(usageRegions, 'usageRegions') } : {}),
    ...(lookUpUsage !== undefined ? { lookUpUsage: lookUpUsage === true || lookUpUsage === 'true' } : {}),
  };
};

const arnPart = (arn: string, i: number): string | undefined => arn.split(':')[i] || undefined;
/** Names cannot hold '/': the path is everything between `server-certificate` and the name. */
export const nameOf = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

/**
 * The listing's record. Until the body is read, the domain is the certificate's name and notAfter
 * is the metadata's Expiration, taken as IAM gives it (moto gives a fixed 2012 date: the body,
 * read for every reported certificate, corrects it).
 */
export const fromMetadata = (m: ServerCertificateMetadata, account?: string): CertificateRecord => {
  const arn = m.Arn ?? '';
  return {
    source: IAM_KIND,
    id: arn,
    account: arnPart(arn, 4) ?? account,
    domain: m.ServerCertificateName ?? nameOf(arn),
    sans: [],
    notAfter: m.Expiration,
    type: 'IMPORTED',
  };
};

/**
 * Chain certificates that stop being valid before the leaf, earliest first. A client that needs
 * them fails from that date, whatever the leaf says.
 */
export const chainExpiringFirst = (leaf: CertInfo, chain: readonly CertInfo[]): CertInfo[] =>
  chain
    .filter((c) => c.notAfter.getTime() < leaf.notAfter.getTime())
    .sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime());

/**
 * The record from the certificate itself. A chain certificate expiring before the leaf is named in
 * `status` and `renewalReason`; notAfter stays the leaf's, so the record describes one certificate
 * and matches the listing's Expiration scan after scan (docs/sources.md, "iam").
 */
export const withCertificate = (
  record: CertificateRecord,
  cert: ServerCertificate,
  report: (e: ItemError) => void,
): CertificateRecord => {
  const body = certificatesIn(cert.CertificateBody ?? '');
  const leaf = body.certificates[0];
  if (!leaf) {
    const problem = body.problems[0];
    report({
      item: record.id,
      code: problem?.code ?? 'NOT_A_CERTIFICATE',
      message: `the certificate body ${problem?.message ?? 'holds no certificate'}`,
    });
    return record;
  }
  const info = certInfo(leaf.x509);
  const chain = certificatesIn(cert.CertificateChain ?? '');
  if (cert.CertificateChain) {
    for (const p of chain.problems)
      report({ item: `${record.id}#chain`, code: p.code, message: `the certificate chain: ${p.message}` });
  }
  const early = chainExpiringFirst(
    info,
    chain.certificates.map((c) => certInfo(c.x509)),
  );
  const first = early[0];
  return {
    ...record,
    ...recordFromCertInfo(info, { source: IAM_KIND, id: record.id }),
    account: record.account,
    type: 'IMPORTED',
    labels: record.labels,
    ...(first
      ? {
          status: CHAIN_EXPIRES_FIRST,
          renewalReason:
            `chain certificate "${first.subject}" expires ${first.notAfter.toISOString()}, before this certificate` +
            `${early.length > 1 ? ` (as do ${early.length - 1} more)` : ''}; IAM cannot change a chain: upload the certificate again with a current chain and move its users`,
        }
      : {}),
  };
};

/** Who uses the certificate; unchanged when nothing was found and a lookup failed (unknown, not unused). */
export const withUsage = (
  record: CertificateRecord,
  certificateId: string | undefined,
  usage: CertificateUsage,
): CertificateRecord => {
  const users = [
    ...((certificateId && usage.byCertificateId.get(certificateId)) || []),
    ...(usage.byArn.get(record.id) ?? []),
  ];
  if (users.length === 0 && usage.failed.length > 0) return record;
  // Sorted: lookups finish in any order, and the stored state must not change when nothing did.
  return { ...record, inUse: users.length > 0, inUseBy: users.sort() };
};

/** The scope of an account's IAM server certificates. */
export const iamScope = (account: string): Scope => ({
  key: scopeKeyOf(IAM_KIND, account),
  kind: IAM_KIND,
  account,
  label: account,
});

/** IAM server certificates, one scope per account. */
export class IamSource implements CertificateSource {
  readonly kind = IAM_KIND;

  constructor(
    private readonly options: IamSourceOptions = {},
    private readonly clientsFor: (region: string) => IamClients = defaultIamClients,
  ) {}

  scopes(account: string): Scope[] {
    return [iamScope(account)];
  }

  reader(scope: Scope): IamScopeReader {
    return new IamScopeReader(scope, this.clientsFor(this.options.region ?? IAM_REGION), this.options);
  }
}

/** One account's IAM server certificates. A reader lives for one scan, so what it caches does too. */
export class IamScopeReader implements ScopeReader {
  private iamClient?: IAMClient;
  /** Item errors found while enriching go where the listing's went. */
  private report: (e: ItemError) => void = () => {};
  private usage?: Promise<CertificateUsage>;

  constructor(
    readonly scope: Scope,
    private readonly clients: IamClients,
    private readonly options: IamSourceOptions = {},
  ) {}

  private get iam(): IAMClient {
    this.iamClient ??= this.clients.iam();
    return this.iamClient;
  }

  async *list(reportItemError: (e: ItemError) => void = () => {}): AsyncIterable<CertificateRecord> {
    this.report = reportItemError;
    let marker: string | undefined;
    do {
      const page = await this.iam.send(
        new ListServerCertificatesCommand({ Marker: marker, MaxItems: IAM_PAGE_SIZE }),
      );
      for (const m of page.ServerCertificateMetadataList ?? []) {
        if (!m.Arn) continue;
        if (!m.Expiration)
          reportItemError({
            item: m.Arn,
            code: 'NO_EXPIRATION',
            message: 'IAM listed the certificate without an Expiration: its expiry is unknown',
          });
        yield fromMetadata(m, this.scope.account);
      }
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
  }

  async enrich(record: CertificateRecord): Promise<CertificateRecord> {
    const out = await this.iam.send(
      new GetServerCertificateCommand({ ServerCertificateName: nameOf(record.id) }),
    );
    const cert = out.ServerCertificate;
    const read = await withStoreTags(
      cert ? withCertificate(record, cert, this.report) : record,
      async () =>
        (
          await this.iam.send(
            new ListServerCertificateTagsCommand({ ServerCertificateName: nameOf(record.id) }),
          )
        )?.Tags,
    );
    if (this.options.lookUpUsage === false) return read;
    return withUsage(
      read,
      cert?.ServerCertificateMetadata?.ServerCertificateId,
      await this.usageOnce(record.id),
    );
  }

  /** Distributions and load balancers, read once per scan on the first reported certificate. */
  private usageOnce(arn: string): Promise<CertificateUsage> {
    const target = {
      partition: arnPart(arn, 1) ?? 'aws',
      account: this.scope.account ?? arnPart(arn, 4) ?? '',
      regions: this.options.usageRegions ?? [this.options.region ?? IAM_REGION],
    };
    this.usage ??= Promise.all([import('./usage'), this.clients.usage()])
      .then(([{ readUsage }, clients]) => readUsage(clients, target))
      .then((usage) => {
        for (const failure of usage.failed) this.report(failure);
        return usage;
      });
    return this.usage;
  }
}
