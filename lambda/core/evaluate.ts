import {
  DEFAULT_TIERS_DAYS,
  type Thresholds,
  validateThresholds,
  warningDays,
} from '../contracts/thresholds';
import { type CertificateRecord, isManaged } from './certificate';
import { daysUntil, wholeDaysUntil } from './time';

// The thresholds are the construct's and the Lambdas' shared contract; the core re-exports them.
export * from '../contracts/thresholds';

export type Severity = 'ok' | 'warning' | 'critical' | 'expired';

export const SEVERITIES: readonly Severity[] = ['ok', 'warning', 'critical', 'expired'];

/** Managed-renewal problems worth a human's attention. */
export type RenewalRisk = 'RENEWAL_INELIGIBLE' | 'RENEWAL_PENDING_VALIDATION' | 'RENEWAL_FAILED';

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
