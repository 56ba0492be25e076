import { overallSeverity } from '../../core/evaluate';
import type { ProbeStatus, Problem } from './types';

/**
 * The overall verdict (`status` in results, `check --json`, the table and the exit code): the
 * expiry status raised by the worst problem, as the core's `overallSeverity` raises it ('error'
 * when unchecked; 'info' problems never raise it).
 */
export type Verdict = ProbeStatus;

export const VERDICT_RANK: Readonly<Record<Verdict, number>> = {
  ok: 0,
  warning: 1,
  error: 2,
  critical: 3,
  expired: 4,
};

/** From the expiry-only status (`expiryStatus`; `status` for hand-built results without one) and the problems. */
export const verdictOf = (r: {
  readonly status: ProbeStatus;
  readonly expiryStatus?: ProbeStatus;
  readonly problems: readonly Problem[];
}): Verdict => {
  const expiry = r.expiryStatus ?? r.status;
  if (expiry === 'error' || r.status === 'error') return 'error';
  return overallSeverity({ severity: expiry, notYetValid: false }, r.problems);
};
