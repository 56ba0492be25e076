/**
 * Authority Information Access: fetches a missing issuer from the caIssuers URL a certificate names
 * (RFC 5280 §4.2.2.1), to tell whether an incomplete chain is fixable. HTTP only (the RFC's transport
 * for caIssuers; no TLS inside a TLS probe), one response of at most MAX_AIA_BYTES within the
 * deadline, DER or PEM (not PKCS#7 bundles), never to a link-local or metadata address.
 */
import { X509Certificate } from 'node:crypto';
import * as dns from 'node:dns';
import * as http from 'node:http';
import { isLinkLocalOrMetadata } from '../../contracts/endpoints';
import { REDIRECT_STATUSES, redirectDecision } from '../../contracts/urls';
import { type AnalyzeInput, analyzeChain, type ChainAnalysis, type FetchedIssuer } from './analyze';
import { type CertInfo, certInfo } from './cert-info';

/** An intermediate is 1-2 KB; 64 KiB leaves room for large keys and stops a hostile stream. */
export const MAX_AIA_BYTES = 64 * 1024;
/** Longest wait for one AIA response. */
export const AIA_TIMEOUT_MS = 5_000;
/** Issuers fetched at most per probe (a missing intermediate, then perhaps its own issuer). */
const MAX_FETCHES = 3;

export class AiaFetchError extends Error {
  override readonly name = 'AiaFetchError';
}

const guardedLookup: typeof dns.lookup = ((
  hostname: string,
  options: dns.LookupOptions,
  callback: (
    err: NodeJS.ErrnoException | null,
    address: string | dns.LookupAddress[],
    family?: number,
  ) => void,
) => {
  dns.lookup(hostname, options, (err, address, family) => {
    if (err) return callback(err, address, family);
    const addresses = Array.isArray(address) ? address.map((a) => a.address) : [address];
    if (addresses.some(isLinkLocalOrMetadata)) {
      return callback(
        Object.assign(new AiaFetchError(`${hostname} resolves to a link-local address`), { code: 'EACCES' }),
        address,
        family,
      );
    }
    callback(null, address, family);
  });
}) as typeof dns.lookup;

/**
 * GETs one certificate from an AIA caIssuers URL, following at most MAX_SAME_ORIGIN_REDIRECTS
 * redirects to the same origin (redirectDecision, lambda/contracts/urls.ts), all within `timeoutMs`.
 * Rejects with AiaFetchError.
 */
export const fetchIssuerCertificate = (url: string, timeoutMs = AIA_TIMEOUT_MS): Promise<X509Certificate> => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.reject(new AiaFetchError('not a URL'));
  }
  return getIssuer(parsed, Date.now() + timeoutMs, timeoutMs, 0);
};

const getIssuer = (parsed: URL, deadlineAt: number, totalMs: number, hop: number): Promise<X509Certificate> =>
  new Promise((resolve, reject) => {
    const timeoutMs = Math.max(1, deadlineAt - Date.now());
    if (parsed.protocol !== 'http:') {
      reject(new AiaFetchError(`${parsed.protocol} is not fetched (caIssuers are fetched over http only)`));
      return;
    }
    if (isLinkLocalOrMetadata(parsed.hostname.replace(/^\[|\]$/g, ''))) {
      reject(new AiaFetchError('link-local address refused'));
      return;
    }
    const fail = (message: string): void => {
      request.destroy();
      reject(new AiaFetchError(message));
    };
    const request = http.get(parsed, { lookup: guardedLookup, timeout: timeoutMs }, (response) => {
      const status = response.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status)) {
        const decision = redirectDecision(status, response.headers.location ?? null, parsed, 'GET', hop);
        response.resume();
        if ('refused' in decision) fail(decision.refused);
        else getIssuer(decision.follow, deadlineAt, totalMs, hop + 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        fail(`HTTP ${status}`);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_AIA_BYTES) fail(`response larger than ${MAX_AIA_BYTES} bytes`);
        else chunks.push(chunk);
      });
      response.on('end', () => {
        try {
          resolve(new X509Certificate(Buffer.concat(chunks)));
        } catch {
          reject(new AiaFetchError('not a DER or PEM certificate (PKCS#7 bundles are not read)'));
        }
      });
      response.on('error', (err) => fail(err.message));
    });
    const deadline = setTimeout(() => fail(`no answer within ${totalMs} ms`), timeoutMs);
    request.once('close', () => clearTimeout(deadline));
    request.on('timeout', () => fail(`no answer within ${totalMs} ms`));
    request.on('error', (err) => fail(err.message));
  });

const cache = new Map<string, Promise<FetchedIssuer>>();

/**
 * One fetch per URL at a time, and a fetched issuer kept for the process (bounded): each probe of a
 * fleet would ask again otherwise. A failure is forgotten once settled, so the next probe retries.
 */
const fetchOnce = (url: string, timeoutMs: number): Promise<FetchedIssuer> => {
  let pending = cache.get(url);
  if (!pending) {
    if (cache.size >= 256) cache.clear();
    pending = fetchIssuerCertificate(url, timeoutMs).then(
      (x509) => ({ url, cert: certInfo(x509) }),
      (err: Error) => {
        cache.delete(url);
        return { url, error: err.message };
      },
    );
    cache.set(url, pending);
  }
  return pending;
};

/**
 * analyzeChain, and while the path stops at a certificate whose issuer is missing, fetches that
 * issuer from its caIssuers URLs and analyses again (at most MAX_FETCHES fetches).
 */
export const analyzeWithAia = async (
  input: Omit<AnalyzeInput, 'fetchedIssuers' | 'aiaFetchEnabled'>,
  timeoutMs = AIA_TIMEOUT_MS,
): Promise<ChainAnalysis> => {
  const fetched: FetchedIssuer[] = [];
  let analysis = analyzeChain({ ...input, aiaFetchEnabled: true });
  const known = new Map<string, CertInfo>(input.sent.map((c) => [c.fingerprintSha256, c]));
  while (!analysis.trusted && fetched.length < MAX_FETCHES) {
    const end = analysis.path[analysis.path.length - 1];
    // A path ending at a root (trusted or not) lacks no issuer.
    const last = end && end.role !== 'root' ? known.get(end.fingerprintSha256) : undefined;
    if (!last) break;
    const urls = last.caIssuers.filter((url) => !fetched.some((f) => f.url === url));
    if (urls.length === 0) break;
    const results = await Promise.all(
      urls.slice(0, MAX_FETCHES - fetched.length).map((u) => fetchOnce(u, timeoutMs)),
    );
    fetched.push(...results);
    for (const r of results) if (r.cert) known.set(r.cert.fingerprintSha256, r.cert);
    analysis = analyzeChain({ ...input, fetchedIssuers: fetched, aiaFetchEnabled: true });
  }
  return analysis;
};
