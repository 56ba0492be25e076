/**
 * JSON over HTTP for the ticket connectors, within the invocation's time budget: a timeout per
 * request, 429 honoured (Retry-After), 5xx / network errors / timeouts retried with exponential
 * backoff and full jitter, and the status codes that retrying cannot fix turned into named errors.
 * Error messages carry the method, the path and a short, redacted excerpt of the answer; the
 * credentials (and the Authorization header built from them) never reach a message or a log.
 *
 * A request that is not idempotent (creating a ticket) is never repeated once it may have reached
 * the server: after a timeout, a dropped connection or a 5xx the ticket may exist, and a second POST
 * would open a second one. Only a 429 (the server says it did nothing) or a connection that was never
 * made is retried; otherwise the caller gets a TicketOutcomeUnknownError and must look before it
 * creates again.
 *
 * Redirects are followed to the same origin only (requestWithinOrigin, ../outbound.ts): the
 * Authorization header never reaches another host; a redirect elsewhere is a TicketRequestError
 * naming the status and the target origin.
 */
import { RedirectRefusedError, requestWithinOrigin } from '../outbound';
import { describeError, type HttpResponseLike, type RetryPolicy, retryAfterMs } from '../webhook-delivery';

export type HttpMethod = 'GET' | 'POST' | 'PATCH';

export type TicketFetch = (
  url: string,
  init: {
    method: HttpMethod;
    headers: Record<string, string>;
    body?: string;
    signal: AbortSignal;
    /** Always 'manual': requestJson follows same-origin redirects itself. */
    redirect?: 'manual';
  },
) => Promise<HttpResponseLike>;

export interface HttpOptions extends RetryPolicy {
  readonly fetch: TicketFetch;
}

/** Base class: every failure a connector reports. `retryable` says whether SQS redelivery can help. */
export class TicketApiError extends Error {
  override readonly name: string = 'TicketApiError';
  constructor(
    message: string,
    readonly status?: number,
    readonly retryable = false,
  ) {
    super(message);
  }
}

/** 401/403: the credentials are wrong, expired or lack a permission. */
export class TicketAuthError extends TicketApiError {
  override readonly name = 'TicketAuthError';
}

/** 404: the project, repository, issue or incident does not exist (or is invisible to the credentials). */
export class TicketNotFoundError extends TicketApiError {
  override readonly name = 'TicketNotFoundError';
}

/** 429 or 5xx (or no answer) after every attempt the time budget allowed. */
export class TicketUnavailableError extends TicketApiError {
  override readonly name = 'TicketUnavailableError';
}

/**
 * A request that creates something may or may not have taken effect (timeout, dropped connection,
 * 5xx): the caller must not repeat it blindly, only after finding out (check by dedup key once the
 * system's search has caught up).
 */
export class TicketOutcomeUnknownError extends TicketApiError {
  override readonly name = 'TicketOutcomeUnknownError';
}

/** Another 4xx: the request itself is wrong (a field the instance rejects, an unknown issue type, ...). */
export class TicketRequestError extends TicketApiError {
  override readonly name = 'TicketRequestError';
}

/**
 * Credentials a server may echo whatever the configuration holds: an Authorization value (RFC 9110
 * §11.6.2: scheme and credentials), a bearer or basic credential (RFC 6750, RFC 7617), and GitHub's
 * token formats (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`).
 */
const CREDENTIAL_PATTERNS: readonly RegExp[] = [
  /(authorization["']?\s*[:=]\s*["']?)[^"'\r\n,}]+/gi,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}/g,
  /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g,
];

/**
 * Replaces each secret's exact text (and any Authorization value derived from it) with `[redacted]`,
 * then any credential-shaped text (CREDENTIAL_PATTERNS). Redact the whole text before cutting it.
 */
export const redactSecrets = (text: string, secrets: readonly string[]): string => {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return CREDENTIAL_PATTERNS.reduce(
    (acc, pattern) =>
      acc.replace(pattern, (_match, lead: string | undefined) =>
        lead !== undefined && /authorization/i.test(lead) ? `${lead}[redacted]` : '[redacted]',
      ),
    out,
  );
};

export interface JsonRequest {
  readonly method: HttpMethod;
  /** Absolute URL. */
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
  /** Values to keep out of every message (tokens, passwords, the Authorization header). */
  readonly secrets: readonly string[];
  /** Names the system in error messages: `jira`, `github`, ... */
  readonly system: string;
  /**
   * False for a request whose repetition has another effect (creating a ticket): it is then retried
   * only when the server certainly did nothing (429, connection never made). @default true
   */
  readonly idempotent?: boolean;
}

/** Errors raised before a single byte reached the server: repeating the request is always safe. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const neverConnected = (error: unknown): boolean => {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' && NEVER_CONNECTED.has(cause.code);
};

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/** One JSON request with retries; resolves for 2xx, throws a TicketApiError otherwise. */
export const requestJson = async (req: JsonRequest, opts: HttpOptions): Promise<JsonResponse> => {
  const base = opts.baseBackoffMs ?? 250;
  const path = new URL(req.url).pathname;
  const what = `${req.system} ${req.method} ${path}`;
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  if (req.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  let last: { status?: number; reason: string } = { reason: 'not attempted' };
  for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
    const budget = opts.remainingMs();
    if (budget < 100) break;
    let retryWait: number | undefined;
    try {
      const res = await requestWithinOrigin(opts.fetch, req.url, {
        method: req.method,
        headers,
        body: payload,
        signal: AbortSignal.timeout(Math.max(1, Math.min(opts.timeoutMs, budget))),
      });
      const text = await res.text().catch(() => '');
      if (res.status >= 200 && res.status < 300) {
        let body: unknown = null;
        if (text.trim()) {
          try {
            body = JSON.parse(text);
          } catch {
            throw new TicketRequestError(
              `${what}: HTTP ${res.status} with a body that is not JSON`,
              res.status,
            );
          }
        }
        return { status: res.status, body };
      }
      // Redact first, then cut: a cut could leave a secret's prefix that no longer matches.
      const excerpt = redactSecrets(text, req.secrets).slice(0, 300).replace(/\s+/g, ' ').trim();
      const message = `${what}: HTTP ${res.status}${excerpt ? `: ${excerpt}` : ''}`;
      if (res.status === 401 || res.status === 403) throw new TicketAuthError(message, res.status);
      if (res.status === 404) throw new TicketNotFoundError(message, res.status);
      if (res.status === 429) retryWait = retryAfterMs(res.headers.get('retry-after'), opts.now());
      else if (res.status < 500) throw new TicketRequestError(message, res.status);
      else if (req.idempotent === false)
        throw new TicketOutcomeUnknownError(`${message}; it may have taken effect`, res.status, true);
      last = { status: res.status, reason: message };
    } catch (error) {
      if (error instanceof TicketApiError) throw error;
      // Another origin, or a hop that would drop the body: the configured URL is wrong; nothing was created.
      if (error instanceof RedirectRefusedError)
        throw new TicketRequestError(`${what}: ${error.message}`, error.status);
      const reason = `${what}: ${redactSecrets(describeError(error), req.secrets)}`;
      if (req.idempotent === false && !neverConnected(error))
        throw new TicketOutcomeUnknownError(`${reason}; it may have taken effect`, undefined, true);
      last = { reason };
    }
    if (attempt === opts.maxAttempts) break;
    const wait = retryWait ?? Math.round(opts.random() * base * 2 ** (attempt - 1));
    // Waiting past the budget would only get the Lambda killed mid-request: let SQS redeliver instead.
    if (wait + Math.min(opts.timeoutMs, 1000) > opts.remainingMs()) {
      throw new TicketUnavailableError(
        `${last.reason}; retry in ${wait} ms exceeds the time left`,
        last.status,
        true,
      );
    }
    opts.onRetry?.({ attempt, waitMs: wait, status: last.status, reason: last.reason });
    await opts.sleep(wait);
  }
  throw new TicketUnavailableError(last.reason, last.status, true);
};
