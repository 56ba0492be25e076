/**
 * Chain analyses kept for one evaluation instant, so endpoints that serve the same chain (a fleet
 * behind one certificate, the many ports of one server) are analysed once per run. Keyed by
 * everything `analyzeChain` reads: the chain as sent (SHA-256 fingerprints, in order), the name
 * checked, the trust store, the verdict policy (by identity) and the instant (`now`, to the ms).
 * Only trusted analyses are kept: an untrusted one can depend on AIA fetches (which may fail and be
 * retried) and on the intermediates seen on earlier paths (trust.ts), a trusted one on neither.
 * A new instant empties the cache (probeAll evaluates a whole run at one instant).
 */
import type { Thresholds, VerdictPolicy } from '../../core/evaluate';
import type { ChainAnalysis } from './analyze';
import type { CertInfo } from './cert-info';
import type { TrustStore } from './trust';

/** What an analysis depends on (the inputs of `analyzeChain` that vary between probes). */
export interface AnalysisKey {
  readonly sent: readonly CertInfo[];
  readonly expectedName: string;
  readonly now: Date;
  readonly thresholds: Thresholds | VerdictPolicy;
  readonly trustStore: TrustStore;
}

const MAX_ENTRIES = 5_000;
let instant = Number.NaN;
const entries = new Map<string, ChainAnalysis>();

const ids = new WeakMap<object, number>();
let lastId = 0;
const idOf = (o: object): number => {
  let id = ids.get(o);
  if (id === undefined) {
    id = ++lastId;
    ids.set(o, id);
  }
  return id;
};

const keyOf = (k: AnalysisKey): string | undefined => {
  const at = k.now.getTime();
  if (at !== instant) {
    entries.clear();
    instant = at;
  }
  if (Number.isNaN(at)) return undefined;
  let key = `${idOf(k.trustStore)}/${idOf(k.thresholds)}/${k.expectedName}`;
  for (const cert of k.sent) key += `/${cert.fingerprintSha256}`;
  return key;
};

/** Results share the analysis's parts; each gets its own problems list (a probe adds to it). */
const copy = (a: ChainAnalysis): ChainAnalysis => ({ ...a, problems: [...a.problems] });

/** The analysis kept for these inputs, or undefined. */
export const keptAnalysis = (k: AnalysisKey): ChainAnalysis | undefined => {
  const key = keyOf(k);
  const kept = key === undefined ? undefined : entries.get(key);
  return kept && copy(kept);
};

/** Keeps `analysis` for these inputs when it is trusted (see above); bounded to 5,000 chains. */
export const keepAnalysis = (k: AnalysisKey, analysis: ChainAnalysis): void => {
  if (!analysis.trusted) return;
  const key = keyOf(k);
  if (key === undefined) return;
  if (entries.size >= MAX_ENTRIES) entries.clear();
  entries.set(key, copy(analysis));
};
