/** Lambda entry of the pca scan worker (SQS event source, partial batch responses). */
import { pcaPlugin } from '../../sources/pca/plugin';
import { scanWorkerEntry } from '../scan-worker';

export const handler = scanWorkerEntry({ pca: pcaPlugin });
