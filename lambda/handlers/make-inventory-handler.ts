/**
 * The inventory scan as a function of its dependencies: every scope of every configured source →
 * evaluate → lifecycle → events on the bus → metrics. The Lambda entry (inventory.ts) and tests
 * both build it here; the sources come from the registry (lambda/sources/registry.ts).
 */
import { randomUUID } from 'node:crypto';
import { ACCOUNT_ENV, parseSourceSettings, SOURCES_ENV, type SourceSetting } from '../contracts/sources';
import type { Thresholds } from '../core/evaluate';
import { DEFAULT_THRESHOLDS, validateThresholds } from '../core/evaluate';
import {
  type BusEvent,
  certificateEvent,
  DEFAULT_EVENT_SOURCE,
  type ScopeError,
  type SeverityCounts,
  scanCompletedEvent,
} from '../core/events';
import type { CertificateSource, Logger } from '../core/ports';
import { countSeverities, isReported, runScan, type ScanResult, toScopeError } from '../core/scan';
import type { LifecycleConfig } from '../lifecycle/model';
import { type LifecycleStore, processScan } from '../lifecycle/run-lifecycle';
import { type Env, numberEnv, numberListEnv, requireEnv } from '../shared/env';
import type { MetricsSink } from '../shared/metrics';

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
  busName: requireEnv(env, 'EVENT_BUS_NAME'),
  eventSource: env.EVENT_SOURCE?.trim() || DEFAULT_EVENT_SOURCE,
  account: requireEnv(env, ACCOUNT_ENV),
  sources: parseSourceSettings(requireEnv(env, SOURCES_ENV)),
  thresholds: validateThresholds({
    tiersDays: env.TIERS_DAYS ? numberListEnv(env, 'TIERS_DAYS') : DEFAULT_THRESHOLDS.tiersDays,
    criticalDays: env.CRITICAL_DAYS ? numberEnv(env, 'CRITICAL_DAYS') : DEFAULT_THRESHOLDS.criticalDays,
  }),
  metricsNamespace: env.METRICS_NAMESPACE?.trim() || 'CertExpiryWatcher',
  watcherId: env.WATCHER_ID?.trim() || 'default',
});

export interface Publisher {
  publish(events: readonly BusEvent[]): Promise<{ published: number }>;
}

/** The watcher's memory: with it, only transitions reach the bus (see docs/lifecycle.md). */
export interface LifecycleWiring {
  readonly store: LifecycleStore;
  readonly config: LifecycleConfig;
}

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

/** Stateless events: one per reported certificate. */
export const certificateEventsForScan = (result: ScanResult): BusEvent[] =>
  result.certificates
    .filter((c) => isReported(c.evaluation))
    .map((c) => certificateEvent(c.record, c.evaluation, { scanId: result.scanId, now: result.startedAt }));

/**
 * The heartbeats: one per source kind per scan (also when its scopes failed), each with its own
 * scopes and counts, so a consumer sees every source's coverage.
 */
export const heartbeatsForScan = (
  result: ScanResult,
  kinds: readonly string[],
  eventsPublished: number,
): BusEvent[] =>
  kinds.map((kind) => {
    const certificates = result.certificates.filter((c) => c.record.source === kind);
    return scanCompletedEvent({
      scanId: result.scanId,
      source: kind,
      startedAt: result.startedAt.toISOString(),
      finishedAt: result.finishedAt.toISOString(),
      durationMs: result.finishedAt.getTime() - result.startedAt.getTime(),
      scopesScanned: result.scopesScanned.filter((s) => s.kind === kind).map((s) => s.key),
      scopesFailed: result.scopesFailed.filter((f) => f.scope.kind === kind).map(toScopeError),
      counts: countSeverities(certificates),
      // Of the whole run: the lifecycle publishes every source's transitions together.
      eventsPublished,
    });
  });

export const makeInventoryHandler = (deps: InventoryDeps) => {
  const clock = deps.clock ?? (() => new Date());
  return async (event?: { id?: string }): Promise<InventorySummary> => {
    // A retried invocation of the same scheduled event keeps its scan id.
    const scanId = event?.id ?? randomUUID();
    const now = clock();
    const readers = deps.sources.flatMap((source) =>
      source.scopes(deps.config.account).map((scope) => source.reader(scope)),
    );
    const result = await runScan(readers, {
      scanId,
      now,
      thresholds: deps.config.thresholds,
      clock,
      logger: deps.logger,
      scopeConcurrency: deps.scopeConcurrency,
    });
    const metrics = {
      ScanSucceeded: result.scopesFailed.length === 0 ? 1 : 0,
      ScopesFailed: result.scopesFailed.length,
      CertificatesTotal: result.counts.total,
      CertificatesExpiring: result.counts.warning + result.counts.critical,
      CertificatesExpired: result.counts.expired,
    };
    let eventsPublished: number;
    try {
      if (deps.lifecycle) {
        // Transitions only; the lifecycle publishes them through its outbox (at least once, deduplicated by id).
        const lifecycle = await processScan(
          { ...deps.lifecycle, publisher: deps.publisher, now, clock, logger: deps.logger },
          result,
        );
        eventsPublished = lifecycle.eventsPublished;
      } else {
        const events = certificateEventsForScan(result);
        await deps.publisher.publish(events);
        eventsPublished = events.length;
      }
      await deps.publisher.publish(
        heartbeatsForScan(
          result,
          deps.sources.map((s) => s.kind),
          eventsPublished,
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
      counts: result.counts,
      scopesScanned: result.scopesScanned.map((s) => s.key),
      scopesFailed: result.scopesFailed.map(toScopeError),
      eventsPublished,
    };
    deps.logger.info('scan completed', { ...summary });
    return summary;
  };
};
