/**
 * Lambda entry of the discovery scan worker: discovers each unit's scope and sends what it finds
 * to the probe queue (docs/discovery.md), with the tracked endpoint scopes to retire.
 */
import {
  PROBE_BATCH_SIZE_ENV,
  PROBE_QUEUE_URL_ENV,
  PROBER_IN_VPC_ENV,
  STATE_TABLE_NAME_ENV,
} from '../../contracts/env-names';
import { PARTITION_ENV } from '../../contracts/organization';
import { positiveIntEnv, requireEnv } from '../../shared/env';
import { emfMetrics } from '../../shared/metrics';
import { SqsBatchSender } from '../../sinks/queue/sqs-batch-sender';
import { trackedScopes } from '../../sinks/state/tracked-scopes';
import { makeDiscoveryPlugin } from '../../sources/discovery/plugin';
import { probeQueueSink } from '../../sources/discovery/probe-queue-sink';
import { inventoryConfigFromEnv } from '../make-inventory-handler';
import { scanWorkerEntry } from '../scan-worker';

const env = process.env;
const tableName = requireEnv(env, STATE_TABLE_NAME_ENV);
const config = inventoryConfigFromEnv(env);

export const handler = scanWorkerEntry({
  discovery: makeDiscoveryPlugin({
    sink: probeQueueSink({
      sender: new SqsBatchSender({ queueUrl: requireEnv(env, PROBE_QUEUE_URL_ENV) }),
      batchSize: positiveIntEnv(env, PROBE_BATCH_SIZE_ENV),
      trackedScopes: (prefix) => trackedScopes(tableName, prefix),
      // The namespace and dimension every watcher metric has (the probes' heartbeat alarm reads it).
      metrics: emfMetrics(config.metricsNamespace, { Watcher: config.watcherId }),
    }),
    internalReachable: env[PROBER_IN_VPC_ENV]?.trim() === 'true',
    partition: env[PARTITION_ENV]?.trim() || 'aws',
  }),
});
