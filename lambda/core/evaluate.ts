import { type CertificateRecord, isManaged } from './certificate';
import { daysUntil, wholeDaysUntil } from './time';

export type Severity = 'ok' | 'warning' | 'critical' | 'expired';

export const SEVERITIES: readonly Severity[] = ['ok', 'warning', 'critical', 'expired'];

/** Managed-renewal problems worth a human's attention. */
export type RenewalRisk = 'RENEWAL_INELIGIBLE' | 'RENEWAL_PENDING_VALIDATION' | 'RENEWAL_FAILED';

export interface Thresholds {
  /** Alert tiers in days, strictly descending, e.g. [30, 14, 7, 3, 1]. The largest is the warning window. */
  readonly tiersDays: readonly number[];
  /** At or below this many days a certificate is critical. */
  readonly criticalDays: number;
}

export const DEFAULT_TIERS_DAYS: readonly number[] = [30, 14, 7, 3, 1];
export const DEFAULT_THRESHOLDS: Thresholds = { tiersDays: DEFAULT_TIERS_DAYS, criticalDays: 7 };

export class InvalidThresholdsError extends Error {
  override readonly name = 'InvalidThresholdsError';
}

/** Throws InvalidThresholdsError naming the bad value; returns the thresholds unchanged when valid. */
export const validateThresholds = (t: Thresholds): Thresholds => {
  if (t.tiersDays.length === 0) throw new InvalidThresholdsError('tiersDays must not be empty');
  t.tiersDays.forEach((d, i) => {
    if (!Number.isFinite(d) || d <= 0) {
      throw new InvalidThresholdsError(`tiersDays[${i}] must be a positive number of days, got ${d}`);
    }
    const prev = t.tiersDays[i - 1];
    if (prev !== undefined && d >= prev) {
      throw new InvalidThresholdsError(
        `tiersDays must be strictly descending (e.g. [30, 14, 7]), got [${t.tiersDays.join(', ')}]`,
      );
    }
  });
  if (!Number.isFinite(t.criticalDays) || t.criticalDays < 0) {
    throw new InvalidThresholdsError(`criticalDays must be zero or more days, got ${t.criticalDays}`);
  }
  if (t.criticalDays > warningDays(t)) {
    throw new InvalidThresholdsError(
      `criticalDays (${t.criticalDays}) must not exceed the warning window (${warningDays(t)} days)`,
    );
  }
  return t;
};

export const warningDays = (t: Thresholds): number => t.tiersDays[0] ?? 0;

/**
 * Thresholds from the two numbers CLI users think in: tiers are the defaults inside the warning
 * window, with the window itself and the critical limit added as tiers.
 */
export const thresholdsFromWindow = (warnDays: number, criticalDays: number): Thresholds => {
  const tiers = new Set([warnDays, criticalDays, ...DEFAULT_TIERS_DAYS.filter((d) => d < warnDays)]);
  return validateThresholds({
    tiersDays: [...tiers].filter((d) => d > 0).sort((a, b) => b - a),
    criticalDays,
  });
};

export interface Evaluation {
  readonly severity: Severity;
  /** Whole days left (floor); negative once expired; null when the certificate has no expiry yet. */
  readonly daysRemaining: number | null;
  /** The smallest tier the certificate is inside (e.g. 7 when 5.5 days are left); null outside all tiers. */
  readonly tierDays: number | null;
  readonly renewalRisk: RenewalRisk | null;
  readonly notYetValid: boolean;
  /** Imported certificates never renew by themselves. */
  readonly renewsAutomatically: boolean;
}

export const renewalRiskOf = (record: CertificateRecord): RenewalRisk | null => {
  if (!isManaged(record)) return null;
  if (record.renewalStatus === 'FAILED') return 'RENEWAL_FAILED';
  if (record.renewalStatus === 'PENDING_VALIDATION') return 'RENEWAL_PENDING_VALIDATION';
  if (record.renewalEligibility === 'INELIGIBLE') return 'RENEWAL_INELIGIBLE';
  return null;
};

const RANK: Record<Severity, number> = { ok: 0, warning: 1, critical: 2, expired: 3 };
export const severityRank = (s: Severity): number => RANK[s];
export const worstSeverity = (a: Severity, b: Severity): Severity => (RANK[a] >= RANK[b] ? a : b);

/**
 * Evaluates one certificate at `now`. Severity comes from the days left; a managed certificate whose
 * renewal is at risk is escalated one step inside the warning window, and one whose renewal already
 * failed or waits for validation is at least a warning. Nothing ever lowers the days-based severity,
 * so imported certificates (which never renew) are never downgraded.
 */
export const evaluate = (record: CertificateRecord, now: Date, thresholds: Thresholds): Evaluation => {
  const renewalRisk = renewalRiskOf(record);
  const renewsAutomatically = isManaged(record);
  const notYetValid = record.notBefore !== undefined && record.notBefore.getTime() > now.getTime();
  if (record.notAfter === undefined) {
    return {
      severity: 'ok',
      daysRemaining: null,
      tierDays: null,
      renewalRisk,
      notYetValid,
      renewsAutomatically,
    };
  }
  const days = daysUntil(record.notAfter, now);
  const daysRemaining = wholeDaysUntil(record.notAfter, now);
  const tierDays = days > 0 ? ([...thresholds.tiersDays].reverse().find((t) => days <= t) ?? null) : null;

  let severity: Severity = 'ok';
  if (days <= 0) severity = 'expired';
  else if (days <= thresholds.criticalDays) severity = 'critical';
  else if (days <= warningDays(thresholds)) severity = 'warning';

  if (renewalRisk !== null) {
    if (severity === 'warning') severity = 'critical';
    else if (severity === 'ok' && renewalRisk !== 'RENEWAL_INELIGIBLE') severity = 'warning';
  }
  return { severity, daysRemaining, tierDays, renewalRisk, notYetValid, renewsAutomatically };
};
