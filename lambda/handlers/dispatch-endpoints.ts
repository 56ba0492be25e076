/** Lambda entry for the scheduled endpoint dispatcher. */

import { METRICS_NAMESPACE_ENV, STATE_TABLE_NAME_ENV, WATCHER_ID_ENV } from '../contracts/env-names';
import { jsonLogger } from '../shared/logger';
import { emfMetrics } from '../shared/metrics';
import { SqsBatchSender } from '../sinks/queue/sqs-batch-sender';
import { trackedScopes } from '../sinks/state/tracked-scopes';
import { dispatchConfigFromEnv, makeDispatchHandler } from './make-dispatch-handler';

const config = dispatchConfigFromEnv(process.env);
const watcherId = process.env[WATCHER_ID_ENV] ?? 'default';
const tableName = process.env[STATE_TABLE_NAME_ENV]?.trim();

export const handler = makeDispatchHandler({
  config,
  sender: new SqsBatchSender({ queueUrl: config.queueUrl }),
  logger: jsonLogger({ watcher: watcherId }),
  metrics: emfMetrics(process.env[METRICS_NAMESPACE_ENV] ?? 'CertExpiryWatcher', { Watcher: watcherId }),
  // Endpoints removed from the configuration are retired through the prober's lifecycle.
  ...(tableName ? { trackedScopes: (prefix: string) => trackedScopes(tableName, prefix) } : {}),
});
