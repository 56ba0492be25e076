/**
 * The lifecycle's settings (docs/lifecycle.md): what the construct validates at synth and passes
 * as environment variables, and what the Lambdas read back at init. Pure data and checks.
 */
import {
  DEFAULT_THRESHOLDS,
  InvalidThresholdsError,
  type Thresholds,
  validateThresholds,
  warningDays,
} from './thresholds';

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
  /**
   * More than this many certificates of one scope making the same transition into the same tier in
   * one scan are announced to people as one "Certificate Group" (docs/lifecycle.md, "Fleets");
   * 0 never groups. @default 10
   */
  readonly groupAlertsAbove: number;
  /**
   * An endpoint address whose probe fails this many scans in a row is announced as 'Endpoint Check
   * Failed' (docs/lifecycle.md, "Endpoint problems"): one failed probe of a flaky host pages no one.
   * @default 2
   */
  readonly checkFailedAfterScans: number;
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
  groupAlertsAbove: 10,
  checkFailedAfterScans: 2,
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
  positive('checkFailedAfterScans', true);
  positive('shortLivedMaxDays');
  positive('removedRetentionDays');
  positive('lastSeenRefreshDays');
  if (!Number.isInteger(c.groupAlertsAbove) || c.groupAlertsAbove < 0)
    throw new InvalidLifecycleConfigError(
      `groupAlertsAbove must be a whole number of at least 0 (0 never groups), got ${c.groupAlertsAbove}`,
    );
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

/** Environment variable → option: every lifecycle setting but the thresholds (TIERS_DAYS, CRITICAL_DAYS). */
export const LIFECYCLE_ENV = {
  CRITICAL_REMINDER_INTERVAL_DAYS: 'criticalReminderIntervalDays',
  EXPIRED_REMINDER_INTERVAL_DAYS: 'expiredReminderIntervalDays',
  REMOVE_AFTER_MISSING_SCANS: 'removeAfterMissingScans',
  MANAGED_ALERT_DELAY_DAYS: 'managedAlertDelayDays',
  SHORT_LIVED_MAX_DAYS: 'shortLivedMaxDays',
  SHORT_LIVED_WARNING_PERCENT: 'shortLivedWarningPercent',
  SHORT_LIVED_CRITICAL_PERCENT: 'shortLivedCriticalPercent',
  REMOVED_RETENTION_DAYS: 'removedRetentionDays',
  LAST_SEEN_REFRESH_DAYS: 'lastSeenRefreshDays',
  GROUP_ALERTS_ABOVE: 'groupAlertsAbove',
  CHECK_FAILED_AFTER_SCANS: 'checkFailedAfterScans',
} as const satisfies Record<string, keyof LifecycleConfig>;
