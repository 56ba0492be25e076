/**
 * 90 days of daily scans against moto's DynamoDB, clock injected: the exact events the lifecycle
 * puts on the bus, with concurrent duplicate runs, a failed publish, a process that dies after its
 * state write, and a cold start (new store and client) every day.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { BusEvent } from '../../lambda/core/events';
import { MS_PER_DAY } from '../../lambda/core/time';
import type { LifecycleEventDetail } from '../../lambda/lifecycle/lifecycle-events';
import { type LifecycleScan, lifecycleConfig, type Observation } from '../../lambda/lifecycle/model';
import { scopeOfRecord } from '../../lambda/lifecycle/observations';
import { type LifecycleStore, type Publisher, processScan } from '../../lambda/lifecycle/run-lifecycle';
import { createStateTable, DynamoDbStateStore } from '../../lambda/sinks/state/dynamodb-state-store';
import { type Moto, startMoto } from '../support/moto';
import { assertValidEvent } from '../support/schemas';

const REGION = 'eu-west-1';
const TABLE = 'cert-watch-state';
const T0 = new Date('2026-01-01T06:00:00.000Z');
const day = (n: number) => new Date(T0.getTime() + n * MS_PER_DAY);
const dayOf = (iso: string) => Math.round((Date.parse(iso) - T0.getTime()) / MS_PER_DAY);
const arn = (name: string) => `arn:aws:acm:${REGION}:111122223333:certificate/${name}`;
const fp = (n: number) =>
  Array.from({ length: 32 }, (_, i) => ((n * 7 + i) % 256).toString(16).padStart(2, '0').toUpperCase()).join(
    ':',
  );
const config = lifecycleConfig({ managedAlertDelayDays: 16 });

const acm = (
  name: string,
  notBefore: number,
  notAfter: number,
  over: Partial<CertificateRecord> = {},
): CertificateRecord => ({
  source: 'acm',
  id: arn(name),
  region: REGION,
  account: '111122223333',
  domain: `${name}.example.com`,
  sans: [`${name}.example.com`],
  type: 'IMPORTED',
  status: 'ISSUED',
  notBefore: day(notBefore),
  notAfter: day(notAfter),
  ...over,
});

const endpoint = (location: string, fpN: number, notBefore: number, notAfter: number): CertificateRecord => ({
  source: 'endpoint',
  id: location,
  domain: location.split(':')[0] ?? '',
  sans: [location.split(':')[0] ?? ''],
  type: 'UNMANAGED',
  fingerprintSha256: fp(fpN),
  serialNumber: fpN.toString(16),
  notBefore: day(notBefore),
  notAfter: day(notAfter),
});

const WWW1 = 'www.example:443@10.0.0.1';
const WWW2 = 'www.example:443@10.0.0.2';
const API = 'api.example:443@10.0.0.9';

/** What the sources would report on day d. */
const scanOfDay = (d: number): LifecycleScan => {
  const records: CertificateRecord[] = [];
  records.push(
    d < 20
      ? acm('renewed', -340, 25.5, { fingerprintSha256: fp(101) })
      : acm('renewed', 19.9, 200.5, { fingerprintSha256: fp(102) }),
  );
  if (d < 40) records.push(acm('removed', -60, 300.5, { fingerprintSha256: fp(201) }));
  const oldWww = (loc: string) => endpoint(loc, 301, -40, 50.5);
  const newWww = (loc: string) => endpoint(loc, 302, 9.5, 140.5);
  const rollout: Record<number, [boolean, boolean]> = {
    10: [true, false],
    11: [false, true],
    12: [true, false],
  };
  const [new1, new2] = d < 10 ? [false, false] : (rollout[d] ?? [true, true]);
  records.push(new1 ? newWww(WWW1) : oldWww(WWW1), new2 ? newWww(WWW2) : oldWww(WWW2));
  const k = Math.floor(d / 4);
  records.push(endpoint(API, 400 + k, 4 * k - 0.25, 4 * k + 5.75));
  records.push(acm('imported', -324.5, 40.5, { fingerprintSha256: fp(501) }));
  // Managed certificates as ACM's summaries show them: no fingerprint, identity from notAfter.
  const managed = { type: 'AMAZON_ISSUED', renewalEligibility: 'ELIGIBLE' } as const;
  records.push(
    d < 45
      ? acm('managed-failing', -344.5, 50.5, { ...managed, renewalStatus: d >= 18 ? 'FAILED' : undefined })
      : acm('managed-failing', 44.9, 440.5, { ...managed, renewalStatus: 'SUCCESS' }),
  );
  records.push(
    d < 40
      ? acm('managed-healthy', -334.5, 60.5, managed)
      : acm('managed-healthy', 39.9, 455.5, { ...managed, renewalStatus: 'SUCCESS' }),
  );
  records.push(acm('acked', -304.5, 60.5, { fingerprintSha256: fp(701) }));
  const observations: Observation[] = records.map((record) => ({
    location: record.id,
    scope: scopeOfRecord(record),
    record,
  }));
  return {
    scanId: `daily-${d}`,
    observations,
    completeScopes: [`acm#${REGION}`, 'endpoint#www.example:443', 'endpoint#api.example:443'],
  };
};

const line = (
  d: number,
  type: string,
  location: string,
  transition: string,
  tier: number | null,
  extra = '',
) => `${String(d).padStart(2, '0')}|${type}|${location}|${transition}|${tier ?? '-'}${extra}`;
const EXP = 'Certificate Expiring';
const EXD = 'Certificate Expired';
const REN = 'Certificate Renewed';

const expected = (): string[] => {
  const out: string[] = [];
  const r = (d: number, t: string, name: string, tr: string, tier: number | null, extra = '') =>
    out.push(line(d, t, name.includes('@') ? name : arn(name), tr, tier, extra));
  // Renewed on day 20 after its 30, 14 and 7 day tiers.
  r(0, EXP, 'renewed', 'tier-entered', 30);
  r(12, EXP, 'renewed', 'tier-entered', 14);
  r(19, EXP, 'renewed', 'tier-entered', 7);
  r(20, REN, 'renewed', 'renewed', null);
  // Gone from day 40: missing on days 40, 41, 42.
  r(42, 'Certificate Removed', 'removed', 'removed', null);
  // Rollout on days 10-12 flaps between the addresses: one BACKENDS_DIFFER, renewed once both serve it.
  r(10, 'Endpoint Misconfigured', WWW1, 'backends-differ', null);
  r(13, REN, WWW1, 'renewed', null);
  r(13, REN, WWW2, 'renewed', null);
  // Short-lived (6 days, renewed every 4): nothing at all.
  // Imported, never renewed: every tier once, critical reminders daily, expiry, then daily reminders.
  r(11, EXP, 'imported', 'tier-entered', 30);
  r(27, EXP, 'imported', 'tier-entered', 14);
  r(34, EXP, 'imported', 'tier-entered', 7);
  for (const d of [35, 36, 37]) r(d, EXP, 'imported', 'tier-reminder', 7, `|#${d - 34}`);
  r(38, EXP, 'imported', 'tier-entered', 3);
  r(39, EXP, 'imported', 'tier-reminder', 3, '|#1');
  r(40, EXP, 'imported', 'tier-entered', 1);
  r(41, EXD, 'imported', 'expired', null, '|0d');
  for (let d = 42; d < 90; d++) r(d, EXD, 'imported', 'expired-reminder', null, `|#${d - 41}|${d - 41}d`);
  // Managed, renewal failing from day 18: at risk at once, then the full tiers (no managed delay), renewed day 45.
  r(18, EXP, 'managed-failing', 'renewal-at-risk', null);
  r(21, EXP, 'managed-failing', 'tier-entered', 30);
  r(37, EXP, 'managed-failing', 'tier-entered', 14);
  r(44, EXP, 'managed-failing', 'tier-entered', 7);
  r(45, REN, 'managed-failing', 'renewed', null);
  // Managed and healthy: inside 30 days from day 31 but alerts only from 14 days; renewed on day 40 first.
  r(40, REN, 'managed-healthy', 'renewed', null);
  // Acknowledged on day 55 until day 70: tier entries and the expiry still go out (acked), reminders do not.
  r(31, EXP, 'acked', 'tier-entered', 30);
  r(47, EXP, 'acked', 'tier-entered', 14);
  r(54, EXP, 'acked', 'tier-entered', 7);
  r(55, EXP, 'acked', 'tier-reminder', 7, '|#1');
  r(58, EXP, 'acked', 'tier-entered', 3, '|acked');
  r(60, EXP, 'acked', 'tier-entered', 1, '|acked');
  r(61, EXD, 'acked', 'expired', null, '|0d|acked');
  for (let d = 70; d < 90; d++) r(d, EXD, 'acked', 'expired-reminder', null, `|#${d - 69}|${d - 61}d`);
  return out.sort();
};

const describeEvent = (e: BusEvent): string => {
  const d = e.detail as LifecycleEventDetail;
  const l = d.lifecycle;
  let extra = '';
  if (l.transition.endsWith('reminder')) extra += `|#${l.reminderCount}`;
  if (l.expiredDaysAgo !== undefined) extra += `|${l.expiredDaysAgo}d`;
  if (l.acked) extra += '|acked';
  return line(dayOf(d.observedAt), e.detailType, d.certificate.id, l.transition, l.tierDays, extra);
};

class RecordingPublisher implements Publisher {
  readonly events: BusEvent[] = [];
  failNext = false;
  async publish(events: readonly BusEvent[]) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('PutEvents unavailable (simulated)');
    }
    this.events.push(...events);
    return { published: events.length };
  }
}

describe('lifecycle timeline on DynamoDB (moto)', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto({ serialized: true });
    await createStateTable(new DynamoDBClient(moto.clientConfig(REGION)), TABLE);
  });
  afterAll(async () => {
    await moto?.stop();
  });

  /** A cold start: new client, new store. */
  const freshStore = () =>
    new DynamoDbStateStore({ tableName: TABLE }, new DynamoDBClient(moto.clientConfig(REGION)));

  it('90 daily scans emit exactly the expected events, once each, whatever the failures', async () => {
    const publisher = new RecordingPublisher();
    const run = (d: number, store: LifecycleStore = freshStore(), runId?: string) =>
      processScan({ store, publisher, now: day(d), config, clock: () => day(d), runId }, scanOfDay(d));

    let conflicts = 0;
    for (let d = 0; d < 90; d++) {
      if (d === 56) {
        await freshStore().setAck(arn('acked'), {
          until: day(70).toISOString(),
          reason: 'vendor renewal booked',
          by: 'ops@example.com',
          at: day(55.5).toISOString(),
        });
      }
      if (d === 20) {
        // PutEvents fails after the state write: the run fails, its retry delivers the events.
        publisher.failNext = true;
        await expect(run(d)).rejects.toThrow('simulated');
        const before = publisher.events.length;
        const retry = await run(d);
        expect(retry.eventsCreated).toBe(0);
        expect(retry.eventsRecovered).toBeGreaterThan(0);
        expect(publisher.events.length - before).toBe(retry.eventsRecovered);
        continue;
      }
      if (d === 41) {
        // The process dies between the state write and PutEvents: it cannot hand its outboxes back.
        const store = freshStore();
        store.releaseOutbox = async () => {};
        publisher.failNext = true;
        await expect(run(d, store)).rejects.toThrow('simulated');
        // A retry within the lease leaves the dead run's outboxes alone...
        const early = await processScan(
          {
            store: freshStore(),
            publisher,
            now: day(d),
            config,
            clock: () => new Date(day(d).getTime() + 60_000),
          },
          scanOfDay(d),
        );
        expect(early.eventsPublished).toBe(0);
        continue; // ...and the next day's run (lease over) publishes them.
      }
      // Every other day the same scan runs twice at once (e.g. a duplicated schedule delivery).
      const [a, b] = await Promise.all([run(d, freshStore(), `a-${d}`), run(d, freshStore(), `b-${d}`)]);
      expect(a.eventsPublished + b.eventsPublished).toBe(
        a.eventsCreated + b.eventsCreated + a.eventsRecovered + b.eventsRecovered,
      );
      if (d === 42) expect(a.eventsRecovered + b.eventsRecovered).toBeGreaterThan(0);
      conflicts += a.conflicts + b.conflicts;
    }

    // The duplicate runs did race on the same items (and lost writes were re-applied).
    expect(conflicts).toBeGreaterThan(0);
    for (const e of publisher.events) assertValidEvent(e.detailType, e.detail);
    const ids = publisher.events.map((e) => (e.detail as LifecycleEventDetail).eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(publisher.events.map(describeEvent).sort()).toEqual(expected());
  });

  it('keeps the state for status and acknowledgement after the timeline (cold start)', async () => {
    const store = freshStore();
    const imported = await store.get(arn('imported'));
    expect(imported?.state).toMatchObject({ alert: { expired: true, reminderCount: 48 } });
    expect(imported?.outbox).toBeNull();
    const removed = await store.get(arn('removed'));
    expect(removed?.state.removedAt).toBe(day(42).toISOString());
    const renewed = await store.get(WWW2);
    expect(renewed?.state).toMatchObject({ fingerprintSha256: fp(302), backendsDiffer: false });
  });
});
