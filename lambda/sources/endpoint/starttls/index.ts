/**
 * STARTTLS: the plaintext dialogue that turns a connected socket into one where the next bytes
 * are a TLS handshake, one module per protocol registered below. See docs/starttls.md.
 *
 * Contract with the caller: the socket is connected; when the promise resolves, no byte after the
 * server's last protocol reply has been consumed (it is pushed back with `unshift`), the socket is
 * paused and none of our listeners remain, so `tls.connect({ socket })` sees the stream intact.
 * The caller keeps its own 'error' listener on the socket and destroys it on failure. Every read
 * is bounded by `maxReplyBytes` per reply; slow-drip peers are bounded by the caller's signal.
 */
import type * as net from 'node:net';
import { STARTTLS_PROTOCOLS, type StarttlsProtocol } from '../../../contracts/endpoints';
import { abortReason, Exchange, type StarttlsNegotiator, type StarttlsOptions } from './exchange';
import { ftp } from './ftp';
import { imap } from './imap';
import { ldap } from './ldap';
import { mysql } from './mysql';
import { pop3 } from './pop3';
import { postgres } from './postgres';
import { smtp } from './smtp';
import { xmpp } from './xmpp';

export { isStarttlsProtocol, STARTTLS_PROTOCOLS, type StarttlsProtocol } from '../../../contracts/endpoints';
export { NotTlsError, StarttlsRefusedError, sanitizeReply } from './errors';
export type { StarttlsOptions } from './exchange';

/**
 * One negotiator per protocol of the contract's STARTTLS_PROTOCOLS: the type makes a protocol
 * listed there without a module here (or a module the contract does not list) a compile error.
 */
const STARTTLS_REGISTRY: Readonly<Record<StarttlsProtocol, StarttlsNegotiator>> = {
  smtp,
  imap,
  pop3,
  ftp,
  ldap,
  postgres,
  mysql,
  xmpp,
};

/** Well-known plaintext ports whose TLS starts in-band. 465 (SMTPS), 993, 995, 636 are implicit TLS. */
const BY_PORT: ReadonlyMap<number, StarttlsProtocol> = new Map(
  STARTTLS_PROTOCOLS.flatMap((name) => STARTTLS_REGISTRY[name].ports.map((port) => [port, name] as const)),
);

export const defaultStarttlsForPort = (port: number): StarttlsProtocol | undefined => BY_PORT.get(port);

export const DEFAULT_MAX_REPLY_BYTES = 64 * 1024;

/**
 * Runs the STARTTLS dialogue of `protocol` on a connected socket. Resolves when the next byte on
 * the wire is the server's TLS; rejects with StarttlsRefusedError (the server said no),
 * NotTlsError (the peer does not speak the protocol), the socket's error, or `signal.reason`.
 */
export async function negotiateStarttls(
  socket: net.Socket,
  protocol: StarttlsProtocol,
  opts: StarttlsOptions,
): Promise<void> {
  // Own keys only: a name from untyped input must not reach Object.prototype.
  if (!Object.hasOwn(STARTTLS_REGISTRY, protocol))
    throw new TypeError(`unknown STARTTLS protocol: ${String(protocol)}`);
  const negotiator: StarttlsNegotiator = STARTTLS_REGISTRY[protocol];
  if (opts.signal.aborted) throw abortReason(opts.signal);
  const x = new Exchange(
    socket,
    opts.signal,
    negotiator.label,
    opts.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES,
  );
  x.begin();
  try {
    await negotiator.negotiate(x, opts);
  } finally {
    x.finish();
  }
}
