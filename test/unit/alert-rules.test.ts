/** The alert rules one transition kind at a time, on plain facts: no scan, no store. */
import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../lambda/core/evaluate';
import { MS_PER_DAY } from '../../lambda/core/time';
import {
  type AlertFacts,
  criticalReminderRule,
  expiryRule,
  periodOf,
  renewalRiskRule,
  tierEntryRule,
} from '../../lambda/lifecycle/alert-rules';
import { lifecycleConfig } from '../../lambda/lifecycle/model';
import { EMPTY_ALERT } from '../../lambda/lifecycle/tracked-state';

const NOW = new Date('2026-03-01T06:00:00.000Z');
const config = lifecycleConfig();

const evaluation = (over: Partial<Evaluation> = {}): Evaluation => ({
  severity: 'warning',
  daysRemaining: 20,
  hoursRemaining: 480,
  tierDays: 30,
  renewalRisk: null,
  notYetValid: false,
  renewsAutomatically: false,
  thresholds: config.thresholds,
  basis: 'days',
  ...over,
});

const facts = (over: Partial<AlertFacts> = {}): AlertFacts => ({
  alert: EMPTY_ALERT,
  evaluation: evaluation(),
  criticalDays: 7,
  acked: false,
  now: NOW,
  config,
  ...over,
});

describe('tierEntryRule', () => {
  it('enters a tier once, then only a smaller one', () => {
    const entered = tierEntryRule(facts());
    expect(entered).toMatchObject({ transition: 'tier-entered', idParts: [30], next: { tierDays: 30 } });
    expect(tierEntryRule(facts({ alert: entered!.next }))).toBeNull();
    expect(
      tierEntryRule(facts({ alert: entered!.next, evaluation: evaluation({ tierDays: 14 }) })),
    ).toMatchObject({ extra: { previousTierDays: 30 }, next: { tierDays: 14, reminderCount: 0 } });
  });

  it('does not enter a tier after the expiry was announced', () => {
    expect(tierEntryRule(facts({ alert: { ...EMPTY_ALERT, expired: true } }))).toBeNull();
  });
});

describe('criticalReminderRule', () => {
  const announced = { ...EMPTY_ALERT, tierDays: 7, lastEmittedAt: NOW.toISOString() };
  const critical = evaluation({ severity: 'critical', tierDays: 7 });

  it('reminds once per period, counting reminders', () => {
    expect(criticalReminderRule(facts({ alert: announced, evaluation: critical }))).toBeNull();
    const tomorrow = new Date(NOW.getTime() + MS_PER_DAY);
    expect(
      criticalReminderRule(facts({ alert: announced, evaluation: critical, now: tomorrow })),
    ).toMatchObject({
      transition: 'tier-reminder',
      idParts: [7, periodOf(tomorrow, 1)],
      next: { reminderCount: 1 },
    });
  });

  it('is silent when acknowledged or above the critical tier', () => {
    const tomorrow = new Date(NOW.getTime() + MS_PER_DAY);
    expect(
      criticalReminderRule(facts({ alert: announced, evaluation: critical, now: tomorrow, acked: true })),
    ).toBeNull();
    expect(
      criticalReminderRule(
        facts({
          alert: { ...announced, tierDays: 14 },
          evaluation: evaluation({ tierDays: 14 }),
          now: tomorrow,
        }),
      ),
    ).toBeNull();
  });
});

describe('expiryRule', () => {
  const notAfter = new Date(NOW.getTime() - 2.5 * MS_PER_DAY);
  const expired = evaluation({ severity: 'expired', tierDays: 1, daysRemaining: -3 });

  it('announces the expiry once with the days since, then reminders unless acknowledged', () => {
    const first = expiryRule(facts({ evaluation: expired }), notAfter);
    expect(first).toMatchObject({ transition: 'expired', idParts: [], extra: { expiredDaysAgo: 2 } });
    expect(expiryRule(facts({ alert: first!.next, evaluation: expired }), notAfter)).toBeNull();
    const later = new Date(NOW.getTime() + MS_PER_DAY);
    expect(
      expiryRule(facts({ alert: first!.next, evaluation: expired, now: later }), notAfter),
    ).toMatchObject({
      transition: 'expired-reminder',
      next: { reminderCount: 1 },
    });
    expect(
      expiryRule(facts({ alert: first!.next, evaluation: expired, now: later, acked: true }), notAfter),
    ).toBeNull();
  });
});

describe('renewalRiskRule', () => {
  it('announces each risk once', () => {
    const risky = evaluation({ tierDays: null, renewalRisk: 'RENEWAL_FAILED' });
    const first = renewalRiskRule(facts({ evaluation: risky }));
    expect(first).toMatchObject({ transition: 'renewal-at-risk', idParts: ['RENEWAL_FAILED'] });
    expect(renewalRiskRule(facts({ alert: first!.next, evaluation: risky }))).toBeNull();
    expect(renewalRiskRule(facts({ evaluation: evaluation({ renewalRisk: null }) }))).toBeNull();
  });
});
