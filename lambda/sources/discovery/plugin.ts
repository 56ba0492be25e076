/**
 * The `discovery` source's plugin. It is not in the registry (lambda/sources/registry.ts): its
 * scopes list no certificate records, so `cert-watch scan all` leaves it out; `cert-watch
 * discover` runs it, and its scan worker (lambda/handlers/scan-workers/discovery.ts) gives the
 * probe queue as its sink.
 */
import { DISCOVERY_KINDS, DISCOVERY_OPTION_KEYS, type DiscoveryKind } from '../../contracts/discovery';
import { InvalidSourceSettingError, type SourceSetting } from '../../contracts/sources';
import type { SourcePlugin } from '../plugin';
import { defaultDiscoveryClients } from './clients';
import { DiscoverySource } from './discovery-source';
import type { DiscoverySink } from './probe-queue-sink';

/** The `kinds` option: a subset of DISCOVERY_KINDS. @default every kind */
export const discoveryKindsOf = (setting: SourceSetting): DiscoveryKind[] | undefined => {
  const unknown = Object.keys(setting.options ?? {}).filter(
    (k) => !(DISCOVERY_OPTION_KEYS as readonly string[]).includes(k),
  );
  if (unknown.length > 0)
    throw new InvalidSourceSettingError(
      `discovery has no option ${unknown.join(', ')} (known: ${DISCOVERY_OPTION_KEYS.join(', ')})`,
    );
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
