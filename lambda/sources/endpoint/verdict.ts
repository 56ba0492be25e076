import type { ProbeStatus, Problem } from './types';

/** The overall verdict: the expiry status raised by the worst problem ('error' when unchecked; 'info' problems never raise it). */
export type Verdict = ProbeStatus;

export const VERDICT_RANK: Readonly<Record<Verdict, number>> = {
  ok: 0,
  warning: 1,
  error: 2,
  critical: 3,
  expired: 4,
};

export const verdictOf = (r: {
  readonly status: ProbeStatus;
  readonly problems: readonly Problem[];
}): Verdict => {
  if (r.status === 'error') return 'error';
  let verdict: Verdict = r.status;
  for (const p of r.problems) {
    if (p.severity === 'info') continue;
    const raised: Verdict = p.severity === 'critical' ? 'critical' : 'warning';
    if (VERDICT_RANK[raised] > VERDICT_RANK[verdict]) verdict = raised;
  }
  return verdict;
};
