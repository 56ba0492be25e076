import type { ProbeResult, Problem } from './types';
import { verdictOf } from './verdict';

/** BACKENDS_DIFFER on every result of one name when its addresses serve different leaves. */
export const backendsDiffer = (results: ProbeResult[]): ProbeResult[] => {
  const fingerprints = new Set(results.flatMap((r) => (r.leaf ? [r.leaf.fingerprintSha256] : [])));
  if (fingerprints.size < 2) return results;
  const served = results
    .filter((r) => r.leaf)
    .map((r) => `${r.address} serves ${r.leaf!.fingerprintSha256.slice(0, 23)}… (${r.leaf!.subject})`)
    .join('; ');
  const problem: Problem = {
    code: 'BACKENDS_DIFFER',
    severity: 'warning',
    message: `addresses of ${results[0]?.host} serve ${fingerprints.size} different certificates: ${served}`,
  };
  return results.map((r) => {
    if (!r.leaf) return r;
    const problems = [...r.problems, problem];
    const verdict = verdictOf({ ...r, problems });
    return { ...r, problems, status: verdict, verdict };
  });
};
