/**
 * What `cert-watch discover` takes and prints with or without `--org`: its options, what its tests
 * inject, and an endpoint's JSON entry and table cells.
 */
import {
  DISCOVERY_KINDS,
  type DiscoveredEndpoint,
  type DiscoveryKind,
} from '../../lambda/contracts/discovery';
import type { ClientOverrides } from '../../lambda/sources/client-config';
import { UsageError } from './exit-codes';

export const DISCOVER_OPTIONS = {
  regions: { type: 'string' },
  kinds: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export interface DiscoverDeps {
  /** Endpoint and credentials per region (tests: the emulator); default the standard chain. */
  readonly clientOverrides?: (region: string) => ClientOverrides;
  /** With --org: the Account Management API per account (tests: a local peer); defaults to AWS's. */
  readonly accountApi?: (account: string) => ClientOverrides;
}

export const kindsOf = (raw: string | undefined): DiscoveryKind[] | undefined => {
  if (raw === undefined) return undefined;
  const kinds = raw
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  for (const k of kinds)
    if (!(DISCOVERY_KINDS as readonly string[]).includes(k))
      throw new UsageError(`--kinds: unknown kind "${k}" (one of ${DISCOVERY_KINDS.join(', ')})`);
  return kinds as DiscoveryKind[];
};

/** An endpoint in `{"endpoints": [...]}`: the documented fields, in their order. */
export const endpointJson = (e: DiscoveredEndpoint) => ({
  host: e.host,
  port: e.port,
  servername: e.servername,
  source: e.source,
  resource: e.resource,
  certificateIds: e.certificateIds,
});

/** SOURCE, HOST, PORT, SERVERNAME, CERTIFICATES: an endpoint's first table cells (RESOURCE ends the row). */
export const ENDPOINT_COLUMNS = ['SOURCE', 'HOST', 'PORT', 'SERVERNAME', 'CERTIFICATES'] as const;
export const endpointCells = (e: DiscoveredEndpoint): string[] => [
  e.source + (e.internal ? ' (internal)' : ''),
  e.host,
  String(e.port),
  e.servername,
  e.certificateIds.map((id) => id.split('/').pop() ?? id).join(','),
];

/** Host, then port as a number (443 before 10443), then SNI name. */
export const byEndpoint = (
  a: { host: string; port: number; servername: string },
  b: { host: string; port: number; servername: string },
): number => a.host.localeCompare(b.host) || a.port - b.port || a.servername.localeCompare(b.servername);
