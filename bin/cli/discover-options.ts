/**
 * The options `cert-watch discover` takes with or without `--org`, and what its tests inject.
 */
import { DISCOVERY_KINDS, type DiscoveryKind } from '../../lambda/contracts/discovery';
import type { ClientOverrides } from '../../lambda/sources/client-config';
import { UsageError } from './exit-codes';

export const DISCOVER_OPTIONS = {
  regions: { type: 'string' },
  kinds: { type: 'string' },
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
