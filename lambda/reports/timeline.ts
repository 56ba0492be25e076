/**
 * The expiry timeline: certificates per week over the next 12 months, stacked by severity, with
 * the expired ones in a bucket of their own at the start, drawn as inline SVG (no script, no
 * external resource: it shows with scripting off and in a mail client's viewer).
 */
import type { Severity } from '../core/evaluate';
import type { EstateReport } from './model';

export const WEEK_MS = 7 * 86_400_000;
/** 53 weeks (371 days) cover the next 12 months from any day. */
export const TIMELINE_WEEKS = 53;

/** Bottom to top of a stacked bar: the worst nearest the axis. */
export const STACK_ORDER: readonly Severity[] = ['expired', 'critical', 'warning', 'ok'];

export type SeverityCounts = Record<Severity, number>;

const zero = (): SeverityCounts => ({ ok: 0, warning: 0, critical: 0, expired: 0 });

export interface TimelineBuckets {
  /** notAfter at or before the report's instant. */
  readonly expired: SeverityCounts;
  /** Week i holds notAfter in (now + i weeks, now + (i + 1) weeks], the first week from `now` exclusive. */
  readonly weeks: readonly SeverityCounts[];
  /** Expiring after the last week. */
  readonly later: number;
  /** No expiry known (never issued, or an endpoint that could not be read). */
  readonly noExpiry: number;
}

/**
 * Buckets the report's certificates by expiry, counted from `generatedAt` in whole weeks (not
 * calendar weeks: week 0 is the next seven days). A certificate is stacked under its severity; one
 * whose notAfter has passed is always in the expired bucket (evaluate: no time left is expired).
 */
export const timelineBuckets = (
  report: Pick<EstateReport, 'generatedAt' | 'certificates'>,
): TimelineBuckets => {
  const now = Date.parse(report.generatedAt);
  const expired = zero();
  const weeks = Array.from({ length: TIMELINE_WEEKS }, zero);
  let later = 0;
  let noExpiry = 0;
  for (const c of report.certificates) {
    if (!c.notAfter) {
      noExpiry += 1;
      continue;
    }
    const left = Date.parse(c.notAfter) - now;
    if (left <= 0) {
      expired.expired += 1;
      continue;
    }
    // (0, 7 days] is week 0: a certificate ending exactly a week from now is still in the first week.
    const week = Math.ceil(left / WEEK_MS) - 1;
    const bucket = weeks[week];
    if (!bucket) later += 1;
    else bucket[c.severity === 'expired' ? 'critical' : c.severity] += 1;
  }
  return { expired, weeks, later, noExpiry };
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface MonthTick {
  /** Position in weeks from the report's instant (fractional). */
  readonly weeks: number;
  /** `Mar`, or `Jan 2027` at a year's start and on the first tick. */
  readonly label: string;
  /** The month's first instant (UTC), ISO 8601. */
  readonly start: string;
}

/** The first day (00:00 UTC) of every month that starts inside the timeline. */
export const monthTicks = (generatedAt: string): MonthTick[] => {
  const now = new Date(generatedAt);
  const end = now.getTime() + TIMELINE_WEEKS * WEEK_MS;
  const ticks: MonthTick[] = [];
  for (let i = 1; ; i++) {
    const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1);
    if (start >= end) break;
    const d = new Date(start);
    const month = d.getUTCMonth();
    const withYear = ticks.length === 0 || month === 0;
    ticks.push({
      weeks: (start - now.getTime()) / WEEK_MS,
      label: `${MONTHS[month]}${withYear ? ` ${d.getUTCFullYear()}` : ''}`,
      start: d.toISOString(),
    });
  }
  return ticks;
};

const BAR = 14;
const GAP = 3;
const LEFT = 34;
const TOP = 12;
const PLOT_H = 160;
/** The expired bucket, then a gap the width of one bar, then the weeks. */
const weekX = (i: number): number => LEFT + (BAR + GAP) * (i + 2);

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * The SVG (role `img` with a text summary; every bar carries a `<title>` and `data-severity` /
 * `data-bucket`, so the numbers are read out and testable). Bars scale to the fullest bucket.
 */
export const renderTimeline = (report: Pick<EstateReport, 'generatedAt' | 'certificates'>): string => {
  const b = timelineBuckets(report);
  const now = Date.parse(report.generatedAt);
  const total = (c: SeverityCounts) => STACK_ORDER.reduce((n, s) => n + c[s], 0);
  const max = Math.max(1, total(b.expired), ...b.weeks.map(total));
  // Room after the last week for a month label that starts there ("Jan 2027").
  const width = weekX(TIMELINE_WEEKS) + 48;
  const height = TOP + PLOT_H + 34;
  const base = TOP + PLOT_H;
  const bars: string[] = [];
  const stack = (x: number, counts: SeverityCounts, bucket: string, when: string) => {
    let y = base;
    for (const s of STACK_ORDER) {
      const n = counts[s];
      if (n === 0) continue;
      const h = Math.max(1, (n / max) * PLOT_H);
      y -= h;
      bars.push(
        `<rect class="b-${s}" data-severity="${s}" data-bucket="${bucket}" x="${x}" y="${y.toFixed(1)}" width="${BAR}" height="${h.toFixed(1)}"><title>${when}: ${n} ${s}</title></rect>`,
      );
    }
  };
  stack(LEFT, b.expired, 'expired', 'Expired');
  b.weeks.forEach((counts, i) => {
    stack(weekX(i), counts, `w${i}`, `Week of ${day(now + i * WEEK_MS)} to ${day(now + (i + 1) * WEEK_MS)}`);
  });
  const ticks = monthTicks(report.generatedAt)
    .map((t) => {
      const x = (weekX(0) + t.weeks * (BAR + GAP)).toFixed(1);
      return `<line x1="${x}" x2="${x}" y1="${TOP}" y2="${base + 4}" class="tick"/><text x="${x}" y="${base + 16}" class="axis">${t.label}</text>`;
    })
    .join('');
  const summary =
    `${plural(total(b.expired), 'certificate')} expired; ` +
    `${plural(
      b.weeks.reduce((n, c) => n + total(c), 0),
      'certificate',
    )} expiring in the next ${TIMELINE_WEEKS} weeks; ` +
    `${b.later} later; ${b.noExpiry} without an expiry`;
  return (
    `<svg id="timeline-chart" role="img" aria-labelledby="timeline-title timeline-desc" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">` +
    `<title id="timeline-title">Expiries per week over the next 12 months, by severity</title>` +
    `<desc id="timeline-desc">${summary}</desc>` +
    `<line x1="${LEFT - 4}" x2="${width}" y1="${base}" y2="${base}" class="axis-line"/>` +
    `<text x="${LEFT - 6}" y="${TOP + 4}" class="axis" text-anchor="end">${max}</text>` +
    `<text x="${LEFT - 6}" y="${base}" class="axis" text-anchor="end">0</text>` +
    `<text x="${LEFT + BAR / 2}" y="${base + 16}" class="axis" text-anchor="middle">Expired</text>` +
    `${ticks}${bars.join('')}</svg>` +
    `<p class="note">${summary}.</p>`
  );
};
