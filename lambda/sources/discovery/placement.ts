/**
 * Where the prober tracks a discovered endpoint's results: location group `host:port/servername`
 * under the endpoint's own lifecycle scope (`discovery#<account>[#<region>]@host:port/servername`),
 * so two SNI names on one listener are two endpoints, and a resource gone from its discovery scope
 * retires exactly its endpoints. Configured endpoints keep `host:port` in `endpoint#host:port`.
 */
import { type DiscoveredTarget, discoveredGroupOf } from '../../contracts/discovery';
import { toALabels } from '../endpoint/idn';
import type { ProbeResult } from '../endpoint/types';

const ascii = (name: string): string => {
  try {
    return toALabels(name.replace(/\.$/, '')).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
};

/** The place of each result of `targets` (matched by host, port and SNI name as the prober reports them). */
export const discoveredPlaces = (
  targets: readonly DiscoveredTarget[],
): ((r: ProbeResult) => { group: string; scope: string } | undefined) => {
  const byKey = new Map(
    targets.map((t) => [`${ascii(t.host)}:${t.port}/${ascii(t.servername)}`, t] as const),
  );
  return (r) => {
    const t = byKey.get(`${r.host.toLowerCase()}:${r.port}/${(r.servername ?? '').toLowerCase()}`);
    return t ? { group: discoveredGroupOf(t), scope: t.scope } : undefined;
  };
};
