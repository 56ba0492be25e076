/**
 * Issue #17, item 3: "renewed but not deployed" through the lifecycle: 'Certificate Not Deployed'
 * said once, reminded while critical, resolved by 'Certificate Deployed'; tickets and routing
 * follow. Every event is validated against its JSON Schema by the harness.
 */
import { describe, expect, it } from 'vitest';
import { formatSms } from '../../lambda/channels/format/sms';
import { headline, toView, type WatcherEvent } from '../../lambda/channels/format/view';
import { routesFor } from '../../lambda/channels/routing';
import { subjectOf } from '../../lambda/channels/tickets/content';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { Problem } from '../../lambda/core/events';
import type { LifecycleEvent } from '../../lambda/lifecycle/lifecycle-events';
import type { Observation } from '../../lambda/lifecycle/model';
import { day, fp, Harness } from '../support/lifecycle-harness';

const HOUR = 3_600_000;
const at = (d: number, hours: number) => new Date(day(d).getTime() + hours * HOUR);
const GROUP = 'web.example:443';
const LOCATION = `${GROUP}@192.0.2.20`;
const SCOPE = `endpoint#${GROUP}`;
const served = (n: number, notAfterDay: number): CertificateRecord => ({
  source: 'endpoint',
  id: LOCATION,
  domain: 'web.example',
  sans: ['web.example'],
  type: 'UNMANAGED',
  fingerprintSha256: fp(n),
  notBefore: day(-300),
  notAfter: day(notAfterDay),
});
const notDeployed = (severity: 'warning' | 'critical'): Problem => ({
  code: 'CERTIFICATE_NOT_DEPLOYED',
  message:
    'ACM holds a renewed certificate (notAfter 2027-03-01T00:00:00.000Z, since 2026-03-01T00:00:00.000Z; arn:aws:acm:eu-west-1:111122223333:certificate/new) that arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/web/1/2 does not serve',
  severity,
});
const UNEXPECTED: Problem = {
  code: 'UNEXPECTED_CERTIFICATE',
  message: 'serves another certificate',
  severity: 'warning',
};
const observed = (problems: Problem[], record: CertificateRecord | null = served(1, 20)): Observation => ({
  location: LOCATION,
  scope: SCOPE,
  ...(record ? { record } : { error: { code: 'TIMEOUT', message: 'no answer within 10000 ms' } }),
  problems,
  endpoint: {
    target: GROUP,
    host: 'web.example',
    port: 443,
    address: '192.0.2.20',
    servername: 'web.example',
    starttls: null,
  },
});
/** `detail-type|transition` per event. */
const brief = (events: LifecycleEvent[]) =>
  events.map((e) => `${e.detailType}|${e.detail.lifecycle.transition}`);
const ofType = (events: LifecycleEvent[], type: string) => events.filter((e) => e.detailType === type);
const asBus = (e: LifecycleEvent): WatcherEvent => ({ 'detail-type': e.detailType, detail: e.detail });

describe('Certificate Not Deployed', () => {
  it('is said once, not at each of four scans a day, and a warning is never reminded', () => {
    const h = new Harness();
    const out = [0, 4, 8, 12].flatMap((hours) => h.scan(at(0, hours), [observed([notDeployed('warning')])]));
    const said = ofType(out, 'Certificate Not Deployed');
    expect(brief(said)).toEqual(['Certificate Not Deployed|not-deployed']);
    expect(said[0]!.detail).toMatchObject({
      evaluation: { severity: 'warning' },
      lifecycle: { transition: 'not-deployed', reminderCount: 0, problemSince: at(0, 0).toISOString() },
      problems: [{ code: 'CERTIFICATE_NOT_DEPLOYED' }],
    });
    expect(
      ofType(h.scan(at(1, 0), [observed([notDeployed('warning')])]), 'Certificate Not Deployed'),
    ).toEqual([]);
  });

  it('is reminded once a day while critical, not while acknowledged', () => {
    const h = new Harness();
    const first = h.scan(at(0, 0), [observed([notDeployed('critical')], served(1, 5))]);
    expect(brief(ofType(first, 'Certificate Not Deployed'))).toEqual([
      'Certificate Not Deployed|not-deployed',
    ]);
    expect(
      ofType(
        h.scan(at(0, 6), [observed([notDeployed('critical')], served(1, 5))]),
        'Certificate Not Deployed',
      ),
    ).toEqual([]);
    const next = ofType(
      h.scan(at(1, 0), [observed([notDeployed('critical')], served(1, 5))]),
      'Certificate Not Deployed',
    );
    expect(brief(next)).toEqual(['Certificate Not Deployed|not-deployed-reminder']);
    expect(next[0]!.detail.lifecycle.reminderCount).toBe(1);
    expect(next[0]!.detail.eventId).not.toBe(
      first.find((e) => e.detailType === 'Certificate Not Deployed')!.detail.eventId,
    );
    const state = h.states.get(LOCATION)!;
    h.states.set(LOCATION, {
      ...state,
      ack: { at: at(1, 1).toISOString(), reason: 'change window on Friday' },
    });
    expect(
      ofType(
        h.scan(at(2, 0), [observed([notDeployed('critical')], served(1, 5))]),
        'Certificate Not Deployed',
      ),
    ).toEqual([]);
  });

  it('is resolved by "Certificate Deployed" when the endpoint serves the renewed certificate, with what was wrong', () => {
    const h = new Harness();
    const raised = ofType(h.scan(at(0, 0), [observed([notDeployed('warning')])]), 'Certificate Not Deployed');
    const fixed = h.scan(at(0, 6), [observed([], served(2, 400))]);
    const deployed = ofType(fixed, 'Certificate Deployed');
    expect(brief(deployed)).toEqual(['Certificate Deployed|deployed']);
    expect(deployed[0]!.detail.lifecycle).toMatchObject({
      resolves: 'not-deployed',
      problemSince: at(0, 0).toISOString(),
      resolvedProblems: [{ code: 'CERTIFICATE_NOT_DEPLOYED' }],
    });
    expect(deployed[0]!.detail.certificate.fingerprintSha256).toBe(fp(2));
    // Said once: the next scan says nothing more about it.
    expect(ofType(h.scan(at(1, 0), [observed([], served(2, 400))]), 'Certificate Deployed')).toEqual([]);
    // Tickets: one ticket per location, opened by the alert and closed by the resolution.
    const open = subjectOf(asBus(raised[0]!), toView(asBus(raised[0]!)));
    const close = subjectOf(asBus(deployed[0]!), toView(asBus(deployed[0]!)));
    expect(open).toMatchObject({ action: 'raise', location: LOCATION });
    expect(close).toEqual({ ...open, action: 'close' });
  });

  it('is resolved when the expectation disappears, and a probe that fails changes nothing', () => {
    const h = new Harness();
    h.scan(at(0, 0), [observed([UNEXPECTED])]);
    expect(ofType(h.scan(at(0, 6), [observed([], null)]), 'Certificate Deployed')).toEqual([]);
    expect(h.states.get(LOCATION)?.notDeployed?.codes).toEqual(['UNEXPECTED_CERTIFICATE']);
    expect(brief(ofType(h.scan(at(0, 12), [observed([])]), 'Certificate Deployed'))).toEqual([
      'Certificate Deployed|deployed',
    ]);
  });

  it('a different set of codes is a new event', () => {
    const h = new Harness();
    h.scan(at(0, 0), [observed([UNEXPECTED])]);
    const changed = ofType(
      h.scan(at(0, 6), [observed([notDeployed('warning')])]),
      'Certificate Not Deployed',
    );
    expect(brief(changed)).toEqual(['Certificate Not Deployed|not-deployed']);
  });

  it('is not an "Endpoint Misconfigured" even when critical', () => {
    const h = new Harness();
    const out = h.scan(at(0, 0), [observed([notDeployed('critical')], served(1, 5))]);
    expect(ofType(out, 'Endpoint Misconfigured')).toEqual([]);
  });

  it('ends with "Certificate Deployed" (NOT_PROBED) when the endpoint is removed', () => {
    const h = new Harness();
    h.scan(at(0, 0), [observed([notDeployed('warning')])]);
    const later = [1, 2, 3].flatMap((d) => h.scan(at(d, 0), [], { completeScopes: [SCOPE] }));
    const deployed = ofType(later, 'Certificate Deployed');
    expect(brief(deployed)).toEqual(['Certificate Deployed|deployed']);
    expect(deployed[0]!.detail.problems).toEqual([expect.objectContaining({ code: 'NOT_PROBED' })]);
    expect(ofType(later, 'Certificate Removed')).toHaveLength(1);
  });
});

describe('Certificate Not Deployed in the channels', () => {
  it('goes to chat and tickets like other alerts; its resolution too; SMS only for what cannot wait', () => {
    const h = new Harness();
    const [raised] = ofType(
      h.scan(at(0, 0), [observed([notDeployed('warning')])]),
      'Certificate Not Deployed',
    );
    const [resolved] = ofType(h.scan(at(0, 6), [observed([], served(2, 400))]), 'Certificate Deployed');
    expect(routesFor(asBus(raised!))).toEqual(['chat', 'tickets']);
    expect(routesFor(asBus(resolved!))).toEqual(['chat', 'tickets']);
    const view = toView(asBus(raised!));
    expect(view).toMatchObject({ kind: 'not-deployed', severity: 'warning' });
    expect(headline(view)).toBe('Renewed certificate not deployed');
    expect(headline(toView(asBus(resolved!)))).toBe('Endpoint serves the expected certificate');
    expect(formatSms(asBus(raised!))).toContain('CERT NOT DEPLOYED');
  });

  it('says "unexpected certificate" when that is the problem', () => {
    const h = new Harness();
    const [raised] = ofType(h.scan(at(0, 0), [observed([UNEXPECTED])]), 'Certificate Not Deployed');
    expect(headline(toView(asBus(raised!)))).toBe('Endpoint serves an unexpected certificate');
  });
});
