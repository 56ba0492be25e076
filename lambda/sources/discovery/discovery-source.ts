/**
 * The `discovery` source: a scope per account and region (load balancers, API Gateway, tagged ACM
 * certificates and secrets) and one global scope per account (CloudFront, tagged IAM server
 * certificates). It lists no certificate records itself: a scope's reader discovers the endpoints
 * and hands them to its sink (the probe queue in the deployed watcher), so the prober checks what
 * each resource serves. The scope's coverage (scanned, failed, skipped) is tracked like any
 * other's; docs/discovery.md tells the whole story.
 */
import {
  DISCOVERY_GLOBAL_KINDS,
  DISCOVERY_KINDS,
  DISCOVERY_REGIONAL_KINDS,
  type DiscoveryKind,
  discoveryScopeRegions,
} from '../../contracts/discovery';
import { scopeKeyOf } from '../../contracts/sources';
import type { CertificateRecord } from '../../core/certificate';
import type { CertificateSource, Scope, ScopeReader } from '../../core/ports';
import type { DiscoveryClients } from './clients';
import { type DiscoveryRun, discoverScope } from './discover';
import type { DiscoverySink } from './probe-queue-sink';

export interface DiscoverySourceOptions {
  readonly regions: readonly string[];
  readonly kinds?: readonly DiscoveryKind[];
  readonly clients: DiscoveryClients;
  readonly partition?: string;
  /** Where each scope's endpoints go. @default none (the CLI reads them with discoverScope) */
  readonly sink?: DiscoverySink;
  readonly internalReachable?: boolean;
}

export class DiscoverySource implements CertificateSource {
  readonly kind = 'discovery';
  private readonly kinds: readonly DiscoveryKind[];

  constructor(private readonly options: DiscoverySourceOptions) {
    this.kinds = options.kinds ?? DISCOVERY_KINDS;
  }

  scopes(account: string): readonly Scope[] {
    return discoveryScopeRegions(this.options.regions, this.kinds).map((region) =>
      region
        ? {
            key: scopeKeyOf(this.kind, account, region),
            kind: this.kind,
            account,
            region,
            label: `discovery ${region}`,
          }
        : {
            key: scopeKeyOf(this.kind, account),
            kind: this.kind,
            account,
            label: `discovery ${account} (global)`,
          },
    );
  }

  /** The run for one scope: only the kinds that live there. */
  runFor(scope: Scope): DiscoveryRun {
    const here = scope.region ? DISCOVERY_REGIONAL_KINDS : DISCOVERY_GLOBAL_KINDS;
    return {
      clients: this.options.clients,
      partition: this.options.partition ?? 'aws',
      kinds: this.kinds.filter((k) => here.includes(k)),
      internalReachable: this.options.internalReachable ?? false,
    };
  }

  reader(scope: Scope): ScopeReader {
    const { sink } = this.options;
    const run = this.runFor(scope);
    return {
      scope,
      async *list(report): AsyncIterable<CertificateRecord> {
        const found = await discoverScope(run, scope);
        for (const e of found.itemErrors) report?.(e);
        await sink?.deliver(scope, found);
        // Discovered endpoints become probe targets, not records: the prober reports what they serve.
        yield* [] as CertificateRecord[];
      },
    };
  }
}
