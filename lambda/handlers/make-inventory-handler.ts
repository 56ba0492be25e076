/**
 * The inventory scan as a function of its dependencies: every scope of every configured source →
 * evaluate → lifecycle → events on the bus → metrics. The Lambda entry (inventory.ts) and tests
 * both build it here; the sources come from the registry (lambda/sources/registry.ts).
 */
import { randomUUID } from 'node:crypto';
import {
  CRITICAL_DAYS_ENV,
  EVENT_BUS_NAME_ENV,
  EVENT_SOURCE_ENV,
  METRICS_NAMESPACE_ENV,
  TIERS_DAYS_ENV,
  WATCHER_ID_ENV,
} from '../contracts/env-names';
import { ACCOUNT_ENV, parseSourceSettings, SOURCES_ENV, type SourceSetting } from '../contracts/sources';
import { addCounts, heartbeatsForPeriod, type ScopeOutcome, ZERO_COUNTS } from '../core/coverage';
import type { Thresholds } from '../core/evaluate';
import { DEFAULT_THRESHOLDS, validateThresholds } from '../core/evaluate';
import { DEFAULT_EVENT_SOURCE, type ScopeError, type SeverityCounts } from '../core/events';
import type { CertificateSource, Logger } from '../core/ports';
import { mapLimit } from '../core/scan';
import { type Env, numberEnv, numberListEnv, requireEnv } from '../shared/env';
import type { MetricsSink } from '../shared/metrics';
import { type LifecycleWiring, type Publisher, scanScope } from './scan-scope';

export interface InventoryConfig {
  readonly busName: string;
  readonly eventSource: string;
  /** The account the watcher runs in and lists (WATCHER_ACCOUNT_ID): scope keys name it. */
  readonly account: string;
  /** The configured sources (WATCHER_SOURCES), built into adapters by the registry. */
  readonly sources: readonly SourceSetting[];
  readonly thresholds: Thresholds;
  readonly metricsNamespace: string;
  readonly watcherId: string;
}

export const inventoryConfigFromEnv = (env: Env): InventoryConfig => ({
  busName: requireEnv(env, EVENT_BUS_NAME_ENV),
  eventSource: env[EVENT_SOURCE_ENV]?.trim() || DEFAULT_EVENT_SOURCE,
  account: requireEnv(env, ACCOUNT_ENV),
  sources: parseSourceSettings(requireEnv(env, SOURCES_ENV)),
  thresholds: validateThresholds({
    tiersDays: env[TIERS_DAYS_ENV] ? numberListEnv(env, TIERS_DAYS_ENV) : DEFAULT_THRESHOLDS.tiersDays,
    criticalDays: env[CRITICAL_DAYS_ENV]
      ? numberEnv(env, CRITICAL_DAYS_ENV)
      : DEFAULT_THRESHOLDS.criticalDays,
  }),
  metricsNamespace: env[METRICS_NAMESPACE_ENV]?.trim() || 'CertExpiryWatcher',
  watcherId: env[WATCHER_ID_ENV]?.trim() || 'default',
});

export type { LifecycleWiring, Publisher };

export interface InventoryDeps {
  readonly config: InventoryConfig;
  /**
   * Without a lifecycle (the CLI, tests) every reported certificate is an event on every scan;
   * the deployed stack always wires one.
   */
  readonly lifecycle?: LifecycleWiring;
  /** The configured sources (lambda/sources/registry.ts buildSources). */
  readonly sources: readonly CertificateSource[];
  /** Scopes listed at once across all sources. @default 8 */
  readonly scopeConcurrency?: number;
  readonly publisher: Publisher;
  readonly logger: Logger;
  readonly metrics: MetricsSink;
  readonly clock?: () => Date;
}

export interface InventorySummary {
  readonly scanId: string;
  readonly counts: SeverityCounts;
  readonly scopesScanned: string[];
  readonly scopesFailed: ScopeError[];
  readonly eventsPublished: number;
}

export const makeInventoryHandler = (deps: InventoryDeps) => {
  const clock = deps.clock ?? (() => new Date());
  return async (event?: { id?: string }): Promise<InventorySummary> => {
    // A retried invocation of the same scheduled event keeps its scan id.
    const scanId = event?.id ?? randomUUID();
    const now = clock();
    const readers = deps.sources.flatMap((source) =>
      source.scopes(deps.config.account).map((scope) => source.reader(scope)),
    );
    const scopeDeps = { ...deps, thresholds: deps.config.thresholds, clock };
    const outcomes: ScopeOutcome[] = [];
    const publishFailures: unknown[] = [];
    await mapLimit(readers, deps.scopeConcurrency ?? 8, async (reader) => {
      try {
        outcomes.push(await scanScope(scopeDeps, reader, { scanId, now }));
      } catch (error) {
        publishFailures.push(error);
      }
    });
    const order = new Map(readers.map((r, i) => [r.scope.key, i]));
    outcomes.sort((a, b) => (order.get(a.scope) ?? 0) - (order.get(b.scope) ?? 0));
    const counts = outcomes.reduce((sum, o) => addCounts(sum, o.counts), ZERO_COUNTS);
    const failed = outcomes.filter((o) => o.status === 'failed');
    const metrics = {
      ScanSucceeded: failed.length === 0 ? 1 : 0,
      ScopesFailed: failed.length,
      CertificatesTotal: counts.total,
      CertificatesExpiring: counts.warning + counts.critical,
      CertificatesExpired: counts.expired,
    };
    const eventsPublished = outcomes.reduce((sum, o) => sum + o.eventsPublished, 0);
    try {
      if (publishFailures.length > 0) throw publishFailures[0];
      await deps.publisher.publish(
        heartbeatsForPeriod(
          outcomes,
          deps.sources.map((s) => s.kind),
          { scanId, startedAt: now, finishedAt: clock() },
        ),
      );
    } catch (error) {
      deps.metrics({ ...metrics, ScanSucceeded: 0, PublishFailed: 1 });
      deps.logger.error('publishing scan events failed; failing the invocation so it is retried', {
        scanId,
        error,
      });
      throw error;
    }
    deps.metrics(metrics);
    const summary: InventorySummary = {
      scanId,
      counts,
      scopesScanned: outcomes.filter((o) => o.status === 'scanned').map((o) => o.scope),
      scopesFailed: failed.map((o) => ({
        scope: o.scope,
        code: o.code ?? 'OTHER',
        message: o.message ?? '',
      })),
      eventsPublished,
    };
    deps.logger.info('scan completed', { ...summary });
    return summary;
  };
};
