/** Lambda entry for the endpoint prober (SQS event source with partial batch responses). */

import { METRICS_NAMESPACE_ENV, STATE_TABLE_NAME_ENV, WATCHER_ID_ENV } from '../contracts/env-names';
import { lifecycleConfigFromEnv } from '../lifecycle/config-from-env';
import { requireEnv } from '../shared/env';
import { createLogger, withLambdaContext } from '../shared/logger';
import { emfMetrics } from '../shared/metrics';
import { EventBusPublisher } from '../sinks/bus/event-bus-publisher';
import { DynamoDbStateStore } from '../sinks/state/dynamodb-state-store';
import { probeAll } from '../sources/endpoint/probe';
import { makeProbeHandler, probeConfigFromEnv } from './make-probe-handler';

const config = probeConfigFromEnv(process.env);
const watcherId = process.env[WATCHER_ID_ENV] ?? 'default';
const logger = createLogger({ keys: { watcher: watcherId, component: 'prober' } });

export const handler = withLambdaContext(
  logger,
  makeProbeHandler({
    config,
    probe: probeAll,
    publisher: new EventBusPublisher({
      busName: config.busName,
      source: config.eventSource,
      logger,
      // Undeliverable events are counted apart from the handler's own metrics document.
      metrics: emfMetrics(process.env[METRICS_NAMESPACE_ENV] ?? 'CertExpiryWatcher', { Watcher: watcherId }),
    }),
    lifecycle: {
      store: new DynamoDbStateStore({ tableName: requireEnv(process.env, STATE_TABLE_NAME_ENV) }),
      config: lifecycleConfigFromEnv(process.env, config.thresholds),
    },
    logger,
    metrics: emfMetrics(process.env[METRICS_NAMESPACE_ENV] ?? 'CertExpiryWatcher', { Watcher: watcherId }),
  }),
);
