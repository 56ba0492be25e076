/**
 * The `discovery` source's registry entry. Without a sink (the CLI's `scan`, the registry) a
 * scope is discovered and nothing is sent; the discovery scan worker
 * (lambda/handlers/scan-workers/discovery.ts) gives the probe queue as its sink.
 */
import { DISCOVERY_KINDS, type DiscoveryKind } from '../../contracts/discovery';
import { InvalidSourceSettingError, type SourceSetting } from '../../contracts/sources';
import type { SourcePlugin } from '../plugin';
import { defaultDiscoveryClients } from './clients';
import { DiscoverySource } from './discovery-source';
import type { DiscoverySink } from './probe-queue-sink';

/** The `kinds` option: a subset of DISCOVERY_KINDS. @default every kind */
export const discoveryKindsOf = (setting: SourceSetting): DiscoveryKind[] | undefined => {
  const kinds = setting.options?.kinds;
  if (kinds === undefined) return undefined;
  if (
    !Array.isArray(kinds) ||
    kinds.length === 0 ||
    !kinds.every((k) => (DISCOVERY_KINDS as readonly unknown[]).includes(k))
  )
    throw new InvalidSourceSettingError(
      `discovery kinds must be a non-empty list of ${DISCOVERY_KINDS.join(', ')}, got ${JSON.stringify(kinds)}`,
    );
  return kinds as DiscoveryKind[];
};

export const makeDiscoveryPlugin = (
  deps: { sink?: DiscoverySink; internalReachable?: boolean; partition?: string } = {},
): SourcePlugin => ({
  summary: 'endpoints of load balancers, CloudFront, API Gateway and tagged certificates, sent to the prober',
  regional: true,
  create: (s, c) =>
    new DiscoverySource({
      regions: s.regions ?? [],
      kinds: discoveryKindsOf(s),
      clients: defaultDiscoveryClients((region) => c.clientOverrides?.(region) ?? {}),
      ...deps,
    }),
});

export const discoveryPlugin: SourcePlugin = makeDiscoveryPlugin();
