/**
 * Real server software as test peers: nginx (TLS), postfix (SMTP STARTTLS) and PostgreSQL
 * (SSLRequest), each a private instance in its own temp dir on a free loopback port, with the
 * certificates the test generated. Nothing touches the system instances or their config.
 * `.ci/install-peers.sh` (run by .ci/run) installs the Debian packages.
 */
import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

// initdb, `postfix check` and `postfix stop` take seconds on a busy machine: run asynchronously so
// the test worker keeps answering vitest (a blocked worker fails the run with an RPC timeout).
const run = promisify(execFile);

export const SKIP_REAL_PEERS = process.env.CERT_WATCH_SKIP_REAL_PEERS === '1';

export interface PeerTls {
  /** Leaf first, then intermediates: what the server sends. */
  readonly chainPem: string;
  readonly keyPem: string;
}

export interface RealPeer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  /** The server's own log so far, for failure messages. */
  log(): string;
  /** Stops the server and removes its temp dir; safe to call twice. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/** One PEM block per line group, each ending in a newline: servers reject "-----END...-----BEGIN". */
const normalizePem = (pem: string): string =>
  `${(pem.match(/-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----/g) ?? []).join('\n')}\n`;
const INSTALL_HINT = 'run `bash .ci/install-peers.sh` (.ci/run calls it) to install it from Debian packages';

const isExecutable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

const fromPath = (name: string): string | undefined =>
  (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((dir) => path.join(dir, name))
    .find(isExecutable);

export const requireBinary = (label: string, candidates: readonly string[]): string => {
  const found = candidates.find(isExecutable);
  if (!found) throw new Error(`${label} not found (looked in ${candidates.join(', ')}): ${INSTALL_HINT}`);
  return found;
};

export const nginxBinary = (): string =>
  requireBinary(
    'nginx',
    ['/usr/sbin/nginx', fromPath('nginx')].filter((p): p is string => p !== undefined),
  );

export const postfixBinary = (): string =>
  requireBinary(
    'postfix',
    ['/usr/sbin/postfix', fromPath('postfix')].filter((p): p is string => p !== undefined),
  );

/** The newest /usr/lib/postgresql/<version>/bin with both initdb and postgres. */
export const postgresBinDir = (): string => {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const dirs = versions.map((v) => path.join(root, v, 'bin'));
  const fromEnvPath = fromPath('initdb');
  if (fromEnvPath) dirs.push(path.dirname(fs.realpathSync(fromEnvPath)));
  const found = dirs.find(
    (d) => isExecutable(path.join(d, 'initdb')) && isExecutable(path.join(d, 'postgres')),
  );
  if (!found)
    throw new Error(
      `PostgreSQL server (initdb, postgres) not found under ${root}/<version>/bin: ${INSTALL_HINT}`,
    );
  return found;
};

/** A free loopback port (bound then released; the server binds it right after). */
export const freePort = async (): Promise<number> => {
  const server = net.createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, HOST);
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });

const waitForPort = async (
  name: string,
  port: number,
  child: ChildProcess | undefined,
  log: () => string,
  timeoutMs = 20_000,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`${name} exited with code ${child.exitCode} before listening on ${port}:\n${log()}`);
    }
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not listen on ${HOST}:${port} within ${timeoutMs} ms:\n${log()}`);
};

const makeTempDir = (prefix: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // Servers that drop privileges (postfix, postgres as its own user) must reach their files.
  fs.chmodSync(dir, 0o755);
  return dir;
};

const readLog = (file: string): string => {
  try {
    return fs.readFileSync(file, 'utf8').slice(-4000);
  } catch {
    return '';
  }
};

const collectOutput = (child: ChildProcess): (() => string) => {
  let out = '';
  const add = (chunk: Buffer) => {
    out = (out + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => out;
};

const stopChild = async (child: ChildProcess, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
};

const isRoot = (): boolean => process.getuid?.() === 0;

/** uid/gid of a system user, e.g. postgres, to run a server that refuses root. */
const userIds = (user: string): { uid: number; gid: number } => {
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(`system user '${user}' does not exist: ${INSTALL_HINT}`);
  }
};

// ---------------------------------------------------------------------------------------------
// nginx

export const startNginx = async (tls: PeerTls): Promise<RealPeer> => {
  const bin = nginxBinary();
  const dir = makeTempDir('cert-watch-nginx-');
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'server.pem'), normalizePem(tls.chainPem));
  fs.writeFileSync(path.join(dir, 'server.key'), normalizePem(tls.keyPem), { mode: 0o600 });
  // Debian's builds differ in modules (nginx-light has fewer): set only the temp paths that exist.
  const v = spawnSync(bin, ['-V'], { encoding: 'utf8' });
  const built = `${v.stdout}${v.stderr}`;
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .filter((m) => m === 'client_body' || !built.includes(`--without-http_${m}_module`))
    .map((m) => `  ${m}_temp_path ${path.join(dir, `${m}_temp`)};`)
    .join('\n');
  const conf = `daemon off;
master_process on;
worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} info;
events { worker_connections 64; }
http {
  access_log off;
${temps}
  server {
    listen ${HOST}:${port} ssl;
    server_name localhost;
    ssl_certificate ${path.join(dir, 'server.pem')};
    ssl_certificate_key ${path.join(dir, 'server.key')};
    location / { return 200 "ok\\n"; }
  }
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child = spawn(
    bin,
    ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output = collectOutput(child);
  const log = () => `${output()}${readLog(path.join(dir, 'error.log'))}`;
  const peer = lifecycle('nginx', port, dir, log, async () => stopChild(child, 'SIGQUIT'));
  try {
    await waitForPort('nginx', port, child, log);
  } catch (err) {
    await peer.stop();
    throw err;
  }
  return peer;
};

// ---------------------------------------------------------------------------------------------
// postfix: a private instance (own config_directory, queue_directory, data_directory) whose
// master(8) runs in the foreground (`postfix start-fg`) with only smtpd and its helpers.

export const startPostfix = async (tls: PeerTls | undefined): Promise<RealPeer> => {
  const bin = postfixBinary();
  if (!isRoot())
    throw new Error('postfix peers need root (postfix master runs as root and drops privileges)');
  const owner = userIds('postfix');
  const dir = makeTempDir('cert-watch-postfix-');
  const port = await freePort();
  const etc = path.join(dir, 'etc');
  const queue = path.join(dir, 'queue');
  const data = path.join(dir, 'data');
  for (const d of [etc, queue, data]) fs.mkdirSync(d);
  fs.chownSync(data, owner.uid, owner.gid);
  const tlsLines: string[] = [];
  if (tls) {
    fs.writeFileSync(path.join(etc, 'server.pem'), normalizePem(tls.chainPem));
    fs.writeFileSync(path.join(etc, 'server.key'), normalizePem(tls.keyPem), { mode: 0o600 });
    tlsLines.push(
      `smtpd_tls_chain_files = ${path.join(etc, 'server.key')}, ${path.join(etc, 'server.pem')}`,
      'smtpd_tls_security_level = may',
    );
  } else {
    tlsLines.push('smtpd_tls_security_level = none');
  }
  fs.writeFileSync(
    path.join(etc, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${queue}`,
      `data_directory = ${data}`,
      'mail_owner = postfix',
      'myhostname = mx.cert-watch.test',
      'mydestination =',
      'alias_maps =',
      'alias_database =',
      'local_recipient_maps =',
      'inet_protocols = ipv4',
      'inet_interfaces = loopback-only',
      // stdout is a file we pass in: Node's stdio pipes are sockets, which postlog cannot open.
      'maillog_file = /dev/stdout',
      'smtpd_banner = $myhostname ESMTP',
      ...tlsLines,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(etc, 'master.cf'),
    [
      `${HOST}:${port} inet n - n - - smtpd`,
      'anvil unix - - n - 1 anvil',
      'tlsmgr unix - - n 1000? 1 tlsmgr',
      'cleanup unix n - n - 0 cleanup',
      'rewrite unix - - n - - trivial-rewrite',
      'proxymap unix - - n - - proxymap',
      // maillog_file needs postlogd.
      'postlog unix-dgram n - n - 1 postlogd',
      '',
    ].join('\n'),
  );
  // `check` creates the queue's subdirectories with the right owners.
  const maillog = path.join(dir, 'maillog');
  const logFd = fs.openSync(maillog, 'a');
  const check = spawn(bin, ['-c', etc, 'check'], { stdio: ['ignore', logFd, logFd] });
  const [status] = (await once(check, 'exit')) as [number | null];
  if (status !== 0) {
    fs.closeSync(logFd);
    const text = readLog(maillog);
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`postfix check failed (${status}):\n${text}`);
  }
  const child = spawn(bin, ['-c', etc, 'start-fg'], { stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  const log = () => readLog(maillog);
  const stop = async () => {
    try {
      await run(bin, ['-c', etc, 'stop'], { timeout: 15_000 });
    } catch {
      // Not running or already stopping: fall through to signalling the foreground process.
    }
    await stopChild(child, 'SIGTERM');
  };
  const peer = lifecycle(tls ? 'postfix' : 'postfix (no TLS)', port, dir, log, stop);
  try {
    await waitForPort('postfix', port, child, log);
  } catch (err) {
    await peer.stop();
    throw err;
  }
  return peer;
};

// ---------------------------------------------------------------------------------------------
// PostgreSQL: initdb into a temp dir and run `postgres` in the foreground as the postgres user
// (the server refuses to run as root).

export const startPostgres = async (tls: PeerTls | undefined): Promise<RealPeer> => {
  const binDir = postgresBinDir();
  const ids = isRoot() ? userIds('postgres') : undefined;
  const dir = makeTempDir('cert-watch-postgres-');
  const data = path.join(dir, 'data');
  const sockets = path.join(dir, 'sockets');
  fs.mkdirSync(data, { mode: 0o700 });
  fs.mkdirSync(sockets);
  if (ids) {
    fs.chownSync(data, ids.uid, ids.gid);
    fs.chownSync(sockets, ids.uid, ids.gid);
  }
  const asUser = ids ? { uid: ids.uid, gid: ids.gid } : {};
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  await run(
    path.join(binDir, 'initdb'),
    ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions', '-E', 'UTF8'],
    { ...asUser, env, cwd: dir },
  );
  const settings = ['-c', 'ssl=off'];
  if (tls) {
    const cert = path.join(dir, 'server.pem');
    const key = path.join(dir, 'server.key');
    fs.writeFileSync(cert, normalizePem(tls.chainPem), { mode: 0o644 });
    fs.writeFileSync(key, normalizePem(tls.keyPem), { mode: 0o600 });
    // PostgreSQL refuses a key that is not 0600 (or 0640 root-owned) and owned by its user.
    if (ids) fs.chownSync(key, ids.uid, ids.gid);
    settings.splice(0, 2, '-c', 'ssl=on', '-c', `ssl_cert_file=${cert}`, '-c', `ssl_key_file=${key}`);
  }
  const port = await freePort();
  const child = spawn(
    path.join(binDir, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      sockets,
      '-c',
      `listen_addresses=${HOST}`,
      '-c',
      'fsync=off',
      '-c',
      'logging_collector=off',
      ...settings,
    ],
    { ...asUser, env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = collectOutput(child);
  // SIGINT: fast shutdown (disconnect clients, no waiting).
  const peer = lifecycle(tls ? 'postgres' : 'postgres (ssl=off)', port, dir, log, () =>
    stopChild(child, 'SIGINT'),
  );
  try {
    await waitForPort('postgres', port, child, log);
  } catch (err) {
    await peer.stop();
    throw err;
  }
  return peer;
};

const lifecycle = (
  name: string,
  port: number,
  dir: string,
  log: () => string,
  stopServer: () => Promise<void>,
): RealPeer => {
  let stopped: Promise<void> | undefined;
  return {
    name,
    host: HOST,
    port,
    dir,
    log,
    stop: () => {
      stopped ??= (async () => {
        try {
          await stopServer();
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      })();
      return stopped;
    },
  };
};
