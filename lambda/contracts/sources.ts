/**
 * The source boundary between the construct (lib/sources) and the inventory Lambda
 * (lambda/sources/registry.ts): which sources run, with which settings, under which scope keys.
 * Pure data and checks only: imported by both sides, it must stay free of SDK and CDK imports.
 */
import { isJsonObject } from './json';

/** Environment variable carrying the configured sources: a JSON array of {@link SourceSetting}. */
export const SOURCES_ENV = 'WATCHER_SOURCES';
/** Environment variable carrying the account the watcher runs in (scope keys name it). */
export const ACCOUNT_ENV = 'WATCHER_ACCOUNT_ID';

/** A source kind: lower-case letters, digits and dashes, starting with a letter (e.g. `acm`, `iam`). */
export const SOURCE_KIND_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * What people call each kind in messages ("ACM eu-west-1", "IAM 111122223333"). A kind not listed
 * here is shown as its name in capitals, so a new source needs no channel change.
 */
export const SOURCE_LABELS: Readonly<Record<string, string>> = {
  acm: 'ACM',
  iam: 'IAM',
  pca: 'Private CA',
  secrets: 'Secrets Manager',
  ssm: 'Parameter Store',
  iot: 'IoT',
  discovery: 'discovery',
  endpoint: 'endpoint',
  file: 'file',
};

export const sourceLabel = (kind: string): string => SOURCE_LABELS[kind] ?? kind.toUpperCase();

/** One configured source as the construct's binding returns it and the Lambda's registry reads it. */
export interface SourceSetting {
  readonly kind: string;
  /** Regions for a regional store; absent for a global one (one scope per account). */
  readonly regions?: readonly string[];
  /** Anything else the source needs (tag filters, prefixes, ...), as plain JSON. */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** The tag that selects a secret or parameter by default (sources `secrets` and `ssm`). */
export const DEFAULT_WATCH_TAG_KEY = 'cert-watch:watch';
export const DEFAULT_WATCH_TAG_VALUE = 'true';

/**
 * The options each built-in kind understands (docs/sources.md). A misspelled option would
 * otherwise be ignored and the source fall back to its default selection, so settings naming
 * anything else are refused. Kinds not listed here (plugins of your own) check their own options.
 */
export const SOURCE_OPTION_KEYS: Readonly<Record<string, readonly string[]>> = {
  acm: [],
  iam: ['region', 'usageRegions', 'lookUpUsage'],
  pca: ['tiersDays', 'criticalDays', 'issuanceValidityDays'],
  secrets: ['tagKey', 'tagValue', 'prefixes', 'base64', 'concurrency'],
  ssm: ['tagKey', 'tagValue', 'prefixes', 'base64', 'concurrency'],
  iot: ['describeConcurrency', 'caCertificates', 'describeBudgetSeconds'],
};

/** Options of `setting` its kind does not understand (none for kinds without a known list). */
export const unknownOptions = (setting: SourceSetting): string[] => {
  const known = SOURCE_OPTION_KEYS[setting.kind];
  return known ? Object.keys(setting.options ?? {}).filter((k) => !known.includes(k)) : [];
};

/** Throws naming the unknown options and the known ones. */
export const checkOptions = (setting: SourceSetting, where: string): void => {
  const unknown = unknownOptions(setting);
  if (unknown.length === 0) return;
  const known = SOURCE_OPTION_KEYS[setting.kind] ?? [];
  throw new InvalidSourceSettingError(
    `${where}: ${setting.kind} has no option ${unknown.map((k) => JSON.stringify(k)).join(', ')} ` +
      `(${known.length ? `known: ${known.join(', ')}` : 'it takes no options'})`,
  );
};

/** Thrown for a sources setting the Lambda or the construct cannot use; the message names the entry. */
export class InvalidSourceSettingError extends Error {
  override readonly name = 'InvalidSourceSettingError';
}

/**
 * A scope is one complete listing unit of a source: the lifecycle counts a tracked certificate
 * missing only from a scope that was listed completely. Keys: `<kind>#<account>#<region>` for
 * regional stores, `<kind>#<account>` for global ones (docs/architecture.md).
 */
export const scopeKeyOf = (kind: string, account: string, region?: string): string =>
  region ? `${kind}#${account}#${region}` : `${kind}#${account}`;

/** Parses WATCHER_SOURCES (or the construct's JSON): a non-empty array, each kind once. */
export const parseSourceSettings = (raw: string, where = SOURCES_ENV): SourceSetting[] => {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new InvalidSourceSettingError(
      `${where} must be a JSON array of sources, got ${JSON.stringify(raw.slice(0, 80))}`,
    );
  }
  if (!Array.isArray(value) || value.length === 0)
    throw new InvalidSourceSettingError(`${where} must be a non-empty JSON array of sources`);
  const seen = new Set<string>();
  return value.map((entry, i): SourceSetting => {
    const at = `${where}[${i}]`;
    if (!isJsonObject(entry)) throw new InvalidSourceSettingError(`${at} must be an object with a "kind"`);
    const { kind, regions, options, ...rest } = entry;
    const extra = Object.keys(rest);
    if (extra.length > 0)
      throw new InvalidSourceSettingError(
        `${at} has ${extra.map((k) => JSON.stringify(k)).join(', ')}: a source setting has only kind, regions and options`,
      );
    if (typeof kind !== 'string' || !SOURCE_KIND_PATTERN.test(kind))
      throw new InvalidSourceSettingError(
        `${at}.kind must match ${SOURCE_KIND_PATTERN.source}, got ${JSON.stringify(kind)}`,
      );
    if (seen.has(kind)) throw new InvalidSourceSettingError(`${at}.kind "${kind}" is configured twice`);
    seen.add(kind);
    if (
      regions !== undefined &&
      (!Array.isArray(regions) || !regions.every((r) => typeof r === 'string' && r))
    )
      throw new InvalidSourceSettingError(`${at}.regions must be an array of region names`);
    if (options !== undefined && !isJsonObject(options))
      throw new InvalidSourceSettingError(`${at}.options must be an object`);
    const setting: SourceSetting = {
      kind,
      ...(regions ? { regions: [...new Set(regions as string[])] } : {}),
      ...(options ? { options } : {}),
    };
    checkOptions(setting, at);
    return setting;
  });
};
