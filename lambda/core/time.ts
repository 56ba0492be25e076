/**
 * Time left until a certificate's notAfter, and the one rounding rule every output uses
 * (docs/endpoints.md, "Rounding"): the CLI tables and JSON, events, chat, SMS and tickets.
 */
export const MS_PER_DAY = 86_400_000;
export const MS_PER_HOUR = 3_600_000;
/** Below this many hours (either side of notAfter) people are told hours, not days. */
export const HOURS_SHOWN_BELOW = 48;

/** Fractional days from `now` until `notAfter`; negative once expired. */
export const daysUntil = (notAfter: Date, now: Date): number =>
  (notAfter.getTime() - now.getTime()) / MS_PER_DAY;

/** Whole units completed, toward zero (`Math.trunc`), without a negative zero. */
const whole = (n: number): number => Math.trunc(n) || 0;

/**
 * Whole days remaining, **truncated toward zero**: the days completed, as ages are counted. 3.9 days
 * left is 3; expired 2 days and 5 hours ago is -2 ("expired 2 days ago", the same number in every
 * output); within a day either side of notAfter it is 0 and the words say hours.
 */
export const wholeDaysUntil = (notAfter: Date, now: Date): number => whole(daysUntil(notAfter, now));

/** Whole hours remaining, truncated toward zero like the days (negative once expired). */
export const wholeHoursUntil = (notAfter: Date, now: Date): number =>
  whole((notAfter.getTime() - now.getTime()) / MS_PER_HOUR);

export interface Remaining {
  /** Whole units, truncated toward zero; negative once expired. */
  readonly value: number;
  /** 'hour' under HOURS_SHOWN_BELOW hours either side of notAfter, else 'day'. */
  readonly unit: 'hour' | 'day';
  readonly expired: boolean;
}

/** The time left in the unit people should read: hours under 48 hours, else days (both truncated). */
export const remaining = (notAfter: Date, now: Date): Remaining => {
  const ms = notAfter.getTime() - now.getTime();
  const expired = ms <= 0;
  return Math.abs(ms) < HOURS_SHOWN_BELOW * MS_PER_HOUR
    ? { value: wholeHoursUntil(notAfter, now), unit: 'hour', expired }
    : { value: wholeDaysUntil(notAfter, now), unit: 'day', expired };
};

/** "20 hours", "1 day", "less than an hour": the magnitude of `remaining`, in words. */
export const durationText = (r: Remaining): string => {
  const n = Math.abs(r.value);
  if (n === 0) return 'less than an hour';
  return `${n} ${r.unit}${n === 1 ? '' : 's'}`;
};

/** "expires in 20 hours", "expires in 3 days", "expired 5 hours ago", "expired 2 days ago". */
export const expiryPhrase = (notAfter: Date, now: Date): string => {
  const r = remaining(notAfter, now);
  return r.expired ? `expired ${durationText(r)} ago` : `expires in ${durationText(r)}`;
};

/** Compact form for tables and SMS: "20h", "-5h", "6d", "-2d". */
export const compactRemaining = (notAfter: Date, now: Date): string => {
  const r = remaining(notAfter, now);
  return `${r.value}${r.unit === 'hour' ? 'h' : 'd'}`;
};
