/** Lambda entry of the iot scan worker (SQS event source, partial batch responses). */
import { iotPlugin } from '../../sources/iot/plugin';
import { scanWorkerEntry } from '../scan-worker';

export const handler = scanWorkerEntry({ iot: iotPlugin });
