/**
 * Issue #9, item 3: "Endpoint Check Failed" and "Endpoint Misconfigured" go through the lifecycle:
 * said once when they start (a failed check after `checkFailedAfterScans` failures in a row),
 * reminded on the critical schedule, resolved by "Endpoint Recovered"; a changed problem set is a
 * new event. Item 8: an endpoint removed from the configuration ends with "Certificate Removed".
 */
import { describe, expect, it } from 'vitest';
import { toView } from '../../lambda/channels/format/view';
import { subjectOf } from '../../lambda/channels/tickets/content';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { EndpointDetail } from '../../lambda/core/endpoint-events';
import type { Problem } from '../../lambda/core/events';
import type { LifecycleEvent } from '../../lambda/lifecycle/lifecycle-events';
import { lifecycleConfig, type Observation } from '../../lambda/lifecycle/model';
import { brief, day, fp, Harness } from '../support/lifecycle-harness';

const HOUR = 3_600_000;
const at = (d: number, hours: number) => new Date(day(d).getTime() + hours * HOUR);
const GROUP = 'shop.example:443';
const LOCATION = `${GROUP}@192.0.2.10`;
const SCOPE = `endpoint#${GROUP}`;
const endpoint = (address: string | null = '192.0.2.10'): EndpointDetail => ({
  target: GROUP,
  host: 'shop.example',
  port: 443,
  address,
  servername: 'shop.example',
  starttls: null,
  labels: { team: 'web' },
});
const cert = (over: Partial<CertificateRecord> = {}): CertificateRecord => ({
  source: 'endpoint',
  id: LOCATION,
  domain: 'shop.example',
  sans: ['shop.example'],
  type: 'UNMANAGED',
  fingerprintSha256: fp(3),
  notBefore: day(-100),
  notAfter: day(200),
  ...over,
});
const MISMATCH: Problem = {
  code: 'HOSTNAME_MISMATCH',
  message: 'valid for other.example',
  severity: 'critical',
};
const UNTRUSTED: Problem = { code: 'UNTRUSTED', message: 'unknown root', severity: 'critical' };
const readable = (problems: Problem[] = [], record = cert()): Observation => ({
  location: LOCATION,
  scope: SCOPE,
  record,
  problems,
  endpoint: endpoint(),
});
const refused: Observation = {
  location: LOCATION,
  scope: SCOPE,
  problems: [],
  error: { code: 'CONNECTION_REFUSED', message: 'connect ECONNREFUSED 192.0.2.10:443' },
  endpoint: endpoint(),
};
const types = (events: LifecycleEvent[]) => events.map((e) => e.detailType);

describe('endpoint problems through the lifecycle', () => {
  it('a rejected certificate is said once, not at each of four scans a day, and reminded daily', () => {
    const h = new Harness();
    // day(0) is 06:00 UTC: four scans inside one UTC day.
    const out = [0, 4, 8, 12].flatMap((hours) => h.scan(at(0, hours), [readable([MISMATCH])]));
    expect(brief(out)).toEqual(['Endpoint Misconfigured|misconfigured|']);
    expect(out[0]!.detail).toMatchObject({
      evaluation: { severity: 'critical', expirySeverity: 'ok' },
      lifecycle: { transition: 'misconfigured', reminderCount: 0, problemSince: at(0, 0).toISOString() },
    });
    const next = h.scan(at(1, 0), [readable([MISMATCH])]);
    expect(brief(next)).toEqual(['Endpoint Misconfigured|misconfigured-reminder|']);
    expect(next[0]!.detail.lifecycle.reminderCount).toBe(1);
    expect(next[0]!.detail.eventId).not.toBe(out[0]!.detail.eventId);
  });

  it('a changed problem set is a new event; the fix is "Endpoint Recovered" with what was wrong', () => {
    const h = new Harness();
    const first = h.scan(at(0, 0), [readable([MISMATCH])]);
    const changed = h.scan(at(0, 6), [readable([MISMATCH, UNTRUSTED])]);
    expect(brief(changed)).toEqual(['Endpoint Misconfigured|misconfigured|']);
    expect(changed[0]!.detail.eventId).not.toBe(first[0]!.detail.eventId);
    const fixed = h.scan(at(0, 12), [readable()]);
    expect(types(fixed)).toEqual(['Endpoint Recovered']);
    expect(fixed[0]!.detail.lifecycle).toMatchObject({
      transition: 'recovered',
      resolves: 'misconfigured',
      resolvedProblems: [
        expect.objectContaining({ code: 'HOSTNAME_MISMATCH' }),
        expect.objectContaining({ code: 'UNTRUSTED' }),
      ],
    });
    expect(h.scan(at(0, 18), [readable()])).toEqual([]);
  });

  it('a failed check is said after two failures in a row, reminded daily, and resolved when a certificate is read again', () => {
    const h = new Harness();
    expect(h.scan(at(0, 0), [refused])).toEqual([]);
    const failed = h.scan(at(0, 4), [refused]);
    expect(types(failed)).toEqual(['Endpoint Check Failed']);
    expect(failed[0]!.detail).toMatchObject({
      endpoint: { host: 'shop.example', address: '192.0.2.10', labels: { team: 'web' } },
      error: { code: 'CONNECTION_REFUSED' },
      lifecycle: { transition: 'check-failed', failedScans: 2, problemSince: at(0, 0).toISOString() },
    });
    expect(h.scan(at(0, 8), [refused])).toEqual([]);
    expect(h.scan(at(0, 12), [refused])).toEqual([]);
    const reminder = h.scan(at(1, 0), [refused]);
    expect(reminder.map((e) => e.detail.lifecycle.transition)).toEqual(['check-failed-reminder']);
    const back = h.scan(at(1, 6), [readable()]);
    expect(types(back)).toEqual(['Endpoint Recovered']);
    expect(back[0]!.detail.lifecycle).toMatchObject({
      resolves: 'check-failed',
      problemSince: at(0, 0).toISOString(),
    });
    expect(back[0]!.detail.certificate.id).toBe(LOCATION);
  });

  it('an endpoint failing from its first probe is tracked as a placeholder; its acknowledgement and ticket stay when a certificate is read', () => {
    const h = new Harness();
    h.scan(at(0, 0), [refused]);
    expect(types(h.scan(at(0, 4), [refused]))).toEqual(['Endpoint Check Failed']);
    const placeholder = h.states.get(LOCATION)!;
    expect(placeholder).toMatchObject({
      placeholder: true,
      notAfter: null,
      problem: { kind: 'check-failed' },
    });
    const ack = { at: at(0, 5).toISOString(), reason: 'firewall change pending' };
    const ticket = { system: 'jira', key: 'OPS-1' };
    h.states.set(LOCATION, { ...placeholder, ack, ticket });
    expect(h.scan(at(1, 0), [refused])).toEqual([]);
    const back = h.scan(at(1, 4), [readable()]);
    expect(types(back)).toEqual(['Endpoint Recovered']);
    expect(back[0]!.detail.lifecycle).toMatchObject({ acked: true, ticket });
    expect(h.states.get(LOCATION)).toMatchObject({
      placeholder: undefined,
      ack,
      ticket,
      firstSeenAt: at(0, 0).toISOString(),
    });
  });

  it('a flaky host (every other probe fails) pages no one', () => {
    const h = new Harness();
    const out = [0, 6, 12, 18, 24, 30].flatMap((hours, i) =>
      h.scan(at(0, hours), [i % 2 === 0 ? refused : readable()]),
    );
    expect(out).toEqual([]);
  });

  it('one failed probe of an endpoint already announced as misconfigured neither resolves nor repeats it', () => {
    const h = new Harness();
    h.scan(at(0, 0), [readable([MISMATCH])]);
    expect(h.scan(at(0, 6), [refused])).toEqual([]);
    expect(h.scan(at(0, 12), [readable([MISMATCH])])).toEqual([]);
  });

  it('a name that does not resolve is a failed check at host:port@, resolved when it resolves again', () => {
    const h = new Harness();
    const dns: Observation = {
      location: `${GROUP}@`,
      scope: SCOPE,
      error: { code: 'DNS_FAILURE', message: 'getaddrinfo ENOTFOUND shop.example' },
      endpoint: endpoint(null),
    };
    const failedScopes = [{ scope: SCOPE, error: { code: 'NAME_NOT_RESOLVED', message: 'ENOTFOUND' } }];
    expect(h.scan(at(0, 0), [dns], { completeScopes: [], failedScopes })).toEqual([]);
    const failed = h.scan(at(0, 6), [dns], { completeScopes: [], failedScopes });
    expect(failed[0]!.detail).toMatchObject({ endpoint: { address: null }, error: { code: 'DNS_FAILURE' } });
    const resolved = h.scan(at(0, 12), [readable()]);
    expect(types(resolved)).toEqual(['Endpoint Recovered']);
    expect(resolved[0]!.detail.lifecycle).toMatchObject({ resolves: 'check-failed' });
    expect(resolved[0]!.detail.certificate.id).toBe(`${GROUP}@`);
    expect(h.states.get(`${GROUP}@`)?.removedAt).not.toBeNull();
    expect(h.scan(at(0, 18), [readable()])).toEqual([]);
  });

  it('re-applying the same scan announces nothing twice', () => {
    const h = new Harness(lifecycleConfig({ checkFailedAfterScans: 1 }));
    const scan = { scanId: 'same' };
    expect(types(h.scan(at(0, 0), [refused], scan))).toEqual(['Endpoint Check Failed']);
    expect(h.scan(at(0, 0), [refused], scan)).toEqual([]);
    expect(h.states.get(LOCATION)?.failing?.scans).toBe(1);
  });

  it('tickets open on the problem and close on its recovery, apart from the certificate expiry ticket', () => {
    const h = new Harness();
    const envelope = (e: LifecycleEvent) => ({ 'detail-type': e.detailType, detail: e.detail });
    const subject = (e: LifecycleEvent) => subjectOf(envelope(e), toView(envelope(e)));
    const [announced] = h
      .scan(at(0, 0), [readable([MISMATCH], cert({ notAfter: day(20) }))])
      .filter((e) => e.detailType === 'Endpoint Misconfigured');
    const [recovered] = h.scan(at(0, 6), [readable([], cert({ notAfter: day(20) }))]);
    expect(subject(announced!)).toMatchObject({ action: 'raise', location: LOCATION });
    expect(subject(recovered!)).toEqual({ ...subject(announced!), action: 'close' });
    const tierEntered = new Harness().scan(at(0, 0), [readable([], cert({ notAfter: day(20) }))]);
    expect(subject(tierEntered[0]!).dedupKey).not.toBe(subject(announced!).dedupKey);
  });
});

describe('endpoints removed from the configuration (retired scopes)', () => {
  it('an expired endpoint certificate keeps its reminders, then ends with "Certificate Removed"', () => {
    const h = new Harness();
    const expired = cert({ notAfter: day(-2) });
    expect(types(h.scan(day(0), [readable([], expired)]))).toEqual(['Certificate Expired']);
    const retired = { completeScopes: [], retiredScopes: [SCOPE] };
    const out = [1, 2, 3].map((d) => h.scan(day(d), [], retired));
    expect(out.map(types)).toEqual([
      ['Certificate Expired'],
      ['Certificate Expired'],
      ['Certificate Removed'],
    ]);
    expect(out[0]![0]!.detail.problems).toContainEqual(expect.objectContaining({ code: 'NOT_OBSERVED' }));
    expect(out[2]![0]!.detail.lifecycle).toMatchObject({
      transition: 'removed',
      resolves: 'expired-reminder',
    });
    expect(h.scan(day(4), [], retired)).toEqual([]);
  });

  it('a rejected endpoint removed from the configuration: "Certificate Removed" and "Endpoint Recovered" close both tickets', () => {
    const h = new Harness();
    expect(types(h.scan(day(0), [readable([MISMATCH])]))).toEqual(['Endpoint Misconfigured']);
    const retired = { completeScopes: [], retiredScopes: [SCOPE] };
    h.scan(day(1), [], retired);
    h.scan(day(2), [], retired);
    const last = h.scan(day(3), [], retired);
    expect(types(last)).toEqual(['Certificate Removed', 'Endpoint Recovered']);
    expect(last[1]!.detail.problems).toEqual([expect.objectContaining({ code: 'NOT_PROBED' })]);
    expect(h.states.get(LOCATION)?.problem).toBeUndefined();
  });
});
