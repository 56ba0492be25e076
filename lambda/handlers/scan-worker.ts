/**
 * Wiring of a scan worker Lambda: real adapters for the source plugins it is given. Each entry in
 * scan-workers/ passes exactly one plugin, so a worker's bundle holds one source's SDK client.
 */

import { STATE_TABLE_NAME_ENV } from '../contracts/env-names';
import {
  COVERAGE_GAP_PERIODS_ENV,
  DEFAULT_MEMBER_ROLE_NAME,
  MEMBER_ROLE_ENV,
  PARTITION_ENV,
} from '../contracts/organization';
import { lifecycleConfigFromEnv } from '../lifecycle/config-from-env';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { createLogger, withLambdaContext } from '../shared/logger';
import { emfMetrics } from '../shared/metrics';
import { EventBusPublisher } from '../sinks/bus/event-bus-publisher';
import { DynamoDbCoverageStore } from '../sinks/state/coverage-store';
import { DynamoDbStateStore } from '../sinks/state/dynamodb-state-store';
import { MemberAccess } from '../sources/organization/member-access';
import type { SourceRegistry } from '../sources/plugin';
import { DEFAULT_COVERAGE_GAP_PERIODS } from './finalize-period';
import { inventoryConfigFromEnv } from './make-inventory-handler';
import { makeScanWorkerHandler } from './make-scan-worker-handler';

export const scanWorkerEntry = (plugins: SourceRegistry) => {
  const env = process.env;
  const config = inventoryConfigFromEnv(env);
  const tableName = requireEnv(env, STATE_TABLE_NAME_ENV);
  const logger = createLogger({
    keys: { watcher: config.watcherId, component: `scan-${Object.keys(plugins).join('-')}` },
  });
  return withLambdaContext(
    logger,
    makeScanWorkerHandler({
      thresholds: config.thresholds,
      units: {
        plugins,
        settings: config.sources,
        access: new MemberAccess({
          self: config.account,
          roleName: env[MEMBER_ROLE_ENV]?.trim() || DEFAULT_MEMBER_ROLE_NAME,
          partition: env[PARTITION_ENV]?.trim() || 'aws',
        }),
      },
      lifecycle: {
        store: new DynamoDbStateStore({ tableName }),
        config: lifecycleConfigFromEnv(env, config.thresholds),
      },
      coverage: new DynamoDbCoverageStore({ tableName }),
      gapPeriods: positiveIntEnv(env, COVERAGE_GAP_PERIODS_ENV, DEFAULT_COVERAGE_GAP_PERIODS),
      publisher: new EventBusPublisher({
        busName: config.busName,
        source: config.eventSource,
        logger,
        // Undeliverable events are counted apart from the handler's own metrics document.
        metrics: emfMetrics(config.metricsNamespace, { Watcher: config.watcherId }),
      }),
      logger,
      metrics: emfMetrics(config.metricsNamespace, { Watcher: config.watcherId }),
    }),
  );
};
