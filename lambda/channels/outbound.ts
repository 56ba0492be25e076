/**
 * One outbound HTTP request of a delivery (webhook, ticket API) that follows redirects itself:
 * `redirect: 'manual'`, then only same-origin hops, at most MAX_SAME_ORIGIN_REDIRECTS
 * (redirectDecision, lambda/contracts/urls.ts). A redirect elsewhere is never followed: the request
 * and its secret stay with the origin the configuration names.
 */
import { MAX_SAME_ORIGIN_REDIRECTS, REDIRECT_STATUSES, redirectDecision } from '../contracts/urls';

/** A redirect that was not followed; the message names the status and the target origin. */
export class RedirectRefusedError extends Error {
  override readonly name = 'RedirectRefusedError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface OutboundInit<M extends string> {
  readonly method: M;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal: AbortSignal;
}

interface RedirectableResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** Sends `init` to `url` and follows same-origin redirects; rejects with RedirectRefusedError otherwise. */
export const requestWithinOrigin = async <M extends string, R extends RedirectableResponse>(
  fetch: (url: string, init: OutboundInit<M> & { redirect: 'manual' }) => Promise<R>,
  url: string,
  init: OutboundInit<M>,
  maxRedirects = MAX_SAME_ORIGIN_REDIRECTS,
): Promise<R> => {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const res = await fetch(current.toString(), { ...init, redirect: 'manual' });
    if (!REDIRECT_STATUSES.has(res.status)) return res;
    const decision = redirectDecision(
      res.status,
      res.headers.get('location'),
      current,
      init.method,
      hop,
      maxRedirects,
    );
    if ('refused' in decision) throw new RedirectRefusedError(decision.refused, res.status);
    await res.text().catch(() => '');
    current = decision.follow;
  }
};
