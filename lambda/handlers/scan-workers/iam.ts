/** Lambda entry of the iam scan worker (SQS event source, partial batch responses). */
import { iamPlugin } from '../../sources/iam/plugin';
import { scanWorkerEntry } from '../scan-worker';

export const handler = scanWorkerEntry({ iam: iamPlugin });
