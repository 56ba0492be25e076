/**
 * The local AWS: moto in server mode on a free loopback port, started and stopped by the tests
 * (and the demo). Clients point at it with `endpoint` and dummy credentials.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
/** The account moto answers for with the default credentials (ARNs it returns name it). */
export const MOTO_ACCOUNT = '123456789012';

export interface Moto {
  readonly endpoint: string;
  readonly port: number;
  /** Client config for any AWS SDK v3 client. */
  clientConfig(region: string): { region: string; endpoint: string; credentials: typeof MOTO_CREDENTIALS };
  /** Environment for a child process (the CLI) using the standard credential chain. */
  env(region: string): Record<string, string>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export class MotoNotInstalledError extends Error {
  override readonly name = 'MotoNotInstalledError';
  constructor() {
    super(
      'moto_server was not found on PATH. Install the local AWS emulator with: pip install "moto[server]"',
    );
  }
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });

const waitReady = async (endpoint: string, child: ChildProcess, log: () => string, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`moto_server exited early (code ${child.exitCode}): ${log()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms: ${log()}`);
};

export interface MotoOptions {
  /**
   * One request at a time, so conditional writes are atomic as in DynamoDB (moto's threaded server
   * lets two concurrent conditional PutItem calls both succeed). For concurrency-control tests.
   */
  readonly serialized?: boolean;
  /**
   * Role names that, as in AWS, can be assumed only where the role exists (moto otherwise lets any
   * role ARN be assumed): for "the member role is missing in this account" (moto-org.py).
   */
  readonly strictRoleNames?: readonly string[];
  readonly timeoutMs?: number;
}

const ORGANIZATION_LAUNCHER = join(__dirname, 'moto-org.py');

const SERIALIZED_LAUNCHER = join(__dirname, 'moto-serialized.py');

export const startMoto = async (options: MotoOptions = {}): Promise<Moto> => {
  const timeoutMs = options.timeoutMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = options.serialized
      ? spawn('python3', [SERIALIZED_LAUNCHER, '127.0.0.1', String(port)], {
          stdio: ['ignore', 'ignore', 'pipe'],
        })
      : options.strictRoleNames
        ? spawn('python3', [ORGANIZATION_LAUNCHER, '127.0.0.1', String(port)], {
            stdio: ['ignore', 'ignore', 'pipe'],
            env: { ...process.env, MOTO_STRICT_ROLE_NAMES: options.strictRoleNames.join(',') },
          })
        : spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
            stdio: ['ignore', 'ignore', 'pipe'],
          });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4000);
    });
    const spawned = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', (e) => resolve(e));
    });
    if (spawned) {
      if ((spawned as NodeJS.ErrnoException).code === 'ENOENT') throw new MotoNotInstalledError();
      throw spawned;
    }
    try {
      await waitReady(endpoint, child, () => stderr, timeoutMs);
    } catch (error) {
      child.kill('SIGKILL');
      // Another process may have taken the port between picking and binding: try a new one.
      if (attempt < 3 && /Address already in use/i.test(stderr)) continue;
      throw error;
    }
    const stop = () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(killer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    return {
      endpoint,
      port,
      clientConfig: (region) => ({ region, endpoint, credentials: MOTO_CREDENTIALS }),
      env: (region) => ({
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
        AWS_REGION: region,
        AWS_EC2_METADATA_DISABLED: 'true',
      }),
      reset: async () => {
        const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
        if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
      },
      stop,
    };
  }
};
