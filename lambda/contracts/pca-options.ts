/**
 * The Private CA source's options as the construct checks them at synth (lib/sources/pca.ts) and
 * the inventory Lambda and the CLI read them (`setting.options`, `--option key=value`). A CA must
 * be replaced long before its end, so its tiers default far longer than a leaf's.
 */
import { InvalidSourceSettingError } from './sources';
import { InvalidThresholdsError, type Thresholds, validateThresholds } from './thresholds';

export const PCA_DEFAULT_THRESHOLDS: Thresholds = { tiersDays: [365, 180, 90, 30], criticalDays: 30 };
/** What a CA usually issues: public and private leaf certificates of about 13 months. */
export const PCA_DEFAULT_ISSUANCE_VALIDITY_DAYS = 395;

export interface PcaOptions {
  readonly thresholds: Thresholds;
  /** A CA with less life left caps what it issues (docs/sources.md, "pca"). */
  readonly issuanceValidityDays: number;
}

const invalid = (message: string) => new InvalidSourceSettingError(`pca options: ${message}`);

/** A number of days from JSON (a number) or from the CLI (`--option criticalDays=30`). */
const daysOf = (name: string, v: unknown): number | undefined => {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw invalid(`${name} must be a number of days, got ${JSON.stringify(v)}`);
  return n;
};

/** Tiers from JSON (`[365, 180]`) or from the CLI (`--option tiersDays=365,180`). */
const tiersOf = (v: unknown): number[] | undefined => {
  if (v === undefined) return undefined;
  const items = typeof v === 'string' ? v.split(',') : v;
  if (!Array.isArray(items))
    throw invalid(`tiersDays must be a list of days such as [365, 180, 90, 30], got ${JSON.stringify(v)}`);
  return items.map((d, i) => daysOf(`tiersDays[${i}]`, d) as number);
};

/** The options with their defaults; throws InvalidSourceSettingError naming the bad value. */
export const parsePcaOptions = (options: Readonly<Record<string, unknown>> = {}): PcaOptions => {
  const issuanceValidityDays =
    daysOf('issuanceValidityDays', options.issuanceValidityDays) ?? PCA_DEFAULT_ISSUANCE_VALIDITY_DAYS;
  if (issuanceValidityDays <= 0)
    throw invalid(`issuanceValidityDays must be a positive number of days, got ${issuanceValidityDays}`);
  try {
    const thresholds = validateThresholds({
      tiersDays: tiersOf(options.tiersDays) ?? PCA_DEFAULT_THRESHOLDS.tiersDays,
      criticalDays: daysOf('criticalDays', options.criticalDays) ?? PCA_DEFAULT_THRESHOLDS.criticalDays,
    });
    return { thresholds, issuanceValidityDays };
  } catch (error) {
    if (error instanceof InvalidThresholdsError) throw invalid(error.message);
    throw error;
  }
};
