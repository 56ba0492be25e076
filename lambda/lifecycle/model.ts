/**
 * The lifecycle's memory: what the watcher last said about the certificate at each location.
 * Pure data (JSON-safe: ISO strings and numbers), one record per location; the state store
 * persists it as one DynamoDB item.
 */
import type { CertificateRecord, SourceKind } from '../core/certificate';
import {
  DEFAULT_THRESHOLDS,
  InvalidThresholdsError,
  type RenewalRisk,
  type Thresholds,
  validateThresholds,
  warningDays,
} from '../core/evaluate';
import type { CertificateDetail, Problem } from '../core/events';

export type Transition =
  | 'tier-entered'
  | 'tier-reminder'
  | 'expired'
  | 'expired-reminder'
  | 'renewal-at-risk'
  | 'renewed'
  | 'removed'
  | 'backends-differ';

export interface Ack {
  /** ISO instant; reminders resume after it. Absent: until renewal or `unack`. */
  readonly until?: string;
  readonly reason?: string;
  readonly by?: string;
  readonly at: string;
}

export interface TicketRef {
  readonly system: string;
  readonly key: string;
  readonly url?: string;
}

export interface AlertState {
  /** Smallest tier (days) announced for the current certificate; null before the first announcement. */
  readonly tierDays: number | null;
  /** 'Certificate Expired' was announced for the current certificate. */
  readonly expired: boolean;
  readonly lastTransition: Transition | null;
  /** When the last event for the current certificate was emitted (reminder periods count from it). */
  readonly lastEmittedAt: string | null;
  /** Reminders since the last tier entry or expiry. */
  readonly reminderCount: number;
  /** Renewal risk last announced, so it is announced once per risk. */
  readonly risk: RenewalRisk | null;
}

export interface TrackedState {
  /** The location: ACM ARN or `host:port@address`. DynamoDB partition key. */
  readonly location: string;
  /** Listing unit the location belongs to (`acm#eu-west-1`, `endpoint#host:443`): removal counting works per scope. */
  readonly scope: string;
  readonly source: SourceKind;
  /** Last known certificate at the location (what reminders and 'Certificate Removed' describe). */
  readonly certificate: CertificateDetail;
  readonly fingerprintSha256: string | null;
  readonly serialNumber: string | null;
  readonly notAfter: string | null;
  /** notAfter - notBefore in days, when both are known. */
  readonly lifetimeDays: number | null;
  readonly alert: AlertState;
  readonly firstSeenAt: string;
  /** Refreshed when the item is written anyway, or at most every `lastSeenRefreshDays` (writes cost). */
  readonly lastSeenAt: string;
  readonly missingScans: number;
  /** Scan that last counted this location missing: a re-applied scan never counts twice. */
  readonly missingScanId: string | null;
  readonly removedAt: string | null;
  /** Removed entries expire (DynamoDB TTL) at this instant. */
  readonly purgeAt: string | null;
  readonly ack: Ack | null;
  readonly ticket: TicketRef | null;
  /** Endpoint group (`host:port`) served different certificates at the last scan: announced once. */
  readonly backendsDiffer: boolean;
  /** Optimistic concurrency: every write sets version + 1 on condition of the version read. */
  readonly version: number;
}

export interface LifecycleConfig {
  /** Day tiers for ordinary certificates. @default DEFAULT_THRESHOLDS (30/14/7/3/1, critical at 7) */
  readonly thresholds: Thresholds;
  /** Critical tiers repeat after this many days (epoch-aligned periods: 1 = each UTC day). @default 1 */
  readonly criticalReminderIntervalDays: number;
  /** 'Certificate Expired' repeats after this many days. @default 1 */
  readonly expiredReminderIntervalDays: number;
  /** Consecutive complete scans without the certificate before 'Certificate Removed'. @default 3 */
  readonly removeAfterMissingScans: number;
  /**
   * Healthy managed certificates (AMAZON_ISSUED/PRIVATE, no renewal risk) skip the tiers above
   * `warningDays - managedAlertDelayDays`; critical tiers always apply. Imported ones never get it.
   * @default 0
   */
  readonly managedAlertDelayDays: number;
  /** Certificates whose whole lifetime is at most this many days use lifetime percentages. @default 60 */
  readonly shortLivedMaxDays: number;
  /** Short-lived: warning at this percentage of the lifetime remaining. @default 33 */
  readonly shortLivedWarningPercent: number;
  /** Short-lived: critical at this percentage of the lifetime remaining. @default 10 */
  readonly shortLivedCriticalPercent: number;
  /** Removed entries stay this many days (DynamoDB TTL) for `status` and audit. @default 30 */
  readonly removedRetentionDays: number;
  /** An unchanged item is rewritten only to refresh lastSeenAt after this many days. @default 7 */
  readonly lastSeenRefreshDays: number;
}

export const DEFAULT_LIFECYCLE_CONFIG: LifecycleConfig = {
  thresholds: DEFAULT_THRESHOLDS,
  criticalReminderIntervalDays: 1,
  expiredReminderIntervalDays: 1,
  removeAfterMissingScans: 3,
  managedAlertDelayDays: 0,
  shortLivedMaxDays: 60,
  shortLivedWarningPercent: 33,
  shortLivedCriticalPercent: 10,
  removedRetentionDays: 30,
  lastSeenRefreshDays: 7,
};

export class InvalidLifecycleConfigError extends Error {
  override readonly name = 'InvalidLifecycleConfigError';
}

/** Defaults filled in and every value checked; throws InvalidLifecycleConfigError naming the bad value. */
export const lifecycleConfig = (partial: Partial<LifecycleConfig> = {}): LifecycleConfig => {
  const c: LifecycleConfig = { ...DEFAULT_LIFECYCLE_CONFIG, ...partial };
  try {
    validateThresholds(c.thresholds);
  } catch (error) {
    if (error instanceof InvalidThresholdsError) throw new InvalidLifecycleConfigError(error.message);
    throw error;
  }
  const positive = (name: keyof LifecycleConfig, integer = false) => {
    const v = c[name] as number;
    if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))
      throw new InvalidLifecycleConfigError(
        `${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`,
      );
  };
  positive('criticalReminderIntervalDays');
  positive('expiredReminderIntervalDays');
  positive('removeAfterMissingScans', true);
  positive('shortLivedMaxDays');
  positive('removedRetentionDays');
  positive('lastSeenRefreshDays');
  if (
    !Number.isFinite(c.managedAlertDelayDays) ||
    c.managedAlertDelayDays < 0 ||
    c.managedAlertDelayDays >= warningDays(c.thresholds)
  ) {
    throw new InvalidLifecycleConfigError(
      `managedAlertDelayDays must be at least 0 and below the warning window (${warningDays(c.thresholds)}), got ${c.managedAlertDelayDays}`,
    );
  }
  const w = c.shortLivedWarningPercent;
  const k = c.shortLivedCriticalPercent;
  if (!(k > 0 && w > k && w < 100)) {
    throw new InvalidLifecycleConfigError(
      `short-lived percentages need 0 < critical < warning < 100, got warning ${w}, critical ${k}`,
    );
  }
  return c;
};

/** One location as a scan saw it. */
export interface Observation {
  readonly location: string;
  readonly scope: string;
  /** Absent when the certificate could not be read (handshake failed, describe failed, ...). */
  readonly record?: CertificateRecord;
  readonly problems?: readonly Problem[];
  /** Why the certificate could not be read. */
  readonly error?: Problem;
}

export interface LifecycleScan {
  readonly scanId: string;
  readonly observations: readonly Observation[];
  /** Scopes listed completely: their tracked locations that were not observed count as missing. */
  readonly completeScopes: readonly string[];
  /** Scopes that could not be listed: their tracked certificates keep being evaluated (never silent). */
  readonly failedScopes?: readonly { readonly scope: string; readonly error: Problem }[];
}
