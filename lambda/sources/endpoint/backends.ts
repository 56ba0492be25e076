import type { ProbeResult, Problem } from './types';
import { verdictOf } from './verdict';

/** Within one certificate kind (the first one, or a dual-certificate server's second: `variant`). */
const differ = (results: ProbeResult[]): ProbeResult[] => {
  const fingerprints = new Set(results.flatMap((r) => (r.leaf ? [r.leaf.fingerprintSha256] : [])));
  if (fingerprints.size < 2) return results;
  const served = results
    .filter((r) => r.leaf)
    .map((r) => `${r.address} serves ${r.leaf!.fingerprintSha256.slice(0, 23)}… (${r.leaf!.subject})`)
    .join('; ');
  const kind = results[0]?.variant ? ` ${results[0].variant.toUpperCase()}` : '';
  const problem: Problem = {
    code: 'BACKENDS_DIFFER',
    severity: 'warning',
    message: `addresses of ${results[0]?.host} serve ${fingerprints.size} different${kind} certificates: ${served}`,
  };
  return results.map((r) => {
    if (!r.leaf) return r;
    const problems = [...r.problems, problem];
    const verdict = verdictOf({ ...r, problems });
    return { ...r, problems, status: verdict, verdict };
  });
};

/**
 * BACKENDS_DIFFER on every result of one name when its addresses serve different leaves. A
 * dual-certificate server's ECDSA and RSA certificates differ by design: each kind is compared
 * across the addresses on its own.
 */
export const backendsDiffer = (results: ProbeResult[]): ProbeResult[] => {
  if (results.length < 2) return results;
  const kinds = [...new Set(results.map((r) => r.variant ?? ''))];
  if (kinds.length === 1) return differ(results);
  const judged = new Map(kinds.map((k) => [k, differ(results.filter((r) => (r.variant ?? '') === k))]));
  const next = new Map(kinds.map((k) => [k, 0]));
  // Keep the order the addresses were probed in.
  return results.map((r) => {
    const k = r.variant ?? '';
    const i = next.get(k)!;
    next.set(k, i + 1);
    return judged.get(k)![i]!;
  });
};
