/**
 * An estate for the report tests: real X.509 certificates generated now (test/support/certs.ts),
 * read back into records the way the file source reads them, some with hostile fields, and the
 * same certificates as lifecycle states (acknowledged, ticketed, an endpoint placeholder).
 */
import { X509Certificate } from 'node:crypto';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { ScopeReader } from '../../lambda/core/ports';
import type { TrackedState } from '../../lambda/lifecycle/model';
import { newState } from '../../lambda/lifecycle/tracked-state';
import { certInfo } from '../../lambda/sources/endpoint/cert-info';
import { recordFromCertInfo } from '../../lambda/sources/x509-record';
import { createCertificate, daysFrom } from './certs';

export const HOSTILE = {
  script: '<script>window.__pwned=1</script>',
  attribute: '"onerror=window.__pwned=2 x="',
  /** U+202E RIGHT-TO-LEFT OVERRIDE: shows `moc.elgoog` reversed as `google.com`. */
  bidi: 'evil\u202Emoc.elgoog.example',
  ticketUrl: 'javascript:window.__pwned=3',
} as const;

export interface EstateCert {
  readonly commonName: string;
  readonly days: number;
  readonly source: string;
  readonly account?: string;
  readonly accountName?: string;
  readonly region?: string;
  readonly inUseBy?: readonly string[];
}

/** Days until notAfter for each certificate of the default estate: 2 expired, 2 critical, 2 warning, 3 ok. */
export const ESTATE: readonly EstateCert[] = [
  { commonName: 'old.example', days: -40, source: 'acm', account: '111111111111', region: 'eu-west-1' },
  { commonName: HOSTILE.script, days: -2, source: 'acm', account: '111111111111', region: 'eu-west-1' },
  { commonName: 'soon.example', days: 3, source: 'acm', account: '222222222222', region: 'us-east-1' },
  { commonName: HOSTILE.attribute, days: 5, source: 'iam', account: '222222222222' },
  { commonName: HOSTILE.bidi, days: 12, source: 'acm', account: '111111111111', region: 'eu-west-1' },
  { commonName: 'month.example', days: 25, source: 'endpoint' },
  { commonName: 'quarter.example', days: 80, source: 'acm', account: '111111111111', region: 'us-east-1' },
  { commonName: 'half.example', days: 180, source: 'secrets', account: '222222222222', region: 'eu-west-1' },
  {
    commonName: 'year.example',
    days: 300,
    source: 'acm',
    account: '111111111111',
    accountName: 'Production',
    region: 'eu-west-1',
    inUseBy: ['arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/1'],
  },
];

/** Real certificates for the estate, read back as records (ids look like their store's). */
export const estateRecords = async (now: Date, estate = ESTATE): Promise<CertificateRecord[]> =>
  Promise.all(
    estate.map(async (e, i) => {
      const cert = await createCertificate({
        commonName: e.commonName,
        dnsNames: [`host${i}.example`],
        notBefore: daysFrom(now, Math.min(e.days, 0) - 60),
        notAfter: daysFrom(now, e.days),
      });
      const id =
        e.source === 'endpoint'
          ? `host${i}.example:443@192.0.2.${i + 1}`
          : `arn:aws:${e.source}:${e.region ?? ''}:${e.account}:certificate/${i}`;
      const record = recordFromCertInfo(certInfo(new X509Certificate(cert.certPem)), {
        source: e.source,
        id,
      });
      return {
        ...record,
        ...(e.account ? { account: e.account } : {}),
        ...(e.accountName ? { accountName: e.accountName } : {}),
        ...(e.region ? { region: e.region } : {}),
        ...(e.inUseBy ? { inUse: true, inUseBy: e.inUseBy } : {}),
      };
    }),
  );

/** A scope reader over fixed records (the scan engine's input), or one that fails. */
export const recordsReader = (
  key: string,
  records: readonly CertificateRecord[],
  fail?: Error,
): ScopeReader => ({
  scope: { key, kind: key.split('#')[0] ?? 'test', label: key },
  async *list() {
    if (fail) throw fail;
    yield* records;
  },
});

/** The records as the lifecycle tracks them; `edit` sets acknowledgements, tickets, problems. */
export const statesOf = (
  records: readonly CertificateRecord[],
  now: Date,
  edit: (s: TrackedState, i: number) => TrackedState = (s) => s,
): TrackedState[] =>
  records.map((r, i) =>
    edit(
      newState({ location: r.id, scope: `${r.source}#${r.account ?? 'x'}#${r.region ?? 'global'}` }, r, now),
      i,
    ),
  );
