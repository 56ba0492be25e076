import { describe, expect, it } from 'vitest';
import { DnsFailureError } from '../../lambda/sources/endpoint/errors';
import { defaultResolve, uniqueAddresses } from '../../lambda/sources/endpoint/resolve';

describe('defaultResolve', () => {
  it('returns IP literals as they are, without a lookup', async () => {
    expect(await defaultResolve('192.0.2.7')).toEqual([{ address: '192.0.2.7', family: 4 }]);
    expect(await defaultResolve('2001:db8::1')).toEqual([{ address: '2001:db8::1', family: 6 }]);
  });

  it('falls back to the system resolver for names only it knows (localhost)', async () => {
    const addresses = await defaultResolve('localhost');
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((a) => a.address.startsWith('127.') || a.address === '::1')).toBe(true);
  }, 20_000);

  it('throws DnsFailureError for a reserved .invalid name', async () => {
    await expect(defaultResolve('nothing-here.invalid')).rejects.toBeInstanceOf(DnsFailureError);
  }, 20_000);
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
