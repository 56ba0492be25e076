/**
 * POSTs one payload to one webhook, within the invocation's time budget: a timeout per request,
 * 429 honoured (Retry-After, seconds or HTTP date), 5xx / network errors / timeouts retried with
 * exponential backoff and full jitter. The outcome says whether SQS should try again later.
 * The URL is a secret: it is never part of a log field or an error message (see `redact`).
 * Redirects are followed to the same origin only (requestWithinOrigin, ./outbound.ts): a redirect
 * elsewhere is a permanent failure naming the status and the target origin, and nothing is posted there.
 */
import { RedirectRefusedError, requestWithinOrigin } from './outbound';

export type DeliveryOutcome =
  | { readonly outcome: 'delivered'; readonly status: number; readonly attempts: number }
  | {
      readonly outcome: 'retryable' | 'permanent';
      readonly status?: number;
      readonly attempts: number;
      /** Redacted: safe to log. */
      readonly reason: string;
    };

export interface HttpResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export type FetchLike = (
  url: string,
  init: {
    method: 'POST';
    headers: Record<string, string>;
    body: string;
    signal: AbortSignal;
    /** Always 'manual': the caller follows same-origin redirects itself. */
    redirect?: 'manual';
  },
) => Promise<HttpResponseLike>;

/** How an HTTP call is retried within one invocation (webhooks, ticket APIs). */
export interface RetryPolicy {
  /** Per-request timeout. */
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  /** Milliseconds left for this delivery (the Lambda's remaining time less a margin). */
  readonly remainingMs: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** 0 ≤ random() < 1, for jitter. */
  readonly random: () => number;
  readonly baseBackoffMs?: number;
  /** Called before each retry (for logging); the reason is redacted. */
  readonly onRetry?: (info: { attempt: number; waitMs: number; status?: number; reason: string }) => void;
}

export interface DeliveryOptions extends RetryPolicy {
  readonly fetch: FetchLike;
}

/** Replaces every URL (and the secret's exact text) in a message: webhook URLs are bearer credentials. */
export const redact = (text: string, secrets: readonly string[] = []): string => {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('[redacted]');
  return out.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, '[redacted-url]');
};

/**
 * The secret parts of a webhook URL, besides the URL itself: its path segments and query values of
 * 8 characters or more (Slack's `/services/T…/B…/<token>`, Teams' `sig=`, Google Chat's `key=`,
 * `token=`), so a receiver echoing a token without the URL around it is redacted too.
 */
export const urlSecrets = (url: string): string[] => {
  try {
    const u = new URL(url);
    const parts = [
      ...u.pathname.split('/').map((p) => decodeURIComponent(p)),
      ...[...u.searchParams.values()],
    ].filter((p) => p.length >= 8);
    return [url, ...parts.sort((a, b) => b.length - a.length)];
  } catch {
    return [url];
  }
};

/** Seconds or an HTTP date; undefined when absent or unreadable. */
export const retryAfterMs = (value: string | null, now: number): number | undefined => {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

/** A request failure in one line (timeout, or the message with the socket error code). */
export const describeError = (error: unknown): string => {
  if (!(error instanceof Error)) return 'request failed';
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'request timed out';
  const cause = (error as { cause?: unknown }).cause;
  const code =
    cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : undefined;
  return code ? `${error.message} (${code})` : error.message;
};

export const deliverWebhook = async (
  url: string,
  body: string,
  opts: DeliveryOptions,
): Promise<DeliveryOutcome> => {
  const base = opts.baseBackoffMs ?? 250;
  const secrets = urlSecrets(url);
  let last: { status?: number; reason: string } = { reason: 'not attempted' };
  for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
    const budget = opts.remainingMs();
    if (budget < 100)
      return { outcome: 'retryable', attempts: attempt - 1, ...last, reason: `${last.reason}; out of time` };
    let retryWait: number | undefined;
    try {
      const res = await requestWithinOrigin((u, init) => opts.fetch(u, { ...init, body }), url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        signal: AbortSignal.timeout(Math.max(1, Math.min(opts.timeoutMs, budget))),
      });
      // Redact the whole answer first, then cut: a cut could leave a secret's prefix that no longer matches.
      const text = redact(await res.text().catch(() => ''), secrets).slice(0, 300);
      if (res.status >= 200 && res.status < 300)
        return { outcome: 'delivered', status: res.status, attempts: attempt };
      last = { status: res.status, reason: `HTTP ${res.status}${text ? `: ${text}` : ''}` };
      if (res.status === 429) {
        retryWait = retryAfterMs(res.headers.get('retry-after'), opts.now());
      } else if (res.status < 500) {
        // 4xx other than 429: the payload or the URL is wrong; repeating it cannot help.
        return { outcome: 'permanent', attempts: attempt, ...last };
      }
    } catch (error) {
      // A redirect to another origin cannot be fixed by repeating the request: the URL must change.
      if (error instanceof RedirectRefusedError)
        return { outcome: 'permanent', status: error.status, attempts: attempt, reason: error.message };
      last = { reason: redact(describeError(error), secrets) };
    }
    if (attempt === opts.maxAttempts) break;
    const wait = retryWait ?? Math.round(opts.random() * base * 2 ** (attempt - 1));
    // Waiting past the budget would only get the Lambda killed mid-request: let SQS redeliver instead.
    if (wait + Math.min(opts.timeoutMs, 1000) > opts.remainingMs()) {
      return {
        outcome: 'retryable',
        attempts: attempt,
        ...last,
        reason: `${last.reason}; retry in ${wait} ms exceeds the time left`,
      };
    }
    opts.onRetry?.({ attempt, waitMs: wait, status: last.status, reason: last.reason });
    await opts.sleep(wait);
  }
  return { outcome: 'retryable', attempts: opts.maxAttempts, ...last };
};
