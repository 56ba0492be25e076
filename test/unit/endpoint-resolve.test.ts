import * as dns from 'node:dns';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DnsFailureError } from '../../lambda/sources/endpoint/errors';
import { defaultResolve, resolveOncePerName, uniqueAddresses } from '../../lambda/sources/endpoint/resolve';
import type { ResolvedAddress } from '../../lambda/sources/endpoint/types';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('defaultResolve', () => {
  it('returns IP literals as they are, without a lookup', async () => {
    expect(await defaultResolve('192.0.2.7')).toEqual([{ address: '192.0.2.7', family: 4 }]);
    expect(await defaultResolve('2001:db8::1')).toEqual([{ address: '2001:db8::1', family: 6 }]);
  });

  it('resolves localhost the way the system does (hosts file), never asking a DNS server', async () => {
    const resolve4 = vi.spyOn(dns.promises.Resolver.prototype, 'resolve4');
    const resolve6 = vi.spyOn(dns.promises.Resolver.prototype, 'resolve6');
    const lookup = vi.spyOn(dns.promises, 'lookup');
    const addresses = await defaultResolve('localhost');
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((a) => a.address.startsWith('127.') || a.address === '::1')).toBe(true);
    expect(lookup).toHaveBeenCalledWith('localhost', expect.objectContaining({ all: true }));
    expect(resolve4).not.toHaveBeenCalled();
    expect(resolve6).not.toHaveBeenCalled();
  });

  it('answers 127.0.0.1 for a localhost name the system does not know (RFC 6761)', async () => {
    vi.spyOn(dns.promises, 'lookup').mockRejectedValue(
      Object.assign(new Error('nope'), { code: 'ENOTFOUND' }),
    );
    expect(await defaultResolve('app.localhost')).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  it('throws DnsFailureError for a reserved .invalid name', async () => {
    await expect(defaultResolve('nothing-here.invalid')).rejects.toBeInstanceOf(DnsFailureError);
  }, 20_000);
});

describe('resolveOncePerName', () => {
  it('asks once per name (case-insensitive), failures included', async () => {
    const asked: string[] = [];
    const once = resolveOncePerName(async (host): Promise<ResolvedAddress[]> => {
      asked.push(host);
      if (host === 'dead.test') throw new DnsFailureError('no');
      return [{ address: '192.0.2.1', family: 4 }];
    });
    await Promise.all([once('a.test'), once('A.test'), once('a.test'), once('b.test')]);
    await expect(once('dead.test')).rejects.toBeInstanceOf(DnsFailureError);
    await expect(once('dead.test')).rejects.toBeInstanceOf(DnsFailureError);
    expect(asked).toEqual(['a.test', 'b.test', 'dead.test']);
  });
});

describe('uniqueAddresses', () => {
  it('drops duplicates and puts IPv4 first', () => {
    expect(
      uniqueAddresses([
        { address: '::1', family: 6 },
        { address: '10.0.0.1', family: 4 },
        { address: '::1', family: 6 },
        { address: '10.0.0.1', family: 4 },
      ]),
    ).toEqual([
      { address: '10.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
  });
});
