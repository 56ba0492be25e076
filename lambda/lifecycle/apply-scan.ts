/**
 * The transition rules: previous states + one scan's observations → new states + the events to
 * emit. Pure and clock-injected. Applying the same scan twice is a fixed point (no change, no
 * event the second time), which is what makes conditional-write retries and concurrent scans safe.
 * The rules themselves live in alert-rules.ts (expiry, tiers, risk), endpoint-groups.ts
 * (rollouts) and transition-events.ts (renewal, removal); this module decides which apply where.
 */
import type { CertificateRecord } from '../core/certificate';
import { type Problem, toCertificateDetail } from '../core/events';
import { MS_PER_DAY } from '../core/time';
import { alertRules } from './alert-rules';
import { announceBackends, type GroupPlan, planGroups } from './endpoint-groups';
import { endpointProblemRules, problemGone } from './endpoint-problems';
import { type LifecycleEvent, recordFromDetail } from './lifecycle-events';
import type { LifecycleConfig, LifecycleScan, Observation, TrackedState } from './model';
import { notDeployedGone, notDeployedRules } from './not-deployed';
import { isChainLocation } from './observations';
import { effectiveThresholds } from './thresholds';
import {
  EMPTY_ALERT,
  isLater,
  lifetimeDaysOf,
  type Mutable,
  newState,
  sameCertificate,
  sameStoredState,
} from './tracked-state';
import { type RuleContext, removedEvent, renewedEvent } from './transition-events';

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

interface ScanContext extends RuleContext {
  readonly plan: GroupPlan;
}

/** A location's next state and the events that go with it, before deciding whether to write it. */
interface Judgement {
  readonly draft: Mutable<TrackedState>;
  readonly events: LifecycleEvent[];
}

/** Unreadable now: keep judging the certificate we know, so an expiry is never silent. */
const judgeUnreadable = (tracked: TrackedState, problems: Problem[], ctx: ScanContext): Judgement => {
  const draft: Mutable<TrackedState> = { ...tracked, missingScans: 0, missingScanId: null };
  return { draft, events: alertRules(draft, recordFromDetail(tracked.certificate), problems, ctx) };
};

/** A location not tracked (or tracked and removed before): its first state. */
const startTracking = (
  obs: Observation,
  record: CertificateRecord,
  stored: TrackedState | undefined,
  problems: Problem[],
  ctx: ScanContext,
): Judgement => {
  const draft: Mutable<TrackedState> = { ...newState(obs, record, ctx.now, stored) };
  draft.backendsDiffer = ctx.plan.flag.get(obs.location) ?? false;
  const events = alertRules(draft, record, problems, ctx);
  events.push(...announceBackends(draft, record, ctx.plan, ctx));
  return { draft, events };
};

/** The same certificate seen again: keep what the record lacks (a summary has no fingerprint). */
const refreshCertificate = (
  draft: Mutable<TrackedState>,
  tracked: TrackedState,
  obs: Observation,
  record: CertificateRecord,
): CertificateRecord => {
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
  return recordFromDetail(draft.certificate);
};

/**
 * Another certificate at the location: the alerts start over, and a later one is a renewal that
 * resolves the acknowledgement and is announced unless it is routine.
 */
const replaceCertificate = (
  draft: Mutable<TrackedState>,
  tracked: TrackedState,
  obs: Observation,
  record: CertificateRecord,
  problems: Problem[],
  ctx: ScanContext,
): LifecycleEvent[] => {
  const renewed = isLater(record, tracked);
  const fresh = newState(obs, record, ctx.now, tracked);
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
    effectiveThresholds(recordFromDetail(tracked.certificate), tracked.lifetimeDays, ctx.config).basis ===
      'lifetime' && tracked.alert.lastTransition === null;
  return renewed && !routine ? [renewedEvent(tracked, draft, record, problems, ctx)] : [];
};

/** A tracked location observed with a certificate. */
const judgeTracked = (
  obs: Observation,
  record: CertificateRecord,
  tracked: TrackedState,
  problems: Problem[],
  ctx: ScanContext,
): Judgement => {
  const draft: Mutable<TrackedState> = { ...tracked, missingScans: 0, missingScanId: null };
  draft.backendsDiffer = ctx.plan.flag.get(obs.location) ?? tracked.backendsDiffer;
  if (ctx.plan.deferred.has(obs.location)) {
    // Rollout in progress: the renewal counts once every address serves the new certificate.
    return { draft, events: announceBackends(draft, record, ctx.plan, ctx) };
  }
  let current = record;
  const events: LifecycleEvent[] = [];
  if (sameCertificate(tracked, record)) current = refreshCertificate(draft, tracked, obs, record);
  else events.push(...replaceCertificate(draft, tracked, obs, record, problems, ctx));
  events.push(...alertRules(draft, current, problems, ctx));
  events.push(...announceBackends(draft, current, ctx.plan, ctx));
  return { draft, events };
};

/** An endpoint location: its problems (failed checks, rejected certificates) go through the lifecycle too. */
const isEndpoint = (obs: Observation, stored: TrackedState | undefined): boolean =>
  !isChainLocation(obs.location) &&
  (obs.endpoint !== undefined || obs.record?.source === 'endpoint' || stored?.source === 'endpoint');

/** What names an endpoint whose certificate was never read: the state exists to carry its problem. */
const placeholderRecord = (obs: Observation): CertificateRecord => ({
  source: 'endpoint',
  id: obs.location,
  domain: obs.endpoint?.host ?? obs.location,
  sans: [],
  type: 'UNMANAGED',
  ...(obs.endpoint?.labels ? { labels: { ...obs.endpoint.labels } } : {}),
});

/** An endpoint never read: a placeholder state, or the first certificate after one (its problem carried over). */
const judgeNeverRead = (obs: Observation, stored: TrackedState | undefined, ctx: ScanContext): Judgement => {
  const carried = stored?.placeholder && stored.removedAt === null ? stored : undefined;
  // What people did about the problem (an acknowledgement, its ticket) stays with it.
  const keep = {
    problem: carried?.problem,
    failing: carried?.failing,
    ack: carried?.ack ?? null,
    ticket: carried?.ticket ?? null,
  };
  if (!obs.record) {
    const draft: Mutable<TrackedState> = {
      ...newState(obs, placeholderRecord(obs), ctx.now, stored),
      ...(carried ?? {}),
      placeholder: true,
    };
    return { draft, events: endpointProblemRules(draft, obs, undefined, ctx) };
  }
  const { draft, events } = startTracking(obs, obs.record, stored, [...(obs.problems ?? [])], ctx);
  Object.assign(draft, keep, {
    placeholder: undefined,
    firstSeenAt: carried?.firstSeenAt ?? draft.firstSeenAt,
  });
  events.push(
    ...endpointProblemRules(draft, obs, obs.record, ctx),
    ...notDeployedRules(draft, obs, obs.record, ctx),
  );
  return { draft, events };
};

/** One observation; null when there is nothing to judge (unreadable and never tracked). */
const judgeObservation = (
  obs: Observation,
  stored: TrackedState | undefined,
  ctx: ScanContext,
): Judgement | null => {
  const tracked = stored && stored.removedAt === null && !stored.placeholder ? stored : undefined;
  const problems = [...(obs.problems ?? []), ...(obs.error ? [obs.error] : [])];
  const endpoint = isEndpoint(obs, stored);
  if (!tracked && endpoint) return judgeNeverRead(obs, stored, ctx);
  if (!obs.record) {
    if (!tracked) return null;
    const judged = judgeUnreadable(tracked, problems, ctx);
    if (endpoint) judged.events.push(...endpointProblemRules(judged.draft, obs, undefined, ctx));
    return judged;
  }
  const judged = tracked
    ? judgeTracked(obs, obs.record, tracked, problems, ctx)
    : startTracking(obs, obs.record, stored, problems, ctx);
  if (endpoint)
    judged.events.push(
      ...endpointProblemRules(judged.draft, obs, obs.record, ctx),
      ...notDeployedRules(judged.draft, obs, obs.record, ctx),
    );
  return judged;
};

/**
 * A tracked location the scan did not observe: still judged when its scope failed, counted
 * missing when its scope was listed completely, removed after enough such scans.
 */
const judgeUnobserved = (
  stored: TrackedState,
  failed: ReadonlyMap<string, Problem>,
  complete: ReadonlySet<string>,
  ctx: ScanContext,
): Judgement | null => {
  const { scan, now, config } = ctx;
  const scopeError = failed.get(stored.scope);
  if (stored.placeholder) {
    // Never read, no longer probed: its problem is over for clients, and nothing was there to remove.
    if (scopeError || !complete.has(stored.scope)) return null;
    const draft: Mutable<TrackedState> = { ...stored, problem: undefined, failing: undefined };
    draft.removedAt = now.toISOString();
    draft.purgeAt = new Date(now.getTime() + config.removedRetentionDays * MS_PER_DAY).toISOString();
    return { draft, events: problemGone(stored, ctx) };
  }
  if (scopeError) {
    const draft: Mutable<TrackedState> = { ...stored };
    return { draft, events: alertRules(draft, recordFromDetail(stored.certificate), [scopeError], ctx) };
  }
  if (!complete.has(stored.scope) || stored.missingScanId === scan.scanId) return null;
  const draft: Mutable<TrackedState> = {
    ...stored,
    missingScans: stored.missingScans + 1,
    missingScanId: scan.scanId,
  };
  if (draft.missingScans >= config.removeAfterMissingScans) {
    // An endpoint problem announced there ends with it (its ticket closes).
    const events = [
      removedEvent(stored, draft, ctx),
      ...problemGone(stored, ctx),
      ...notDeployedGone(stored, ctx),
    ];
    draft.removedAt = now.toISOString();
    draft.purgeAt = new Date(now.getTime() + config.removedRetentionDays * MS_PER_DAY).toISOString();
    draft.problem = undefined;
    draft.failing = undefined;
    draft.notDeployed = undefined;
    return { draft, events };
  }
  const notSeen: Problem = {
    code: 'NOT_OBSERVED',
    message: `not seen in the last ${draft.missingScans} complete scan(s) of ${stored.scope}; removed after ${config.removeAfterMissingScans}`,
  };
  return { draft, events: alertRules(draft, recordFromDetail(stored.certificate), [notSeen], ctx) };
};

/**
 * The write a judgement needs, or null when the stored item already says it all. An unchanged
 * item is still rewritten once its lastSeenAt is `lastSeenRefreshDays` old.
 */
const changeOf = (
  before: TrackedState | undefined,
  { draft, events }: Judgement,
  ctx: RuleContext,
): LocationChange | null => {
  const { now, config } = ctx;
  const present = draft.missingScans === 0 && draft.removedAt === null;
  const seenStale =
    Date.parse(draft.lastSeenAt) + config.lastSeenRefreshDays * MS_PER_DAY <= now.getTime() && present;
  const unchanged =
    before !== undefined && events.length === 0 && !seenStale && sameStoredState(before, draft);
  if (unchanged) return null;
  if (present) draft.lastSeenAt = now.toISOString();
  draft.version = (before?.version ?? 0) + 1;
  return { state: draft, previousVersion: before?.version ?? null, events };
};

const byLocation = <T extends { readonly location: string }>(items: Iterable<T>): T[] =>
  [...items].sort((a, b) => a.location.localeCompare(b.location));

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
  const prev = new Map<string, TrackedState>();
  for (const s of previous) prev.set(s.location, s);
  const ctx: ScanContext = { scan, now, config, plan: planGroups(scan.observations, prev) };
  const changes: LocationChange[] = [];
  const keep = (before: TrackedState | undefined, judgement: Judgement | null) => {
    const change = judgement && changeOf(before, judgement, ctx);
    if (change) changes.push(change);
  };

  for (const obs of byLocation(scan.observations)) {
    const stored = prev.get(obs.location);
    keep(stored, judgeObservation(obs, stored, ctx));
  }
  const observed = new Set(scan.observations.map((o) => o.location));
  const failed = new Map((scan.failedScopes ?? []).map((f) => [f.scope, f.error]));
  // A scope no longer configured is seen complete and empty: its locations count missing, then are removed.
  const complete = new Set([...scan.completeScopes, ...(scan.retiredScopes ?? [])]);
  for (const stored of byLocation(prev.values())) {
    if (observed.has(stored.location) || stored.removedAt !== null) continue;
    keep(stored, judgeUnobserved(stored, failed, complete, ctx));
  }
  return { changes, events: changes.flatMap((c) => c.events) };
};
