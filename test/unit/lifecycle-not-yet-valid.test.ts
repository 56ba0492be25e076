/**
 * Issue #10: a certificate whose notBefore is in the future is rejected by clients (RFC 5280
 * §4.1.2.5); `check` and `scan` call it critical, and the deployed lifecycle says it too: once when
 * first seen, on the critical reminder schedule while it lasts, resolved when it becomes valid.
 */
import { describe, expect, it } from 'vitest';
import { MS_PER_DAY } from '../../lambda/core/time';
import { lifecycleConfig } from '../../lambda/lifecycle/model';
import { acm, brief, day, fp, Harness, obs } from '../support/lifecycle-harness';

const HOUR = 3_600_000;

describe('lifecycle: certificates not yet valid', () => {
  it('says "Certificate Not Yet Valid" once, critical, with no expiry tier while it lasts', () => {
    const h = new Harness();
    const r = acm({ notBefore: day(3), notAfter: day(10) });
    const events = h.scan(day(0), [obs(r)]);
    expect(brief(events)).toEqual(['Certificate Not Yet Valid|not-yet-valid|']);
    expect(events[0]!.detail.evaluation).toMatchObject({ severity: 'critical', notYetValid: true });
    // Four scans a day: said once.
    for (const hours of [4, 8, 12])
      expect(h.scan(new Date(day(0).getTime() + hours * HOUR), [obs(r)])).toEqual([]);
  });

  it('reminds once per critical reminder period, counting, and not while acknowledged', () => {
    const h = new Harness(lifecycleConfig({ criticalReminderIntervalDays: 1 }));
    const r = acm({ notBefore: day(5), notAfter: day(400) });
    h.scan(day(0), [obs(r)]);
    const first = h.scan(day(1), [obs(r)]);
    expect(brief(first)).toEqual(['Certificate Not Yet Valid|not-yet-valid-reminder|']);
    expect(first[0]!.detail.lifecycle.reminderCount).toBe(1);
    expect(h.scan(new Date(day(1).getTime() + 6 * HOUR), [obs(r)])).toEqual([]);
    expect(h.scan(day(2), [obs(r)])[0]!.detail.lifecycle.reminderCount).toBe(2);
    const state = h.states.get(r.id)!;
    h.states.set(r.id, { ...state, ack: { at: day(2).toISOString(), reason: 'goes live on day 5' } });
    expect(h.scan(day(3), [obs(r)])).toEqual([]);
  });

  it('resolves with "Certificate Now Valid" once valid, then the expiry rules apply as for a new certificate', () => {
    // A 100-day certificate is inside a 120-day tier the moment it becomes valid.
    const h = new Harness(lifecycleConfig({ thresholds: { tiersDays: [120, 30, 7], criticalDays: 7 } }));
    const r = acm({ notBefore: day(2), notAfter: day(102) });
    h.scan(day(0), [obs(r)]);
    h.scan(day(1), [obs(r)]);
    const events = h.scan(day(2), [obs(r)]);
    expect(brief(events)).toEqual([
      'Certificate Now Valid|now-valid|',
      'Certificate Expiring|tier-entered|120',
    ]);
    expect(events[0]!.detail.lifecycle).toMatchObject({
      resolves: 'not-yet-valid-reminder',
      reminderCount: 1,
    });
    expect(events[0]!.detail.evaluation.notYetValid).toBe(false);
    expect(h.scan(new Date(day(2).getTime() + 6 * HOUR), [obs(r)])).toEqual([]);
  });

  it('a future-dated certificate imported over an ACM ARN is a renewal that clients reject until its notBefore', () => {
    const h = new Harness();
    const old = acm({ notAfter: day(20) });
    expect(brief(h.scan(day(0), [obs(old)]))).toEqual(['Certificate Expiring|tier-entered|30']);
    const next = acm({ fingerprintSha256: fp(9), serialNumber: '09', notBefore: day(4), notAfter: day(400) });
    expect(brief(h.scan(day(1), [obs(next)]))).toEqual([
      'Certificate Renewed|renewed|',
      'Certificate Not Yet Valid|not-yet-valid|',
    ]);
  });

  it('an expired certificate with a notBefore after its notAfter is expired, not "not yet valid"', () => {
    const h = new Harness();
    const broken = acm({ notBefore: day(5), notAfter: new Date(day(0).getTime() - MS_PER_DAY) });
    expect(brief(h.scan(day(0), [obs(broken)]))).toEqual(['Certificate Expired|expired|']);
  });
});
