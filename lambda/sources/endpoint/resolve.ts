import * as dns from 'node:dns';
import { isIP } from 'node:net';
import { DnsFailureError } from './errors';
import type { ResolvedAddress } from './types';

let resolver: dns.promises.Resolver | undefined;
const sharedResolver = (): dns.promises.Resolver => {
  resolver ??= new dns.promises.Resolver({ timeout: 3_000, tries: 2 });
  return resolver;
};

const errorCode = (result: PromiseSettledResult<unknown>): string =>
  result.status === 'rejected' ? ((result.reason as NodeJS.ErrnoException).code ?? 'ERROR') : 'NODATA';

/**
 * Every A and AAAA record of `host`; names only the system knows (/etc/hosts, `localhost`) fall
 * back to getaddrinfo. IP literals are returned as they are. Throws DnsFailureError.
 */
export const defaultResolve = async (host: string): Promise<ResolvedAddress[]> => {
  const family = isIP(host);
  if (family === 4 || family === 6) return [{ address: host, family }];
  const r = sharedResolver();
  const [a, aaaa] = await Promise.allSettled([r.resolve4(host), r.resolve6(host)]);
  const found: ResolvedAddress[] = [
    ...(a.status === 'fulfilled' ? a.value.map((address) => ({ address, family: 4 as const })) : []),
    ...(aaaa.status === 'fulfilled' ? aaaa.value.map((address) => ({ address, family: 6 as const })) : []),
  ];
  if (found.length > 0) return found;
  try {
    const local = await dns.promises.lookup(host, { all: true });
    const addresses = local.flatMap((entry) =>
      entry.family === 4 || entry.family === 6
        ? [{ address: entry.address, family: entry.family as 4 | 6 }]
        : [],
    );
    if (addresses.length > 0) return addresses;
  } catch {
    // Report the DNS answer below: it says more than getaddrinfo's ENOTFOUND.
  }
  throw new DnsFailureError(`cannot resolve ${host} (A: ${errorCode(a)}, AAAA: ${errorCode(aaaa)})`);
};

/** Unique addresses, IPv4 first, in resolver order otherwise. */
export const uniqueAddresses = (list: readonly ResolvedAddress[]): ResolvedAddress[] => {
  const seen = new Set<string>();
  const out: ResolvedAddress[] = [];
  for (const entry of [...list.filter((e) => e.family === 4), ...list.filter((e) => e.family !== 4)]) {
    if (seen.has(entry.address)) continue;
    seen.add(entry.address);
    out.push(entry);
  }
  return out;
};
