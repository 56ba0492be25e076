/**
 * The inventory scan as a function of its dependencies: sources per region → evaluate →
 * events on the bus → metrics. The Lambda entry (inventory.ts) and tests both build it here.
 */
import { randomUUID } from 'node:crypto';
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
import { isReported, runScan, type ScanResult } from '../core/scan';
import type { LifecycleConfig } from '../lifecycle/model';
import { type LifecycleStore, processScan } from '../lifecycle/run-lifecycle';
import { type Env, listEnv, numberEnv, numberListEnv, requireEnv } from '../shared/env';
import type { MetricsSink } from '../shared/metrics';

export interface InventoryConfig {
  readonly busName: string;
  readonly eventSource: string;
  readonly regions: readonly string[];
  readonly thresholds: Thresholds;
  readonly metricsNamespace: string;
  readonly watcherId: string;
}

export const inventoryConfigFromEnv = (env: Env): InventoryConfig => ({
  busName: requireEnv(env, 'EVENT_BUS_NAME'),
  eventSource: env.EVENT_SOURCE?.trim() || DEFAULT_EVENT_SOURCE,
  regions: listEnv(env, 'SCAN_REGIONS'),
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
  readonly sourceFor: (region: string) => CertificateSource;
  readonly publisher: Publisher;
  readonly logger: Logger;
  readonly metrics: MetricsSink;
  readonly clock?: () => Date;
}

export interface InventorySummary {
  readonly scanId: string;
  readonly counts: SeverityCounts;
  readonly regionsScanned: string[];
  readonly regionsFailed: ScopeError[];
  readonly eventsPublished: number;
}

/** Stateless events: one per reported certificate. */
export const certificateEventsForScan = (result: ScanResult): BusEvent[] =>
  result.certificates
    .filter((c) => isReported(c.evaluation))
    .map((c) => certificateEvent(c.record, c.evaluation, { scanId: result.scanId, now: result.startedAt }));

/** The heartbeat: one per scan, also when regions failed. */
export const heartbeatForScan = (result: ScanResult, eventsPublished: number): BusEvent =>
  scanCompletedEvent({
    scanId: result.scanId,
    source: 'acm',
    startedAt: result.startedAt.toISOString(),
    finishedAt: result.finishedAt.toISOString(),
    durationMs: result.finishedAt.getTime() - result.startedAt.getTime(),
    regionsScanned: result.scopesScanned,
    regionsFailed: result.scopesFailed,
    counts: result.counts,
    eventsPublished,
  });

export const makeInventoryHandler = (deps: InventoryDeps) => {
  const clock = deps.clock ?? (() => new Date());
  return async (event?: { id?: string }): Promise<InventorySummary> => {
    // A retried invocation of the same scheduled event keeps its scan id.
    const scanId = event?.id ?? randomUUID();
    const now = clock();
    const result = await runScan(
      deps.config.regions.map((r) => deps.sourceFor(r)),
      { scanId, now, thresholds: deps.config.thresholds, clock, logger: deps.logger },
    );
    const metrics = {
      ScanSucceeded: result.scopesFailed.length === 0 ? 1 : 0,
      RegionsFailed: result.scopesFailed.length,
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
      await deps.publisher.publish([heartbeatForScan(result, eventsPublished)]);
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
      regionsScanned: result.scopesScanned,
      regionsFailed: result.scopesFailed,
      eventsPublished,
    };
    deps.logger.info('scan completed', { ...summary });
    return summary;
  };
};
