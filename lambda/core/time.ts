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

/** RFC 3339 / ISO 8601: a date, or a date-time with seconds optional and a zone required. */
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * An instant written by a person or read back from state: `YYYY-MM-DD` (midnight UTC) or an ISO
 * 8601 / RFC 3339 date-time with its zone (`2027-01-01T09:00Z`, `2027-01-01T09:00:00+02:00`).
 * Throws a `RangeError` saying why for anything else: `Date.parse` alone accepts `2027-01-01junk`
 * and rolls `2027-02-29` over to March 1st; here a date must be on the calendar and a time in range.
 */
export const parseIsoInstant = (raw: string): Date => {
  const m = ISO_INSTANT.exec(raw.trim());
  if (!m) throw new RangeError('not a date (YYYY-MM-DD) or an ISO date-time with a zone');
  const [, y, mo, d, h = '00', mi = '00', sec = '00', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (
    calendar.getUTCFullYear() !== year ||
    calendar.getUTCMonth() !== month - 1 ||
    calendar.getUTCDate() !== day
  )
    throw new RangeError(`${y}-${mo}-${d} is not a calendar date`);
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) throw new RangeError('the time is out of range');
  if (zone && zone !== 'Z' && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4, 6)) > 59))
    throw new RangeError('the zone offset is out of range');
  const parsed = new Date(m[4] === undefined ? `${y}-${mo}-${d}T00:00:00.000Z` : raw.trim());
  if (Number.isNaN(parsed.getTime())) throw new RangeError('not a valid instant');
  return parsed;
};
