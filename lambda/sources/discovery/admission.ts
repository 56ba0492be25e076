/**
 * Which queued discovered targets the prober probes: a well-formed one (its scope recomputed from
 * its own host, port and SNI name: lambda/contracts/discovery.ts) whose host and SNI name parse
 * like any configured target's and are no link-local or metadata address, whose `expected` passes
 * the same bounded check as a configured target's (lambda/contracts/deployment-expectation.ts), with
 * only the fields a discovered target has. Anything else is rejected like an unconfigured target.
 */

import { parseExpectation } from '../../contracts/deployment-expectation';
import { type DiscoveredTarget, isDiscoveredTarget } from '../../contracts/discovery';
import { checkEndpointText, parseTargetSpec } from '../../contracts/endpoints';

export const admitDiscovered = (t: unknown): DiscoveredTarget | undefined => {
  if (!isDiscoveredTarget(t)) return undefined;
  let expected: DiscoveredTarget['expected'];
  try {
    parseTargetSpec(t.host.includes(':') ? `[${t.host}]` : t.host);
    parseTargetSpec(t.servername);
    checkEndpointText('discovered target', t.labels, undefined);
    expected = parseExpectation(t.expected, `discovered target ${t.scope}`);
  } catch {
    return undefined;
  }
  return {
    host: t.host,
    port: t.port,
    servername: t.servername,
    ...(t.starttls === 'none' ? { starttls: 'none' as const } : {}),
    ...(t.labels ? { labels: t.labels } : {}),
    expected,
    scope: t.scope,
  };
};
