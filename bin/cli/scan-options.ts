/**
 * The options of `cert-watch scan <source>|all`, for one account or an organization: regions,
 * source options and the grading window, checked and turned into source settings.
 */

import { isRegionName } from '../../lambda/contracts/regions';
import {
  InvalidSourceSettingError,
  SOURCE_OPTION_KEYS,
  type SourceSetting,
} from '../../lambda/contracts/sources';
import { type Thresholds, thresholdsFromWindow } from '../../lambda/core/evaluate';
import { buildSources, type SourceContext, type SourceRegistry } from '../../lambda/sources/registry';
import { UsageError } from './exit-codes';
import type { CliIo } from './io';
import { REPORT_FILE_OPTIONS } from './report-files';

/** A whole number of days, at least `min`. */
const wholeDays = (name: string, raw: string | undefined, fallback: number, min: number): number => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be a whole number of days (${min} or more), got "${raw}"`);
  return n;
};

/** The grading and output options every scan takes (`--html` / `--csv`: report-files.ts). */
export const THRESHOLD_OPTIONS = {
  'warn-days': { type: 'string' },
  'critical-days': { type: 'string' },
  json: { type: 'boolean', default: false },
  ...REPORT_FILE_OPTIONS,
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const thresholdsOf = (values: { 'warn-days'?: string; 'critical-days'?: string }): Thresholds => {
  // A warning window of 0 days would be no warning at all: at least 1.
  const warn = wholeDays('warn-days', values['warn-days'], 30, 1);
  const critical = wholeDays('critical-days', values['critical-days'], 7, 0);
  if (critical > warn)
    throw new UsageError(`--critical-days (${critical}) must not exceed --warn-days (${warn})`);
  return thresholdsFromWindow(warn, critical);
};

/** `--regions a,b`, else AWS_REGION / AWS_DEFAULT_REGION; each a region name. */
export const regionsOf = (raw: string | undefined, io: Pick<CliIo, 'env'>): string[] => {
  const list = raw ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (!list) throw new UsageError('no region given: pass --regions eu-west-1,us-east-1 or set AWS_REGION');
  const regions = [
    ...new Set(
      list
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    ),
  ];
  for (const r of regions)
    if (!isRegionName(r))
      throw new UsageError(`"${r}" is not an AWS region name (like eu-west-1 or us-gov-west-1)`);
  return regions;
};

const optionsOf = (pairs: readonly string[] | undefined): Record<string, string> | undefined => {
  if (!pairs?.length) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--option must be key=value, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
};

/** The options every `scan <source>` takes, with or without an organization. */
export const SOURCE_SCAN_OPTIONS = {
  regions: { type: 'string' },
  option: { type: 'string', multiple: true },
  ...THRESHOLD_OPTIONS,
} as const;

/** What `scan <kind>|all` reads, from its options: the source settings, checked, and the grading. */
export interface SourceSelection {
  readonly kinds: readonly string[];
  /** Whether one of the kinds is a regional store. */
  readonly regional: boolean;
  readonly regions?: readonly string[];
  readonly settings: readonly SourceSetting[];
  readonly sources: ReturnType<typeof buildSources>;
  readonly thresholds: Thresholds;
}

/**
 * The settings of `scan <kind>` (or `all`) from its options, each checked by its registry line.
 * @throws UsageError for a bad region, threshold or source option
 */
export const selectSources = (
  kind: string,
  values: { regions?: string; option?: string[]; 'warn-days'?: string; 'critical-days'?: string },
  io: CliIo,
  registry: SourceRegistry,
  context?: SourceContext,
): SourceSelection => {
  const kinds = kind === 'all' ? Object.keys(registry) : [kind];
  const regional = kinds.some((k) => registry[k]?.regional);
  if (!regional && values.regions !== undefined)
    throw new UsageError(`scan ${kind} is global: --regions does not apply`);
  const regions = regional ? regionsOf(values.regions, io) : undefined;
  const thresholds = thresholdsOf(values);
  const extra = optionsOf(values.option);
  // `scan all` shares one set of options: each kind takes the ones it knows; one nobody knows is a typo.
  const optionsFor = (k: string): Record<string, string> | undefined => {
    if (!extra || kinds.length === 1) return extra;
    const known = SOURCE_OPTION_KEYS[k];
    const picked = Object.fromEntries(Object.entries(extra).filter(([key]) => !known || known.includes(key)));
    return Object.keys(picked).length ? picked : undefined;
  };
  if (extra && kinds.length > 1) {
    const nobody = Object.keys(extra).filter((key) =>
      kinds.every((k) => !SOURCE_OPTION_KEYS[k]?.includes(key)),
    );
    if (nobody.length)
      throw new UsageError(`no source takes the option ${nobody.map((k) => `"${k}"`).join(', ')}`);
  }
  const settings: SourceSetting[] = kinds.map((k) => {
    const options = optionsFor(k);
    return { kind: k, ...(registry[k]?.regional ? { regions } : {}), ...(options ? { options } : {}) };
  });
  try {
    return {
      kinds,
      regional,
      regions,
      settings,
      sources: buildSources(settings, context, registry),
      thresholds,
    };
  } catch (error) {
    if (error instanceof InvalidSourceSettingError) throw new UsageError(error.message);
    throw error;
  }
};
