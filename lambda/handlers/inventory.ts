/** Lambda entry for the scheduled ACM inventory: wires the real adapters, reads config at init. */
import { lifecycleConfigFromEnv } from '../lifecycle/config-from-env';
import { requireEnv } from '../shared/env';
import { jsonLogger } from '../shared/logger';
import { emfMetrics } from '../shared/metrics';
import { EventBusPublisher } from '../sinks/bus/event-bus-publisher';
import { DynamoDbStateStore } from '../sinks/state/dynamodb-state-store';
import { AcmSource } from '../sources/acm/acm-source';
import { inventoryConfigFromEnv, makeInventoryHandler } from './make-inventory-handler';

const config = inventoryConfigFromEnv(process.env);
const logger = jsonLogger({ watcher: config.watcherId });

export const handler = makeInventoryHandler({
  config,
  sourceFor: (region) => new AcmSource(region),
  publisher: new EventBusPublisher({ busName: config.busName, source: config.eventSource }),
  lifecycle: {
    store: new DynamoDbStateStore({ tableName: requireEnv(process.env, 'STATE_TABLE_NAME') }),
    config: lifecycleConfigFromEnv(process.env, config.thresholds),
  },
  logger,
  metrics: emfMetrics(config.metricsNamespace, { Watcher: config.watcherId }),
});
