/**
 * Outbound URLs that carry credentials or alerts: HTTPS, except to this machine (the local test
 * receivers and contract servers), where plain http cannot leave the host.
 */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for https:, and for http: to a loopback host only. */
export const isSecureOrLoopback = (url: URL): boolean =>
  url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
