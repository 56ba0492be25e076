/**
 * One TLS handshake with one address, within one deadline (connect + STARTTLS + handshake), that
 * reads the chain exactly as sent. The client contexts are created once and shared: the default
 * one offers everything; the dual-certificate probe (dual.ts) passes one that offers a single key
 * family.
 */
import type { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { clientCertAlert } from './client-cert';
import { classifyError, HandshakeFailedError, ProbeTimeoutError } from './errors';
import { negotiateStarttls, type StarttlsProtocol } from './starttls';

/** What a handshake needs to know about its target (probe.ts's resolved target is one). */
export interface HandshakeTarget {
  readonly host: string;
  readonly port: number;
  readonly servername: string | null;
  readonly starttls: StarttlsProtocol | undefined;
  readonly timeoutMs: number;
}

/** Longest chain we walk; far beyond any real chain, it only bounds hostile ones. */
const MAX_CHAIN_LENGTH = 256;

let sharedContext: tls.SecureContext | undefined;
/**
 * One client context for every probe: building a context per connection costs more than the
 * handshake. Its CA store is deliberately empty (we verify ourselves), and TLS 1.0 plus security
 * level 0 let us still read certificates from legacy servers and weak keys in order to report them.
 */
export const secureContext = (): tls.SecureContext => {
  sharedContext ??= tls.createSecureContext({ ca: [], minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
  return sharedContext;
};

/** The sent chain, read once: each read consumes Node's copy of the peer chain. */
const readSentChain = (socket: tls.TLSSocket): X509Certificate[] => {
  const chain: X509Certificate[] = [];
  let cert: X509Certificate | undefined = socket.getPeerX509Certificate();
  while (cert && chain.length < MAX_CHAIN_LENGTH) {
    chain.push(cert);
    cert = cert.issuerCertificate;
  }
  return chain;
};

export interface Handshake {
  readonly chain: X509Certificate[];
  readonly tlsVersion: string | null;
  /** The alert that ended the handshake after the server sent its certificate (client certificate demanded). */
  readonly clientCertAlert?: string;
}

/**
 * Connects, optionally negotiates STARTTLS, and completes a TLS handshake within `timeoutMs`.
 * A single timer owns the deadline; every path destroys both sockets.
 */
export const handshake = (
  r: HandshakeTarget,
  address: string,
  family: 4 | 6,
  context: tls.SecureContext = secureContext(),
): Promise<Handshake> =>
  new Promise<Handshake>((resolve, reject) => {
    let raw: net.Socket | undefined;
    let secure: tls.TLSSocket | undefined;
    let settled = false;
    let handshakeStarted = false;
    // Only STARTTLS needs a signal; creating one per plain probe costs measurable CPU at scale.
    const abort = r.starttls !== undefined ? new AbortController() : undefined;

    const finish = (err: unknown, value?: Handshake): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      abort?.abort();
      secure?.destroy();
      raw?.destroy();
      if (value) resolve(value);
      else reject(classifyError(err, handshakeStarted));
    };
    const timer = setTimeout(
      () =>
        finish(
          new ProbeTimeoutError(`no TLS handshake with ${address} port ${r.port} within ${r.timeoutMs} ms`),
        ),
      r.timeoutMs,
    );

    const startTls = (socket?: net.Socket): void => {
      handshakeStarted = socket !== undefined;
      const options: tls.ConnectionOptions = {
        secureContext: context,
        rejectUnauthorized: false,
        ...(r.servername !== null ? { servername: r.servername } : {}),
        ...(socket ? { socket } : { host: address, port: r.port, family }),
      };
      secure = tls.connect(options);
      if (!socket) secure.once('connect', () => (handshakeStarted = true));
      secure.once('secureConnect', () => {
        try {
          const chain = readSentChain(secure!);
          const tlsVersion = secure!.getProtocol();
          if (chain.length === 0) throw new HandshakeFailedError('server sent no certificate');
          finish(undefined, { chain, tlsVersion });
        } catch (err) {
          finish(err);
        }
      });
      secure.on('error', (err) => {
        // TLS 1.2 sends the server's certificate before the server asks for the client's: when it then
        // aborts for want of one, the certificate was still read and is judged like any other.
        const alert = clientCertAlert(err);
        if (alert !== undefined && !settled) {
          try {
            const chain = readSentChain(secure!);
            if (chain.length > 0) {
              finish(undefined, { chain, tlsVersion: secure!.getProtocol(), clientCertAlert: alert });
              return;
            }
          } catch {
            // No certificate to read: the alert is the probe's error.
          }
        }
        finish(err);
      });
      // Checked first: after a normal finish, building an error (and its stack) would be wasted work.
      secure.once('close', () => {
        if (!settled)
          finish(new HandshakeFailedError(`${address} closed the connection during the TLS handshake`));
      });
    };

    try {
      if (r.starttls === undefined) {
        startTls();
        return;
      }
      const protocol = r.starttls;
      raw = net.connect({ host: address, port: r.port, family });
      raw.on('error', finish);
      raw.once('close', () => {
        if (!settled) finish(new HandshakeFailedError(`${address} closed the connection during STARTTLS`));
      });
      raw.once('connect', () => {
        negotiateStarttls(raw!, protocol, {
          host: r.servername ?? r.host,
          signal: abort!.signal,
        })
          .then(() => {
            if (!settled) startTls(raw);
          })
          .catch(finish);
      });
    } catch (err) {
      finish(err);
    }
  });
