/**
 * A 90-day scenario for the lifecycle, clock injected: what the sources report each day (ACM
 * certificates renewed, removed, imported and left to expire, managed ones whose renewal fails or
 * succeeds, one acknowledged; an endpoint rollout across two addresses; a short-lived endpoint
 * certificate renewed every 4 days), and the exact events a daily replay must put on the bus.
 * test/unit/lifecycle-timeline.test.ts replays it in memory; the DynamoDB tests use a few of its days.
 */
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { BusEvent } from '../../lambda/core/events';
import { MS_PER_DAY } from '../../lambda/core/time';
import type { LifecycleEventDetail } from '../../lambda/lifecycle/lifecycle-events';
import { type LifecycleScan, lifecycleConfig, type Observation } from '../../lambda/lifecycle/model';
import type { Publisher } from '../../lambda/lifecycle/run-lifecycle';
import { testScopeOf } from './scopes';

export const REGION = 'eu-west-1';
export const T0 = new Date('2026-01-01T06:00:00.000Z');
export const day = (n: number) => new Date(T0.getTime() + n * MS_PER_DAY);
export const dayOf = (iso: string) => Math.round((Date.parse(iso) - T0.getTime()) / MS_PER_DAY);
export const arn = (name: string) => `arn:aws:acm:${REGION}:111122223333:certificate/${name}`;
export const fp = (n: number) =>
  Array.from({ length: 32 }, (_, i) => ((n * 7 + i) % 256).toString(16).padStart(2, '0').toUpperCase()).join(
    ':',
  );
export const config = lifecycleConfig({ managedAlertDelayDays: 16 });

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

export const WWW1 = 'www.example:443@10.0.0.1';
export const WWW2 = 'www.example:443@10.0.0.2';
export const API = 'api.example:443@10.0.0.9';

/** What the sources report on day d. */
export const scanOfDay = (d: number): LifecycleScan => {
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
    scope: testScopeOf(record),
    record,
  }));
  return {
    scanId: `daily-${d}`,
    observations,
    completeScopes: [`acm#${REGION}`, 'endpoint#www.example:443', 'endpoint#api.example:443'],
  };
};

/** One event as `dd|detail-type|location|transition|tier`, then `|#reminder`, `|Nd` (expired days ago), `|acked`. */
export const line = (
  d: number,
  type: string,
  location: string,
  transition: string,
  tier: number | null,
  extra = '',
) => `${String(d).padStart(2, '0')}|${type}|${location}|${transition}|${tier ?? '-'}${extra}`;
export const EXP = 'Certificate Expiring';
export const EXD = 'Certificate Expired';
export const REN = 'Certificate Renewed';

/** The events a daily replay from day 0 to day 89 must publish, one line each (see `line`), sorted. */
export const expected = (): string[] => {
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

/** An event as the line `expected` lists it. */
export const describeEvent = (e: BusEvent): string => {
  const d = e.detail as LifecycleEventDetail;
  const l = d.lifecycle;
  let extra = '';
  if (l.transition.endsWith('reminder')) extra += `|#${l.reminderCount}`;
  if (l.expiredDaysAgo !== undefined) extra += `|${l.expiredDaysAgo}d`;
  if (l.acked) extra += '|acked';
  return line(dayOf(d.observedAt), e.detailType, d.certificate.id, l.transition, l.tierDays, extra);
};

/** Records what it publishes; `failNext` makes the next PutEvents fail. */
export class RecordingPublisher implements Publisher {
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
