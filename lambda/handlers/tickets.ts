/** Lambda entry for the ticket connectors (SQS event source with partial batch responses). */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { METRICS_NAMESPACE_ENV, STATE_TABLE_NAME_ENV, WATCHER_ID_ENV } from '../contracts/env-names';
import { requireEnv } from '../shared/env';
import { createLogger, withLambdaContext } from '../shared/logger';
import { emfMetrics } from '../shared/metrics';
import { SecretsManagerReader } from '../sinks/secrets/secrets-manager-reader';
import { DynamoDbDeliveryLedger } from '../sinks/state/delivery-ledger';
import { DynamoDbTicketRefStore } from '../sinks/state/ticket-ref-store';
import { makeTicketHandler, ticketConfigFromEnv } from './make-ticket-handler';

const config = ticketConfigFromEnv(process.env);
const tableName = requireEnv(process.env, STATE_TABLE_NAME_ENV);
const watcherId = process.env[WATCHER_ID_ENV] ?? 'default';
const dynamodb = new DynamoDBClient({});
const logger = createLogger({ keys: { watcher: watcherId, component: 'tickets' } });

export const handler = withLambdaContext(
  logger,
  makeTicketHandler({
    config,
    secrets: new SecretsManagerReader(new SecretsManagerClient({}), config.secretCacheTtlMs),
    refStore: (_c, i, store) =>
      new DynamoDbTicketRefStore({ tableName, connector: store, mirrorTicket: i === 0 }, dynamodb),
    logger,
    ledger: new DynamoDbDeliveryLedger({ tableName }, dynamodb),
    metrics: emfMetrics(process.env[METRICS_NAMESPACE_ENV] ?? 'CertExpiryWatcher', { Watcher: watcherId }),
  }),
);
