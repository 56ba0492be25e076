import * as dns from 'node:dns';
import { isIP } from 'node:net';
import { isLinkLocalOrMetadata } from '../../contracts/endpoints';
import { AddressRefusedError, DnsFailureError } from './errors';
import type { Resolve, ResolvedAddress } from './types';

/** RFC 6761 §6.3: `localhost` and names under it are the loopback and never go to a DNS server. */
const LOCALHOST = /(^|\.)localhost\.?$/i;

/**
 * Every address of `host` the way the system resolves it (getaddrinfo through `dns.lookup`: the
 * hosts file first, then DNS as nsswitch.conf says), A and AAAA alike. `localhost` names the
 * system cannot resolve are 127.0.0.1. IP literals are returned as they are. Throws DnsFailureError.
 */
export const defaultResolve = async (host: string): Promise<ResolvedAddress[]> => {
  const family = isIP(host);
  if (family === 4 || family === 6) return [{ address: host, family }];
  let code = 'NODATA';
  try {
    const found = await dns.promises.lookup(host, { all: true, verbatim: true });
    const addresses = found.flatMap((entry) =>
      entry.family === 4 || entry.family === 6
        ? [{ address: entry.address, family: entry.family as 4 | 6 }]
        : [],
    );
    if (addresses.length > 0) return addresses;
  } catch (err) {
    code = (err as NodeJS.ErrnoException).code ?? 'ERROR';
  }
  if (LOCALHOST.test(host)) return [{ address: '127.0.0.1', family: 4 }];
  throw new DnsFailureError(`cannot resolve ${host} (${code})`);
};

/**
 * A resolver that asks `resolve` once per name for as long as it lives (one run: probeAll makes one),
 * however many ports of that name are probed; failures are kept too, so a dead name costs one lookup.
 */
export const resolveOncePerName = (resolve: Resolve): Resolve => {
  const answers = new Map<string, Promise<readonly ResolvedAddress[]>>();
  return (host) => {
    const key = host.toLowerCase();
    let answer = answers.get(key);
    if (!answer) {
      answer = resolve(host);
      // Marked handled here; each caller still sees the rejection through its own await.
      answer.catch(() => {});
      answers.set(key, answer);
    }
    return answer;
  };
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

const screened = new Map<string, boolean>();
/** isLinkLocalOrMetadata, remembered per address (bounded): a run meets the same few addresses on every port. */
const refusable = (address: string): boolean => {
  let refuse = screened.get(address);
  if (refuse === undefined) {
    refuse = isLinkLocalOrMetadata(address);
    if (screened.size >= 4_096) screened.clear();
    screened.set(address, refuse);
  }
  return refuse;
};

/**
 * Splits resolved addresses into those the prober may connect to and those it refuses: link-local
 * and metadata addresses (isLinkLocalOrMetadata) unless `allowLinkLocal`. Checked after resolution,
 * so a name whose A record is 169.254.169.254 (or `2852039166`, which getaddrinfo reads as it) is
 * refused like the literal is at configuration.
 */
export const screenAddresses = (
  host: string,
  addresses: readonly ResolvedAddress[],
  allowLinkLocal: boolean,
): { allowed: ResolvedAddress[]; refused: { address: ResolvedAddress; error: AddressRefusedError }[] } => {
  if (allowLinkLocal) return { allowed: [...addresses], refused: [] };
  const allowed: ResolvedAddress[] = [];
  const refused: { address: ResolvedAddress; error: AddressRefusedError }[] = [];
  for (const a of addresses) {
    if (!refusable(a.address)) allowed.push(a);
    else
      refused.push({
        address: a,
        error: new AddressRefusedError(
          `${host} resolves to ${a.address}, a link-local address (where instance metadata services answer); not probed unless link-local addresses are explicitly allowed`,
        ),
      });
  }
  return { allowed, refused };
};
