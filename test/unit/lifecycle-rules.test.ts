import { describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../lambda/core/certificate';
import { DetailType } from '../../lambda/core/events';
import { MS_PER_DAY } from '../../lambda/core/time';
import { applyScan } from '../../lambda/lifecycle/apply-scan';
import type { LifecycleEvent } from '../../lambda/lifecycle/lifecycle-events';
import {
  InvalidLifecycleConfigError,
  type LifecycleConfig,
  lifecycleConfig,
} from '../../lambda/lifecycle/model';
import { effectiveThresholds } from '../../lambda/lifecycle/thresholds';
import { ARN, acm, brief, day, fp, Harness, obs } from '../support/lifecycle-harness';

describe('lifecycle: tier entries', () => {
  it('announces a tier once when entered at its exact boundary, not a millisecond earlier', () => {
    const h = new Harness();
    const r = acm({ notAfter: new Date(day(0).getTime() + 30 * MS_PER_DAY + 1) });
    expect(h.scan(day(0), [obs(r)])).toEqual([]);
    const atBoundary = new Date(r.notAfter!.getTime() - 30 * MS_PER_DAY);
    expect(brief(h.scan(atBoundary, [obs(r)]))).toEqual(['Certificate Expiring|tier-entered|30']);
    expect(h.scan(day(1), [obs(r)])).toEqual([]);
    expect(h.scan(day(10), [obs(r)])).toEqual([]);
  });

  it('announces only higher tiers, with the previous tier, and lower tiers never repeat', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(40) });
    const out: string[] = [];
    for (let d = 0; d <= 27; d++) out.push(...brief(h.scan(day(d), [obs(r)])).map((s) => `${d}:${s}`));
    expect(out).toEqual([
      '10:Certificate Expiring|tier-entered|30',
      '26:Certificate Expiring|tier-entered|14',
    ]);
    const [e] = h.scan(day(33), [obs(r)]);
    expect(e?.detail.lifecycle).toMatchObject({
      transition: 'tier-entered',
      tierDays: 7,
      previousTierDays: 14,
    });
  });

  it('skipping tiers between scans jumps to the highest tier reached', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(40) });
    h.scan(day(0), [obs(r)]);
    expect(brief(h.scan(day(38), [obs(r)]))).toEqual(['Certificate Expiring|tier-entered|3']);
  });
});

describe('lifecycle: critical reminders', () => {
  it('repeats a critical tier once per UTC day with a growing reminder count', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(10) });
    expect(brief(h.scan(day(3), [obs(r)]))).toEqual(['Certificate Expiring|tier-entered|7']);
    expect(h.scan(new Date(day(3).getTime() + 3_600_000), [obs(r)])).toEqual([]);
    const [r1] = h.scan(day(4), [obs(r)]);
    expect(r1?.detail.lifecycle).toMatchObject({
      transition: 'tier-reminder',
      tierDays: 7,
      reminderCount: 1,
    });
    const [r2] = h.scan(day(5), [obs(r)]);
    expect(r2?.detail.lifecycle.reminderCount).toBe(2);
    expect(r2?.detail.eventId).not.toBe(r1?.detail.eventId);
    const [entry] = h.scan(day(7), [obs(r)]);
    expect(entry?.detail.lifecycle).toMatchObject({
      transition: 'tier-entered',
      tierDays: 3,
      reminderCount: 0,
    });
  });

  it('honours a longer reminder interval', () => {
    const h = new Harness(lifecycleConfig({ criticalReminderIntervalDays: 2 }));
    const r = acm({ notAfter: day(10) });
    const days: number[] = [];
    for (let d = 3; d <= 6; d++) if (h.scan(day(d), [obs(r)]).length > 0) days.push(d);
    expect(days.length).toBeLessThan(4);
    expect(days[0]).toBe(3);
  });
});

describe('lifecycle: expiry', () => {
  it('announces the expiry at notAfter, then daily reminders counting days since expiry', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(2) });
    expect(brief(h.scan(day(0), [obs(r)]))).toEqual(['Certificate Expiring|tier-entered|3']);
    const justBefore = new Date(r.notAfter!.getTime() - 1);
    expect(brief(h.scan(justBefore, [obs(r)]))).toEqual(['Certificate Expiring|tier-entered|1']);
    const [expired] = h.scan(r.notAfter!, [obs(r)]);
    expect(expired?.detailType).toBe(DetailType.Expired);
    expect(expired?.detail.lifecycle).toMatchObject({
      transition: 'expired',
      expiredDaysAgo: 0,
      reminderCount: 0,
    });
    const [rem] = h.scan(day(5), [obs(r)]);
    expect(rem?.detail.lifecycle).toMatchObject({
      transition: 'expired-reminder',
      expiredDaysAgo: 3,
      reminderCount: 1,
    });
    expect(h.scan(day(5), [obs(r)])).toEqual([]);
  });

  it('keeps reminding when the endpoint now fails its handshake', () => {
    const h = new Harness();
    const ep: CertificateRecord = {
      ...acm({ notAfter: day(1) }),
      source: 'endpoint',
      id: 'shop.example:443@10.0.0.1',
      region: undefined,
    };
    h.scan(day(0), [obs(ep)]);
    h.scan(day(1), [obs(ep)]);
    const failing = {
      location: ep.id,
      scope: 'endpoint#shop.example:443',
      error: { code: 'HANDSHAKE_FAILED', message: 'certificate expired' },
    };
    const [e] = h.scan(day(2), [failing]);
    expect(e?.detail.lifecycle).toMatchObject({
      transition: 'expired-reminder',
      reminderCount: 1,
      expiredDaysAgo: 1,
    });
    expect(e?.detail.problems).toEqual([{ code: 'HANDSHAKE_FAILED', message: 'certificate expired' }]);
  });

  it('keeps reminding when the region could not be listed', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(1) });
    h.scan(day(1), [obs(r)]);
    const [e] = h.scan(day(2), [], {
      completeScopes: [],
      failedScopes: [{ scope: 'acm#eu-west-1', error: { code: 'SCOPE_NOT_LISTED', message: 'throttled' } }],
    });
    expect(e?.detail.lifecycle.transition).toBe('expired-reminder');
  });
});

describe('lifecycle: acknowledgement', () => {
  it('silences reminders until the ack expires, and renewal clears it', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(1) });
    h.scan(day(1), [obs(r)]);
    const s = h.states.get(ARN)!;
    h.states.set(ARN, {
      ...s,
      ack: { until: day(4).toISOString(), reason: 'vendor', at: day(1).toISOString() },
    });
    expect(h.scan(day(2), [obs(r)])).toEqual([]);
    expect(h.scan(day(3), [obs(r)])).toEqual([]);
    const [back] = h.scan(day(4), [obs(r)]);
    expect(back?.detail.lifecycle).toMatchObject({
      transition: 'expired-reminder',
      acked: false,
      reminderCount: 1,
    });
    h.states.set(ARN, { ...h.states.get(ARN)!, ack: { at: day(4).toISOString() } });
    expect(h.scan(day(5), [obs(r)])).toEqual([]);
    const renewed = acm({ notAfter: day(400), fingerprintSha256: fp(2), serialNumber: '02' });
    expect(brief(h.scan(day(6), [obs(renewed)]))).toEqual(['Certificate Renewed|renewed|']);
    expect(h.states.get(ARN)?.ack).toBeNull();
  });

  it('still announces a higher tier while acknowledged, marked acked', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(10) });
    h.scan(day(3), [obs(r)]);
    h.states.set(ARN, { ...h.states.get(ARN)!, ack: { at: day(3).toISOString() } });
    expect(h.scan(day(4), [obs(r)])).toEqual([]);
    const [e] = h.scan(day(7), [obs(r)]);
    expect(e?.detail.lifecycle).toMatchObject({ transition: 'tier-entered', tierDays: 3, acked: true });
  });
});

describe('lifecycle: renewal and replacement', () => {
  it('announces a renewal with old and new expiry, then starts the tiers over', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(20) });
    h.scan(day(0), [obs(r)]);
    const renewed = acm({ notAfter: day(100), fingerprintSha256: fp(9), serialNumber: '09' });
    const [e] = h.scan(day(1), [obs(renewed)]);
    expect(e?.detailType).toBe(DetailType.Renewed);
    expect(e?.detail.lifecycle).toMatchObject({
      transition: 'renewed',
      previousTierDays: 30,
      resolves: 'tier-entered',
      previous: { fingerprintSha256: fp(1), serialNumber: '01', notAfter: day(20).toISOString() },
    });
    expect(e?.detail.certificate.notAfter).toBe(day(100).toISOString());
    expect(brief(h.scan(day(70), [obs(renewed)]))).toEqual(['Certificate Expiring|tier-entered|30']);
  });

  it('a summary record without fingerprint is the same certificate, not a replacement', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(20) });
    h.scan(day(0), [obs(r)]);
    const summary = acm({ notAfter: day(20), fingerprintSha256: undefined, serialNumber: undefined });
    expect(h.scan(day(1), [obs(summary)])).toEqual([]);
    expect(h.states.get(ARN)?.fingerprintSha256).toBe(fp(1));
  });

  it('a different certificate with an earlier expiry is tracked without a renewal event', () => {
    const h = new Harness();
    h.scan(day(0), [obs(acm({ notAfter: day(200) }))]);
    const older = acm({ notAfter: day(20), fingerprintSha256: fp(5) });
    expect(brief(h.scan(day(1), [obs(older)]))).toEqual(['Certificate Expiring|tier-entered|30']);
  });
});

describe('lifecycle: removal', () => {
  it('announces removal after 3 consecutive complete scans without the certificate', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(200) });
    h.scan(day(0), [obs(r)]);
    const complete = { completeScopes: ['acm#eu-west-1'] };
    expect(h.scan(day(1), [], complete)).toEqual([]);
    expect(h.scan(day(2), [], complete)).toEqual([]);
    const [e] = h.scan(day(3), [], complete);
    expect(e?.detailType).toBe(DetailType.Removed);
    expect(e?.detail.lifecycle).toMatchObject({ transition: 'removed', missingScans: 3 });
    expect(h.states.get(ARN)?.purgeAt).toBe(day(33).toISOString());
    expect(h.scan(day(4), [], complete)).toEqual([]);
  });

  it('does not count scans whose scope was not listed completely, nor the same scan twice', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(200) });
    h.scan(day(0), [obs(r)]);
    h.scan(day(1), [], { completeScopes: [] });
    expect(h.states.get(ARN)?.missingScans).toBe(0);
    const scan = { scanId: 's', observations: [], completeScopes: ['acm#eu-west-1'] };
    const once = applyScan(h.states.values(), scan, day(2), h.config);
    for (const c of once.changes) h.states.set(c.state.location, c.state);
    const twice = applyScan(h.states.values(), scan, day(2), h.config);
    expect(twice.changes).toEqual([]);
    expect(h.states.get(ARN)?.missingScans).toBe(1);
  });

  it('keeps reminding about an expired certificate while it is missing, until it is removed', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(1) });
    const complete = { completeScopes: ['acm#eu-west-1'] };
    h.scan(day(1), [obs(r)]);
    const [missing] = h.scan(day(2), [], complete);
    expect(missing?.detail.lifecycle.transition).toBe('expired-reminder');
    expect(missing?.detail.problems[0]?.code).toBe('NOT_OBSERVED');
    h.scan(day(3), [], complete);
    expect(brief(h.scan(day(4), [], complete))).toEqual(['Certificate Removed|removed|']);
    expect(h.scan(day(5), [], complete)).toEqual([]);
  });

  it('tracks a removed location afresh when it comes back', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(20) });
    const complete = { completeScopes: ['acm#eu-west-1'] };
    h.scan(day(0), [obs(r)]);
    for (const d of [1, 2, 3]) h.scan(day(d), [], complete);
    expect(h.states.get(ARN)?.removedAt).not.toBeNull();
    expect(brief(h.scan(day(4), [obs(r)]))).toEqual(['Certificate Expiring|tier-entered|30']);
    expect(h.states.get(ARN)).toMatchObject({
      removedAt: null,
      purgeAt: null,
      firstSeenAt: day(4).toISOString(),
    });
  });

  it('a certificate seen again resets the missing count', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(200) });
    const complete = { completeScopes: ['acm#eu-west-1'] };
    h.scan(day(0), [obs(r)]);
    h.scan(day(1), [], complete);
    h.scan(day(2), [], complete);
    h.scan(day(3), [obs(r)]);
    h.scan(day(4), [], complete);
    expect(h.scan(day(5), [], complete)).toEqual([]);
    expect(h.states.get(ARN)?.missingScans).toBe(2);
  });
});

describe('lifecycle: managed certificates and renewal risk', () => {
  const managed = (over: Partial<CertificateRecord> = {}) =>
    acm({ id: `${ARN}-m`, type: 'AMAZON_ISSUED', renewalEligibility: 'ELIGIBLE', ...over });

  it('healthy managed certificates alert later when configured; imported ones never later', () => {
    const config = lifecycleConfig({ managedAlertDelayDays: 16 });
    const h = new Harness(config);
    const first = (r: CertificateRecord) => {
      for (let d = 0; d <= 40; d++) {
        const e = h.scan(day(d), [obs(r)]);
        if (e.length > 0) return { d, tier: e[0]?.detail.lifecycle.tierDays };
      }
      return null;
    };
    expect(first(managed({ notAfter: day(40) }))).toEqual({ d: 26, tier: 14 });
    h.states.clear();
    expect(first(acm({ notAfter: day(40) }))).toEqual({ d: 10, tier: 30 });
  });

  it('a failing renewal escalates at once and uses the full tiers', () => {
    const h = new Harness(lifecycleConfig({ managedAlertDelayDays: 16 }));
    const failing = managed({ notAfter: day(60), renewalStatus: 'FAILED' });
    const [risk] = h.scan(day(0), [obs(failing)]);
    expect(risk?.detail.lifecycle.transition).toBe('renewal-at-risk');
    expect(risk?.detail.evaluation).toMatchObject({ severity: 'warning', renewalRisk: 'RENEWAL_FAILED' });
    expect(h.scan(day(1), [obs(failing)])).toEqual([]);
    const [tier] = h.scan(day(30), [obs(failing)]);
    expect(tier?.detail.lifecycle).toMatchObject({ transition: 'tier-entered', tierDays: 30 });
    expect(tier?.detail.evaluation.severity).toBe('critical');
  });
});

describe('lifecycle: short-lived certificates', () => {
  it('uses lifetime percentages so a 6-day certificate renewed every 4 days never alerts', () => {
    const h = new Harness();
    const events: LifecycleEvent[] = [];
    for (let d = 0; d < 40; d++) {
      const issued = Math.floor(d / 4) * 4;
      const r = acm({
        source: 'endpoint',
        id: 'api.example:443@10.0.0.9',
        region: undefined,
        fingerprintSha256: fp(issued),
        notBefore: day(issued - 0.01),
        notAfter: day(issued + 6 - 0.01),
      });
      events.push(...h.scan(day(d), [obs(r)]));
    }
    // Routine renewals of short-lived certificates are not announced either.
    expect(events).toEqual([]);
  });

  it('alerts a 6-day certificate at 33 % and 10 % of its lifetime', () => {
    const r = acm({ notBefore: day(0), notAfter: day(6) });
    const eff = effectiveThresholds(r, 6, lifecycleConfig());
    expect(eff).toEqual({ thresholds: { tiersDays: [1.98, 0.6], criticalDays: 0.6 }, basis: 'lifetime' });
    const h = new Harness();
    h.scan(day(0), [obs(r)]);
    expect(h.scan(new Date(day(6).getTime() - 1.99 * MS_PER_DAY), [obs(r)])).toEqual([]);
    const [w] = h.scan(new Date(day(6).getTime() - 1.98 * MS_PER_DAY), [obs(r)]);
    expect(w?.detail.lifecycle).toMatchObject({
      tierDays: 1.98,
      thresholdBasis: 'lifetime',
      lifetimeDays: 6,
    });
    expect(w?.detail.evaluation.severity).toBe('warning');
  });

  it('a 90-day certificate keeps the day tiers (above shortLivedMaxDays)', () => {
    expect(effectiveThresholds(acm(), 90, lifecycleConfig()).basis).toBe('days');
    expect(effectiveThresholds(acm(), 47, lifecycleConfig()).thresholds.tiersDays).toEqual([15.51, 4.7]);
  });
});

describe('lifecycle: endpoint rollouts (flapping)', () => {
  const ep = (address: string, n: number, notAfter: Date): CertificateRecord => ({
    ...acm({ fingerprintSha256: fp(n), serialNumber: String(n), notAfter }),
    source: 'endpoint',
    id: `www.example:443@${address}`,
    region: undefined,
  });

  it('reports BACKENDS_DIFFER once and renews only when every address serves the new certificate', () => {
    const h = new Harness();
    const old = day(10);
    const fresh = day(100);
    h.scan(day(0), [obs(ep('10.0.0.1', 1, old)), obs(ep('10.0.0.2', 1, old))]);
    const rollout = [obs(ep('10.0.0.1', 2, fresh)), obs(ep('10.0.0.2', 1, old))];
    const d1 = h.scan(day(1), rollout);
    expect(brief(d1)).toEqual(['Endpoint Misconfigured|backends-differ|']);
    expect(d1[0]?.detail.problems[0]?.code).toBe('BACKENDS_DIFFER');
    // Flapping: the same address alternates; nothing toggles.
    expect(h.scan(day(2), [obs(ep('10.0.0.1', 1, old)), obs(ep('10.0.0.2', 2, fresh))])).toEqual([]);
    expect(h.scan(day(2.5), rollout)).toEqual([]);
    const done = h.scan(day(3), [obs(ep('10.0.0.1', 2, fresh)), obs(ep('10.0.0.2', 2, fresh))]);
    expect(done.map((e) => `${e.detailType}@${e.detail.certificate.id}`)).toEqual([
      'Certificate Renewed@www.example:443@10.0.0.1',
      'Certificate Renewed@www.example:443@10.0.0.2',
    ]);
    expect(h.scan(day(4), [obs(ep('10.0.0.1', 2, fresh)), obs(ep('10.0.0.2', 2, fresh))])).toEqual([]);
  });
});

describe('lifecycle: idempotency', () => {
  it('applying the same scan twice changes nothing the second time', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(5) });
    h.scan(day(0), [obs(r)]);
    const scan = { scanId: 'x', observations: [obs(r)], completeScopes: ['acm#eu-west-1'] };
    const first = applyScan(h.states.values(), scan, day(1), h.config);
    expect(first.events).toHaveLength(1);
    for (const c of first.changes) h.states.set(c.state.location, c.state);
    expect(applyScan(h.states.values(), scan, day(1), h.config)).toEqual({ changes: [], events: [] });
  });

  it('writes nothing for an unchanged certificate until lastSeenAt is a week old', () => {
    const h = new Harness();
    const r = acm({ notAfter: day(300) });
    h.scan(day(0), [obs(r)]);
    const scan = (d: number) =>
      applyScan(
        h.states.values(),
        { scanId: `s${d}`, observations: [obs(r)], completeScopes: [] },
        day(d),
        h.config,
      );
    expect(scan(6).changes).toEqual([]);
    expect(scan(7).changes).toHaveLength(1);
  });
});

describe('lifecycleConfig', () => {
  it.each([
    [{ removeAfterMissingScans: 0 }, /removeAfterMissingScans/],
    [{ managedAlertDelayDays: 30 }, /managedAlertDelayDays/],
    [{ shortLivedWarningPercent: 5 }, /short-lived/],
    [{ criticalReminderIntervalDays: 0 }, /criticalReminderIntervalDays/],
    [{ thresholds: { tiersDays: [7, 30], criticalDays: 7 } }, /descending/],
  ])('rejects %o', (partial, message) => {
    expect(() => lifecycleConfig(partial as Partial<LifecycleConfig>)).toThrow(InvalidLifecycleConfigError);
    expect(() => lifecycleConfig(partial as Partial<LifecycleConfig>)).toThrow(message);
  });
});
