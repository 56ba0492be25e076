/**
 * The certificate record: one certificate at one location, whatever the source.
 * Pure data; every source (ACM, endpoint probes, ...) maps into this shape.
 */

import type { Thresholds } from '../contracts/thresholds';

/**
 * Which kind of store or probe a record came from: `acm`, `endpoint`, `file`, and every kind a
 * source plugin adds (lower-case, SOURCE_KIND_PATTERN in lambda/contracts/sources.ts).
 */
export type SourceKind = string;

/** How the certificate is renewed: IMPORTED never renews by itself. */
export type CertificateType = 'IMPORTED' | 'AMAZON_ISSUED' | 'PRIVATE' | 'UNMANAGED';

export type RenewalEligibility = 'ELIGIBLE' | 'INELIGIBLE';
export type RenewalStatus = 'PENDING_AUTO_RENEWAL' | 'PENDING_VALIDATION' | 'SUCCESS' | 'FAILED';

export interface CertificateRecord {
  readonly source: SourceKind;
  /** Where the certificate lives: the ACM ARN, or `host:port@address` for an endpoint. */
  readonly id: string;
  readonly region?: string;
  readonly account?: string;
  /** Primary name (ACM DomainName, or the probed host). */
  readonly domain: string;
  readonly sans: readonly string[];
  /** Total SAN count when `sans` was truncated by the source. */
  readonly sanCount?: number;
  readonly subject?: string;
  readonly issuer?: string;
  readonly serialNumber?: string;
  readonly fingerprintSha256?: string;
  /** Absent for certificates that were never issued (e.g. ACM PENDING_VALIDATION). */
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly keyAlgorithm?: string;
  readonly type: CertificateType;
  /** Source-specific lifecycle status, e.g. ACM ISSUED / EXPIRED / PENDING_VALIDATION. */
  readonly status?: string;
  readonly inUse?: boolean;
  readonly inUseBy?: readonly string[];
  readonly renewalEligibility?: RenewalEligibility;
  readonly renewalStatus?: RenewalStatus;
  readonly renewalReason?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** The account's name (AWS Organizations, or as configured), for routing to its owner. */
  readonly accountName?: string;
  /** Organizational unit names from the root down to the account's parent. */
  readonly ouPath?: readonly string[];
  /** The certificate's tags in its store, read only for reported certificates (`enrich`). */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * The tiers this certificate is graded by when its source has its own (Private CAs: a CA must be
   * replaced long before its end). The scan and the lifecycle both use them instead of the
   * watcher's; absent, the watcher's apply.
   */
  readonly thresholds?: Thresholds;
}

export const isManaged = (record: Pick<CertificateRecord, 'type'>): boolean =>
  record.type === 'AMAZON_ISSUED' || record.type === 'PRIVATE';
