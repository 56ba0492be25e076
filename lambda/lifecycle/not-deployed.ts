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
import { evaluate } from '../core/evaluate';
import { eventIdOf, MAX_TEXT_IN_EVENT, type Problem } from '../core/events';
import { periodOf } from './alert-rules';
import { type LifecycleEvent, lifecycleEvent, recordFromDetail } from './lifecycle-events';
import type { DeploymentProblem, Observation, TrackedState, Transition } from './model';
import { isAcked, type Mutable } from './tracked-state';
import { lifecycleInfo, type RuleContext } from './transition-events';

/** The prober's codes this rule owns (the endpoint problem rules leave them alone). */
export const DEPLOYMENT_CODES: ReadonlySet<string> = new Set([
  'CERTIFICATE_NOT_DEPLOYED',
  'UNEXPECTED_CERTIFICATE',
]);
const PROBLEMS_KEPT = 10;

const kept = (problems: readonly Problem[]): Problem[] =>
  problems.slice(0, PROBLEMS_KEPT).map((p) => ({
    code: p.code,
    message: p.message.slice(0, MAX_TEXT_IN_EVENT),
    ...(p.severity ? { severity: p.severity } : {}),
  }));

/** One event of the rule: the certificate served, the problem, and an id per problem and period. */
const deploymentEvent = (
  state: TrackedState,
  record: CertificateRecord,
  problems: readonly Problem[],
  transition: Transition,
  problem: DeploymentProblem,
  extra: Parameters<typeof lifecycleInfo>[4],
  idParts: (string | number)[],
  ctx: RuleContext,
): LifecycleEvent => {
  const evaluation = evaluate(record, ctx.now, ctx.config, state.lifetimeDays);
  const event = lifecycleEvent({
    record,
    evaluation,
    lifecycle: lifecycleInfo(state, transition, evaluation.basis, ctx.now, {
      reminderCount: problem.reminderCount,
      problemSince: problem.since,
      ...extra,
    }),
    scanId: ctx.scan.scanId,
    now: ctx.now,
    problems,
    idParts: [],
    location: state.location,
    identity: '',
  });
  const eventId = eventIdOf(
    state.location,
    'not-deployed',
    problem.codes.join(','),
    problem.since,
    ...idParts,
  );
  return { ...event, detail: { ...event.detail, eventId } };
};

/** 'Certificate Deployed': what is served now, and what was not deployed before. */
const deployedEvent = (
  state: TrackedState,
  record: CertificateRecord,
  problems: readonly Problem[],
  before: DeploymentProblem,
  ctx: RuleContext,
): LifecycleEvent =>
  deploymentEvent(
    state,
    record,
    problems,
    'deployed',
    before,
    { resolves: 'not-deployed', resolvedProblems: before.problems },
    ['deployed'],
    ctx,
  );

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
    return [deployedEvent(draft, record, problems, before, ctx)];
  }
  const codes = [...new Set(found.map((p) => p.code))].sort();
  if (!before || before.codes.join(',') !== codes.join(',')) {
    const problem: DeploymentProblem = {
      codes,
      problems: kept(found),
      since: now.toISOString(),
      lastEmittedAt: now.toISOString(),
      reminderCount: 0,
    };
    draft.notDeployed = problem;
    return [deploymentEvent(draft, record, problems, 'not-deployed', problem, {}, [], ctx)];
  }
  // Reminded only while clients are about to break (or broke): a warning is said once.
  if (!found.some((p) => p.severity === 'critical')) return [];
  const period = periodOf(now, config.criticalReminderIntervalDays);
  const due = period > periodOf(new Date(before.lastEmittedAt), config.criticalReminderIntervalDays);
  if (!due || isAcked(draft, now)) return [];
  const problem: DeploymentProblem = {
    ...before,
    problems: kept(found),
    lastEmittedAt: now.toISOString(),
    reminderCount: before.reminderCount + 1,
  };
  draft.notDeployed = problem;
  return [deploymentEvent(draft, record, problems, 'not-deployed-reminder', problem, {}, [period], ctx)];
};

/** A location no longer probed (removed, retired) whose deployment problem was announced: resolved. */
export const notDeployedGone = (stored: TrackedState, ctx: RuleContext): LifecycleEvent[] => {
  const before = stored.notDeployed;
  if (!before) return [];
  const gone: Problem = {
    code: 'NOT_PROBED',
    message: `${stored.location} is no longer probed (the endpoint was removed from the configuration or its name resolves elsewhere)`,
  };
  return [deployedEvent(stored, recordFromDetail(stored.certificate), [gone], before, ctx)];
};
