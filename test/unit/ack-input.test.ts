import { describe, expect, it } from 'vitest';
import { parseUntil } from '../../bin/cli/ack';
import { UsageError } from '../../bin/cli/exit-codes';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { BusEvent } from '../../lambda/core/events';
import { MS_PER_DAY } from '../../lambda/core/time';
import {
  InvalidAckError,
  lifecycleConfig,
  MAX_ACK_REASON_CHARS,
  validateAck,
} from '../../lambda/lifecycle/model';
import { processScan } from '../../lambda/lifecycle/run-lifecycle';
import { InMemoryLifecycleStore } from '../support/in-memory-lifecycle-store';
import { assertValidEvent } from '../support/schemas';

const NOW = new Date('2026-11-29T12:00:00.000Z');

describe('ack --until: strict ISO 8601', () => {
  it('takes a date (midnight UTC) or a date-time with its zone', () => {
    expect(parseUntil('2027-01-01', NOW).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(parseUntil('2027-01-01T09:30Z', NOW).toISOString()).toBe('2027-01-01T09:30:00.000Z');
    expect(parseUntil('2027-01-01T09:30:15+02:00', NOW).toISOString()).toBe('2027-01-01T07:30:15.000Z');
    expect(parseUntil('2028-02-29', NOW).toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it.each([
    ['2027-01-01junk', 'not a date (YYYY-MM-DD)'],
    ['2027-02-29', 'not a calendar date'],
    ['2027-04-31', 'not a calendar date'],
    ['2027-13-01', 'not a calendar date'],
    ['2027-01-01T25:00Z', 'out of range'],
    ['2027-01-01T09:00', 'not a date (YYYY-MM-DD)'], // no zone: ambiguous
    ['next friday', 'not a date (YYYY-MM-DD)'],
    ['1735689600', 'not a date (YYYY-MM-DD)'],
  ])('refuses %s (%s) instead of guessing', (raw, why) => {
    expect(() => parseUntil(raw, NOW)).toThrow(UsageError);
    expect(() => parseUntil(raw, NOW)).toThrow(why);
  });

  it('refuses a moment in the past', () => {
    expect(() => parseUntil('2026-11-01', NOW)).toThrow(/must be in the future/);
  });
});

describe('acknowledgement limits', () => {
  it('accepts a reason up to the limit and refuses one longer, or with control characters', () => {
    const at = NOW.toISOString();
    expect(validateAck({ at, reason: 'x'.repeat(MAX_ACK_REASON_CHARS) }).reason).toHaveLength(
      MAX_ACK_REASON_CHARS,
    );
    expect(() => validateAck({ at, reason: 'x'.repeat(131_000) })).toThrow(InvalidAckError);
    expect(() => validateAck({ at, reason: 'x'.repeat(131_000) })).toThrow(
      /at most 500 characters, got 131000/,
    );
    expect(() => validateAck({ at, reason: 'line\nbreak' })).toThrow(/control characters/);
    expect(() => validateAck({ at, by: 'b'.repeat(201) })).toThrow(/by must be at most 200/);
    expect(() => validateAck({ at, until: 'soon' })).toThrow(/until must be an ISO instant/);
    // The state admin takes the same strict instants as the CLI: no roll-over, no trailing junk.
    expect(() => validateAck({ at, until: '2027-02-29' })).toThrow(/not a calendar date/);
    expect(() => validateAck({ at, until: '2027-01-01junk' })).toThrow(/until must be an ISO instant/);
    expect(validateAck({ at, until: '2027-03-01T00:00:00.000Z' }).until).toBe('2027-03-01T00:00:00.000Z');
  });
});

describe('an acknowledgement stored before the limit existed', () => {
  it('cannot make events unsendable: the reason rides on the next tier entry cut to the limit, schema-valid', async () => {
    const store = new InMemoryLifecycleStore();
    const record: CertificateRecord = {
      source: 'acm',
      id: 'arn:aws:acm:eu-west-1:111122223333:certificate/huge-ack',
      region: 'eu-west-1',
      domain: 'huge-ack.example.com',
      sans: ['huge-ack.example.com'],
      type: 'IMPORTED',
      notBefore: new Date(NOW.getTime() - 300 * MS_PER_DAY),
      notAfter: new Date(NOW.getTime() + 2.5 * MS_PER_DAY),
    };
    const scan = (scanId: string) => ({
      scanId,
      observations: [{ location: record.id, scope: 'acm#eu-west-1', record }],
      completeScopes: ['acm#eu-west-1'],
    });
    const published: BusEvent[] = [];
    const run = (now: Date, scanId: string) =>
      processScan(
        {
          store,
          publisher: {
            publish: async (e) => {
              published.push(...e);
              return { published: e.length };
            },
          },
          now,
          clock: () => now,
          config: lifecycleConfig(),
        },
        scan(scanId),
      );
    await run(NOW, 's1');
    await store.setAck(record.id, { at: NOW.toISOString(), reason: 'r'.repeat(131_000) });
    // A day and more later the certificate enters its last tier: a tier entry goes out, acknowledged.
    await run(new Date(NOW.getTime() + 2 * MS_PER_DAY), 's2');
    const reminder = published.at(-1)!;
    const lifecycle = (reminder.detail as { lifecycle: { ackReason?: string } }).lifecycle;
    expect(lifecycle.ackReason).toHaveLength(MAX_ACK_REASON_CHARS);
    assertValidEvent(reminder.detailType, reminder.detail);
    expect(JSON.stringify(reminder.detail).length).toBeLessThan(256 * 1024);
  });
});
