/** Lambda entry of the secrets scan worker (SQS event source, partial batch responses). */
import { secretsPlugin } from '../../sources/secrets/plugin';
import { scanWorkerEntry } from '../scan-worker';

export const handler = scanWorkerEntry({ secrets: secretsPlugin });
