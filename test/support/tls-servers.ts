/**
 * Local peers for probe tests: real Node TLS servers with generated certificates, and raw TCP
 * servers that misbehave on purpose. Every server listens on a free port (port 0) and `close()`
 * destroys its open connections so afterAll never waits on a stuck peer.
 */
import { readdirSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** SNI names the server saw, in order (null when the client sent none). */
  readonly servernames: (string | null)[];
  close(): Promise<void>;
}

/** Joins PEM blocks safely: the factory's PEM has no trailing newline. */
export const pemChain = (...pems: string[]): string => pems.map((p) => p.trim()).join('\n');

const track = (server: net.Server): Set<net.Socket> => {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
};

const listen = async (
  server: net.Server,
  host: string,
  servernames: (string | null)[],
  port = 0,
): Promise<RunningServer> => {
  const sockets = track(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as net.AddressInfo).port;
  return {
    host,
    port: bound,
    servernames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
};

export interface TlsServerSpec {
  readonly key: string;
  /** Leaf first, then whatever chain the server should send. */
  readonly cert: string;
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  readonly minVersion?: tls.SecureVersion;
  readonly maxVersion?: tls.SecureVersion;
  /** Certificates chosen by SNI name; `key`/`cert` serve everyone else. */
  readonly sni?: Readonly<Record<string, { key: string; cert: string }>>;
  /** Demand a client certificate issued by this CA (mutual TLS); clients without one are refused. */
  readonly clientCa?: string;
  /** More key/certificate pairs of other key types (a dual ECDSA + RSA server): OpenSSL picks by what the client offers. */
  readonly also?: readonly { readonly key: string; readonly cert: string }[];
}

/** A TLS server on `host` (default 127.0.0.1) that completes handshakes and closes. */
export const startTlsServer = (spec: TlsServerSpec): Promise<RunningServer> => {
  const servernames: (string | null)[] = [];
  const contexts = new Map(
    Object.entries(spec.sni ?? {}).map(([name, kc]) => [
      name,
      tls.createSecureContext({ key: kc.key, cert: kc.cert, ciphers: 'DEFAULT:@SECLEVEL=0' }),
    ]),
  );
  const server = tls.createServer(
    {
      key: spec.also ? [spec.key, ...spec.also.map((a) => a.key)] : spec.key,
      cert: spec.also ? [spec.cert, ...spec.also.map((a) => a.cert)] : spec.cert,
      // Level 0 lets the server load deliberately weak keys (RSA 1024) and SHA-1 certificates.
      ciphers: 'DEFAULT:@SECLEVEL=0',
      ...(spec.minVersion ? { minVersion: spec.minVersion } : {}),
      ...(spec.maxVersion ? { maxVersion: spec.maxVersion } : {}),
      ...(spec.clientCa ? { requestCert: true, rejectUnauthorized: true, ca: [spec.clientCa] } : {}),
      SNICallback: (name, cb) => {
        // Tests probe one server at a time, so the latest connection is the one asking.
        servernames[servernames.length - 1] = name;
        cb(null, contexts.get(name));
      },
    },
    (socket) => {
      socket.on('error', () => {});
      socket.end();
    },
  );
  server.on('tlsClientError', () => {});
  server.on('connection', () => servernames.push(null));
  return listen(server, spec.host ?? '127.0.0.1', servernames, spec.port);
};

export type HostileBehaviour =
  /** Accepts and never says anything. */
  | 'silent'
  /** Reads the ClientHello, then resets the connection. */
  | 'reset'
  /** Answers the ClientHello with bytes that are not TLS. */
  | 'garbage'
  /** Sends the header of a 16 KB TLS record one byte every 200 ms, then zeros, forever. */
  | 'slow-drip'
  /** Sends a multi-megabyte text banner without a line end. */
  | 'huge-banner';

/** A raw TCP server that misbehaves in the given way. */
export const startHostileServer = (
  behaviour: HostileBehaviour,
  host = '127.0.0.1',
): Promise<RunningServer> => {
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer((socket) => {
    switch (behaviour) {
      case 'silent':
        socket.resume();
        break;
      case 'reset':
        socket.once('data', () => socket.resetAndDestroy());
        break;
      case 'garbage':
        socket.once('data', () =>
          socket.write(Buffer.from('HTTP/1.0 400 Bad Request\r\n\r\n garbage \x00\xff\x13\x37')),
        );
        break;
      case 'slow-drip': {
        socket.resume();
        const header = [0x16, 0x03, 0x03, 0x40, 0x00];
        let sent = 0;
        const timer = setInterval(() => {
          if (!socket.destroyed) socket.write(Buffer.from([header[sent++] ?? 0]));
        }, 200);
        timers.add(timer);
        socket.once('close', () => {
          clearInterval(timer);
          timers.delete(timer);
        });
        break;
      }
      case 'huge-banner':
        socket.resume();
        socket.write(Buffer.alloc(4 * 1024 * 1024, 'A'));
        break;
    }
  });
  return listen(server, host, []).then((running) => ({
    ...running,
    close: async () => {
      for (const t of timers) clearInterval(t);
      await running.close();
    },
  }));
};

/** A port on 127.0.0.1 that nothing listens on (bound, read, released). */
export const closedPort = async (): Promise<number> => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

/** Open TCP handles of this process: for leak checks before and after a run. */
export const activeSocketCount = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length;

export type SmtpBehaviour =
  /** Advertises STARTTLS, answers 220 and upgrades. */
  | 'starttls'
  /** EHLO reply without STARTTLS. */
  | 'no-starttls'
  /** Advertises STARTTLS, then answers 454. */
  | 'refuse'
  /** Greets, then never answers EHLO. */
  | 'stall';

/** A minimal SMTP server speaking just enough ESMTP for a STARTTLS probe. */
export const startSmtpServer = (
  behaviour: SmtpBehaviour,
  tlsOptions: { key: string; cert: string },
  host = '127.0.0.1',
): Promise<RunningServer> => {
  const context = tls.createSecureContext({ ...tlsOptions, ciphers: 'DEFAULT:@SECLEVEL=0' });
  const server = net.createServer((socket) => {
    socket.write('220 smtp.test ESMTP test\r\n');
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('latin1');
      let end = buffered.indexOf('\r\n');
      while (end >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\r\n');
        if (behaviour === 'stall') continue;
        if (/^EHLO /i.test(line)) {
          socket.write(
            behaviour === 'no-starttls'
              ? '250-smtp.test\r\n250 8BITMIME\r\n'
              : '250-smtp.test\r\n250 STARTTLS\r\n',
          );
        } else if (/^STARTTLS$/i.test(line)) {
          if (behaviour === 'refuse') {
            socket.write('454 4.7.0 TLS not available due to local problem\r\n');
            continue;
          }
          socket.off('data', onData);
          socket.write('220 2.0.0 Ready to start TLS\r\n');
          const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
          secure.on('error', () => {});
          secure.once('secure', () => secure.end());
          return;
        } else {
          socket.write('502 5.5.2 Error: command not recognized\r\n');
        }
      }
    };
    socket.on('data', onData);
  });
  return listen(server, host, []);
};

/** Open file descriptors of this process (Linux), or null where /proc is unavailable. */
export const openFdCount = (): number | null => {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
};
