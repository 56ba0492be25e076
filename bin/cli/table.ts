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
