/**
 * AWS IoT Core adapter: the device certificates (ListCertificates) and the registered CA
 * certificates (ListCACertificates) of one region, one scope per region (`iot#<account>#<region>`).
 * IoT's listings carry no validity at all, so every certificate is described during `list`
 * (DescribeCertificate / DescribeCACertificate, `describeConcurrency` in flight) and its dates are
 * read from the PEM, never from the service's `validity` field. Each PEM is parsed and dropped at
 * once, so memory stays flat for fleets of thousands. The things a device certificate is attached
 * to (ListPrincipalThings) are read only for the certificates being reported.
 */
import {
  type CACertificate,
  type Certificate,
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  IoTClient,
  type IoTClientConfig,
  ListCACertificatesCommand,
  ListCertificatesCommand,
  ListPrincipalThingsCommand,
} from '@aws-sdk/client-iot';
import {
  DEFAULT_DESCRIBE_BUDGET_SECONDS,
  DEFAULT_DESCRIBE_CONCURRENCY,
  DEFAULT_IOT_OPTIONS,
  type IotOptions,
  iotOptions,
  MAX_DESCRIBE_CONCURRENCY,
} from '../../contracts/iot-options';
import { scopeKeyOf } from '../../contracts/sources';

export {
  DEFAULT_DESCRIBE_BUDGET_SECONDS,
  DEFAULT_DESCRIBE_CONCURRENCY,
  DEFAULT_IOT_OPTIONS,
  type IotOptions,
  iotOptions,
  MAX_DESCRIBE_CONCURRENCY,
};

import type { CertificateRecord } from '../../core/certificate';
import type { CertificateSource, ItemError, Scope, ScopeReader } from '../../core/ports';
import { errorCode, errorMessage, mapLimit } from '../../core/scan';
import { sdkClientConfig } from '../client-config';
import { certInfo } from '../endpoint/cert-info';
import { certificatesIn } from '../pem';
import { recordFromCertInfo } from '../x509-record';

export const IOT_KIND = 'iot';
/** IoT's largest page for ListCertificates and ListCACertificates. */
export const PAGE_SIZE = 250;
/** ListPrincipalThings' largest page. */
export const THINGS_PAGE_SIZE = 250;
/** Things named per certificate at most (events carry 50); a shared fleet certificate stops here. */
export const MAX_THINGS = 1000;
/** The subject CN of every certificate IoT issues itself (CreateKeysAndCertificate): names nothing. */
export const AWS_IOT_ISSUED_CN = 'AWS IoT Certificate';
/** `labels.role`: a CA certificate expiring breaks every device it signed, channels say so. */
export type IotCertificateRole = 'device' | 'ca';

/** The IoT client a scope reader uses by default; `overrides` adds an endpoint or credentials. */
export const defaultIotClient = (region: string, overrides: Partial<IoTClientConfig> = {}): IoTClient =>
  // Two attempts more than the shared default: DescribeCertificate is throttled at 10 requests per
  // second by default, far below what 8 calls in flight can send.
  new IoTClient(sdkClientConfig(region, { maxAttempts: 8, ...overrides }));

const accountOf = (arn: string): string | undefined => arn.split(':')[4] || undefined;

/** The scope of one IoT region of an account. */
export const iotScope = (account: string, region: string): Scope => ({
  key: scopeKeyOf(IOT_KIND, account, region),
  kind: IOT_KIND,
  account,
  region,
  label: region,
});

export const roleOf = (record: Pick<CertificateRecord, 'labels'>): IotCertificateRole =>
  record.labels?.role === 'ca' ? 'ca' : 'device';

/** One listed certificate with what its description said. */
interface Described {
  readonly arn: string;
  readonly id: string;
  readonly status?: string;
  readonly pem?: string;
  readonly caCertificateId?: string;
}

/**
 * The record for one described certificate, dates and names from its PEM; a problem when the PEM
 * holds no readable certificate. Only the certificate is kept: the PEM goes out of scope here.
 */
export const recordFromDescription = (
  d: Described,
  region: string,
  role: IotCertificateRole,
): CertificateRecord | ItemError => {
  const { certificates, problems } = certificatesIn(d.pem ?? '');
  const first = certificates[0];
  if (!first) {
    const p = problems[0];
    return {
      item: d.arn,
      code: p?.code ?? 'NOT_A_CERTIFICATE',
      message: `${role === 'ca' ? 'DescribeCACertificate' : 'DescribeCertificate'} returned no readable certificate: ${p?.message ?? 'empty'}`,
    };
  }
  const info = certInfo(first.x509);
  const labels: Record<string, string> = { role };
  if (d.caCertificateId) labels.caCertificateId = d.caCertificateId;
  const base = recordFromCertInfo(info, { source: IOT_KIND, id: d.arn, labels });
  // Device certificates are often named only by the CN IoT gives every certificate it issues, or
  // by nothing at all: the certificate id is then the one name that tells them apart.
  const generic = base.domain === AWS_IOT_ISSUED_CN || base.domain === info.subject || base.domain === '';
  return {
    ...base,
    region,
    account: accountOf(d.arn),
    domain: generic ? d.id : base.domain,
    // Nothing renews an IoT certificate: devices or their owners rotate them.
    type: 'IMPORTED',
    status: d.status,
  };
};

/** A listed certificate: what a listing page says about it. */
interface Listed {
  readonly certificateArn: string;
  readonly certificateId: string;
  readonly status?: string;
}

interface Page {
  readonly items: Listed[];
  readonly next?: string;
}

const listedOf = (items: readonly (Certificate | CACertificate)[] = []): Listed[] =>
  items.flatMap((c) =>
    c.certificateArn && c.certificateId
      ? [{ certificateArn: c.certificateArn, certificateId: c.certificateId, status: c.status }]
      : [],
  );

const isItemError = (r: CertificateRecord | ItemError): r is ItemError => 'item' in r && 'code' in r;

/** IoT Core in the configured regions of an account. */
export class IotSource implements CertificateSource {
  readonly kind = IOT_KIND;

  constructor(
    private readonly regions: readonly string[],
    private readonly clientFor: (region: string) => IoTClient = defaultIotClient,
    private readonly options: IotOptions = DEFAULT_IOT_OPTIONS,
  ) {}

  scopes(account: string): Scope[] {
    return this.regions.map((r) => iotScope(account, r));
  }

  reader(scope: Scope): IotScopeReader {
    return new IotScopeReader(scope, this.clientFor(scope.region ?? ''), this.options);
  }
}

/** One region's device and CA certificates. */
export class IotScopeReader implements ScopeReader {
  private incomplete = false;
  /** Epoch ms after which no more certificates are described this scan. */
  private deadline = Number.POSITIVE_INFINITY;
  private described = 0;
  private skipped = 0;

  constructor(
    readonly scope: Scope,
    private readonly iot: IoTClient = defaultIotClient(scope.region ?? ''),
    private readonly options: IotOptions = DEFAULT_IOT_OPTIONS,
    private readonly clock: () => number = Date.now,
  ) {}

  complete(): boolean {
    return !this.incomplete;
  }

  async *list(report: (e: ItemError) => void = () => {}): AsyncIterable<CertificateRecord> {
    this.incomplete = false;
    this.described = 0;
    this.skipped = 0;
    this.deadline = this.clock() + this.options.describeBudgetSeconds * 1000;
    if (this.options.caCertificates) {
      try {
        yield* this.pages('ca', report);
      } catch (error) {
        // The device certificates are still listed; nothing is taken for removed meanwhile.
        this.incomplete = true;
        report({
          item: `${this.scope.key} CA certificates`,
          code: errorCode(error),
          message: `ListCACertificates failed, CA certificates not checked: ${errorMessage(error)}`,
        });
      }
    }
    yield* this.pages('device', report);
    if (this.skipped > 0) {
      this.incomplete = true;
      report({
        item: `${this.scope.key} device certificates`,
        code: 'DESCRIBE_BUDGET_EXHAUSTED',
        message:
          `described ${this.described} certificate(s) in the ${this.options.describeBudgetSeconds} s budget; ${this.skipped} more ` +
          'wait for the next scan (listed from the other end on alternate days). Raise the DescribeCertificate quota, ' +
          'describeConcurrency or describeBudgetSeconds with the inventory timeout',
      });
    }
  }

  /** Alternate UTC days list from opposite ends, so a fleet larger than one budget is covered over two scans. */
  private ascending(): boolean {
    return Math.floor(this.clock() / 86_400_000) % 2 === 0;
  }

  /** One page of device (ListCertificates) or CA (ListCACertificates) certificates. */
  private async listPage(role: IotCertificateRole, marker?: string): Promise<Page> {
    const input = { pageSize: PAGE_SIZE, marker, ascendingOrder: this.ascending() };
    const page =
      role === 'ca'
        ? await this.iot.send(new ListCACertificatesCommand(input))
        : await this.iot.send(new ListCertificatesCommand(input));
    return { items: listedOf(page.certificates), next: page.nextMarker };
  }

  private async describe(role: IotCertificateRole, c: Listed): Promise<Described> {
    const { certificateId } = c;
    const d =
      role === 'ca'
        ? (await this.iot.send(new DescribeCACertificateCommand({ certificateId }))).certificateDescription
        : (await this.iot.send(new DescribeCertificateCommand({ certificateId }))).certificateDescription;
    return {
      arn: c.certificateArn,
      id: certificateId,
      status: d?.status ?? c.status,
      pem: d?.certificatePem,
      caCertificateId: d && 'caCertificateId' in d ? d.caCertificateId : undefined,
    };
  }

  /**
   * Every page of a listing, each page's certificates described `describeConcurrency` at a time
   * while the next page is already being fetched. A listing call that fails throws (after the
   * SDK's retries); a describe call that fails is one item's error.
   */
  private async *pages(
    role: IotCertificateRole,
    report: (e: ItemError) => void,
  ): AsyncIterable<CertificateRecord> {
    const region = this.scope.region ?? '';
    let page: Promise<Page> | undefined = this.listPage(role);
    while (page) {
      const { items, next }: Page = await page;
      page = next ? this.listPage(role, next) : undefined;
      // Prefetched: a failure is rethrown when awaited above, never reported as unhandled meanwhile.
      page?.catch(() => {});
      if (role === 'device' && this.clock() >= this.deadline) {
        // Out of time: count what is left without describing it (listing is cheap, 250 a call).
        this.skipped += items.length;
        continue;
      }
      const out = await mapLimit(items, this.options.describeConcurrency, async (c) => {
        if (role === 'device' && this.clock() >= this.deadline) {
          this.skipped++;
          return null;
        }
        try {
          this.described++;
          return recordFromDescription(await this.describe(role, c), region, role);
        } catch (error) {
          // Deleted between the listing and its description: it is simply gone.
          if (errorCode(error) === 'ResourceNotFoundException') return null;
          // A certificate we know exists but could not read: its absence must not count as removal.
          this.incomplete = true;
          return { item: c.certificateArn, code: errorCode(error), message: errorMessage(error) };
        }
      });
      for (const r of out) {
        if (!r) continue;
        if (isItemError(r)) report(r);
        else yield r;
      }
    }
  }

  /** The things a device certificate is attached to, as thing ARNs; nothing to ask for a CA. */
  async enrich(record: CertificateRecord): Promise<CertificateRecord> {
    if (roleOf(record) === 'ca') return record;
    const thingArn = (name: string) => record.id.replace(/:cert\/[^/]*$/, `:thing/${name}`);
    const things: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.iot.send(
        new ListPrincipalThingsCommand({ principal: record.id, maxResults: THINGS_PAGE_SIZE, nextToken }),
      );
      things.push(...(page.things ?? []).map(thingArn));
      nextToken = page.nextToken;
    } while (nextToken && things.length < MAX_THINGS);
    return { ...record, inUse: things.length > 0, inUseBy: things.slice(0, MAX_THINGS) };
  }
}
