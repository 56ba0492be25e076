/**
 * The estate report from what a CLI run saw: a scan's result (`scan <source>`, `scan all`, `scan
 * file`, the organization scans) or `check`'s probe results. No lifecycle: a one-off run has no
 * lifecycle state, acknowledgement or ticket.
 */
import type { CertificateRecord } from '../core/certificate';
import { type Evaluation, lifetimeGrading, overallSeverity, type Severity } from '../core/evaluate';
import type { Problem } from '../core/events';
import type { ScanResult } from '../core/scan';
import {
  type EstateReport,
  expiryOrderKey,
  REPORT_VERSION,
  type ReportCertificate,
  type ReportScopeFailure,
} from './model';

/** One certificate as the report shows it, from its record and verdict (overall severity: problems raise it). */
export const reportCertificateOf = (
  record: CertificateRecord,
  evaluation: Pick<Evaluation, 'severity' | 'notYetValid' | 'daysRemaining'> &
    Partial<Pick<Evaluation, 'basis' | 'thresholds'>>,
  extra: { readonly scope?: string; readonly problems?: readonly Problem[] } = {},
): ReportCertificate => {
  const problems = extra.problems ?? [];
  const out: ReportCertificate = {
    location: record.id,
    source: record.source,
    scope: extra.scope,
    account: record.account,
    accountName: record.accountName,
    region: record.region,
    domain: record.domain,
    sans: [...record.sans],
    notAfter: record.notAfter?.toISOString(),
    daysRemaining: evaluation.daysRemaining ?? undefined,
    severity: overallSeverity(evaluation, problems),
    issuer: record.issuer,
    keyAlgorithm: record.keyAlgorithm,
    fingerprintSha256: record.fingerprintSha256,
    serialNumber: record.serialNumber,
    inUseBy: [...(record.inUseBy ?? [])],
    problems: [
      ...(evaluation.notYetValid ? ['NOT_YET_VALID'] : []),
      ...problems.map((p) => p.code).filter((c) => c !== 'NOT_YET_VALID'),
    ],
    owner: record.labels?.owner,
    shortLived:
      evaluation.basis && evaluation.thresholds
        ? lifetimeGrading(record, { basis: evaluation.basis, thresholds: evaluation.thresholds })
        : undefined,
  };
  return withoutUndefined(out);
};

/** Drops undefined members so the JSON stays minimal (the report's JSON is the stored shape). */
export const withoutUndefined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** Soonest expiry first (expiryOrderKey), then by location: the table's first order. */
export const byExpiry = (a: ReportCertificate, b: ReportCertificate): number => {
  const x = expiryOrderKey(a);
  const y = expiryOrderKey(b);
  return x === y ? a.location.localeCompare(b.location) : x < y ? -1 : 1;
};

/**
 * The report of one scan: every certificate it listed, the scopes it listed completely, and the
 * ones it did not (each single item it could not read is a failure of its scope, `item: message`).
 * @param origin what made it, e.g. `cert-watch scan acm`
 * @param now the instant the scan evaluated at (`daysRemaining` counts from it)
 */
export const reportFromScan = (result: ScanResult, origin: string, now: Date): EstateReport => {
  const failures: ReportScopeFailure[] = [
    ...result.scopesFailed.map((f) => ({ scope: f.scope.key, code: f.code, message: f.message })),
    ...result.itemErrors.map((e) => ({ scope: e.scope, code: e.code, message: `${e.item}: ${e.message}` })),
  ];
  const failedScopes = new Set(failures.map((f) => f.scope));
  return {
    reportVersion: REPORT_VERSION,
    generatedAt: now.toISOString(),
    origin,
    certificates: result.certificates
      .map((c) => reportCertificateOf(c.record, c.evaluation, { scope: c.scope }))
      .sort(byExpiry),
    // A scope listed with errors (an item it could not read) is a failed scope, not also a scanned one.
    coverage: {
      scopesScanned: result.scopesScanned.map((s) => s.key).filter((k) => !failedScopes.has(k)),
      scopesFailed: failures,
    },
  };
};

/** What `reportFromProbes` reads of a `check` result (lambda/sources/endpoint/types.ts `ProbeResult`). */
export interface ProbeObservation {
  /** `host:port` (formatTarget). */
  readonly target: string;
  readonly host: string;
  /** The name sent as SNI (null: none): a row per name when one address serves several. */
  readonly servername?: string | null;
  readonly variant?: string;
  readonly address: string | null;
  /** The overall verdict (`verdictOf`); 'error' when nothing was read. */
  readonly verdict: Severity | 'error';
  readonly daysRemaining: number | null;
  /** Earliest expiry on the judged path (ISO). */
  readonly notAfter: string | null;
  readonly problems: readonly Problem[];
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly record?: CertificateRecord;
  readonly owner?: string;
  /** The verdict's evaluation and the path it judged (for a short-lived certificate's grading). */
  readonly evaluation?: Pick<Evaluation, 'basis' | 'thresholds'>;
  readonly path?: readonly { readonly notBefore: string; readonly notAfter: string }[];
  readonly earliestExpiry?: { readonly index: number } | null;
}

const endpointScope = (target: string): string => `endpoint#${target}`;

/**
 * The report of `cert-watch check`: one row per address probed (per certificate of a
 * dual-certificate server). Days and expiry are the earliest on the judged path, as the table and
 * the exit code say; an address that could not be checked is a `critical` row with its error code.
 */
export const reportFromProbes = (
  results: readonly ProbeObservation[],
  origin: string,
  now: Date,
): EstateReport => {
  const certificates = results.map((r): ReportCertificate => {
    // Two SNI names at one address are two rows: the name is part of the location and scope.
    const target =
      r.servername && r.servername.toLowerCase() !== r.host.toLowerCase()
        ? `${r.target}/${r.servername}`
        : r.target;
    const location = `${target}${r.variant ? `#${r.variant}` : ''}@${r.address ?? 'unresolved'}`;
    const base = {
      location,
      source: 'endpoint',
      scope: endpointScope(target),
      domain: r.record?.domain ?? r.servername ?? r.host,
      owner: r.owner,
    };
    if (r.error || r.verdict === 'error' || !r.record) {
      const error = r.error ?? { code: 'CHECK_FAILED', message: 'no certificate was read' };
      return withoutUndefined<ReportCertificate>({
        ...base,
        sans: [],
        severity: 'critical',
        inUseBy: [],
        problems: [error.code],
        error: { code: error.code, message: error.message },
      });
    }
    const cert = reportCertificateOf(
      r.record,
      { severity: r.verdict, notYetValid: false, daysRemaining: r.daysRemaining },
      { scope: base.scope, problems: r.problems },
    );
    // The certificate the verdict judged: the one that expires first on the path.
    const judged = r.path?.[r.earliestExpiry?.index ?? 0];
    const shortLived = judged && r.evaluation ? lifetimeGrading(judged, r.evaluation) : undefined;
    return withoutUndefined({ ...cert, ...base, notAfter: r.notAfter ?? cert.notAfter, shortLived });
  });
  const targets = [...new Set(results.map((r) => endpointScope(r.target)))];
  const failed = results.filter((r) => r.error);
  return {
    reportVersion: REPORT_VERSION,
    generatedAt: now.toISOString(),
    origin,
    certificates: certificates.sort(byExpiry),
    coverage: {
      scopesScanned: targets.filter((t) => !failed.some((f) => endpointScope(f.target) === t)),
      scopesFailed: failed.map((f) => ({
        scope: endpointScope(f.target),
        code: f.error?.code ?? 'CHECK_FAILED',
        message: `${f.address ?? 'unresolved'}: ${f.error?.message ?? ''}`,
      })),
    },
  };
};
