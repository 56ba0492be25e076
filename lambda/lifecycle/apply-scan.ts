/**
 * The transition rules: previous states + one scan's observations → new states + the events to
 * emit. Pure and clock-injected. Applying the same scan twice is a fixed point (no change, no
 * event the second time), which is what makes conditional-write retries and concurrent scans safe.
 */
import { type CertificateRecord, isManaged } from '../core/certificate';
import { type Evaluation, evaluate, renewalRiskOf, type Thresholds, warningDays } from '../core/evaluate';
import { certificateIdentity, type Problem, toCertificateDetail } from '../core/events';
import { MS_PER_DAY } from '../core/time';
import {
  type LifecycleEvent,
  type LifecycleInfo,
  lifecycleEvent,
  recordFromDetail,
  stateIdentity,
} from './lifecycle-events';
import type {
  AlertState,
  LifecycleConfig,
  LifecycleScan,
  Observation,
  TrackedState,
  Transition,
} from './model';

export interface LocationChange {
  readonly state: TrackedState;
  /** Version the change was computed from; null for a location never stored. */
  readonly previousVersion: number | null;
  readonly events: LifecycleEvent[];
}

export interface ApplyResult {
  /** Only locations whose stored item must be written. */
  readonly changes: LocationChange[];
  readonly events: LifecycleEvent[];
}

const EMPTY_ALERT: AlertState = {
  tierDays: null,
  expired: false,
  lastTransition: null,
  lastEmittedAt: null,
  reminderCount: 0,
  risk: null,
};

/** Epoch-aligned reminder period: with 1 day, the UTC day number. */
export const periodOf = (at: Date, intervalDays: number): number =>
  Math.floor(at.getTime() / (intervalDays * MS_PER_DAY));

export const lifetimeDaysOf = (r: Pick<CertificateRecord, 'notBefore' | 'notAfter'>): number | null =>
  r.notBefore && r.notAfter ? (r.notAfter.getTime() - r.notBefore.getTime()) / MS_PER_DAY : null;

const round2 = (n: number) => Math.round(n * 100) / 100;

export interface EffectiveThresholds {
  readonly thresholds: Thresholds;
  readonly basis: 'days' | 'lifetime';
}

/**
 * Which tiers apply to this certificate: lifetime percentages when its whole lifetime is short,
 * else the day tiers, minus the early ones for healthy managed certificates when configured.
 */
export const effectiveThresholds = (
  record: CertificateRecord,
  lifetimeDays: number | null,
  config: LifecycleConfig,
): EffectiveThresholds => {
  if (lifetimeDays !== null && lifetimeDays > 0 && lifetimeDays <= config.shortLivedMaxDays) {
    const warn = round2((lifetimeDays * config.shortLivedWarningPercent) / 100);
    const crit = round2((lifetimeDays * config.shortLivedCriticalPercent) / 100);
    if (crit > 0 && warn > crit) {
      return { thresholds: { tiersDays: [warn, crit], criticalDays: crit }, basis: 'lifetime' };
    }
  }
  const t = config.thresholds;
  if (config.managedAlertDelayDays > 0 && isManaged(record) && renewalRiskOf(record) === null) {
    const window = warningDays(t) - config.managedAlertDelayDays;
    const tiersDays = t.tiersDays.filter((d) => d <= window || d <= t.criticalDays);
    if (tiersDays.length > 0) {
      return {
        thresholds: { tiersDays, criticalDays: Math.min(t.criticalDays, tiersDays[0] ?? t.criticalDays) },
        basis: 'days',
      };
    }
  }
  return { thresholds: t, basis: 'days' };
};

const isAcked = (s: Pick<TrackedState, 'ack'>, now: Date): boolean =>
  s.ack !== null && (s.ack.until === undefined || now.getTime() < Date.parse(s.ack.until));

/** Same certificate? Compares the most precise identity both sides know. */
export const sameCertificate = (s: TrackedState, r: CertificateRecord): boolean => {
  if (s.fingerprintSha256 && r.fingerprintSha256) return s.fingerprintSha256 === r.fingerprintSha256;
  if (s.serialNumber && r.serialNumber) return s.serialNumber === r.serialNumber;
  return (s.notAfter ?? null) === (r.notAfter?.toISOString() ?? null);
};

const isLater = (r: CertificateRecord, s: TrackedState): boolean =>
  r.notAfter !== undefined && (s.notAfter === null || r.notAfter.getTime() > Date.parse(s.notAfter));

/** `host:port` of an endpoint location `host:port@address`; null for other locations. */
export const endpointGroupOf = (location: string): string | null => {
  const at = location.lastIndexOf('@');
  return at > 0 ? location.slice(0, at) : null;
};

/** Stable JSON (sorted keys) to compare states read back from DynamoDB with computed ones. */
const stable = (v: unknown): string => {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${stable(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Ctx {
  readonly scan: LifecycleScan;
  readonly now: Date;
  readonly config: LifecycleConfig;
}

const newState = (
  obs: Observation,
  record: CertificateRecord,
  now: Date,
  prev?: TrackedState,
): TrackedState => ({
  location: obs.location,
  scope: obs.scope,
  source: record.source,
  certificate: toCertificateDetail(record),
  fingerprintSha256: record.fingerprintSha256 ?? null,
  serialNumber: record.serialNumber ?? null,
  notAfter: record.notAfter?.toISOString() ?? null,
  lifetimeDays: lifetimeDaysOf(record),
  alert: EMPTY_ALERT,
  firstSeenAt: now.toISOString(),
  lastSeenAt: now.toISOString(),
  missingScans: 0,
  missingScanId: null,
  removedAt: null,
  purgeAt: null,
  ack: null,
  ticket: null,
  backendsDiffer: false,
  version: prev?.version ?? 0,
});

const info = (
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
  ackReason: s.ack?.reason,
  thresholdBasis: basis,
  lifetimeDays: s.lifetimeDays === null ? undefined : round2(s.lifetimeDays),
  firstSeenAt: s.firstSeenAt,
  ticket: s.ticket ?? undefined,
  ...extra,
});

/**
 * The expiry rules for the certificate the state now tracks: tier entry once and only upwards,
 * critical reminders per period, expiry then daily reminders, renewal risk once per risk.
 * Acknowledged certificates get no reminders; entries into higher tiers still go out (marked acked).
 */
const alertRules = (
  state: Mutable<TrackedState>,
  record: CertificateRecord,
  problems: readonly Problem[],
  ctx: Ctx,
): LifecycleEvent[] => {
  const { now, config } = ctx;
  const eff = effectiveThresholds(record, state.lifetimeDays, config);
  const evaluation: Evaluation = evaluate(record, now, eff.thresholds);
  const alert = state.alert;
  const identity = stateIdentity(state);
  const emit = (
    transition: Transition,
    next: AlertState,
    extra: Partial<LifecycleInfo>,
    idParts: (string | number | null)[],
  ) => {
    state.alert = next;
    return lifecycleEvent({
      record,
      evaluation,
      lifecycle: info(state, transition, eff.basis, now, extra),
      scanId: ctx.scan.scanId,
      now,
      problems,
      idParts,
      location: state.location,
      identity,
    });
  };
  const acked = isAcked(state, now);
  const at = now.toISOString();
  const risk = evaluation.renewalRisk;

  if (evaluation.severity === 'expired' && record.notAfter) {
    const expiredDaysAgo = Math.floor((now.getTime() - record.notAfter.getTime()) / MS_PER_DAY);
    if (!alert.expired) {
      const next = {
        ...alert,
        expired: true,
        lastTransition: 'expired' as const,
        lastEmittedAt: at,
        reminderCount: 0,
        risk,
      };
      return [
        emit('expired', next, { tierDays: null, previousTierDays: alert.tierDays, expiredDaysAgo }, []),
      ];
    }
    const period = periodOf(now, config.expiredReminderIntervalDays);
    const due =
      alert.lastEmittedAt === null ||
      period > periodOf(new Date(alert.lastEmittedAt), config.expiredReminderIntervalDays);
    if (due && !acked) {
      const next = {
        ...alert,
        lastTransition: 'expired-reminder' as const,
        lastEmittedAt: at,
        reminderCount: alert.reminderCount + 1,
        risk,
      };
      return [
        emit('expired-reminder', next, { tierDays: null, previousTierDays: alert.tierDays, expiredDaysAgo }, [
          period,
        ]),
      ];
    }
    if (alert.risk !== risk) state.alert = { ...alert, risk };
    return [];
  }

  const tier = evaluation.tierDays;
  if (tier !== null && !alert.expired && (alert.tierDays === null || tier < alert.tierDays)) {
    const next = {
      ...alert,
      tierDays: tier,
      lastTransition: 'tier-entered' as const,
      lastEmittedAt: at,
      reminderCount: 0,
      risk,
    };
    return [emit('tier-entered', next, { previousTierDays: alert.tierDays }, [tier])];
  }

  if (
    tier !== null &&
    tier <= eff.thresholds.criticalDays &&
    alert.tierDays !== null &&
    !alert.expired &&
    !acked
  ) {
    const period = periodOf(now, config.criticalReminderIntervalDays);
    if (
      alert.lastEmittedAt === null ||
      period > periodOf(new Date(alert.lastEmittedAt), config.criticalReminderIntervalDays)
    ) {
      const next = {
        ...alert,
        lastTransition: 'tier-reminder' as const,
        lastEmittedAt: at,
        reminderCount: alert.reminderCount + 1,
        risk,
      };
      return [emit('tier-reminder', next, { previousTierDays: alert.tierDays }, [alert.tierDays, period])];
    }
  }

  if (risk !== null && risk !== alert.risk) {
    const next = { ...alert, lastTransition: 'renewal-at-risk' as const, lastEmittedAt: at, risk };
    return [emit('renewal-at-risk', next, { previousTierDays: alert.tierDays }, [risk])];
  }
  if (alert.risk !== risk) state.alert = { ...alert, risk };
  return [];
};

interface GroupPlan {
  /** Locations serving a renewal while other addresses of the group still serve something else. */
  readonly deferred: Set<string>;
  readonly flag: Map<string, boolean>;
  /** Location the once-per-rollout BACKENDS_DIFFER event is attached to, with its message. */
  readonly announce: Map<string, { readonly problem: Problem; readonly key: string }>;
}

/** Endpoint rollouts: addresses of one host:port serving different certificates. */
const planGroups = (
  observations: readonly Observation[],
  prev: ReadonlyMap<string, TrackedState>,
): GroupPlan => {
  const plan: GroupPlan = { deferred: new Set(), flag: new Map(), announce: new Map() };
  const groups = new Map<string, Observation[]>();
  for (const o of observations) {
    if (o.record?.source !== 'endpoint') continue;
    const g = endpointGroupOf(o.location);
    if (g === null) continue;
    groups.set(g, [...(groups.get(g) ?? []), o]);
  }
  for (const [group, members] of groups) {
    const readable = members.filter((o) => o.record).sort((a, b) => a.location.localeCompare(b.location));
    const ids = new Set(readable.map((o) => certificateIdentity(o.record!)));
    const differ = ids.size > 1;
    const tracked = (loc: string) => {
      const s = prev.get(loc);
      return s && s.removedAt === null ? s : undefined;
    };
    const wasFlagged = members.some((o) => tracked(o.location)?.backendsDiffer === true);
    for (const o of readable) plan.flag.set(o.location, differ);
    if (!differ) continue;
    for (const o of readable) {
      const s = tracked(o.location);
      if (s && !sameCertificate(s, o.record!) && isLater(o.record!, s)) plan.deferred.add(o.location);
    }
    if (!wasFlagged) {
      const newest = [...readable].sort(
        (a, b) => (b.record!.notAfter?.getTime() ?? 0) - (a.record!.notAfter?.getTime() ?? 0),
      )[0]!;
      const served = [...ids]
        .map((id) => {
          const at = readable.filter((o) => certificateIdentity(o.record!) === id);
          return `${at.map((o) => o.location.slice(group.length + 1)).join(', ')} serve ${id.slice(0, 23)}… (notAfter ${at[0]?.record?.notAfter?.toISOString() ?? 'unknown'})`;
        })
        .join('; ');
      plan.announce.set(newest.location, {
        problem: {
          code: 'BACKENDS_DIFFER',
          message: `addresses of ${group} serve ${ids.size} different certificates: ${served}`,
        },
        key: [...ids].sort().join(','),
      });
    }
  }
  return plan;
};

/**
 * Applies one scan. `previous` must hold the stored state of every observed location and of every
 * tracked location in the scan's complete and failed scopes (others are left alone).
 */
export const applyScan = (
  previous: Iterable<TrackedState>,
  scan: LifecycleScan,
  now: Date,
  config: LifecycleConfig,
): ApplyResult => {
  const ctx: Ctx = { scan, now, config };
  const prev = new Map<string, TrackedState>();
  for (const s of previous) prev.set(s.location, s);
  const at = now.toISOString();
  const plan = planGroups(scan.observations, prev);
  const changes: LocationChange[] = [];
  const observed = new Set<string>();

  const finish = (
    before: TrackedState | undefined,
    draft: Mutable<TrackedState>,
    events: LifecycleEvent[],
  ) => {
    const seenStale =
      Date.parse(draft.lastSeenAt) + config.lastSeenRefreshDays * MS_PER_DAY <= now.getTime() &&
      draft.missingScans === 0 &&
      draft.removedAt === null;
    const unchanged =
      before !== undefined && events.length === 0 && !seenStale && stable(before) === stable(draft);
    if (unchanged) return;
    if (draft.missingScans === 0 && draft.removedAt === null) draft.lastSeenAt = at;
    draft.version = (before?.version ?? 0) + 1;
    changes.push({ state: draft, previousVersion: before?.version ?? null, events });
  };

  const byLocation = [...scan.observations].sort((a, b) => a.location.localeCompare(b.location));
  for (const obs of byLocation) {
    observed.add(obs.location);
    const stored = prev.get(obs.location);
    const tracked = stored && stored.removedAt === null ? stored : undefined;
    const problems = [...(obs.problems ?? []), ...(obs.error ? [obs.error] : [])];
    const record = obs.record;
    if (!record) {
      // Unreadable now: keep judging the certificate we know, so an expiry is never silent.
      if (!tracked) continue;
      const draft: Mutable<TrackedState> = { ...tracked, missingScans: 0, missingScanId: null };
      const events = alertRules(draft, recordFromDetail(tracked.certificate), problems, ctx);
      finish(stored, draft, events);
      continue;
    }
    if (!tracked) {
      const draft: Mutable<TrackedState> = { ...newState(obs, record, now, stored) };
      draft.backendsDiffer = plan.flag.get(obs.location) ?? false;
      const events = alertRules(draft, record, problems, ctx);
      events.push(...announceBackends(draft, record, plan, ctx));
      finish(stored, draft, events);
      continue;
    }
    const draft: Mutable<TrackedState> = { ...tracked, missingScans: 0, missingScanId: null };
    draft.backendsDiffer = plan.flag.get(obs.location) ?? tracked.backendsDiffer;
    const events: LifecycleEvent[] = [];
    if (plan.deferred.has(obs.location)) {
      // Rollout in progress: the renewal counts once every address serves the new certificate.
      events.push(...announceBackends(draft, record, plan, ctx));
      finish(stored, draft, events);
      continue;
    }
    let current = record;
    if (sameCertificate(tracked, record)) {
      Object.assign(draft, {
        scope: obs.scope,
        certificate: toCertificateDetail({
          ...record,
          fingerprintSha256: record.fingerprintSha256 ?? tracked.fingerprintSha256 ?? undefined,
          serialNumber: record.serialNumber ?? tracked.serialNumber ?? undefined,
        }),
        fingerprintSha256: record.fingerprintSha256 ?? tracked.fingerprintSha256,
        serialNumber: record.serialNumber ?? tracked.serialNumber,
        lifetimeDays: lifetimeDaysOf(record) ?? tracked.lifetimeDays,
      });
      current = recordFromDetail(draft.certificate);
    } else {
      const renewed = isLater(record, tracked);
      const fresh = newState(obs, record, now, tracked);
      Object.assign(draft, {
        scope: obs.scope,
        source: record.source,
        certificate: fresh.certificate,
        fingerprintSha256: fresh.fingerprintSha256,
        serialNumber: fresh.serialNumber,
        notAfter: fresh.notAfter,
        lifetimeDays: fresh.lifetimeDays ?? tracked.lifetimeDays,
        alert: EMPTY_ALERT,
        // A renewal resolves the acknowledgement with everything else that was raised.
        ack: renewed ? null : tracked.ack,
      });
      // A short-lived certificate renewing on schedule is routine: announced only if something was raised.
      const routine =
        effectiveThresholds(recordFromDetail(tracked.certificate), tracked.lifetimeDays, config).basis ===
          'lifetime' && tracked.alert.lastTransition === null;
      if (renewed && !routine) events.push(renewedEvent(tracked, draft, record, problems, ctx));
    }
    events.push(...alertRules(draft, current, problems, ctx));
    events.push(...announceBackends(draft, current, plan, ctx));
    finish(stored, draft, events);
  }

  const failed = new Map((scan.failedScopes ?? []).map((f) => [f.scope, f.error]));
  const complete = new Set(scan.completeScopes);
  for (const stored of [...prev.values()].sort((a, b) => a.location.localeCompare(b.location))) {
    if (observed.has(stored.location) || stored.removedAt !== null) continue;
    const scopeError = failed.get(stored.scope);
    if (scopeError) {
      const draft: Mutable<TrackedState> = { ...stored };
      finish(stored, draft, alertRules(draft, recordFromDetail(stored.certificate), [scopeError], ctx));
      continue;
    }
    if (!complete.has(stored.scope)) continue;
    if (stored.missingScanId === scan.scanId) continue;
    const draft: Mutable<TrackedState> = {
      ...stored,
      missingScans: stored.missingScans + 1,
      missingScanId: scan.scanId,
    };
    if (draft.missingScans >= config.removeAfterMissingScans) {
      const event = removedEvent(stored, draft, ctx);
      draft.removedAt = at;
      draft.purgeAt = new Date(now.getTime() + config.removedRetentionDays * MS_PER_DAY).toISOString();
      finish(stored, draft, [event]);
      continue;
    }
    const notSeen: Problem = {
      code: 'NOT_OBSERVED',
      message: `not seen in the last ${draft.missingScans} complete scan(s) of ${stored.scope}; removed after ${config.removeAfterMissingScans}`,
    };
    finish(stored, draft, alertRules(draft, recordFromDetail(stored.certificate), [notSeen], ctx));
  }
  return { changes, events: changes.flatMap((c) => c.events) };
};

const announceBackends = (
  state: TrackedState,
  record: CertificateRecord,
  plan: GroupPlan,
  ctx: Ctx,
): LifecycleEvent[] => {
  const announce = plan.announce.get(state.location);
  if (!announce) return [];
  const eff = effectiveThresholds(record, lifetimeDaysOf(record) ?? state.lifetimeDays, ctx.config);
  const group = endpointGroupOf(state.location) ?? state.location;
  const evaluation = evaluate(record, ctx.now, eff.thresholds);
  return [
    lifecycleEvent({
      record,
      evaluation,
      // Describes the certificate being rolled out, not the tier announced for the old one.
      lifecycle: info(state, 'backends-differ', eff.basis, ctx.now, { tierDays: evaluation.tierDays }),
      scanId: ctx.scan.scanId,
      now: ctx.now,
      problems: [announce.problem],
      // One per host:port and set of served certificates, whichever address carries it.
      idParts: [],
      location: group,
      identity: announce.key,
    }),
  ];
};

const renewedEvent = (
  before: TrackedState,
  after: TrackedState,
  record: CertificateRecord,
  problems: readonly Problem[],
  ctx: Ctx,
): LifecycleEvent => {
  const eff = effectiveThresholds(record, after.lifetimeDays, ctx.config);
  return lifecycleEvent({
    record,
    evaluation: evaluate(record, ctx.now, eff.thresholds),
    lifecycle: info(after, 'renewed', eff.basis, ctx.now, {
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

const removedEvent = (before: TrackedState, draft: TrackedState, ctx: Ctx): LifecycleEvent => {
  const record = recordFromDetail(before.certificate);
  const eff = effectiveThresholds(record, before.lifetimeDays, ctx.config);
  return lifecycleEvent({
    record,
    evaluation: evaluate(record, ctx.now, eff.thresholds),
    lifecycle: info(draft, 'removed', eff.basis, ctx.now, {
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
