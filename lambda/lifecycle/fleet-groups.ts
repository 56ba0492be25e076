/**
 * Fleets expire together: when more than `above` certificates of one scope make the same
 * transition into the same tier in one scan (a tier entered, an expiry, a renewal), people get one
 * "Certificate Group" event instead of hundreds of messages, while the bus still carries every
 * certificate's own event for automation. Members are marked `lifecycle.group` (the fan-out sends
 * them to no person); the group event travels in the outbox of the group's first location, so it is
 * published at least once like any other event, with an id that a re-run reproduces.
 * docs/lifecycle.md, "Fleets: grouped alerts".
 */
import { sourceLabel } from '../contracts/sources';
import type { Severity } from '../core/evaluate';
import { type BusEvent, DetailType, eventIdOf, SCHEMA_VERSION, utcDay } from '../core/events';
import type { LocationChange } from './apply-scan';
import type { LifecycleEvent, LifecycleEventDetail } from './lifecycle-events';
import type { Transition } from './model';

/** Transitions that happen to a whole fleet at once. Reminders are not grouped: they follow their entry. */
export const GROUPED_TRANSITIONS: ReadonlySet<Transition> = new Set(['tier-entered', 'expired', 'renewed']);

/** How many members a group event shows by name. */
export const GROUP_SAMPLE_SIZE = 10;

const RANK: Record<Severity, number> = { ok: 0, warning: 1, critical: 2, expired: 3 };

export interface GroupMember {
  readonly id: string;
  readonly domain: string;
  readonly notAfter?: string;
}

export interface CertificateGroupDetail {
  readonly schemaVersion: string;
  readonly eventId: string;
  readonly scanId: string;
  readonly observedAt: string;
  readonly group: {
    readonly source: string;
    readonly scope: string;
    readonly account?: string;
    /** The account's name and OU path (AWS Organizations): every member is in the same account. */
    readonly accountName?: string;
    readonly ouPath?: string[];
    readonly region?: string;
    /** What happened to every member: their own events' detail-type and transition. */
    readonly memberDetailType: string;
    readonly transition: Transition;
    readonly tierDays: number | null;
    readonly count: number;
    readonly earliestNotAfter?: string;
    readonly latestNotAfter?: string;
    /** The first members by expiry (at most GROUP_SAMPLE_SIZE). */
    readonly sample: GroupMember[];
    /** A command that lists every member. */
    readonly listCommand: string;
  };
  readonly evaluation: {
    /** The worst member's severity. */
    readonly severity: Severity;
    /** Days left of the member that expires first. */
    readonly daysRemaining: number | null;
    readonly tierDays: number | null;
  };
}

export interface FleetGroupOptions {
  /** Group when more than this many members make the same transition; 0 turns grouping off. */
  readonly above: number;
  readonly scanId: string;
  readonly now: Date;
}

const groupKey = (e: LifecycleEventDetail, scope: string) =>
  `${scope}\u0000${e.lifecycle.transition}\u0000${e.lifecycle.tierDays ?? '-'}`;

/** `cert-watch scan <kind> [--regions <region>]`: what lists the scope again. */
const listCommandOf = (kind: string, region: string | undefined) =>
  `cert-watch scan ${kind}${region ? ` --regions ${region}` : ''}`;

/**
 * The changes with fleets grouped: members marked, one group event added to the first member's
 * change. Changes and their other events are untouched.
 */
export const groupFleetAlerts = (
  changes: readonly LocationChange[],
  o: FleetGroupOptions,
): LocationChange[] => {
  if (o.above <= 0) return [...changes];
  const groups = new Map<string, { change: number; event: number }[]>();
  changes.forEach((change, c) => {
    change.events.forEach((event, e) => {
      const d = event.detail;
      if (!GROUPED_TRANSITIONS.has(d.lifecycle.transition)) return;
      // Endpoints are grouped by host:port already (one alert per name); fleets are stores.
      if (d.certificate.source === 'endpoint') return;
      const key = groupKey(d, change.state.scope);
      groups.set(key, [...(groups.get(key) ?? []), { change: c, event: e }]);
    });
  });
  const out = changes.map((c) => ({ ...c, events: [...c.events] }));
  for (const members of groups.values()) {
    if (members.length <= o.above) continue;
    const events = members.map((m) => out[m.change]!.events[m.event]!);
    const scope = out[members[0]!.change]!.state.scope;
    const group = groupEvent(events, scope, o);
    const ref = { id: group.detail.eventId, count: members.length };
    for (const m of members) {
      const e = out[m.change]!.events[m.event]!;
      out[m.change]!.events[m.event] = {
        ...e,
        detail: { ...e.detail, lifecycle: { ...e.detail.lifecycle, group: ref } },
      };
    }
    // The outbox of the first location (in location order, the same in every run) carries it.
    const home = members.reduce((a, b) =>
      out[a.change]!.state.location <= out[b.change]!.state.location ? a : b,
    );
    out[home.change]!.events.push(group as unknown as LifecycleEvent);
  }
  return out;
};

const groupEvent = (
  members: readonly LifecycleEvent[],
  scope: string,
  o: FleetGroupOptions,
): BusEvent<CertificateGroupDetail> => {
  const byExpiry = [...members].sort(
    (a, b) =>
      (a.detail.certificate.notAfter ?? '').localeCompare(b.detail.certificate.notAfter ?? '') ||
      a.detail.certificate.id.localeCompare(b.detail.certificate.id),
  );
  const first = byExpiry[0]!.detail;
  const last = byExpiry[byExpiry.length - 1]!.detail;
  const worst = members.reduce<Severity>(
    (w, m) => (RANK[m.detail.evaluation.severity] > RANK[w] ? m.detail.evaluation.severity : w),
    'ok',
  );
  const { transition, tierDays } = first.lifecycle;
  const source = first.certificate.source;
  const region = first.certificate.region;
  const eventId = eventIdOf('group', scope, transition, tierDays, utcDay(o.now));
  return {
    detailType: DetailType.CertificateGroup,
    resources: [],
    time: o.now,
    detail: {
      schemaVersion: SCHEMA_VERSION,
      eventId,
      scanId: o.scanId,
      observedAt: o.now.toISOString(),
      group: {
        source,
        scope,
        ...(first.certificate.account ? { account: first.certificate.account } : {}),
        ...(first.certificate.accountName ? { accountName: first.certificate.accountName } : {}),
        ...(first.certificate.ouPath ? { ouPath: [...first.certificate.ouPath] } : {}),
        ...(region ? { region } : {}),
        memberDetailType: members[0]!.detailType,
        transition,
        tierDays,
        count: members.length,
        ...(first.certificate.notAfter ? { earliestNotAfter: first.certificate.notAfter } : {}),
        ...(last.certificate.notAfter ? { latestNotAfter: last.certificate.notAfter } : {}),
        sample: byExpiry.slice(0, GROUP_SAMPLE_SIZE).map((m) => ({
          id: m.detail.certificate.id,
          domain: m.detail.certificate.domain,
          ...(m.detail.certificate.notAfter ? { notAfter: m.detail.certificate.notAfter } : {}),
        })),
        listCommand: listCommandOf(source, region),
      },
      evaluation: { severity: worst, daysRemaining: first.evaluation.daysRemaining, tierDays },
    },
  };
};

/** "IoT eu-west-1": where a group lives, for people. */
export const groupWhere = (g: CertificateGroupDetail['group']): string =>
  `${sourceLabel(g.source)} ${g.region ?? g.account ?? ''}`.trim();
