import { describe, expect, it } from 'vitest';
import { formatSms, gsmSeptets, SMS_MAX_SEPTETS, toGsmAscii } from '../../lambda/channels/format/sms';
import { hostileEvent, sampleEvents } from '../support/webhook-receivers';

const oneSegment = (text: string) => {
  const septets = gsmSeptets(text);
  expect(septets, `not GSM-7: ${JSON.stringify(text)}`).toBeDefined();
  expect(septets).toBeLessThanOrEqual(SMS_MAX_SEPTETS);
};

describe('SMS text', () => {
  it('says what, where and when for each alert kind', () => {
    expect(formatSms(sampleEvents.expiring())).toBe(
      'CERT EXPIRES IN 3d: api.example.com (ACM eu-west-1) 2026-11-28',
    );
    expect(formatSms(sampleEvents.expired())).toBe(
      'CERT EXPIRED: shop.example.com (192.0.2.10:443) 2026-11-23',
    );
    expect(formatSms(sampleEvents.misconfigured())).toBe(
      'CERT REJECTED HOSTNAME_MISMATCH: www.example.org (198.51.100.7:443) 2027-06-13',
    );
    expect(formatSms(sampleEvents.checkFailed())).toBe(
      'TLS CHECK FAILED STARTTLS_REFUSED: mail.example.com (192.0.2.25:587) 2026-11-25',
    );
    expect(formatSms(sampleEvents.renewed())).toBe(
      'CERT RENEWED: api.example.com (ACM eu-west-1) 2027-12-25',
    );
    expect(formatSms(sampleEvents.removed())).toBe(
      'CERT REMOVED: api.example.com (ACM eu-west-1) 2026-11-28',
    );
    expect(formatSms(sampleEvents.scanCompleted())).toBe('CERT SCAN DONE: Scan Completed');
    expect(formatSms(sampleEvents.unknown())).toBe('CERT WATCHER: Certificate Teleported');
  });

  it('counts GSM-7 extension characters as two septets and rejects characters outside GSM-7', () => {
    expect(gsmSeptets('abc')).toBe(3);
    expect(gsmSeptets('{}[]~^|\\€')).toBe(18);
    expect(gsmSeptets('é')).toBe(1);
    expect(gsmSeptets('ł')).toBeUndefined();
    expect(gsmSeptets('🔥')).toBeUndefined();
  });

  it('transliterates accents and ligatures, and drops what has no Latin form', () => {
    expect(toGsmAscii('Ünïcødé Straße Œuvre café – “x” ł')).toBe('Unicode Strasse OEuvre cafe - "x" l');
    expect(toGsmAscii('{a}[b]~^|\\€`')).toBe('ab');
    expect(toGsmAscii('مرحبا.example')).toBe('.example');
  });

  it('shortens a long name with ".." so the message stays one segment', () => {
    const long = `${'sub.'.repeat(60)}example.com`;
    const text = formatSms(hostileEvent({ domain: long, sans: [] }));
    oneSegment(text);
    expect(text).toHaveLength(SMS_MAX_SEPTETS);
    expect(text).toMatch(/^CERT EXPIRES IN 3d: sub\.sub\..*\.\. \(ACM eu-west-1\) 2026-11-28$/);
  });

  it('an all-emoji name falls back to a SAN, then to the location, and never leaves GSM-7', () => {
    expect(formatSms(hostileEvent({ domain: '🔥🚀💥', sans: ['🔥.example', 'www.example.net'] }))).toBe(
      'CERT EXPIRES IN 3d: .example (ACM eu-west-1) 2026-11-28',
    );
    const onlyEmoji = formatSms(hostileEvent({ domain: '🔥🚀💥', sans: ['🔥🔥'] }));
    oneSegment(onlyEmoji);
    expect(onlyEmoji).toContain('arn:aws:acm:eu-west-1');
  });

  it('stays one GSM-7 segment for every hostile input', () => {
    const inputs = [
      hostileEvent(),
      hostileEvent({ domain: '{}[]~^|\\€'.repeat(40) }),
      hostileEvent({ domain: 'é'.repeat(500) }),
      hostileEvent({ domain: '\u202Eevil\u202C'.repeat(100) }),
      hostileEvent({ domain: '中文域名.测试', sans: ['中文.测试'] }),
      hostileEvent({ domain: '' }),
    ];
    for (const e of inputs) oneSegment(formatSms(e));
    for (const e of Object.values(sampleEvents)) oneSegment(formatSms(e()));
  });
});
