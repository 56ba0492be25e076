import { describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../lambda/core/certificate';
import {
  DEFAULT_THRESHOLDS,
  effectiveThresholds,
  evaluate,
  InvalidThresholdsError,
  overallSeverity,
  thresholdsFromWindow,
  validateThresholds,
} from '../../lambda/core/evaluate';
import { MS_PER_DAY } from '../../lambda/core/time';
import { lifecycleConfig } from '../../lambda/lifecycle/model';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const at = (days: number) => new Date(NOW.getTime() + days * MS_PER_DAY);

const record = (over: Partial<CertificateRecord>): CertificateRecord => ({
  source: 'acm',
  id: 'arn:aws:acm:eu-west-1:111122223333:certificate/abc',
  domain: 'example.com',
  sans: ['example.com'],
  type: 'IMPORTED',
  notBefore: at(-60),
  notAfter: at(100),
  ...over,
});

describe('evaluate: tiers and severities at the boundaries', () => {
  it.each([
    [100, 'ok', null, 100],
    [30.0001, 'ok', null, 30],
    [30, 'warning', 30, 30],
    [29.99, 'warning', 30, 29],
    [14, 'warning', 14, 14],
    [7, 'critical', 7, 7],
    [6.5, 'critical', 7, 6],
    [3, 'critical', 3, 3],
    [0.5, 'critical', 1, 0],
  ] as const)('%s days left is %s in tier %s with %s whole days', (days, severity, tier, whole) => {
    const e = evaluate(record({ notAfter: at(days) }), NOW, DEFAULT_THRESHOLDS);
    expect(e.severity).toBe(severity);
    expect(e.tierDays).toBe(tier);
    expect(e.daysRemaining).toBe(whole);
  });

  it('expired a second ago is expired with 0 whole days (truncated toward zero), 0 hours and no tier', () => {
    const e = evaluate(record({ notAfter: new Date(NOW.getTime() - 1000) }), NOW, DEFAULT_THRESHOLDS);
    expect(e).toMatchObject({ severity: 'expired', daysRemaining: 0, hoursRemaining: 0, tierDays: null });
  });

  it('expired 2 days and 5 hours ago is -2 days, as "expired 2 days ago" says (it was -3)', () => {
    const e = evaluate(record({ notAfter: at(-2 - 5 / 24) }), NOW, DEFAULT_THRESHOLDS);
    expect(e).toMatchObject({ severity: 'expired', daysRemaining: -2, hoursRemaining: -53 });
  });

  it('expiring exactly now counts as expired', () => {
    expect(evaluate(record({ notAfter: NOW }), NOW, DEFAULT_THRESHOLDS).severity).toBe('expired');
  });

  it('flags a certificate that is not yet valid without hiding its expiry; the overall verdict is critical', () => {
    const e = evaluate(record({ notBefore: at(1), notAfter: at(50) }), NOW, DEFAULT_THRESHOLDS);
    expect(e.notYetValid).toBe(true);
    // 49-day lifetime: graded by the lifetime rule (warning at 33 % = 16.2 days), so 50 days left is ok.
    expect(e).toMatchObject({ severity: 'ok', basis: 'lifetime' });
    expect(overallSeverity(e)).toBe('critical');
  });

  it('a certificate without an expiry (pending validation) is ok with null days', () => {
    const e = evaluate(
      record({ notAfter: undefined, notBefore: undefined, status: 'PENDING_VALIDATION' }),
      NOW,
      DEFAULT_THRESHOLDS,
    );
    expect(e).toMatchObject({ severity: 'ok', daysRemaining: null, tierDays: null });
  });
});

describe('evaluate: imported versus managed', () => {
  it('imported certificates never renew and are not downgraded', () => {
    const e = evaluate(
      record({ type: 'IMPORTED', notAfter: at(20), renewalEligibility: 'INELIGIBLE' }),
      NOW,
      DEFAULT_THRESHOLDS,
    );
    expect(e).toMatchObject({ severity: 'warning', renewsAutomatically: false, renewalRisk: null });
  });

  it('a healthy managed certificate keeps the days-based severity', () => {
    const e = evaluate(
      record({
        type: 'AMAZON_ISSUED',
        notAfter: at(20),
        renewalEligibility: 'ELIGIBLE',
        renewalStatus: 'PENDING_AUTO_RENEWAL',
      }),
      NOW,
      DEFAULT_THRESHOLDS,
    );
    expect(e).toMatchObject({ severity: 'warning', renewsAutomatically: true, renewalRisk: null });
  });

  it.each([
    ['FAILED', 'RENEWAL_FAILED'],
    ['PENDING_VALIDATION', 'RENEWAL_PENDING_VALIDATION'],
  ] as const)('managed renewal %s inside the window escalates warning to critical', (status, risk) => {
    const e = evaluate(
      record({ type: 'PRIVATE', notAfter: at(20), renewalStatus: status }),
      NOW,
      DEFAULT_THRESHOLDS,
    );
    expect(e).toMatchObject({ severity: 'critical', renewalRisk: risk });
  });

  it('managed renewal failed outside the window is already a warning', () => {
    const e = evaluate(
      record({ type: 'AMAZON_ISSUED', notAfter: at(50), renewalStatus: 'FAILED' }),
      NOW,
      DEFAULT_THRESHOLDS,
    );
    expect(e.severity).toBe('warning');
  });

  it('managed and ineligible for renewal is flagged, and escalated only inside the window', () => {
    const far = evaluate(
      record({ type: 'AMAZON_ISSUED', notAfter: at(50), renewalEligibility: 'INELIGIBLE' }),
      NOW,
      DEFAULT_THRESHOLDS,
    );
    const near = evaluate(
      record({ type: 'AMAZON_ISSUED', notAfter: at(20), renewalEligibility: 'INELIGIBLE' }),
      NOW,
      DEFAULT_THRESHOLDS,
    );
    expect(far).toMatchObject({ severity: 'ok', renewalRisk: 'RENEWAL_INELIGIBLE' });
    expect(near).toMatchObject({ severity: 'critical', renewalRisk: 'RENEWAL_INELIGIBLE' });
  });

  it('an expired managed certificate stays expired whatever its renewal says', () => {
    const e = evaluate(
      record({ type: 'AMAZON_ISSUED', notAfter: at(-2), renewalStatus: 'FAILED' }),
      NOW,
      DEFAULT_THRESHOLDS,
    );
    expect(e.severity).toBe('expired');
  });
});

describe('thresholds', () => {
  it.each([
    [{ tiersDays: [], criticalDays: 1 }, /must not be empty/],
    [{ tiersDays: [7, 14, 30], criticalDays: 1 }, /strictly descending/],
    [{ tiersDays: [30, 30], criticalDays: 1 }, /strictly descending/],
    [{ tiersDays: [30, -1], criticalDays: 1 }, /tiersDays\[1\] must be a positive/],
    [{ tiersDays: [30, 14], criticalDays: 45 }, /must not exceed the warning window \(30 days\)/],
    [{ tiersDays: [30], criticalDays: Number.NaN }, /criticalDays/],
  ])('rejects %j', (t, message) => {
    expect(() => validateThresholds(t)).toThrow(InvalidThresholdsError);
    expect(() => validateThresholds(t)).toThrow(message);
  });

  it('builds tiers from a CLI warning window and critical limit', () => {
    expect(thresholdsFromWindow(60, 10)).toEqual({ tiersDays: [60, 30, 14, 10, 7, 3, 1], criticalDays: 10 });
    expect(thresholdsFromWindow(30, 7)).toEqual(DEFAULT_THRESHOLDS);
  });

  it('custom tiers change where warnings start', () => {
    const t = validateThresholds({ tiersDays: [60, 21], criticalDays: 5 });
    expect(evaluate(record({ notAfter: at(45) }), NOW, t)).toMatchObject({
      severity: 'warning',
      tierDays: 60,
    });
    expect(evaluate(record({ notAfter: at(45) }), NOW, DEFAULT_THRESHOLDS).severity).toBe('ok');
  });
});

describe('evaluate: the lifetime rule belongs to the one verdict (issue #10, item 4)', () => {
  const sixDays = (hoursLeft: number) =>
    record({
      notBefore: new Date(NOW.getTime() - (160 - hoursLeft) * 3_600_000),
      notAfter: at(hoursLeft / 24),
    });

  it('a fresh 160-hour certificate is ok under the plain day thresholds the CLI passes', () => {
    // Before: critical (6.6 days is inside the 7-day critical limit) on every run of its life.
    const e = evaluate(sixDays(159), NOW, DEFAULT_THRESHOLDS);
    expect(e).toMatchObject({ severity: 'ok', basis: 'lifetime', daysRemaining: 6 });
    expect(e.thresholds).toEqual({ tiersDays: [2.2, 0.67], criticalDays: 0.67 });
  });

  it.each([
    [52, 'warning'],
    [12, 'critical'],
  ] as const)('with %s hours left it is %s, by the percentages of its lifetime', (hours, severity) => {
    expect(evaluate(sixDays(hours), NOW, DEFAULT_THRESHOLDS).severity).toBe(severity);
  });

  it('the lifecycle configuration changes the rule for every caller that passes it', () => {
    const config = { ...lifecycleConfig(), shortLivedMaxDays: 5 };
    expect(evaluate(sixDays(159), NOW, config)).toMatchObject({ severity: 'critical', basis: 'days' });
  });

  it("a source's own tiers win over the lifetime rule, as in the lifecycle", () => {
    const own = { tiersDays: [10, 8], criticalDays: 8 };
    const r = { ...sixDays(159), thresholds: own };
    expect(effectiveThresholds(r, 6.67, DEFAULT_THRESHOLDS).thresholds).toBe(own);
    expect(evaluate(r, NOW, DEFAULT_THRESHOLDS).severity).toBe('critical');
  });
});

describe('overallSeverity: the verdict tables, exit codes and event severity show', () => {
  const ok = evaluate(record({}), NOW, DEFAULT_THRESHOLDS);
  it.each([
    [[{ severity: 'critical' as const }], 'critical'],
    [[{ severity: 'warning' as const }], 'warning'],
    [[{ severity: 'info' as const }, {}], 'ok'],
  ])('an ok expiry with problems %j is %s', (problems, verdict) => {
    expect(overallSeverity(ok, problems)).toBe(verdict);
  });
  it('never lowers an expired certificate', () => {
    const expired = evaluate(record({ notAfter: at(-1) }), NOW, DEFAULT_THRESHOLDS);
    expect(overallSeverity(expired, [{ severity: 'critical' }])).toBe('expired');
  });
});
