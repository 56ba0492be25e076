/** The `lifecycle` block every event carries, and the events of a renewal and of a removal. */
import type { CertificateRecord } from '../core/certificate';
import { evaluate } from '../core/evaluate';
import { MAX_TEXT_IN_EVENT, type Problem } from '../core/events';
import {
  type LifecycleEvent,
  type LifecycleInfo,
  lifecycleEvent,
  recordFromDetail,
  stateIdentity,
} from './lifecycle-events';
import {
  type LifecycleConfig,
  type LifecycleScan,
  MAX_ACK_REASON_CHARS,
  type TrackedState,
  type Transition,
} from './model';
import { type EffectiveThresholds, round2 } from './thresholds';
import { isAcked } from './tracked-state';

/** What every rule of one scan shares. */
export interface RuleContext {
  readonly scan: LifecycleScan;
  readonly now: Date;
  readonly config: LifecycleConfig;
}

/** The state's alert, acknowledgement and history as an event reports them; `extra` overrides. */
export const lifecycleInfo = (
  s: TrackedState,
  transition: Transition,
  basis: EffectiveThresholds['basis'],
  now: Date,
  extra: Partial<LifecycleInfo> = {},
): LifecycleInfo => ({
  transition,
  tierDays: s.alert.tierDays,
  previousTierDays: null,
  reminderCount: s.alert.reminderCount,
  acked: isAcked(s, now),
  ackUntil: s.ack?.until,
  // Bounded even for a reason stored before the limit existed: it rides on every event.
  ackReason: s.ack?.reason?.slice(0, MAX_ACK_REASON_CHARS),
  thresholdBasis: basis,
  // A notBefore after the notAfter (a broken certificate) has no lifetime to report.
  lifetimeDays: s.lifetimeDays === null || s.lifetimeDays < 0 ? undefined : round2(s.lifetimeDays),
  firstSeenAt: s.firstSeenAt,
  ticket: s.ticket ?? undefined,
  ...extra,
});

/** At most 10 problems, messages cut: what a problem's state remembers and its resolution says. */
export const keptProblems = (problems: readonly Problem[]): Problem[] =>
  problems.slice(0, 10).map((p) => ({
    code: p.code,
    message: p.message.slice(0, MAX_TEXT_IN_EVENT),
    ...(p.severity ? { severity: p.severity } : {}),
  }));

/**
 * The event of a problem's transition about the certificate served (endpoint problems, not
 * deployed): the state's lifecycle block with `extra` on top, and the problem's own id.
 */
export const servedCertificateEvent = (
  state: TrackedState,
  record: CertificateRecord,
  problems: readonly Problem[],
  transition: Transition,
  extra: Partial<LifecycleInfo>,
  eventId: string,
  ctx: RuleContext,
): LifecycleEvent => {
  const evaluation = evaluate(record, ctx.now, ctx.config, state.lifetimeDays);
  const event = lifecycleEvent({
    record,
    evaluation,
    lifecycle: lifecycleInfo(state, transition, evaluation.basis, ctx.now, extra),
    scanId: ctx.scan.scanId,
    now: ctx.now,
    problems,
    idParts: [],
    location: state.location,
    identity: '',
  });
  return { ...event, detail: { ...event.detail, eventId } };
};

/** The event that resolves a problem ('recovered', 'deployed'): what is served now, and what was wrong. */
export const resolutionEvent = (
  state: TrackedState,
  record: CertificateRecord,
  problems: readonly Problem[],
  before: { readonly reminderCount: number; readonly since: string; readonly problems: readonly Problem[] },
  resolved: { readonly transition: Transition; readonly resolves: Transition; readonly eventId: string },
  ctx: RuleContext,
): LifecycleEvent =>
  servedCertificateEvent(
    state,
    record,
    problems,
    resolved.transition,
    {
      reminderCount: before.reminderCount,
      resolves: resolved.resolves,
      resolvedProblems: before.problems,
      problemSince: before.since,
    },
    resolved.eventId,
    ctx,
  );

/** 'Certificate Renewed': the new certificate, with what it replaced and what it resolves. */
export const renewedEvent = (
  before: TrackedState,
  after: TrackedState,
  record: CertificateRecord,
  problems: readonly Problem[],
  ctx: RuleContext,
): LifecycleEvent => {
  const evaluation = evaluate(record, ctx.now, ctx.config, after.lifetimeDays);
  return lifecycleEvent({
    record,
    evaluation,
    lifecycle: lifecycleInfo(after, 'renewed', evaluation.basis, ctx.now, {
      tierDays: null,
      previousTierDays: before.alert.expired ? null : before.alert.tierDays,
      reminderCount: before.alert.reminderCount,
      acked: false,
      previous: Object.fromEntries(
        Object.entries({
          fingerprintSha256: before.fingerprintSha256 ?? undefined,
          serialNumber: before.serialNumber ?? undefined,
          notAfter: before.notAfter ?? undefined,
        }).filter(([, v]) => v !== undefined),
      ),
      resolves: before.alert.lastTransition ?? undefined,
      firstSeenAt: before.firstSeenAt,
    }),
    scanId: ctx.scan.scanId,
    now: ctx.now,
    problems,
    idParts: [stateIdentity(after)],
    location: after.location,
    identity: stateIdentity(before),
  });
};

/** 'Certificate Removed': the last certificate known at the location. */
export const removedEvent = (before: TrackedState, draft: TrackedState, ctx: RuleContext): LifecycleEvent => {
  const record = recordFromDetail(before.certificate);
  const evaluation = evaluate(record, ctx.now, ctx.config, before.lifetimeDays);
  return lifecycleEvent({
    record,
    evaluation,
    lifecycle: lifecycleInfo(draft, 'removed', evaluation.basis, ctx.now, {
      previousTierDays: before.alert.tierDays,
      lastSeenAt: before.lastSeenAt,
      missingScans: draft.missingScans,
      resolves: before.alert.lastTransition ?? undefined,
    }),
    scanId: ctx.scan.scanId,
    now: ctx.now,
    problems: [],
    // A certificate removed, back, and removed again is a new removal.
    idParts: [before.firstSeenAt],
    location: before.location,
    identity: stateIdentity(before),
  });
};
