/** Lambda entry of the scan planner (run by the schedule): accounts → scan units on each source's queue. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { STATE_TABLE_NAME_ENV } from '../contracts/env-names';
import { isJsonObject } from '../contracts/json';
import {
  ACCOUNTS_ENV,
  COVERAGE_GAP_PERIODS_ENV,
  parseAccountsSetting,
  SCAN_QUEUES_ENV,
} from '../contracts/organization';
import { ConfigurationError, positiveIntEnv, requireEnv } from '../shared/env';
import { createLogger, withLambdaContext } from '../shared/logger';
import { emfMetrics } from '../shared/metrics';
import { EventBusPublisher } from '../sinks/bus/event-bus-publisher';
import { SqsBatchSender } from '../sinks/queue/sqs-batch-sender';
import { DynamoDbCoverageStore } from '../sinks/state/coverage-store';
import { discoverAccounts } from '../sources/organization/accounts';
import { DEFAULT_COVERAGE_GAP_PERIODS } from './finalize-period';
import { inventoryConfigFromEnv } from './make-inventory-handler';
import { makePlanHandler } from './make-plan-handler';

const env = process.env;
const config = inventoryConfigFromEnv(env);
const queues: unknown = JSON.parse(requireEnv(env, SCAN_QUEUES_ENV));
if (!isJsonObject(queues))
  throw new ConfigurationError(`${SCAN_QUEUES_ENV} must be a JSON object of source kind to queue URL`);
const logger = createLogger({ keys: { watcher: config.watcherId, component: 'planner' } });
const sqs = new SQSClient({ retryMode: 'adaptive', maxAttempts: 6 });

export const handler = withLambdaContext(
  logger,
  makePlanHandler({
    config: {
      account: config.account,
      accounts: parseAccountsSetting(env[ACCOUNTS_ENV]),
      sources: config.sources,
    },
    discover: (setting, self) => discoverAccounts(setting, self),
    enqueue: async (kind, units) => {
      const queueUrl = queues[kind];
      if (typeof queueUrl !== 'string')
        throw new ConfigurationError(`${SCAN_QUEUES_ENV} has no queue for source kind "${kind}"`);
      await new SqsBatchSender({ queueUrl }, sqs).send(units.map((u) => JSON.stringify(u)));
    },
    coverage: new DynamoDbCoverageStore({ tableName: requireEnv(env, STATE_TABLE_NAME_ENV) }),
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
