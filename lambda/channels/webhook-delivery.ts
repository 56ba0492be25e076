/**
 * POSTs one payload to one webhook, within the invocation's time budget: a timeout per request,
 * 429 honoured (Retry-After, seconds or HTTP date), 5xx / network errors / timeouts retried with
 * exponential backoff and full jitter. The outcome says whether SQS should try again later.
 * The URL is a secret: it is never part of a log field or an error message (see `redact`).
 */

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
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
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
  let last: { status?: number; reason: string } = { reason: 'not attempted' };
  for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
    const budget = opts.remainingMs();
    if (budget < 100)
      return { outcome: 'retryable', attempts: attempt - 1, ...last, reason: `${last.reason}; out of time` };
    let retryWait: number | undefined;
    try {
      const res = await opts.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        signal: AbortSignal.timeout(Math.max(1, Math.min(opts.timeoutMs, budget))),
      });
      const text = redact((await res.text().catch(() => '')).slice(0, 300), [url]);
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
      last = { reason: redact(describeError(error), [url]) };
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
