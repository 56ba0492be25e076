/**
 * The estate report: every tracked certificate with its verdict and lifecycle, and the coverage of
 * the run that saw them. One shape for every producer (a CLI scan or check, the deployed watcher's
 * state table) and every consumer (the HTML and CSV renderers, the report Lambda's JSON object in
 * S3, the weekly digest, which compares this week's report with last week's).
 *
 * The JSON written to S3 and by `cert-watch report --json` is this shape with `reportVersion`:
 * consumers tell versions apart by it.
 */
import type { LifetimeGrading, Severity } from '../core/evaluate';

export const REPORT_VERSION = '1.0';

export interface ReportCertificate {
  /** Where the certificate lives: store ARN / id, or `host:port@address` for an endpoint. */
  readonly location: string;
  /** Source kind (`acm`, `iam`, `endpoint`, ...). */
  readonly source: string;
  /** Lifecycle scope key (`acm#<account>#<region>`, `endpoint#host:443`). */
  readonly scope?: string;
  readonly account?: string;
  readonly accountName?: string;
  readonly region?: string;
  /** Primary name (store DomainName, probed host). */
  readonly domain: string;
  readonly sans: readonly string[];
  /** ISO 8601; absent for a certificate never issued. */
  readonly notAfter?: string;
  /** Whole days from `generatedAt` to notAfter (negative when expired). */
  readonly daysRemaining?: number;
  readonly severity: Severity;
  readonly issuer?: string;
  /** e.g. `RSA-2048`, `EC-prime256v1`. */
  readonly keyAlgorithm?: string;
  readonly fingerprintSha256?: string;
  readonly serialNumber?: string;
  readonly inUseBy: readonly string[];
  /** Problem codes of the verdict (HOSTNAME_MISMATCH, UNTRUSTED, ...). */
  readonly problems: readonly string[];
  /** Last lifecycle transition (`Certificate Expiring`, ...); absent for a one-off scan. */
  readonly lifecycleState?: string;
  readonly acknowledged?: { readonly until: string; readonly by?: string; readonly reason?: string };
  readonly ticket?: { readonly system: string; readonly key: string; readonly url?: string };
  readonly owner?: string;
  /**
   * No certificate could be read here (an endpoint whose probe failed, or whose first probes all
   * failed): `severity` is then `critical` and `problems` holds the code. Added with the HTML report.
   */
  readonly error?: { readonly code: string; readonly message: string };
  /**
   * Present when the certificate was graded by its lifetime, not the day tiers (a short-lived
   * certificate: docs/lifecycle.md): its lifetime and the days left at which it turns warning and
   * critical, so a 47-day certificate OK at 20 days left says why. Added in 1.0 (optional, additive).
   */
  readonly shortLived?: LifetimeGrading;
}

export interface ReportScopeFailure {
  readonly scope: string;
  readonly code: string;
  readonly message: string;
}

export interface EstateReport {
  readonly reportVersion: typeof REPORT_VERSION;
  /** ISO 8601: the instant every `daysRemaining` counts from. */
  readonly generatedAt: string;
  /** What made it: `cert-watch scan acm`, `cert-watch check`, `state table <name>`, ... */
  readonly origin: string;
  readonly certificates: readonly ReportCertificate[];
  readonly coverage: {
    /** Scopes listed completely, each once; a scope with any error is in `scopesFailed` instead. */
    readonly scopesScanned: readonly string[];
    /** One row per error: a scope with two errors has two rows (count scopes with `coverageCounts`). */
    readonly scopesFailed: readonly ReportScopeFailure[];
    /**
     * Only in a report read from the state table (`cert-watch report`, the report Lambda): false
     * when no scan period is recorded yet (or the latest has no coverage item), so the empty
     * lists above mean "not known", not "nothing failed". Absent from scans and `check`, which
     * always know what they covered. Added in 1.0 (optional, additive).
     */
    readonly periodRecorded?: boolean;
  };
}

/**
 * The coverage in scopes, each counted once: `scopes` seen in all, `complete` listed completely,
 * `withErrors` the distinct scopes that have at least one error row (not listed, or not
 * completely); `complete + withErrors === scopes`.
 */
export const coverageCounts = (
  coverage: EstateReport['coverage'],
): { readonly scopes: number; readonly complete: number; readonly withErrors: number } => {
  const failed = new Set(coverage.scopesFailed.map((f) => f.scope));
  const complete = new Set(coverage.scopesScanned.filter((s) => !failed.has(s))).size;
  return { scopes: complete + failed.size, complete, withErrors: failed.size };
};

/**
 * Where a certificate sorts by expiry (ms since the epoch): its notAfter; without one (an endpoint
 * that could not be reached, an item that could not be read), before every expiry when its severity
 * is not OK (it needs a look now), after every one when it is.
 */
export const expiryOrderKey = (c: Pick<ReportCertificate, 'notAfter' | 'severity'>): number =>
  c.notAfter
    ? Date.parse(c.notAfter)
    : c.severity === 'ok'
      ? Number.POSITIVE_INFINITY
      : Number.NEGATIVE_INFINITY;
