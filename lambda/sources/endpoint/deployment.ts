/**
 * "Renewed but not deployed" (issue #17, docs/discovery.md): the served leaf against what the
 * endpoint's resource is configured to serve (`EndpointTarget.expected`, set by discovery). Pure:
 * plain data and a `now`, no I/O.
 *
 * - CERTIFICATE_NOT_DEPLOYED: the store holds a newer certificate than the one served (a configured
 *   one with a later notAfter and another identity, or a successor of the served one, following
 *   successor chains) for longer than the grace period, counted from when the store got it
 *   (`storedAt`), else from its notBefore; when neither is known the grace cannot be measured and
 *   the problem is said at once. Critical when the served certificate is inside the critical tier
 *   or expired (clients break soon or now), else a warning.
 * - UNEXPECTED_CERTIFICATE (warning): the endpoint serves none of the configured certificates nor a
 *   successor, and nothing newer explains it (an old certificate with a newer one stored is the
 *   case above, silent during the grace period).
 *
 * Identity: SHA-256 fingerprint when both sides know it, else serial number (with notAfter when the
 * store gave it); serials and fingerprints compare as hex without colons, case or leading zeros.
 * A configured certificate with no fingerprint or serial cannot be told apart: no
 * UNEXPECTED_CERTIFICATE is said then.
 */
import type { DeploymentExpectation, ExpectedCertificate } from '../../contracts/discovery';
import { evaluate, type Thresholds, type VerdictPolicy } from '../../core/evaluate';
import { MS_PER_HOUR } from '../../core/time';
import type { Problem } from './types';

/** Grace period before a newer stored certificate that is not served is said. @default 24 hours */
export const DEFAULT_NOT_DEPLOYED_GRACE_HOURS = 24;

/** The leaf the endpoint serves, as the probe read it. */
export interface ServedCertificate {
  readonly serialNumber: string;
  readonly fingerprintSha256: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly sans: readonly string[];
  readonly subject?: string;
}

export interface DeploymentInput {
  readonly served: ServedCertificate;
  readonly expected: DeploymentExpectation;
  readonly now: Date;
  /** The verdict policy the probe uses: the served certificate's tier decides the severity. */
  readonly policy: Thresholds | VerdictPolicy;
  /** @default DEFAULT_NOT_DEPLOYED_GRACE_HOURS */
  readonly graceHours?: number;
}

/** A stored certificate; `notBefore` is read when a producer adds it (the grace fallback). */
type Stored = ExpectedCertificate & { readonly notBefore?: string; readonly replaces?: string };

const hex = (v: string): string =>
  v
    .replace(/[:\s]/g, '')
    .toLowerCase()
    .replace(/^0+(?=.)/, '');

const time = (iso: string | undefined): number | undefined => {
  const t = iso === undefined ? Number.NaN : Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};

const identifiable = (c: Stored): boolean =>
  c.fingerprintSha256 !== undefined || c.serialNumber !== undefined;

/** Is the stored certificate the one served? Fingerprint first, else serial (+ notAfter when known). */
export const isServed = (c: Stored, served: ServedCertificate): boolean => {
  if (c.fingerprintSha256 !== undefined) return hex(c.fingerprintSha256) === hex(served.fingerprintSha256);
  if (c.serialNumber === undefined) return false;
  const notAfter = time(c.notAfter);
  return (
    hex(c.serialNumber) === hex(served.serialNumber) &&
    (notAfter === undefined || notAfter === served.notAfter.getTime())
  );
};

/** Every successor reachable from `ids` through `replaces` (a chain of renewals), cycles ignored. */
const successorsOf = (ids: readonly string[], successors: readonly Stored[]): Stored[] => {
  const seen = new Set(ids);
  const out: Stored[] = [];
  for (let frontier = [...ids]; frontier.length > 0; ) {
    const next = successors.filter(
      (s) => s.replaces !== undefined && frontier.includes(s.replaces) && !seen.has(s.id),
    );
    for (const s of next) seen.add(s.id);
    out.push(...next);
    frontier = next.map((s) => s.id);
  }
  return out;
};

const storeName = (id: string): string => {
  const service = /^arn:aws[a-z-]*:([a-z0-9-]+):/.exec(id)?.[1];
  return service === 'acm'
    ? 'ACM'
    : service === 'iam'
      ? 'IAM'
      : service === 'secretsmanager'
        ? 'Secrets Manager'
        : 'the certificate store';
};

const day = (t: number): string => new Date(t).toISOString().slice(0, 10);

const servedText = (s: ServedCertificate): string =>
  `serial ${hex(s.serialNumber)}, notAfter ${day(s.notAfter.getTime())}${s.sans.length > 0 ? `, for ${s.sans.slice(0, 3).join(', ')}${s.sans.length > 3 ? ', ...' : ''}` : ''}`;

/** The newer stored certificate the endpoint should serve by now, or undefined (none, or within grace). */
const overdue = (
  candidates: readonly Stored[],
  served: ServedCertificate,
  now: number,
  graceMs: number,
): { readonly cert: Stored; readonly since: number | undefined } | undefined => {
  const newer = candidates
    .filter((c) => (time(c.notAfter) ?? 0) > served.notAfter.getTime() && !isServed(c, served))
    .map((c) => ({ cert: c, since: time(c.storedAt) ?? time(c.notBefore) }))
    .filter(({ since }) => since === undefined || since + graceMs <= now)
    .sort((a, b) => (time(b.cert.notAfter) ?? 0) - (time(a.cert.notAfter) ?? 0));
  return newer[0];
};

/**
 * The deployment problems of one served leaf: at most one CERTIFICATE_NOT_DEPLOYED or one
 * UNEXPECTED_CERTIFICATE. Throws RangeError for a negative or non-finite grace.
 */
export const deploymentProblems = ({
  served,
  expected,
  now,
  policy,
  graceHours,
}: DeploymentInput): Problem[] => {
  const hours = graceHours ?? DEFAULT_NOT_DEPLOYED_GRACE_HOURS;
  if (!Number.isFinite(hours) || hours < 0)
    throw new RangeError(`the not-deployed grace period must be 0 or more hours, got ${hours}`);
  const configured: readonly Stored[] = expected.configured;
  const successors: readonly Stored[] = expected.successors;
  const matched = [...configured, ...successors].filter((c) => isServed(c, served));
  // What should be served instead: successors of what is served; when the served certificate is
  // none of them, anything stored that is newer (an imported certificate re-imported in place).
  const candidates =
    matched.length > 0
      ? successorsOf(
          matched.map((c) => c.id),
          successors,
        )
      : [...configured, ...successors];
  const late = overdue(candidates, served, now.getTime(), hours * MS_PER_HOUR);
  if (late) {
    const expiry = evaluate(
      {
        source: 'endpoint',
        id: 'served',
        domain: '',
        sans: [],
        notAfter: served.notAfter,
        type: 'UNMANAGED',
      },
      now,
      policy,
    ).severity;
    const store = storeName(late.cert.id);
    const since =
      late.since === undefined ? 'since an unknown time' : `since ${new Date(late.since).toISOString()}`;
    return [
      {
        code: 'CERTIFICATE_NOT_DEPLOYED',
        severity: expiry === 'critical' || expiry === 'expired' ? 'critical' : 'warning',
        message: `${store} holds a renewed certificate (notAfter ${late.cert.notAfter}, ${since}; ${late.cert.id}) that ${expected.resource} does not serve: it serves ${servedText(served)}`,
      },
    ];
  }
  const stillOld = candidates.some((c) => (time(c.notAfter) ?? 0) > served.notAfter.getTime());
  if (
    matched.length > 0 ||
    stillOld ||
    !configured.some(identifiable) ||
    configured.some((c) => !identifiable(c))
  )
    return [];
  return [
    {
      code: 'UNEXPECTED_CERTIFICATE',
      severity: 'warning',
      message: `${expected.resource} is configured with ${configured.map((c) => c.id).join(', ')}, but the endpoint serves another certificate (${servedText(served)})`,
    },
  ];
};
