/**
 * Alert thresholds: the day tiers and the critical limit, as the construct validates them at synth
 * and the Lambdas read them (TIERS_DAYS, CRITICAL_DAYS). Pure data and checks.
 */

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

export const warningDays = (t: Thresholds): number => t.tiersDays[0] ?? 0;

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
