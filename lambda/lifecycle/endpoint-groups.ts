/**
 * Endpoint rollouts: the addresses of one `host:port` serving different certificates. A renewal
 * counts once every address serves it, and the difference is announced once per rollout.
 */
import type { CertificateRecord } from '../core/certificate';
import { evaluate } from '../core/evaluate';
import { certificateIdentity, type Problem } from '../core/events';
import { type LifecycleEvent, lifecycleEvent } from './lifecycle-events';
import type { Observation, TrackedState } from './model';
import { isLater, lifetimeDaysOf, sameCertificate } from './tracked-state';
import { lifecycleInfo, type RuleContext } from './transition-events';

/** `host:port` of an endpoint location `host:port@address`; null for other locations. */
export const endpointGroupOf = (location: string): string | null => {
  const at = location.lastIndexOf('@');
  return at > 0 ? location.slice(0, at) : null;
};

export interface GroupPlan {
  /** Locations serving a renewal while other addresses of the group still serve something else. */
  readonly deferred: Set<string>;
  readonly flag: Map<string, boolean>;
  /** Location the once-per-rollout BACKENDS_DIFFER event is attached to, with its message. */
  readonly announce: Map<string, { readonly problem: Problem; readonly key: string }>;
}

const endpointGroups = (observations: readonly Observation[]): Map<string, Observation[]> => {
  const groups = new Map<string, Observation[]>();
  for (const o of observations) {
    // The path's first expiry is tracked beside the leaf; rollouts are judged on the leaves.
    if (o.record?.source !== 'endpoint' || /#chain@[^@]*$/.test(o.location)) continue;
    const g = endpointGroupOf(o.location);
    if (g === null) continue;
    groups.set(g, [...(groups.get(g) ?? []), o]);
  }
  return groups;
};

/** The BACKENDS_DIFFER announcement of one group, attached to the address serving the newest certificate. */
const backendsDifferAnnouncement = (group: string, readable: readonly Observation[], ids: Set<string>) => {
  const newest = [...readable].sort(
    (a, b) => (b.record!.notAfter?.getTime() ?? 0) - (a.record!.notAfter?.getTime() ?? 0),
  )[0]!;
  const served = [...ids]
    .map((id) => {
      const at = readable.filter((o) => certificateIdentity(o.record!) === id);
      return `${at.map((o) => o.location.slice(group.length + 1)).join(', ')} serve ${id.slice(0, 23)}… (notAfter ${at[0]?.record?.notAfter?.toISOString() ?? 'unknown'})`;
    })
    .join('; ');
  return {
    location: newest.location,
    problem: {
      code: 'BACKENDS_DIFFER',
      severity: 'warning' as const,
      message: `addresses of ${group} serve ${ids.size} different certificates: ${served}`,
    },
    key: [...ids].sort().join(','),
  };
};

/** Which addresses differ, which renewals wait for the rest of their group, what to announce. */
export const planGroups = (
  observations: readonly Observation[],
  prev: ReadonlyMap<string, TrackedState>,
): GroupPlan => {
  const plan: GroupPlan = { deferred: new Set(), flag: new Map(), announce: new Map() };
  const tracked = (loc: string) => {
    const s = prev.get(loc);
    return s && s.removedAt === null ? s : undefined;
  };
  for (const [group, members] of endpointGroups(observations)) {
    const readable = members.filter((o) => o.record).sort((a, b) => a.location.localeCompare(b.location));
    const ids = new Set(readable.map((o) => certificateIdentity(o.record!)));
    const differ = ids.size > 1;
    const wasFlagged = members.some((o) => tracked(o.location)?.backendsDiffer === true);
    for (const o of readable) plan.flag.set(o.location, differ);
    if (!differ) continue;
    for (const o of readable) {
      const s = tracked(o.location);
      if (s && !sameCertificate(s, o.record!) && isLater(o.record!, s)) plan.deferred.add(o.location);
    }
    if (!wasFlagged) {
      const { location, problem, key } = backendsDifferAnnouncement(group, readable, ids);
      plan.announce.set(location, { problem, key });
    }
  }
  return plan;
};

/** The group's 'backends-differ' event when the plan attached it to this location. */
export const announceBackends = (
  state: TrackedState,
  record: CertificateRecord,
  plan: GroupPlan,
  ctx: RuleContext,
): LifecycleEvent[] => {
  const announce = plan.announce.get(state.location);
  if (!announce) return [];
  const group = endpointGroupOf(state.location) ?? state.location;
  const evaluation = evaluate(record, ctx.now, ctx.config, lifetimeDaysOf(record) ?? state.lifetimeDays);
  return [
    lifecycleEvent({
      record,
      evaluation,
      // Describes the certificate being rolled out, not the tier announced for the old one.
      lifecycle: lifecycleInfo(state, 'backends-differ', evaluation.basis, ctx.now, {
        tierDays: evaluation.tierDays,
      }),
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
