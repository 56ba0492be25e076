/**
 * Lifecycle events: the core certificate event with a `lifecycle` object added and an id derived
 * from location, certificate, transition and period, so re-running a scan yields the same ids.
 */
import type { CertificateRecord } from '../core/certificate';
import type { Evaluation } from '../core/evaluate';
import {
  type BusEvent,
  type CertificateDetail,
  type CertificateEventDetail,
  certificateEvent,
  DetailType,
  eventIdOf,
  type Problem,
} from '../core/events';
import type { TicketRef, TrackedState, Transition } from './model';

export interface LifecycleInfo {
  readonly transition: Transition;
  /** Tier now announced (days; a lifetime percentage converted to days for short-lived certificates). */
  readonly tierDays: number | null;
  /** Tier announced before this event for the same certificate. */
  readonly previousTierDays: number | null;
  /** Reminders since the tier entry or expiry (0 on the entry itself). */
  readonly reminderCount: number;
  readonly acked: boolean;
  readonly ackUntil?: string;
  readonly ackReason?: string;
  /** 'lifetime' when the short-lived rule (percentage of the lifetime) chose the tiers. */
  readonly thresholdBasis: 'days' | 'lifetime';
  readonly lifetimeDays?: number;
  /** Whole days since expiry ("expired N days ago"). */
  readonly expiredDaysAgo?: number;
  readonly firstSeenAt: string;
  readonly lastSeenAt?: string;
  readonly missingScans?: number;
  /** The certificate this one replaced ('renewed'). */
  readonly previous?: {
    readonly fingerprintSha256?: string;
    readonly serialNumber?: string;
    readonly notAfter?: string;
  };
  /** What a 'renewed', 'removed', 'now-valid', 'recovered' or 'deployed' event resolves: the last transition announced before it. */
  readonly resolves?: Transition;
  /** Endpoint problems: consecutive failed checks ('check-failed'). */
  readonly failedScans?: number;
  /** Endpoint problems: since when it has lasted (the first scan that saw it). */
  readonly problemSince?: string;
  /** 'recovered', 'deployed': what was wrong before. */
  readonly resolvedProblems?: readonly Problem[];
  readonly ticket?: TicketRef;
  /** Member of a fleet announced as one "Certificate Group" event: for automation, not for people. */
  readonly group?: { readonly id: string; readonly count: number };
}

export type LifecycleEventDetail = CertificateEventDetail & { readonly lifecycle: LifecycleInfo };
export type LifecycleEvent = BusEvent<LifecycleEventDetail>;

const DETAIL_TYPE: Record<Transition, DetailType> = {
  'tier-entered': DetailType.Expiring,
  'tier-reminder': DetailType.Expiring,
  'renewal-at-risk': DetailType.Expiring,
  expired: DetailType.Expired,
  'expired-reminder': DetailType.Expired,
  renewed: DetailType.Renewed,
  removed: DetailType.Removed,
  'backends-differ': DetailType.EndpointMisconfigured,
  'not-yet-valid': DetailType.NotYetValid,
  'not-yet-valid-reminder': DetailType.NotYetValid,
  'now-valid': DetailType.NowValid,
  'check-failed': DetailType.EndpointCheckFailed,
  'check-failed-reminder': DetailType.EndpointCheckFailed,
  misconfigured: DetailType.EndpointMisconfigured,
  'misconfigured-reminder': DetailType.EndpointMisconfigured,
  recovered: DetailType.EndpointRecovered,
  'not-deployed': DetailType.NotDeployed,
  'not-deployed-reminder': DetailType.NotDeployed,
  deployed: DetailType.Deployed,
};

export const detailTypeOf = (t: Transition): DetailType => DETAIL_TYPE[t];

/** The certificate's identity as the state knows it (the most precise field it has). */
export const stateIdentity = (s: Pick<TrackedState, 'fingerprintSha256' | 'serialNumber' | 'notAfter'>) =>
  s.fingerprintSha256 ?? s.serialNumber ?? s.notAfter ?? 'unknown';

/** A record again from a stored certificate snapshot (reminders for unreadable or missing locations). */
export const recordFromDetail = (d: CertificateDetail): CertificateRecord => ({
  ...d,
  sans: [...d.sans],
  notBefore: d.notBefore ? new Date(d.notBefore) : undefined,
  notAfter: d.notAfter ? new Date(d.notAfter) : undefined,
  renewalEligibility: d.renewalEligibility as CertificateRecord['renewalEligibility'],
  renewalStatus: d.renewalStatus as CertificateRecord['renewalStatus'],
});

const PROBLEM_CODE = /^[A-Z][A-Z0-9_]*$/;
const cleanProblem = (p: Problem): Problem => ({
  code: PROBLEM_CODE.test(p.code) ? p.code : p.code.toUpperCase().replace(/[^A-Z0-9_]/g, '_') || 'ERROR',
  message: p.message,
  ...(p.severity ? { severity: p.severity } : {}),
});

export const lifecycleEvent = (args: {
  readonly record: CertificateRecord;
  readonly evaluation: Evaluation;
  readonly lifecycle: LifecycleInfo;
  readonly scanId: string;
  readonly now: Date;
  readonly problems: readonly Problem[];
  /** Parts that make the id unique beyond location, identity and transition (tier, period, ...). */
  readonly idParts: ReadonlyArray<string | number | null>;
  readonly location: string;
  readonly identity: string;
}): LifecycleEvent => {
  const detailType = detailTypeOf(args.lifecycle.transition);
  const base = certificateEvent(args.record, args.evaluation, {
    scanId: args.scanId,
    now: args.now,
    problems: args.problems.map(cleanProblem),
    detailType,
  });
  const lifecycle = Object.fromEntries(
    Object.entries(args.lifecycle).filter(([, v]) => v !== undefined),
  ) as unknown as LifecycleInfo;
  return {
    ...base,
    detail: {
      ...base.detail,
      eventId: eventIdOf(args.location, args.identity, args.lifecycle.transition, ...args.idParts),
      lifecycle,
    },
  };
};
