/**
 * "Renewed but not deployed" through the lifecycle (issue #17, item 3): when the prober finds that
 * an endpoint does not serve what its resource is configured with (CERTIFICATE_NOT_DEPLOYED: the
 * store has held a newer certificate past the grace period; UNEXPECTED_CERTIFICATE: it serves
 * none of the configured ones; lambda/sources/endpoint/deployment.ts), 'Certificate Not Deployed'
 * is said once, reminded on the critical schedule while it is critical (the served certificate is
 * inside the critical tier or expired), and resolved once by 'Certificate Deployed' when the
 * endpoint serves what is expected, its expectation disappears, or it is no longer probed. A
 * different set of codes is a new problem. Tracked apart from the endpoint problems
 * (endpoint-problems.ts): an endpoint can be misconfigured and not deployed at once.
 */
import type { CertificateRecord } from '../core/certificate';
import { eventIdOf, type Problem } from '../core/events';
import { periodOf } from './alert-rules';
import { type LifecycleEvent, recordFromDetail } from './lifecycle-events';
import type { DeploymentProblem, Observation, TrackedState, Transition } from './model';
import { isAcked, type Mutable } from './tracked-state';
import { keptProblems, type RuleContext, resolutionEvent, servedCertificateEvent } from './transition-events';

/** The prober's codes this rule owns (the endpoint problem rules leave them alone). */
export const DEPLOYMENT_CODES: ReadonlySet<string> = new Set([
  'CERTIFICATE_NOT_DEPLOYED',
  'UNEXPECTED_CERTIFICATE',
]);

const idOf = (state: TrackedState, problem: DeploymentProblem, ...parts: (string | number)[]): string =>
  eventIdOf(state.location, 'not-deployed', problem.codes.join(','), problem.since, ...parts);

/** 'Certificate Not Deployed' (or its reminder): the certificate served, and since when. */
const notDeployedEvent = (
  state: TrackedState,
  record: CertificateRecord,
  problems: readonly Problem[],
  transition: Transition,
  problem: DeploymentProblem,
  ctx: RuleContext,
  ...idParts: number[]
): LifecycleEvent => {
  const extra = { reminderCount: problem.reminderCount, problemSince: problem.since };
  return servedCertificateEvent(
    state,
    record,
    problems,
    transition,
    extra,
    idOf(state, problem, ...idParts),
    ctx,
  );
};

/** 'Certificate Deployed': what is served now, and what was not deployed before. */
const deployed = (before: DeploymentProblem, state: TrackedState) => ({
  transition: 'deployed' as const,
  resolves: 'not-deployed' as const,
  eventId: idOf(state, before, 'deployed'),
});

/**
 * Announces, reminds or resolves the deployment problem of one endpoint location read in this
 * scan. An unreadable endpoint (`record` absent) changes nothing: a failed probe proves nothing
 * about what is deployed.
 */
export const notDeployedRules = (
  draft: Mutable<TrackedState>,
  obs: Observation,
  record: CertificateRecord | undefined,
  ctx: RuleContext,
): LifecycleEvent[] => {
  if (!record) return [];
  const { now, config } = ctx;
  const found = (obs.problems ?? []).filter((p) => DEPLOYMENT_CODES.has(p.code));
  const problems = obs.problems ?? [];
  const before = draft.notDeployed;
  if (found.length === 0) {
    if (!before) return [];
    draft.notDeployed = undefined;
    return [resolutionEvent(draft, record, problems, before, deployed(before, draft), ctx)];
  }
  const codes = [...new Set(found.map((p) => p.code))].sort();
  if (!before || before.codes.join(',') !== codes.join(',')) {
    const problem: DeploymentProblem = {
      codes,
      problems: keptProblems(found),
      since: now.toISOString(),
      lastEmittedAt: now.toISOString(),
      reminderCount: 0,
    };
    draft.notDeployed = problem;
    return [notDeployedEvent(draft, record, problems, 'not-deployed', problem, ctx)];
  }
  // Reminded only while clients are about to break (or broke): a warning is said once.
  if (!found.some((p) => p.severity === 'critical')) return [];
  const period = periodOf(now, config.criticalReminderIntervalDays);
  const due = period > periodOf(new Date(before.lastEmittedAt), config.criticalReminderIntervalDays);
  if (!due || isAcked(draft, now)) return [];
  const problem: DeploymentProblem = {
    ...before,
    problems: keptProblems(found),
    lastEmittedAt: now.toISOString(),
    reminderCount: before.reminderCount + 1,
  };
  draft.notDeployed = problem;
  return [notDeployedEvent(draft, record, problems, 'not-deployed-reminder', problem, ctx, period)];
};

/** A location no longer probed (removed, retired) whose deployment problem was announced: resolved. */
export const notDeployedGone = (stored: TrackedState, ctx: RuleContext): LifecycleEvent[] => {
  const before = stored.notDeployed;
  if (!before) return [];
  const gone: Problem = {
    code: 'NOT_PROBED',
    message: `${stored.location} is no longer probed (the endpoint was removed from the configuration or its name resolves elsewhere)`,
  };
  return [
    resolutionEvent(
      stored,
      recordFromDetail(stored.certificate),
      [gone],
      before,
      deployed(before, stored),
      ctx,
    ),
  ];
};
