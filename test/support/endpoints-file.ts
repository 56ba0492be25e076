/**
 * The configured endpoint list the prober and dispatcher read at init (ENDPOINTS_FILE), written to a
 * temporary file that is removed when the test process exits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import type { EndpointTarget } from '../../lambda/contracts/endpoints';

let dir: string | undefined;
let count = 0;

/** `{ ENDPOINTS_FILE }` naming a file that lists `targets` (port 443 when absent, as the construct writes them). */
export const endpointsFileEnv = (targets: readonly EndpointTarget[] = []): { ENDPOINTS_FILE: string } => {
  if (!dir) {
    const created = mkdtempSync(join(tmpdir(), 'cert-watch-endpoints-'));
    dir = created;
    process.once('exit', () => rmSync(created, { recursive: true, force: true }));
  }
  const file = join(dir, `endpoints-${++count}.json`);
  writeFileSync(file, JSON.stringify(targets.map((t) => ({ ...t, port: t.port ?? 443 }))));
  return { ENDPOINTS_FILE: file };
};

/** An SQS record carrying one probe batch (the dispatcher's message) that names `targets`. */
export const probeBatchRecords = (targets: readonly unknown[], scheduledAt: Date): SQSEvent['Records'] =>
  [
    {
      messageId: 'm1',
      body: JSON.stringify({
        schemaVersion: '1.0',
        scanId: 's',
        batchIndex: 1,
        batchCount: 1,
        scheduledAt: scheduledAt.toISOString(),
        targets,
      }),
    },
  ] as SQSEvent['Records'];
