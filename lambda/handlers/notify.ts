/** Lambda entry for the webhook notifier (SQS event source with partial batch responses). */
import { jsonLogger } from '../shared/logger';
import { emfMetrics } from '../shared/metrics';
import { CachedSecretReader } from '../sinks/secrets/secret-reader';
import { SecretsManagerReader } from '../sinks/secrets/secrets-manager-reader';
import { makeNotifyHandler, notifyConfigFromEnv } from './make-notify-handler';

const config = notifyConfigFromEnv(process.env);
const watcherId = process.env.WATCHER_ID ?? 'default';

export const handler = makeNotifyHandler({
  config,
  secrets: new CachedSecretReader(new SecretsManagerReader(), config.secretCacheTtlMs),
  logger: jsonLogger({ watcher: watcherId, component: 'notifier' }),
  metrics: emfMetrics(process.env.METRICS_NAMESPACE ?? 'CertExpiryWatcher', { Watcher: watcherId }),
});
