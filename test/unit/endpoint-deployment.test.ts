/**
 * "Renewed but not deployed" judged on real certificates: the served leaf (read as the prober reads
 * it) against what its resource is configured to serve (issue #17, item 3).
 */
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentExpectation, ExpectedCertificate } from '../../lambda/contracts/discovery';
import { DEFAULT_THRESHOLDS } from '../../lambda/core/evaluate';
import { certInfo } from '../../lambda/sources/endpoint/cert-info';
import { deploymentProblems, type ServedCertificate } from '../../lambda/sources/endpoint/deployment';
import { InvalidTargetError, probeTarget } from '../../lambda/sources/endpoint/probe';
import { createCertificate, DAY_MS, daysFrom } from '../support/certs';

const NOW = new Date('2026-11-29T06:00:00.000Z');
const HOUR = 3_600_000;
const ACM = 'arn:aws:acm:eu-west-1:111122223333:certificate';
const RESOURCE = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/web/50dc6c49/1a2b3c4d';

const served = async (days: number, name = 'web.example.com', serialNumber?: string) => {
  const c = await createCertificate({
    commonName: name,
    notBefore: daysFrom(NOW, -60),
    notAfter: daysFrom(NOW, days),
    ...(serialNumber ? { serialNumber } : {}),
  });
  return certInfo(new X509Certificate(c.certPem));
};

/** What ACM says about a certificate: its ARN, serial as ACM writes it (colons), notAfter, storedAt. */
const stored = (id: string, s: ServedCertificate, storedAt?: Date): ExpectedCertificate => ({
  id: `${ACM}/${id}`,
  serialNumber: s.serialNumber
    .toLowerCase()
    .match(/.{1,2}/g)!
    .join(':'),
  notAfter: s.notAfter.toISOString(),
  ...(storedAt ? { storedAt: storedAt.toISOString() } : {}),
});

const expectation = (
  configured: ExpectedCertificate[],
  successors: DeploymentExpectation['successors'] = [],
): DeploymentExpectation => ({ source: 'elbv2', resource: RESOURCE, configured, successors });

const judge = (s: ServedCertificate, expected: DeploymentExpectation, graceHours?: number) =>
  deploymentProblems({ served: s, expected, now: NOW, policy: DEFAULT_THRESHOLDS, graceHours });

let oldCert: ServedCertificate;
let renewed: ServedCertificate;
beforeAll(async () => {
  oldCert = await served(20);
  renewed = await served(395);
});

describe('CERTIFICATE_NOT_DEPLOYED', () => {
  it('is said once the renewed certificate has been in the store for the grace period, not a millisecond before', () => {
    const at = (ms: number) => expectation([stored('a', renewed, new Date(NOW.getTime() - ms))]);
    expect(judge(oldCert, at(24 * HOUR - 1))).toEqual([]);
    const [problem, ...rest] = judge(oldCert, at(24 * HOUR));
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ code: 'CERTIFICATE_NOT_DEPLOYED', severity: 'warning' });
    expect(problem?.message).toContain(
      `ACM holds a renewed certificate (notAfter ${renewed.notAfter.toISOString()}, since 2026-11-28T06:00:00.000Z`,
    );
    expect(problem?.message).toContain(`that ${RESOURCE} does not serve`);
  });

  it('takes the grace period it is given (0 says it at once, 48 hours waits)', () => {
    const e = expectation([stored('a', renewed, new Date(NOW.getTime() - 30 * HOUR))]);
    expect(judge(oldCert, e, 48)).toEqual([]);
    expect(judge(oldCert, e, 0)).toHaveLength(1);
    expect(() => judge(oldCert, e, -1)).toThrow(RangeError);
  });

  it('counts from the notBefore when the store does not say when it got the certificate', () => {
    const recent = { ...stored('a', renewed), notBefore: new Date(NOW.getTime() - 2 * HOUR).toISOString() };
    expect(judge(oldCert, expectation([recent]))).toEqual([]);
    const older = { ...recent, notBefore: new Date(NOW.getTime() - 25 * HOUR).toISOString() };
    expect(judge(oldCert, expectation([older]))[0]?.message).toContain('since 2026-11-28T05:00:00.000Z');
  });

  it('is said at once, saying so, when neither storedAt nor notBefore is known', () => {
    const [problem] = judge(oldCert, expectation([stored('a', renewed)]));
    expect(problem?.code).toBe('CERTIFICATE_NOT_DEPLOYED');
    expect(problem?.message).toContain('since an unknown time');
  });

  it('is critical when the served certificate is inside the critical tier or expired', async () => {
    const e = expectation([stored('a', renewed, daysFrom(NOW, -2))]);
    expect(judge(await served(5), e)[0]?.severity).toBe('critical');
    expect(judge(await served(-1), e)[0]?.severity).toBe('critical');
    expect(judge(await served(10), e)[0]?.severity).toBe('warning');
  });

  it('follows a chain of successors to the newest, from the configured certificate served', async () => {
    const middle = await served(200);
    const configured = stored('old', oldCert, daysFrom(NOW, -300));
    const e = expectation(
      [configured],
      [
        { ...stored('newest', renewed, daysFrom(NOW, -3)), replaces: `${ACM}/middle` },
        { ...stored('middle', middle, daysFrom(NOW, -100)), replaces: configured.id },
      ],
    );
    const [problem] = judge(oldCert, e);
    expect(problem?.message).toContain(`${ACM}/newest`);
    // Serving the middle one (a successor): the newest is still not deployed; serving the newest: nothing.
    expect(judge(middle, e)[0]?.message).toContain(`${ACM}/newest`);
    expect(judge(renewed, e)).toEqual([]);
  });

  it('ignores a successor still within its grace period and a successor of another certificate', async () => {
    const configured = stored('old', oldCert, daysFrom(NOW, -300));
    const other = stored('other', await served(30, 'api.example.com'), daysFrom(NOW, -300));
    const e = expectation(
      [configured, other],
      [
        { ...stored('fresh', renewed, new Date(NOW.getTime() - HOUR)), replaces: configured.id },
        { ...stored('api-new', await served(400, 'api.example.com'), daysFrom(NOW, -5)), replaces: other.id },
      ],
    );
    expect(judge(oldCert, e)).toEqual([]);
  });
});

describe('several configured certificates (a listener with SNI)', () => {
  it('says nothing when the endpoint serves one of them, whatever the others expire', async () => {
    const api = await served(300, 'api.example.com');
    const e = expectation([
      stored('web', oldCert, daysFrom(NOW, -300)),
      stored('api', api, daysFrom(NOW, -10)),
    ]);
    expect(judge(oldCert, e)).toEqual([]);
    expect(judge(api, e)).toEqual([]);
  });
});

describe('matching', () => {
  it('prefers the fingerprint: a fingerprint that differs is another certificate, whatever the serial', () => {
    const fp = (f: string) =>
      expectation([{ id: `${ACM}/a`, fingerprintSha256: f, serialNumber: oldCert.serialNumber }]);
    expect(judge(oldCert, fp(oldCert.fingerprintSha256.toLowerCase().replaceAll(':', '')))).toEqual([]);
    expect(judge(oldCert, fp(renewed.fingerprintSha256))[0]?.code).toBe('UNEXPECTED_CERTIFICATE');
  });

  it('else matches the serial (colons, case and leading zeros aside) with the notAfter', async () => {
    const s = await served(100, 'web.example.com', '00ab01');
    const bySerial = (notAfter: Date) =>
      expectation([{ id: `${ACM}/a`, serialNumber: 'AB:01', notAfter: notAfter.toISOString() }]);
    expect(judge(s, bySerial(s.notAfter))).toEqual([]);
    // Same serial, other notAfter: another certificate (a CA may reuse serials across its keys).
    expect(judge(s, bySerial(new Date(s.notAfter.getTime() - DAY_MS)))[0]?.code).toBe(
      'UNEXPECTED_CERTIFICATE',
    );
  });
});

describe('UNEXPECTED_CERTIFICATE', () => {
  it('is a warning when the endpoint serves none of the configured certificates and nothing newer is stored', async () => {
    const stranger = await served(300, 'web.example.com');
    const [problem] = judge(stranger, expectation([stored('a', oldCert, daysFrom(NOW, -300))]));
    expect(problem).toMatchObject({ code: 'UNEXPECTED_CERTIFICATE', severity: 'warning' });
    expect(problem?.message).toContain(`${RESOURCE} is configured with ${ACM}/a`);
  });

  it('is not said when a configured certificate cannot be identified (no fingerprint, no serial)', () => {
    expect(judge(oldCert, expectation([{ id: `${ACM}/a` }]))).toEqual([]);
  });
});

describe('the grace period given to the prober', () => {
  it('is refused before any socket when negative or not a number', async () => {
    const target = { host: '192.0.2.1', port: 443, expected: expectation([]) };
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY])
      await expect(probeTarget(target, { notDeployedGraceHours: bad })).rejects.toThrow(InvalidTargetError);
  });
});
