/**
 * The expiry rules for the certificate a state tracks, one named rule per transition kind: expiry
 * then its reminders, tier entry once and only upwards, critical reminders per period, renewal
 * risk once per risk. Each rule is pure: it returns the decision, `alertRules` applies it.
 */
import type { CertificateRecord } from '../core/certificate';
import { type Evaluation, evaluate } from '../core/evaluate';
import type { Problem } from '../core/events';
import { MS_PER_DAY } from '../core/time';
import { type LifecycleEvent, type LifecycleInfo, lifecycleEvent, stateIdentity } from './lifecycle-events';
import type { AlertState, LifecycleConfig, TrackedState, Transition } from './model';
import { isAcked, type Mutable } from './tracked-state';
import { lifecycleInfo, type RuleContext } from './transition-events';

/** Epoch-aligned reminder period: with 1 day, the UTC day number. */
export const periodOf = (at: Date, intervalDays: number): number =>
  Math.floor(at.getTime() / (intervalDays * MS_PER_DAY));

/** What the rules look at for one certificate at one instant. */
export interface AlertFacts {
  readonly alert: AlertState;
  readonly evaluation: Evaluation;
  /** Critical tier of the thresholds that apply to this certificate. */
  readonly criticalDays: number;
  readonly acked: boolean;
  readonly now: Date;
  readonly config: LifecycleConfig;
}

/** A transition to announce: the alert state after it and what its event says beyond the state. */
export interface AlertDecision {
  readonly transition: Transition;
  readonly next: AlertState;
  readonly extra: Partial<LifecycleInfo>;
  readonly idParts: (string | number | null)[];
}

/** No event yet in this period (the first event counts as the period's). */
const reminderDue = (lastEmittedAt: string | null, period: number, intervalDays: number): boolean =>
  lastEmittedAt === null || period > periodOf(new Date(lastEmittedAt), intervalDays);

/**
 * A reminder of what is announced, once per period of `intervalDays` and never while acknowledged;
 * its id holds `idPrefix` and the period.
 */
const reminder = (
  f: AlertFacts,
  transition: Transition,
  intervalDays: number,
  extra: Partial<LifecycleInfo>,
  idPrefix: (string | number | null)[] = [],
): AlertDecision | null => {
  const period = periodOf(f.now, intervalDays);
  if (f.acked || !reminderDue(f.alert.lastEmittedAt, period, intervalDays)) return null;
  const next: AlertState = {
    ...f.alert,
    lastTransition: transition,
    lastEmittedAt: f.now.toISOString(),
    reminderCount: f.alert.reminderCount + 1,
    risk: f.evaluation.renewalRisk,
  };
  return { transition, next, extra, idParts: [...idPrefix, period] };
};

/** 'Certificate Expired' once, then a reminder per period unless acknowledged. */
export const expiryRule = (f: AlertFacts, notAfter: Date): AlertDecision | null => {
  const { alert, now, config } = f;
  const risk = f.evaluation.renewalRisk;
  const expiredDaysAgo = Math.floor((now.getTime() - notAfter.getTime()) / MS_PER_DAY);
  const extra = { tierDays: null, previousTierDays: alert.tierDays, expiredDaysAgo };
  if (!alert.expired) {
    const next: AlertState = {
      ...alert,
      expired: true,
      lastTransition: 'expired',
      lastEmittedAt: now.toISOString(),
      reminderCount: 0,
      risk,
    };
    return { transition: 'expired', next, extra, idParts: [] };
  }
  return reminder(f, 'expired-reminder', config.expiredReminderIntervalDays, extra);
};

/** A tier is announced when first reached and only upwards (a smaller day count), never again. */
export const tierEntryRule = (f: AlertFacts): AlertDecision | null => {
  const { alert } = f;
  const tier = f.evaluation.tierDays;
  const entered = tier !== null && !alert.expired && (alert.tierDays === null || tier < alert.tierDays);
  if (!entered) return null;
  const next: AlertState = {
    ...alert,
    tierDays: tier,
    lastTransition: 'tier-entered',
    lastEmittedAt: f.now.toISOString(),
    reminderCount: 0,
    risk: f.evaluation.renewalRisk,
  };
  return { transition: 'tier-entered', next, extra: { previousTierDays: alert.tierDays }, idParts: [tier] };
};

/** A critical tier already announced repeats once per period, unless acknowledged. */
export const criticalReminderRule = (f: AlertFacts): AlertDecision | null => {
  const { alert, config } = f;
  const tier = f.evaluation.tierDays;
  const critical = tier !== null && tier <= f.criticalDays && alert.tierDays !== null && !alert.expired;
  if (!critical) return null;
  return reminder(
    f,
    'tier-reminder',
    config.criticalReminderIntervalDays,
    { previousTierDays: alert.tierDays },
    [alert.tierDays],
  );
};

/**
 * A notBefore in the future: clients reject the certificate now (RFC 5280 §4.1.2.5), so it is said
 * once when first seen and reminded on the critical schedule while it lasts, unless acknowledged.
 */
export const notYetValidRule = (f: AlertFacts): AlertDecision | null => {
  const { alert, config, now } = f;
  if (!alert.notYetValid) {
    const next: AlertState = {
      ...alert,
      notYetValid: true,
      lastTransition: 'not-yet-valid',
      lastEmittedAt: now.toISOString(),
      reminderCount: 0,
    };
    return { transition: 'not-yet-valid', next, extra: {}, idParts: [] };
  }
  return reminder(f, 'not-yet-valid-reminder', config.criticalReminderIntervalDays, {});
};

/**
 * The certificate announced as not yet valid reached its notBefore: resolved once. The expiry
 * rules then start from nothing announced, so its tiers are said as for a new certificate.
 */
export const nowValidRule = (f: AlertFacts): AlertDecision | null => {
  const { alert } = f;
  if (!alert.notYetValid || f.evaluation.notYetValid) return null;
  const next: AlertState = {
    tierDays: null,
    expired: false,
    lastTransition: 'now-valid',
    // Reminder periods of the tiers start with their own entry.
    lastEmittedAt: null,
    reminderCount: 0,
    risk: alert.risk,
  };
  return {
    transition: 'now-valid',
    next,
    extra: { resolves: alert.lastTransition ?? undefined, reminderCount: alert.reminderCount },
    idParts: [],
  };
};

/** A renewal risk is announced once per risk, whatever the tier. */
export const renewalRiskRule = (f: AlertFacts): AlertDecision | null => {
  const { alert } = f;
  const risk = f.evaluation.renewalRisk;
  if (risk === null || risk === alert.risk) return null;
  const next: AlertState = {
    ...alert,
    lastTransition: 'renewal-at-risk',
    lastEmittedAt: f.now.toISOString(),
    risk,
  };
  return {
    transition: 'renewal-at-risk',
    next,
    extra: { previousTierDays: alert.tierDays },
    idParts: [risk],
  };
};

/**
 * Runs the rules for the certificate the state now tracks and applies the first that fires to
 * `state.alert`. Acknowledged certificates get no reminders; entries into higher tiers still go
 * out (marked acked). Without an event, the renewal risk is still remembered.
 */
export const alertRules = (
  state: Mutable<TrackedState>,
  record: CertificateRecord,
  problems: readonly Problem[],
  ctx: RuleContext,
): LifecycleEvent[] => {
  const { now, config } = ctx;
  const evaluation = evaluate(record, now, config, state.lifetimeDays);
  const identity = stateIdentity(state);
  const events: LifecycleEvent[] = [];
  const facts = (): AlertFacts => ({
    alert: state.alert,
    evaluation,
    criticalDays: evaluation.thresholds.criticalDays,
    acked: isAcked(state, now),
    now,
    config,
  });
  const announce = (decision: AlertDecision) => {
    state.alert = decision.next;
    events.push(
      lifecycleEvent({
        record,
        evaluation,
        lifecycle: lifecycleInfo(state, decision.transition, evaluation.basis, now, decision.extra),
        scanId: ctx.scan.scanId,
        now,
        problems,
        idParts: decision.idParts,
        location: state.location,
        identity,
      }),
    );
  };
  // Valid now after 'Certificate Not Yet Valid': resolved first, then the expiry rules as for a new certificate.
  const resolved = nowValidRule(facts());
  if (resolved) announce(resolved);
  // An expired certificate only gets the expiry rules: tiers and risk belong to the time before.
  // One not yet valid only gets its own rule: clients reject it whatever its days left.
  const f = facts();
  const decision =
    evaluation.severity === 'expired' && record.notAfter
      ? expiryRule(f, record.notAfter)
      : evaluation.notYetValid
        ? notYetValidRule(f)
        : (tierEntryRule(f) ?? criticalReminderRule(f) ?? renewalRiskRule(f));
  if (decision === null) {
    if (state.alert.risk !== evaluation.renewalRisk)
      state.alert = { ...state.alert, risk: evaluation.renewalRisk };
    return events;
  }
  announce(decision);
  return events;
};
