/**
 * A TLS server farm for the probe benchmark, run as a child process (`fork`) so the servers never
 * share an event loop with the load generator. The parent sends one message:
 * `{ host, endpoints: [{ key, cert }] }` (cert = leaf + intermediate PEM); the farm opens one TLS
 * server per endpoint on a free port of `host` and answers `{ ports }`, in the same order.
 * `{ reload: [{ key, cert }] }` swaps every server's certificate in place (same ports) and answers
 * `{ reloaded: n }`. Servers complete handshakes and leave closing to the client. The farm exits
 * when the parent disconnects or sends `{ stop: true }`, so a crashed benchmark leaves no server
 * behind.
 */
import type * as net from 'node:net';
import * as tls from 'node:tls';

interface KeyCert {
  readonly key: string;
  readonly cert: string;
}

type FarmRequest =
  | { readonly host: string; readonly endpoints: readonly KeyCert[] }
  | { readonly reload: readonly KeyCert[] }
  | { readonly stop: true };

const servers: tls.Server[] = [];
const sockets = new Set<net.Socket>();

const stop = (): void => {
  for (const s of sockets) s.destroy();
  for (const server of servers) server?.close();
  process.exit(0);
};

const open = (index: number, host: string, key: string, cert: string): Promise<number> =>
  new Promise<number>((resolve, reject) => {
    const server = tls.createServer({ key, cert });
    server.on('secureConnection', (socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.once('close', () => sockets.delete(socket));
    });
    server.on('tlsClientError', () => {});
    server.once('error', reject);
    server.listen({ port: 0, host, backlog: 1024 }, () => {
      servers[index] = server; // by endpoint index: reload relies on it
      resolve((server.address() as net.AddressInfo).port);
    });
  });

process.on('disconnect', stop);
process.on('message', (message: FarmRequest) => {
  if ('stop' in message) {
    stop();
    return;
  }
  if ('reload' in message) {
    try {
      message.reload.forEach((e, i) => {
        servers[i]?.setSecureContext({ key: e.key, cert: e.cert });
      });
      process.send?.({ reloaded: message.reload.length });
    } catch (error) {
      process.send?.({ error: String(error) });
    }
    return;
  }
  // One context per endpoint: each serves its own leaf.
  Promise.all(message.endpoints.map((e, i) => open(i, message.host, e.key, e.cert)))
    .then((ports) => process.send?.({ ports }))
    .catch((error: unknown) => process.send?.({ error: String(error) }));
});
