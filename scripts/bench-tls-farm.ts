/**
 * A TLS server farm for the probe benchmark, run as a child process (`fork`) so the servers never
 * share an event loop with the load generator. The parent sends one message:
 * `{ host, endpoints: [{ key, cert }] }` (cert = leaf + intermediate PEM); the farm opens one TLS
 * server per endpoint on a free port of `host` and answers `{ ports }`, in the same order.
 * Servers complete handshakes and leave closing to the client. The farm exits when the parent
 * disconnects or sends `{ stop: true }`, so a crashed benchmark leaves no server behind.
 */
import type * as net from 'node:net';
import * as tls from 'node:tls';

interface FarmRequest {
  readonly host: string;
  readonly endpoints: readonly { key: string; cert: string }[];
}

const servers: tls.Server[] = [];
const sockets = new Set<net.Socket>();

const stop = (): void => {
  for (const s of sockets) s.destroy();
  for (const server of servers) server.close();
  process.exit(0);
};

const open = (host: string, key: string, cert: string): Promise<number> =>
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
      servers.push(server);
      resolve((server.address() as net.AddressInfo).port);
    });
  });

process.on('disconnect', stop);
process.on('message', (message: FarmRequest | { stop: true }) => {
  if ('stop' in message) {
    stop();
    return;
  }
  // One context per endpoint: each serves its own leaf.
  Promise.all(message.endpoints.map((e) => open(message.host, e.key, e.cert)))
    .then((ports) => process.send?.({ ports }))
    .catch((error: unknown) => process.send?.({ error: String(error) }));
});
