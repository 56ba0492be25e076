/** Lambda entry for the alert fan-out (EventBridge rule target): wires SNS, reads config at init. */
import { SNSClient } from '@aws-sdk/client-sns';
import { METRICS_NAMESPACE_ENV, WATCHER_ID_ENV } from '../contracts/env-names';
import { jsonLogger } from '../shared/logger';
import { emfMetrics } from '../shared/metrics';
import { deliveryLedgerFromEnv } from '../sinks/state/delivery-ledger';
import { fanoutConfigFromEnv, makeFanoutHandler } from './make-fanout-handler';

const config = fanoutConfigFromEnv(process.env);
const watcherId = process.env[WATCHER_ID_ENV] ?? 'default';

export const handler = makeFanoutHandler({
  config,
  sns: new SNSClient({}),
  ledger: deliveryLedgerFromEnv(process.env),
  logger: jsonLogger({ watcher: watcherId, component: 'fanout' }),
  metrics: emfMetrics(process.env[METRICS_NAMESPACE_ENV] ?? 'CertExpiryWatcher', { Watcher: watcherId }),
});
