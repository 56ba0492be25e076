/** The test source's scan worker entry (bundled by the construct like a built-in worker); it lists nothing. */
import { scanWorkerEntry } from '../../lambda/handlers/scan-worker';
import { TEST_SOURCE_KIND, testSourcePlugin } from './test-source-runtime';

export const handler = scanWorkerEntry({ [TEST_SOURCE_KIND]: testSourcePlugin(() => ({ records: [] })) });
