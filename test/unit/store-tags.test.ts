import { describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../lambda/core/certificate';
import { toCertificateDetail } from '../../lambda/core/events';
import { withStoreTags } from '../../lambda/sources/tags';

const record: CertificateRecord = {
  source: 'iam',
  id: 'arn:aws:iam::111122223333:server-certificate/web',
  domain: 'web.example.com',
  sans: [],
  type: 'IMPORTED',
};

describe("a certificate's tags in its store", () => {
  it('become the record tags, empty values kept and keys without a name dropped', async () => {
    const tagged = await withStoreTags(record, async () => [
      { Key: 'team', Value: 'payments' },
      { Key: 'flag' },
      { Value: 'orphan' },
    ]);
    expect(tagged.tags).toEqual({ team: 'payments', flag: '' });
    expect(tagged.domain).toBe('web.example.com');
  });

  it('leave the record as it was when the store refuses or has none', async () => {
    expect(
      await withStoreTags(record, async () => {
        throw Object.assign(new Error('no'), { name: 'AccessDenied' });
      }),
    ).toBe(record);
    expect(await withStoreTags(record, async () => undefined)).toBe(record);
    expect(await withStoreTags(record, async () => [])).toBe(record);
  });

  it('are bounded in the event: 50 tags, keys of 128 and values of 256 characters', async () => {
    const many = Array.from({ length: 80 }, (_, i) => ({
      Key: `${i}-${'k'.repeat(200)}`,
      Value: 'v'.repeat(400),
    }));
    const detail = toCertificateDetail(await withStoreTags(record, async () => many));
    const entries = Object.entries(detail.tags ?? {});
    expect(entries).toHaveLength(50);
    for (const [k, v] of entries) {
      expect(k.length).toBeLessThanOrEqual(128);
      expect(v.length).toBe(256);
    }
  });
});
