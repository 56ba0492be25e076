/** Lambda entry for the scheduled endpoint dispatcher. */
import { jsonLogger } from '../shared/logger';
import { emfMetrics } from '../shared/metrics';
import { SqsBatchSender } from '../sinks/queue/sqs-batch-sender';
import { trackedScopes } from '../sinks/state/tracked-scopes';
import { dispatchConfigFromEnv, makeDispatchHandler } from './make-dispatch-handler';

const config = dispatchConfigFromEnv(process.env);
const watcherId = process.env.WATCHER_ID ?? 'default';
const tableName = process.env.STATE_TABLE_NAME?.trim();

export const handler = makeDispatchHandler({
  config,
  sender: new SqsBatchSender({ queueUrl: config.queueUrl }),
  logger: jsonLogger({ watcher: watcherId }),
  metrics: emfMetrics(process.env.METRICS_NAMESPACE ?? 'CertExpiryWatcher', { Watcher: watcherId }),
  // Endpoints removed from the configuration are retired through the prober's lifecycle.
  ...(tableName ? { trackedScopes: (prefix: string) => trackedScopes(tableName, prefix) } : {}),
});
