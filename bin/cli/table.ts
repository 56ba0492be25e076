import { type Evaluation, type LifetimeGrading, lifetimeGrading } from '../../lambda/core/evaluate';
import { HOURS_SHOWN_BELOW } from '../../lambda/core/time';

/** Plain-text tables for terminals: left-aligned columns, long cells cut with an ellipsis. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: certificate fields are untrusted; control and bidi characters must not reach the terminal
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Untrusted text (certificate fields, server replies) made safe to print on a terminal. */
export const terminalSafe = (s: string): string => s.replace(UNSAFE, '?');

export const renderTable = (
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  maxCell = 60,
): string => {
  const clip = (s: string) => (s.length > maxCell ? `${s.slice(0, maxCell - 1)}…` : s);
  const cells = [headers, ...rows].map((r) => r.map((c) => clip(terminalSafe(c))));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

/**
 * The DAYS cell by the one rounding rule (lambda/core/time.ts): whole days truncated toward zero,
 * or hours under 48 hours either side of expiry ("20h", "-5h"); "-" without an expiry.
 */
export const daysCell = (days: number | null | undefined, hours: number | null | undefined): string => {
  if (days === null || days === undefined) return '-';
  return typeof hours === 'number' && Math.abs(hours) < HOURS_SHOWN_BELOW ? `${hours}h` : String(days);
};

/** Short-lived certificates named under a table at most; the rest are counted. */
export const LIFETIME_NOTES_SHOWN = 10;

/** A certificate graded by the short-lived rule: what a note under the table says of it. */
export interface LifetimeGraded extends LifetimeGrading {
  /** How the table names it (domain, target). */
  readonly name: string;
}

const dayCount = (n: number): string => String(Math.round(n * 100) / 100);

/**
 * The note under a table for the certificates graded by their lifetime (`evaluation.basis` is
 * `lifetime`: docs/lifecycle.md, "Short-lived certificates"), so a 47-day certificate shown OK
 * with 20 days left under a 30-day warning tier says why: it warns at 15.51 days left. None: no note.
 */
export const lifetimeNotes = (graded: readonly LifetimeGraded[]): string[] => {
  if (graded.length === 0) return [];
  const shown = graded.slice(0, LIFETIME_NOTES_SHOWN);
  return [
    '',
    'Short-lived, graded by a share of the lifetime left instead of the day tiers (docs/lifecycle.md, "Short-lived certificates"):',
    ...shown.map(
      (g) =>
        `  ${terminalSafe(g.name)}: ${dayCount(g.lifetimeDays)}-day lifetime: warning at ${dayCount(g.warningDays)} days left, critical at ${dayCount(g.criticalDays)}`,
    ),
    ...(graded.length > shown.length ? [`  +${graded.length - shown.length} more`] : []),
  ];
};

/** The note's entry for a certificate its evaluation graded by lifetime; undefined otherwise. */
export const lifetimeGraded = (
  name: string,
  record: { readonly notBefore?: Date; readonly notAfter?: Date },
  evaluation: Pick<Evaluation, 'basis' | 'thresholds'>,
): LifetimeGraded | undefined => {
  const grading = lifetimeGrading(record, evaluation);
  return grading ? { name, ...grading } : undefined;
};
