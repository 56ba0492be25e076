/**
 * Real TLS for the local contract servers (webhook receivers, ticket systems): a test CA generated
 * at test time issues a certificate for 127.0.0.1 and localhost; servers present it, and
 * `localHttpsFetch` is the fetch the delivery handlers get in tests, trusting that CA (Node's global
 * fetch cannot be given a CA per call). It follows no redirects, as the handlers ask
 * (`redirect: 'manual'`), and reports failures the way fetch does (TypeError with the socket
 * error as `cause`; the signal's reason on abort).
 */
import * as https from 'node:https';
import type { HttpResponseLike } from '../../lambda/channels/webhook-delivery';
import { createChain } from './certs';

export interface LocalTls {
  /** PEM: the test root the clients trust. */
  readonly ca: string;
  /** PEM: key and certificate chain (leaf + intermediate) for 127.0.0.1 / localhost. */
  readonly key: string;
  readonly cert: string;
}

let pending: Promise<LocalTls> | undefined;

/** One test CA and server certificate per test process. */
export const localTls = (): Promise<LocalTls> => {
  pending ??= (async () => {
    const now = new Date();
    const chain = await createChain({
      now,
      leaf: {
        commonName: 'localhost',
        dnsNames: ['localhost'],
        ipAddresses: ['127.0.0.1'],
        notBefore: new Date(now.getTime() - 86_400_000),
        notAfter: new Date(now.getTime() + 30 * 86_400_000),
      },
    });
    return { ca: chain.root.certPem, key: chain.leaf.keyPem, cert: chain.chainPem };
  })();
  return pending;
};

interface FetchInit {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal: AbortSignal;
}

/** fetch for https://127.0.0.1 servers certified by the test CA (the handlers' `fetch` dependency). */
export const localHttpsFetch = async (url: string, init: FetchInit): Promise<HttpResponseLike> => {
  const { ca } = await localTls();
  return new Promise((resolve, reject) => {
    if (init.signal.aborted) {
      reject(init.signal.reason);
      return;
    }
    const req = https.request(url, { method: init.method, headers: init.headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => reject(new TypeError('fetch failed', { cause: err })));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: {
            get: (name: string) => {
              const v = res.headers[name.toLowerCase()];
              return v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v);
            },
          },
          text: async () => text,
        });
      });
    });
    const onAbort = () => {
      req.destroy();
      reject(init.signal.reason);
    };
    init.signal.addEventListener('abort', onAbort, { once: true });
    req.once('close', () => init.signal.removeEventListener('abort', onAbort));
    req.on('error', (err) => reject(new TypeError('fetch failed', { cause: err })));
    req.end(init.body);
  });
};
