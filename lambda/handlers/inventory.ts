/** Lambda entry for the scheduled inventory: wires the configured sources and real adapters, reads config at init. */
import { lifecycleConfigFromEnv } from '../lifecycle/config-from-env';
import { requireEnv } from '../shared/env';
import { jsonLogger } from '../shared/logger';
import { emfMetrics } from '../shared/metrics';
import { EventBusPublisher } from '../sinks/bus/event-bus-publisher';
import { DynamoDbStateStore } from '../sinks/state/dynamodb-state-store';
import { buildSources } from '../sources/registry';
import { inventoryConfigFromEnv, makeInventoryHandler } from './make-inventory-handler';

const config = inventoryConfigFromEnv(process.env);
const logger = jsonLogger({ watcher: config.watcherId });

export const handler = makeInventoryHandler({
  config,
  sources: buildSources(config.sources),
  publisher: new EventBusPublisher({ busName: config.busName, source: config.eventSource }),
  lifecycle: {
    store: new DynamoDbStateStore({ tableName: requireEnv(process.env, 'STATE_TABLE_NAME') }),
    config: lifecycleConfigFromEnv(process.env, config.thresholds),
  },
  logger,
  metrics: emfMetrics(config.metricsNamespace, { Watcher: config.watcherId }),
});
