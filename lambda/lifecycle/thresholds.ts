/** Which tiers apply to one certificate: day tiers, lifetime percentages, or the managed delay. */
import { type CertificateRecord, isManaged } from '../core/certificate';
import { renewalRiskOf, type Thresholds, warningDays } from '../core/evaluate';
import type { LifecycleConfig } from './model';

export const round2 = (n: number) => Math.round(n * 100) / 100;

export interface EffectiveThresholds {
  readonly thresholds: Thresholds;
  readonly basis: 'days' | 'lifetime';
}

/**
 * Which tiers apply to this certificate: its source's own when the record carries them (as in the
 * scan), else lifetime percentages when its whole lifetime is short, else the day tiers, minus the
 * early ones for healthy managed certificates when configured.
 */
export const effectiveThresholds = (
  record: CertificateRecord,
  lifetimeDays: number | null,
  config: LifecycleConfig,
): EffectiveThresholds => {
  // A source's own tiers (Private CAs) are what the scan graded the record by: the lifecycle agrees.
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
