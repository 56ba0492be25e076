/** Lambda entry for the webhook notifier (SQS event source with partial batch responses). */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { METRICS_NAMESPACE_ENV, WATCHER_ID_ENV } from '../contracts/env-names';
import { createLogger, withLambdaContext } from '../shared/logger';
import { emfMetrics } from '../shared/metrics';
import { SecretsManagerReader } from '../sinks/secrets/secrets-manager-reader';
import { deliveryLedgerFromEnv } from '../sinks/state/delivery-ledger';
import { makeNotifyHandler, notifyConfigFromEnv } from './make-notify-handler';

const config = notifyConfigFromEnv(process.env);
const watcherId = process.env[WATCHER_ID_ENV] ?? 'default';
const logger = createLogger({ keys: { watcher: watcherId, component: 'notifier' } });

export const handler = withLambdaContext(
  logger,
  makeNotifyHandler({
    config,
    secrets: new SecretsManagerReader(new SecretsManagerClient({}), config.secretCacheTtlMs),
    logger,
    ledger: deliveryLedgerFromEnv(process.env),
    metrics: emfMetrics(process.env[METRICS_NAMESPACE_ENV] ?? 'CertExpiryWatcher', { Watcher: watcherId }),
  }),
);
