/**
 * Where a discovery scope's endpoints go: the existing probe queue, as endpoint batches
 * (lambda/core/endpoint-batch.ts), so the prober probes them like configured endpoints. Endpoints
 * tracked under the scope that a complete listing no longer finds are sent as `retiredScopes`: the
 * prober's lifecycle counts them missing ("Certificate Removed"), as the dispatcher does for
 * endpoints removed from the configuration.
 */
import { randomUUID } from 'node:crypto';
import { DISCOVERED_NOTHING_TO_PROBE_METRIC, discoveredScopePrefix } from '../../contracts/discovery';
import { splitIntoBatches, withRetiredScopes } from '../../core/endpoint-batch';
import type { Scope } from '../../core/ports';
import type { ScopeDiscovery } from './discover';

/** Retired scopes sent per scope and run (about 100 bytes each, far below SQS's 256 KiB). */
export const MAX_RETIRED_PER_RUN = 1000;

export interface DiscoverySink {
  deliver(scope: Scope, found: ScopeDiscovery): Promise<{ batches: number; retired: number }>;
}

export interface ProbeQueueSinkDeps {
  readonly sender: { send(bodies: readonly string[]): Promise<{ sent: number }> };
  /** Targets per message (the dispatcher's PROBE_BATCH_SIZE). */
  readonly batchSize: number;
  /** Scopes with a tracked location starting with `prefix` (lambda/sinks/state/tracked-scopes.ts). */
  readonly trackedScopes: (prefix: string) => Promise<string[]>;
  readonly clock?: () => Date;
  readonly scanId?: () => string;
  /**
   * Where the sink counts a scope that left nothing to probe (DISCOVERED_NOTHING_TO_PROBE_METRIC):
   * the discovery worker's metrics. @default not counted
   */
  readonly metrics?: (values: Record<string, number>) => void;
}

/** Tracked endpoint scopes of `scope` that this run did not find; none when the listing was partial. */
export const retiredOf = (tracked: readonly string[], found: ScopeDiscovery): string[] => {
  if (found.partial) return [];
  const current = new Set([...found.targets, ...found.skipped].map((t) => t.scope));
  return tracked.filter((s) => !current.has(s)).slice(0, MAX_RETIRED_PER_RUN);
};

export const probeQueueSink = (deps: ProbeQueueSinkDeps): DiscoverySink => ({
  async deliver(scope, found) {
    const scanId = deps.scanId?.() ?? `discovery-${randomUUID()}`;
    const scheduledAt = (deps.clock ?? (() => new Date()))();
    const retired = retiredOf(await deps.trackedScopes(discoveredScopePrefix(scope.key)), found);
    const batches = withRetiredScopes(
      splitIntoBatches(found.targets, deps.batchSize, { scanId, scheduledAt }),
      retired,
      { scanId, scheduledAt },
    );
    if (batches.length > 0) await deps.sender.send(batches.map((b) => JSON.stringify(b)));
    // No batch, so no prober heartbeat follows: the run says it happened (lib/endpoint-probes.ts).
    else deps.metrics?.({ [DISCOVERED_NOTHING_TO_PROBE_METRIC]: 1 });
    return { batches: batches.length, retired: retired.length };
  },
});
