export const MS_PER_DAY = 86_400_000;

/** Fractional days from `now` until `notAfter`; negative once expired. */
export const daysUntil = (notAfter: Date, now: Date): number =>
  (notAfter.getTime() - now.getTime()) / MS_PER_DAY;

/**
 * Whole days remaining as people and `openssl x509 -enddate` arithmetic count them: floor of the
 * fractional value, so 0.4 days left is 0 and a certificate expired an hour ago is -1.
 */
export const wholeDaysUntil = (notAfter: Date, now: Date): number => Math.floor(daysUntil(notAfter, now));
