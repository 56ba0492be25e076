/**
 * Nagios plugin exit codes, so `cert-watch` drops into CI pipelines and existing monitoring.
 * A known critical or expired certificate outranks "could not check", which outranks a warning:
 * a failed region must never hide behind a mere warning, and nothing hides an expiry.
 */
import type { Severity } from '../../lambda/core/evaluate';

export const ExitCode = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const exitCodeFor = (severities: Iterable<Severity | 'error'>): ExitCode => {
  let critical = false;
  let unknown = false;
  let warning = false;
  for (const s of severities) {
    if (s === 'critical' || s === 'expired') critical = true;
    else if (s === 'error') unknown = true;
    else if (s === 'warning') warning = true;
  }
  if (critical) return ExitCode.CRITICAL;
  if (unknown) return ExitCode.UNKNOWN;
  if (warning) return ExitCode.WARNING;
  return ExitCode.OK;
};

/** Usage errors and unexpected failures: the check could not run. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
