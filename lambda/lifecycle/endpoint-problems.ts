/**
 * Endpoint problems through the lifecycle (issue #9, item 3): a check that fails, or a certificate
 * clients reject now for a reason other than time, is said once when it starts ('Endpoint Check
 * Failed', 'Endpoint Misconfigured'), reminded on the critical schedule while it lasts (both break
 * clients: critical), and resolved once when it ends ('Endpoint Recovered', with what was wrong).
 * A different set of problem codes is a new problem. A check failure counts only after
 * `checkFailedAfterScans` failed scans in a row: one failed probe of a flaky host pages no one.
 */
import type { CertificateRecord } from '../core/certificate';
import { type EndpointDetail, endpointCheckFailedEvent } from '../core/endpoint-events';
import { eventIdOf, type Problem } from '../core/events';
import { periodOf } from './alert-rules';
import { type LifecycleEvent, recordFromDetail } from './lifecycle-events';
import type { EndpointProblem, Observation, TrackedState, Transition } from './model';
import { DEPLOYMENT_CODES } from './not-deployed';
import { isAcked, type Mutable } from './tracked-state';
import { keptProblems, type RuleContext, resolutionEvent, servedCertificateEvent } from './transition-events';

/** Codes about time: the expiry rules (tiers, expiry, not yet valid) say those. */
const TIME_CODES = new Set(['EXPIRED', 'NOT_YET_VALID', 'CHAIN_EXPIRING']);

interface Found {
  readonly kind: EndpointProblem['kind'];
  readonly problems: readonly Problem[];
}

/** What is wrong at an endpoint location in this scan (before the failure count); null when nothing. */
export const problemOf = (obs: Observation): Found | null => {
  if (!obs.record) return obs.error ? { kind: 'check-failed', problems: [obs.error] } : null;
  // Deployment problems have a transition of their own (not-deployed.ts).
  const rejected = (obs.problems ?? []).filter(
    (p) => p.severity === 'critical' && !TIME_CODES.has(p.code) && !DEPLOYMENT_CODES.has(p.code),
  );
  return rejected.length > 0 ? { kind: 'misconfigured', problems: rejected } : null;
};

const codesOf = (problems: readonly Problem[]): string[] => [...new Set(problems.map((p) => p.code))].sort();

const sameProblem = (a: EndpointProblem, kind: string, codes: readonly string[]) =>
  a.kind === kind && a.codes.join(',') === codes.join(',');

/** The endpoint an observation names; rebuilt from the location for observations made before it was carried. */
const endpointOf = (obs: Observation, state: TrackedState): EndpointDetail => {
  if (obs.endpoint) return obs.endpoint;
  const at = state.location.lastIndexOf('@');
  const target = (at > 0 ? state.location.slice(0, at) : state.location).split('#')[0] ?? state.location;
  const colon = target.lastIndexOf(':');
  return {
    target,
    host: target.slice(0, colon).replace(/^\[|\]$/g, ''),
    port: Number(target.slice(colon + 1)),
    address: at > 0 && at < state.location.length - 1 ? state.location.slice(at + 1) : null,
    servername: null,
    starttls: null,
  };
};

/** The lifecycle block of an endpoint problem's event. */
const problemInfo = (
  state: TrackedState,
  transition: Transition,
  problem: EndpointProblem,
  ctx: RuleContext,
  failedScans: number | undefined,
) => ({
  transition,
  reminderCount: problem.reminderCount,
  acked: isAcked(state, ctx.now),
  problemSince: problem.since,
  firstSeenAt: state.firstSeenAt,
  ...(failedScans !== undefined ? { failedScans } : {}),
  ...(state.ticket ? { ticket: state.ticket } : {}),
});

const problemEvent = (
  state: TrackedState,
  obs: Observation,
  record: CertificateRecord | undefined,
  problem: EndpointProblem,
  transition: Transition,
  idParts: (string | number)[],
  ctx: RuleContext,
): LifecycleEvent => {
  const idOf = () =>
    eventIdOf(state.location, problem.kind, problem.codes.join(','), problem.since, ...idParts);
  if (problem.kind === 'check-failed' || !record) {
    const base = endpointCheckFailedEvent(endpointOf(obs, state), problem.problems[0]!, {
      scanId: ctx.scan.scanId,
      now: ctx.now,
    });
    const lifecycle = problemInfo(state, transition, problem, ctx, state.failing?.scans);
    // Its own detail shape (endpoint + error), carried through the outbox like every lifecycle event.
    return {
      ...base,
      detail: { ...base.detail, eventId: idOf(), lifecycle },
    } as unknown as LifecycleEvent;
  }
  const extra = { reminderCount: problem.reminderCount, problemSince: problem.since };
  return servedCertificateEvent(
    state,
    record,
    obs.problems ?? problem.problems,
    transition,
    extra,
    idOf(),
    ctx,
  );
};

/** 'Endpoint Recovered': the certificate served now, and what was wrong before. */
const recoveredEvent = (
  state: TrackedState,
  record: CertificateRecord,
  problems: readonly Problem[],
  before: EndpointProblem,
  ctx: RuleContext,
): LifecycleEvent => {
  const eventId = eventIdOf(state.location, before.kind, before.codes.join(','), before.since, 'recovered');
  return resolutionEvent(
    state,
    record,
    problems,
    before,
    { transition: 'recovered', resolves: before.kind, eventId },
    ctx,
  );
};

/**
 * Counts failures and announces, reminds or resolves the endpoint problem of one observed endpoint
 * location. `record` is the certificate served now (absent when unreadable).
 */
export const endpointProblemRules = (
  draft: Mutable<TrackedState>,
  obs: Observation,
  record: CertificateRecord | undefined,
  ctx: RuleContext,
): LifecycleEvent[] => {
  const { now, config, scan } = ctx;
  const found = problemOf(obs);
  if (found?.kind !== 'check-failed') draft.failing = undefined;
  else if (draft.failing?.scanId !== scan.scanId) {
    const f = draft.failing;
    draft.failing = { scans: (f?.scans ?? 0) + 1, since: f?.since ?? now.toISOString(), scanId: scan.scanId };
  }
  // A failure not yet confirmed changes nothing announced: a flaky probe neither pages nor resolves.
  const confirmed =
    found?.kind !== 'check-failed' || (draft.failing?.scans ?? 0) >= config.checkFailedAfterScans;
  if (!confirmed) return [];
  const before = draft.problem;
  if (!found) {
    if (!before) return [];
    draft.problem = undefined;
    return record ? [recoveredEvent(draft, record, obs.problems ?? [], before, ctx)] : [];
  }
  const codes = codesOf(found.problems);
  if (!before || !sameProblem(before, found.kind, codes)) {
    const problem: EndpointProblem = {
      kind: found.kind,
      codes,
      problems: keptProblems(found.problems),
      since: found.kind === 'check-failed' ? (draft.failing?.since ?? now.toISOString()) : now.toISOString(),
      lastEmittedAt: now.toISOString(),
      reminderCount: 0,
    };
    draft.problem = problem;
    return [problemEvent(draft, obs, record, problem, found.kind, [], ctx)];
  }
  const period = periodOf(now, config.criticalReminderIntervalDays);
  const due = period > periodOf(new Date(before.lastEmittedAt), config.criticalReminderIntervalDays);
  if (!due || isAcked(draft, now)) return [];
  const problem: EndpointProblem = {
    ...before,
    problems: keptProblems(found.problems),
    lastEmittedAt: now.toISOString(),
    reminderCount: before.reminderCount + 1,
  };
  draft.problem = problem;
  const transition: Transition =
    found.kind === 'check-failed' ? 'check-failed-reminder' : 'misconfigured-reminder';
  return [problemEvent(draft, obs, record, problem, transition, [period], ctx)];
};

/**
 * A location no longer probed (its name resolves elsewhere, or the endpoint left the configuration)
 * whose problem was announced: the problem ended for clients, so it is resolved. A location with no
 * certificate ever read is then dropped without a removal (nothing was ever there).
 */
export const problemGone = (stored: TrackedState, ctx: RuleContext): LifecycleEvent[] => {
  const before = stored.problem;
  if (!before) return [];
  const record = recordFromDetail(stored.certificate);
  const gone: Problem = stored.location.endsWith('@')
    ? { code: 'NAME_RESOLVES', message: `the name of ${stored.location.slice(0, -1)} resolves again` }
    : {
        code: 'NOT_PROBED',
        message: `${stored.location} is no longer probed (its name resolves to other addresses, or the endpoint was removed from the configuration)`,
      };
  return [recoveredEvent(stored, record, [gone], before, ctx)];
};
