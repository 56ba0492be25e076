/**
 * The scheduled report's boundary between the construct (lib/report.ts) and the report Lambda
 * (lambda/handlers/make-report-handler.ts): the bucket's object keys, the digest settings (env
 * REPORT_DIGEST, prop `report.digest`, context `watcher:reportDigest`) and the environment
 * variable names. The construct validates the settings with the parser the Lambda runs at init.
 * Pure data and checks.
 */
import { ConfigurationError } from './errors';
import { isJsonObject, parseJsonVariable } from './json';

/** Report Lambda: the bucket the reports are written to. */
export const REPORT_BUCKET_ENV = 'REPORT_BUCKET';
/** Report Lambda: the digest settings, JSON ({@link DigestSettings}); unset means the defaults. */
export const REPORT_DIGEST_ENV = 'REPORT_DIGEST';

/** The report files, each under `reports/<YYYY-MM-DD>/` and `latest/`. */
export const REPORT_FILES = {
  html: { name: 'report.html', contentType: 'text/html; charset=utf-8' },
  csv: { name: 'report.csv', contentType: 'text/csv; charset=utf-8' },
  json: { name: 'report.json', contentType: 'application/json' },
} as const;
export type ReportFormat = keyof typeof REPORT_FILES;

/** The prefixes the report Lambda writes under (its only write permission). */
export const REPORT_PREFIXES = { dated: 'reports/', latest: 'latest/' } as const;

/** `reports/2026-11-30/report.html`: one folder per UTC day of `generatedAt`. */
export const datedReportKey = (generatedAt: string, format: ReportFormat): string =>
  `${REPORT_PREFIXES.dated}${generatedAt.slice(0, 10)}/${REPORT_FILES[format].name}`;

/** `latest/report.json`: the newest report (the previous one is read from here for the digest). */
export const latestReportKey = (format: ReportFormat): string =>
  `${REPORT_PREFIXES.latest}${REPORT_FILES[format].name}`;

/** The parts of the weekly digest, in the order they are shown. */
export const DIGEST_SECTIONS = ['counts', 'soonest', 'changes', 'coverage', 'link'] as const;
export type DigestSection = (typeof DIGEST_SECTIONS)[number];

export interface DigestSettings {
  /**
   * Post the digest to the chat channels (Chatbot configurations and webhook destinations).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Which parts the digest shows: `counts` (7 / 30 / 90 days), `soonest`, `changes` (renewals and
   * removals since the previous report), `coverage` (failed scopes), `link` (the full report).
   * @default all of DIGEST_SECTIONS
   */
  readonly sections?: readonly DigestSection[];
  /**
   * How many of the soonest-expiring certificates the digest lists (already expired first), 1-25.
   * @default 10
   */
  readonly soonest?: number;
}

export const DEFAULT_DIGEST_SOONEST = 10;
/** The most a chat message can list: Slack allows 50 blocks, Teams about 28 KB per card. */
export const MAX_DIGEST_SOONEST = 25;

export interface ResolvedDigestSettings {
  readonly enabled: boolean;
  readonly sections: readonly DigestSection[];
  readonly soonest: number;
}

/** Checks digest settings (a parsed object); errors name `where` and the bad value. */
export const validateDigestSettings = (value: unknown, where = 'report.digest'): ResolvedDigestSettings => {
  if (!isJsonObject(value))
    throw new ConfigurationError(`${where} must be an object {enabled?, sections?, soonest?}`);
  const { enabled, sections, soonest, ...rest } = value;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw new ConfigurationError(
      `${where} has unknown field(s) ${unknown.join(', ')} (use enabled, sections, soonest)`,
    );
  if (enabled !== undefined && typeof enabled !== 'boolean')
    throw new ConfigurationError(`${where}.enabled must be true or false, got ${JSON.stringify(enabled)}`);
  if (
    sections !== undefined &&
    (!Array.isArray(sections) ||
      sections.length === 0 ||
      sections.some((s) => !(DIGEST_SECTIONS as readonly unknown[]).includes(s)) ||
      new Set(sections).size !== sections.length)
  )
    throw new ConfigurationError(
      `${where}.sections must list some of ${DIGEST_SECTIONS.join(', ')} once each, got ${JSON.stringify(sections)}`,
    );
  if (
    soonest !== undefined &&
    (typeof soonest !== 'number' || !Number.isInteger(soonest) || soonest < 1 || soonest > MAX_DIGEST_SOONEST)
  )
    throw new ConfigurationError(
      `${where}.soonest must be a whole number from 1 to ${MAX_DIGEST_SOONEST}, got ${JSON.stringify(soonest)}`,
    );
  // Shown in the contract's order, whatever order the configuration gave.
  const chosen = (sections as DigestSection[] | undefined) ?? DIGEST_SECTIONS;
  return {
    enabled: enabled ?? true,
    sections: DIGEST_SECTIONS.filter((s) => chosen.includes(s)),
    soonest: (soonest as number | undefined) ?? DEFAULT_DIGEST_SOONEST,
  };
};

/** Parses env REPORT_DIGEST (JSON); unset or blank means the defaults. */
export const digestSettingsFromEnv = (raw: string | undefined): ResolvedDigestSettings =>
  validateDigestSettings(
    raw?.trim() ? parseJsonVariable(raw, REPORT_DIGEST_ENV) : {},
    `environment variable ${REPORT_DIGEST_ENV}`,
  );
