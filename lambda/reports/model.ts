/**
 * The estate report: every tracked certificate with its verdict and lifecycle, and the coverage of
 * the run that saw them. One shape for every producer (a CLI scan or check, the deployed watcher's
 * state table) and every consumer (the HTML and CSV renderers, the report Lambda's JSON object in
 * S3, the weekly digest, which compares this week's report with last week's).
 *
 * The JSON written to S3 and by `cert-watch report --json` is this shape with `reportVersion`:
 * consumers tell versions apart by it.
 */
import type { Severity } from '../core/evaluate';

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
    readonly scopesScanned: readonly string[];
    readonly scopesFailed: readonly ReportScopeFailure[];
  };
}
