/** Lambda entry of the acm scan worker (SQS event source, partial batch responses). */
import { acmPlugin } from '../../sources/acm/plugin';
import { scanWorkerEntry } from '../scan-worker';

export const handler = scanWorkerEntry({ acm: acmPlugin });
