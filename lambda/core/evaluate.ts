/**
 * The one verdict function (issue #10, item 4): every entry point (`cert-watch check`, `scan acm`,
 * `scan file`, `scan <kind>`, the scan workers and inventory, the prober and the lifecycle) judges a
 * certificate with `evaluate`, so the same certificate gets the same verdict everywhere.
 */
import { DEFAULT_LIFECYCLE_CONFIG, type LifecycleConfig } from '../contracts/lifecycle-config';
import {
  DEFAULT_TIERS_DAYS,
  type Thresholds,
  validateThresholds,
  warningDays,
} from '../contracts/thresholds';
import { type CertificateRecord, isManaged } from './certificate';
import { daysUntil, MS_PER_DAY, wholeDaysUntil, wholeHoursUntil } from './time';

// The thresholds are the construct's and the Lambdas' shared contract; the core re-exports them.
export * from '../contracts/thresholds';

export type Severity = 'ok' | 'warning' | 'critical' | 'expired';

export const SEVERITIES: readonly Severity[] = ['ok', 'warning', 'critical', 'expired'];

/** Managed-renewal problems worth a human's attention. */
export type RenewalRisk = 'RENEWAL_INELIGIBLE' | 'RENEWAL_PENDING_VALIDATION' | 'RENEWAL_FAILED';

/**
 * What a verdict depends on besides the certificate: the day tiers and the lifecycle's rules that
 * change them per certificate (short-lived lifetime percentages, the managed alert delay). A
 * `LifecycleConfig` is one; bare `Thresholds` get the lifecycle's defaults for the rest
 * (DEFAULT_LIFECYCLE_CONFIG: lifetimes up to 60 days graded at 33 % / 10 % of the lifetime, no delay).
 */
export type VerdictPolicy = Pick<
  LifecycleConfig,
  | 'thresholds'
  | 'managedAlertDelayDays'
  | 'shortLivedMaxDays'
  | 'shortLivedWarningPercent'
  | 'shortLivedCriticalPercent'
>;

export const verdictPolicy = (p: Thresholds | VerdictPolicy): VerdictPolicy =>
  'tiersDays' in p ? { ...DEFAULT_LIFECYCLE_CONFIG, thresholds: p } : p;

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

/** Whole lifetime (notAfter - notBefore) in fractional days; null unless both are known. */
export const lifetimeDaysOf = (r: Pick<CertificateRecord, 'notBefore' | 'notAfter'>): number | null =>
  r.notBefore && r.notAfter ? (r.notAfter.getTime() - r.notBefore.getTime()) / MS_PER_DAY : null;

export const round2 = (n: number) => Math.round(n * 100) / 100;

export interface EffectiveThresholds {
  readonly thresholds: Thresholds;
  /** 'lifetime' when the short-lived rule (percentages of the lifetime) chose the tiers. */
  readonly basis: 'days' | 'lifetime';
}

export const renewalRiskOf = (record: CertificateRecord): RenewalRisk | null => {
  if (!isManaged(record)) return null;
  if (record.renewalStatus === 'FAILED') return 'RENEWAL_FAILED';
  if (record.renewalStatus === 'PENDING_VALIDATION') return 'RENEWAL_PENDING_VALIDATION';
  if (record.renewalEligibility === 'INELIGIBLE') return 'RENEWAL_INELIGIBLE';
  return null;
};

/**
 * Which tiers apply to this certificate (docs/lifecycle.md): its source's own when the record
 * carries them (Private CAs), else lifetime percentages when its whole lifetime is short (a 6-day
 * certificate is warned at 33 % and critical at 10 % of its lifetime, as ACME clients renew at a
 * third left: Let's Encrypt's integration guide), else the day tiers, minus the early ones for
 * healthy managed certificates when `managedAlertDelayDays` is set.
 */
export const effectiveThresholds = (
  record: CertificateRecord,
  lifetimeDays: number | null,
  policy: Thresholds | VerdictPolicy,
): EffectiveThresholds => {
  const config = verdictPolicy(policy);
  if (record.thresholds) return { thresholds: record.thresholds, basis: 'days' };
  if (lifetimeDays !== null && lifetimeDays > 0 && lifetimeDays <= config.shortLivedMaxDays) {
    const warn = round2((lifetimeDays * config.shortLivedWarningPercent) / 100);
    const crit = round2((lifetimeDays * config.shortLivedCriticalPercent) / 100);
    if (crit > 0 && warn > crit) {
      return { thresholds: { tiersDays: [warn, crit], criticalDays: crit }, basis: 'lifetime' };
    }
  }
  const t = config.thresholds;
  if (config.managedAlertDelayDays > 0 && isManaged(record) && renewalRiskOf(record) === null) {
    const window = warningDays(t) - config.managedAlertDelayDays;
    const tiersDays = t.tiersDays.filter((d) => d <= window || d <= t.criticalDays);
    if (tiersDays.length > 0) {
      return {
        thresholds: { tiersDays, criticalDays: Math.min(t.criticalDays, tiersDays[0] ?? t.criticalDays) },
        basis: 'days',
      };
    }
  }
  return { thresholds: t, basis: 'days' };
};

export interface Evaluation {
  /** The expiry verdict (days left against the effective tiers, renewal risk); problems are not in it. */
  readonly severity: Severity;
  /** Whole days left, truncated toward zero (docs/endpoints.md, "Rounding"); null without an expiry. */
  readonly daysRemaining: number | null;
  /** Whole hours left, truncated toward zero (what people are told under 48 hours); null without an expiry. */
  readonly hoursRemaining: number | null;
  /** The smallest tier the certificate is inside (e.g. 7 when 5.5 days are left); null outside all tiers. */
  readonly tierDays: number | null;
  readonly renewalRisk: RenewalRisk | null;
  readonly notYetValid: boolean;
  /** Imported certificates never renew by themselves. */
  readonly renewsAutomatically: boolean;
  /** The tiers the certificate was judged by, and whether its lifetime chose them. */
  readonly thresholds: Thresholds;
  readonly basis: 'days' | 'lifetime';
}

/**
 * How a short-lived certificate was graded, for the tables and reports that say why it is OK
 * inside the day tiers: its whole lifetime (notAfter - notBefore, days) and the days left at which
 * it turns warning and critical (its effective tiers: docs/lifecycle.md, "Short-lived certificates").
 */
export interface LifetimeGrading {
  readonly lifetimeDays: number;
  readonly warningDays: number;
  readonly criticalDays: number;
}

/** The grading of a certificate its evaluation judged by its lifetime; undefined for the day tiers. */
export const lifetimeGrading = (
  validity: { readonly notBefore?: Date | string; readonly notAfter?: Date | string },
  evaluation: Pick<Evaluation, 'basis' | 'thresholds'>,
): LifetimeGrading | undefined => {
  if (evaluation.basis !== 'lifetime' || !validity.notBefore || !validity.notAfter) return undefined;
  const ms = (d: Date | string) => (typeof d === 'string' ? Date.parse(d) : d.getTime());
  return {
    lifetimeDays: (ms(validity.notAfter) - ms(validity.notBefore)) / 86_400_000,
    warningDays: Math.max(...evaluation.thresholds.tiersDays, evaluation.thresholds.criticalDays),
    criticalDays: evaluation.thresholds.criticalDays,
  };
};

const RANK: Record<Severity, number> = { ok: 0, warning: 1, critical: 2, expired: 3 };
export const severityRank = (s: Severity): number => RANK[s];
export const worstSeverity = (a: Severity, b: Severity): Severity => (RANK[a] >= RANK[b] ? a : b);

/** How bad a problem is for clients ('info' is a note that never raises a verdict). */
export type ProblemSeverity = 'info' | 'warning' | 'critical';

/**
 * The overall verdict that tables, exit codes, `status` and event `severity` show: the expiry
 * verdict raised by the worst problem (a critical problem such as a hostname mismatch makes it at
 * least critical, a warning one at least warning; 'info' or unrated problems never raise it) and
 * by a notBefore in the future (clients reject the certificate: critical, RFC 5280 §4.1.2.5).
 */
export const overallSeverity = (
  evaluation: Pick<Evaluation, 'severity' | 'notYetValid'>,
  problems: readonly { readonly severity?: ProblemSeverity }[] = [],
): Severity => {
  let s = evaluation.severity;
  if (evaluation.notYetValid) s = worstSeverity(s, 'critical');
  for (const p of problems) {
    if (p.severity === 'critical') s = worstSeverity(s, 'critical');
    else if (p.severity === 'warning') s = worstSeverity(s, 'warning');
  }
  return s;
};

/**
 * Evaluates one certificate at `now` under `policy`: the effective tiers first (source tiers,
 * lifetime rule, managed delay: `effectiveThresholds`), then severity from the days left. A managed
 * certificate whose renewal is at risk is escalated one step inside the warning window, and one
 * whose renewal already failed or waits for validation is at least a warning. Nothing lowers the
 * days-based severity, so imported certificates (which never renew) are never downgraded.
 * `lifetimeDays` defaults to the record's own (notAfter - notBefore); the lifecycle passes the one
 * it stored when the record lacks notBefore.
 */
export const evaluate = (
  record: CertificateRecord,
  now: Date,
  policy: Thresholds | VerdictPolicy,
  lifetimeDays: number | null = lifetimeDaysOf(record),
): Evaluation => {
  const { thresholds, basis } = effectiveThresholds(record, lifetimeDays, policy);
  const renewalRisk = renewalRiskOf(record);
  const renewsAutomatically = isManaged(record);
  const notYetValid = record.notBefore !== undefined && record.notBefore.getTime() > now.getTime();
  const base = { renewalRisk, notYetValid, renewsAutomatically, thresholds, basis };
  if (record.notAfter === undefined) {
    return { severity: 'ok', daysRemaining: null, hoursRemaining: null, tierDays: null, ...base };
  }
  const days = daysUntil(record.notAfter, now);
  const daysRemaining = wholeDaysUntil(record.notAfter, now);
  const hoursRemaining = wholeHoursUntil(record.notAfter, now);
  const tierDays = days > 0 ? ([...thresholds.tiersDays].reverse().find((t) => days <= t) ?? null) : null;

  let severity: Severity = 'ok';
  if (days <= 0) severity = 'expired';
  else if (days <= thresholds.criticalDays) severity = 'critical';
  else if (days <= warningDays(thresholds)) severity = 'warning';

  if (renewalRisk !== null) {
    if (severity === 'warning') severity = 'critical';
    else if (severity === 'ok' && renewalRisk !== 'RENEWAL_INELIGIBLE') severity = 'warning';
  }
  return { severity, daysRemaining, hoursRemaining, tierDays, ...base };
};
