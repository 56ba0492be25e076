/**
 * Outbound URLs that carry credentials or alerts (ticket APIs, webhooks): HTTPS only, to any host
 * loopback included. A token in clear text can be read on any network path, and "only to this
 * machine" is no protection inside a VPC with a sidecar or proxy. Tests run their local ticket
 * and webhook servers over real TLS with a test CA (test/support/local-https.ts).
 */
export const isHttps = (url: URL): boolean => url.protocol === 'https:';

/** HTTP redirects (RFC 9110 §15.4). */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Same-origin redirects an outbound call follows at most (webhooks, ticket APIs, AIA fetches). */
export const MAX_SAME_ORIGIN_REDIRECTS = 3;

/**
 * Whether a redirect answer may be followed, and where. Only to the same origin (RFC 6454: scheme,
 * host and port) as the request: a webhook or ticket request carries a secret (the URL, an
 * Authorization header) and an alert, and neither may reach a host the configuration did not name.
 * Only 307/308 keep the method and body (RFC 9110 §15.4); a 301/302/303 would turn a POST into a
 * GET without its body, so it is followed for GET alone. At most `max` hops. `hop` counts the
 * redirects already followed. The reason names the status and the target origin, never its path
 * (which may hold a token).
 */
export const redirectDecision = (
  status: number,
  location: string | null,
  from: URL,
  method: string,
  hop: number,
  max = MAX_SAME_ORIGIN_REDIRECTS,
): { readonly follow: URL } | { readonly refused: string } => {
  let to: URL;
  try {
    to = new URL(location ?? '', from);
  } catch {
    return { refused: `HTTP ${status} redirect to an unreadable location; not followed` };
  }
  if (!location) return { refused: `HTTP ${status} redirect without a Location; not followed` };
  if (to.origin !== from.origin)
    return {
      refused: `HTTP ${status} redirect to another origin (${to.origin}) refused; nothing was sent there`,
    };
  if (hop >= max) return { refused: `HTTP ${status}: more than ${max} redirects; not followed` };
  if (status !== 307 && status !== 308 && method !== 'GET')
    return {
      refused: `HTTP ${status} redirect would turn ${method} into GET without its body; not followed (configure the final URL)`,
    };
  return { follow: to };
};
