import { describe, expect, it } from 'vitest';
import { formatSms, gsmSeptets, SMS_MAX_SEPTETS } from '../../lambda/channels/format/sms';
import { headline, toView, type WatcherEvent } from '../../lambda/channels/format/view';
import { routesFor } from '../../lambda/channels/routing';
import { subjectOf } from '../../lambda/channels/tickets';
import { DEFAULT_ROUTING, routedDetailTypes } from '../../lambda/contracts/channels';
import type { CertificateRecord } from '../../lambda/core/certificate';
import { type BusEvent, DetailType } from '../../lambda/core/events';
import { MS_PER_DAY } from '../../lambda/core/time';
import { lifecycleConfig } from '../../lambda/lifecycle/model';
import { processScan } from '../../lambda/lifecycle/run-lifecycle';
import { InMemoryLifecycleStore } from '../support/in-memory-lifecycle-store';
import { assertValidEvent } from '../support/schemas';

const NOW = new Date('2026-11-29T06:00:00.000Z');
const SCOPE = 'iot#111122223333#eu-west-1';

/** A SHA-256 fingerprint in the schema's form (AB:CD:...), distinct per n. */
const fingerprint = (n: number): string =>
  (n.toString(16).padStart(8, '0').repeat(8).toUpperCase().match(/../g) ?? []).join(':');

const device = (n: number, days: number, scope = SCOPE): { record: CertificateRecord; scope: string } => ({
  scope,
  record: {
    source: 'iot',
    id: `arn:aws:iot:eu-west-1:111122223333:cert/${String(n).padStart(64, '0')}`,
    region: 'eu-west-1',
    account: '111122223333',
    domain: `device-${n}`,
    sans: [],
    type: 'IMPORTED',
    fingerprintSha256: fingerprint(n),
    notBefore: new Date(NOW.getTime() - 360 * MS_PER_DAY),
    notAfter: new Date(NOW.getTime() + days * MS_PER_DAY + 3_600_000),
  },
});

/** One scan of these devices through the real lifecycle; returns what reached the bus. */
const scanOf = async (
  devices: ReturnType<typeof device>[],
  over: { groupAlertsAbove?: number; store?: InMemoryLifecycleStore; now?: Date; scanId?: string } = {},
) => {
  const published: BusEvent[] = [];
  const now = over.now ?? NOW;
  await processScan(
    {
      store: over.store ?? new InMemoryLifecycleStore(),
      publisher: {
        publish: async (events) => {
          published.push(...events);
          return { published: events.length };
        },
      },
      now,
      clock: () => now,
      config: lifecycleConfig(
        over.groupAlertsAbove === undefined ? {} : { groupAlertsAbove: over.groupAlertsAbove },
      ),
    },
    {
      scanId: over.scanId ?? 'scan-1',
      observations: devices.map((d) => ({ location: d.record.id, scope: d.scope, record: d.record })),
      completeScopes: [...new Set(devices.map((d) => d.scope))],
    },
  );
  return published;
};

const envelope = (e: BusEvent): WatcherEvent => ({
  'detail-type': e.detailType,
  source: 'cert-expiry-watcher',
  detail: JSON.parse(JSON.stringify(e.detail)),
});

const groups = (events: BusEvent[]) => events.filter((e) => e.detailType === DetailType.CertificateGroup);

describe('fleets: grouped alerts', () => {
  it('more than the threshold entering one tier in one scope: one group for people, every member on the bus', async () => {
    const fleet = Array.from({ length: 12 }, (_, i) => device(i, 4 + (i % 3)));
    const events = await scanOf(fleet);
    const members = events.filter((e) => e.detailType === DetailType.Expiring);
    expect(members).toHaveLength(12);
    const [group] = groups(events);
    expect(groups(events)).toHaveLength(1);
    for (const e of events) assertValidEvent(e.detailType, e.detail);
    const detail = group!.detail as {
      eventId: string;
      group: Record<string, unknown>;
      evaluation: { severity: string };
    };
    expect(detail.group).toMatchObject({
      source: 'iot',
      scope: SCOPE,
      region: 'eu-west-1',
      memberDetailType: 'Certificate Expiring',
      transition: 'tier-entered',
      tierDays: 7,
      count: 12,
      listCommand: 'cert-watch scan iot --regions eu-west-1',
    });
    expect((detail.group.sample as unknown[]).length).toBe(10);
    expect(detail.group.earliestNotAfter).toBe(fleet[0]!.record.notAfter!.toISOString());
    expect(detail.group.latestNotAfter).toBe(fleet[2]!.record.notAfter!.toISOString());
    expect(detail.evaluation.severity).toBe('critical');
    for (const m of members)
      expect((m.detail as { lifecycle: { group?: unknown } }).lifecycle.group).toEqual({
        id: detail.eventId,
        count: 12,
      });
  });

  it('at the threshold, in different scopes or tiers, or turned off: no group, every alert on its own', async () => {
    expect(groups(await scanOf(Array.from({ length: 10 }, (_, i) => device(i, 5))))).toEqual([]);
    const split = [
      ...Array.from({ length: 6 }, (_, i) => device(i, 5)),
      ...Array.from({ length: 6 }, (_, i) => device(100 + i, 5, 'iot#111122223333#us-east-1')),
    ];
    expect(groups(await scanOf(split))).toEqual([]);
    const tiers = [
      ...Array.from({ length: 6 }, (_, i) => device(i, 5)),
      ...Array.from({ length: 6 }, (_, i) => device(50 + i, 20)),
    ];
    expect(groups(await scanOf(tiers))).toEqual([]);
    const off = await scanOf(
      Array.from({ length: 30 }, (_, i) => device(i, 5)),
      { groupAlertsAbove: 0 },
    );
    expect(groups(off)).toEqual([]);
    expect(off.every((e) => !(e.detail as { lifecycle: { group?: unknown } }).lifecycle.group)).toBe(true);
  });

  it('a re-run of the same scan day reproduces the group id (consumers drop the duplicate)', async () => {
    const fleet = Array.from({ length: 11 }, (_, i) => device(i, 5));
    const a = groups(await scanOf(fleet))[0]!.detail as { eventId: string };
    const b = groups(await scanOf(fleet, { scanId: 'scan-retry' }))[0]!.detail as { eventId: string };
    expect(a.eventId).toBe(b.eventId);
  });

  it('the fleet renewed together is one group too, and reminders that follow are not grouped', async () => {
    const store = new InMemoryLifecycleStore();
    const fleet = Array.from({ length: 11 }, (_, i) => device(i, 2));
    await scanOf(fleet, { store });
    // The next day: critical reminders, each on its own (reminders follow their entry).
    const next = new Date(NOW.getTime() + MS_PER_DAY);
    const reminders = await scanOf(fleet, { store, now: next, scanId: 'scan-2' });
    expect(groups(reminders)).toEqual([]);
    const renewed = fleet.map((d, i) => ({
      ...d,
      record: {
        ...d.record,
        fingerprintSha256: fingerprint(1000 + i),
        notAfter: new Date(NOW.getTime() + 365 * MS_PER_DAY),
      },
    }));
    const events = await scanOf(renewed, {
      store,
      now: new Date(next.getTime() + MS_PER_DAY),
      scanId: 'scan-3',
    });
    const [group] = groups(events);
    expect(group?.detail).toMatchObject({ group: { memberDetailType: 'Certificate Renewed', count: 11 } });
  });
});

describe('a group reaches people once; its members only the bus', () => {
  const fleetEvents = async () => scanOf(Array.from({ length: 12 }, (_, i) => device(i, 4 + (i % 3))));

  it('routing: the group like its members (critical: chat, SMS, tickets), the members nowhere; the rule pattern includes it', async () => {
    const events = await fleetEvents();
    const group = envelope(groups(events)[0]!);
    expect(routesFor(group)).toEqual(['chat', 'sms', 'tickets']);
    for (const m of events.filter((e) => e.detailType !== DetailType.CertificateGroup))
      expect(routesFor(envelope(m))).toEqual([]);
    expect(routedDetailTypes(DEFAULT_ROUTING)).toContain(DetailType.CertificateGroup);
  });

  it('words: headline, where, facts and a one-segment SMS', async () => {
    const group = envelope(groups(await fleetEvents())[0]!);
    const v = toView(group);
    expect(v).toMatchObject({
      kind: 'group',
      name: 'device-0 and 11 more',
      where: 'IoT eu-west-1',
      severity: 'critical',
    });
    expect(headline(v)).toMatch(/^12 certificates expire between 2026-12-03 and 2026-12-05$/);
    const sms = formatSms(group);
    expect(sms).toMatch(/^12 CERTS EXPIRE FROM 4d: device-0 and 11 more \(IoT eu-west-1\) 2026-12-03$/);
    expect(gsmSeptets(sms)).toBeLessThanOrEqual(SMS_MAX_SEPTETS);
  });

  it('tickets: one ticket per fleet and scope, raised by the group, closed by the group renewal; members ignored', async () => {
    const events = await fleetEvents();
    const group = envelope(groups(events)[0]!);
    const subject = subjectOf(group, toView(group));
    expect(subject).toMatchObject({ action: 'raise', location: `group#${SCOPE}` });
    const member = envelope(events.find((e) => e.detailType === DetailType.Expiring)!);
    expect(subjectOf(member, toView(member))).toEqual({ action: 'ignore' });
    const renewal: WatcherEvent = {
      ...group,
      detail: {
        ...(group.detail as object),
        group: {
          ...(group.detail as { group: object }).group,
          memberDetailType: 'Certificate Renewed',
          transition: 'renewed',
        },
      },
    };
    expect(subjectOf(renewal, toView(renewal))).toEqual({ ...subject, action: 'close' });
  });
});
