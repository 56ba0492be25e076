/** Lambda entry of the ssm scan worker (SQS event source, partial batch responses). */
import { ssmPlugin } from '../../sources/ssm/plugin';
import { scanWorkerEntry } from '../scan-worker';

export const handler = scanWorkerEntry({ ssm: ssmPlugin });
