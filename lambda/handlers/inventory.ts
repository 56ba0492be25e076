/** Lambda entry for the scheduled ACM inventory: wires the real adapters, reads config at init. */

import { jsonLogger } from '../shared/logger';
import { emfMetrics } from '../shared/metrics';
import { EventBusPublisher } from '../sinks/bus/event-bus-publisher';
import { AcmSource } from '../sources/acm/acm-source';
import { inventoryConfigFromEnv, makeInventoryHandler } from './make-inventory-handler';

const config = inventoryConfigFromEnv(process.env);
const logger = jsonLogger({ watcher: config.watcherId });

export const handler = makeInventoryHandler({
  config,
  sourceFor: (region) => new AcmSource(region),
  publisher: new EventBusPublisher({ busName: config.busName, source: config.eventSource }),
  logger,
  metrics: emfMetrics(config.metricsNamespace, { Watcher: config.watcherId }),
});
