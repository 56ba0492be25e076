/**
 * One reading of a watcher event for every channel: what happened, to which certificate, where,
 * and when. Input is the EventBridge event as SNS delivers it; fields are read defensively, so an
 * unknown detail-type or a detail from a newer schema still yields a (generic) message.
 */

import { createHash } from 'node:crypto';
import { sourceLabel } from '../../contracts/sources';
import { durationText, type Remaining, remaining } from '../../core/time';

/** The EventBridge event envelope (what an SNS subscription of an EventBridge rule receives). */
export interface WatcherEvent {
  readonly version?: string;
  readonly id?: string;
  readonly 'detail-type': string;
  readonly source?: string;
  readonly account?: string;
  readonly time?: string;
  readonly region?: string;
  readonly resources?: readonly string[];
  readonly detail?: unknown;
}

export type AlertKind =
  | 'expiring'
  | 'expired'
  | 'misconfigured'
  | 'check-failed'
  | 'renewed'
  | 'removed'
  | 'not-yet-valid'
  | 'now-valid'
  | 'recovered'
  | 'not-deployed'
  | 'deployed'
  | 'scan-completed'
  | 'group'
  | 'unknown';

export type Severity = 'ok' | 'warning' | 'critical' | 'expired' | 'info';

export interface ProblemView {
  readonly code: string;
  readonly message: string;
}

export interface AlertView {
  readonly kind: AlertKind;
  readonly detailType: string;
  readonly severity: Severity;
  readonly eventId?: string;
  /** Primary name: the certificate's domain, or the endpoint's host. Untrusted. */
  readonly name: string;
  /** False when the event names no certificate or endpoint (heartbeats, unknown events): `name` is the detail-type. */
  readonly named: boolean;
  /** Location: ACM ARN or `host:port@address` (what the lifecycle tracks). */
  readonly location?: string;
  /** The source kind (`acm`, `endpoint`, `file`, `iam`, ... any plugin's kind). */
  readonly source?: string;
  readonly region?: string;
  readonly account?: string;
  /** Short "where" for people: `ACM eu-west-1`, `192.0.2.10:443`, `file`. */
  readonly where: string;
  readonly notAfter?: string;
  /** The certificate's notBefore ('Certificate Not Yet Valid': from when clients accept it). */
  readonly notBefore?: string;
  readonly daysRemaining?: number | null;
  readonly tierDays?: number | null;
  readonly sans: readonly string[];
  readonly sanCount: number;
  readonly subject?: string;
  readonly issuer?: string;
  readonly certificateType?: string;
  readonly renewalRisk?: string | null;
  readonly problems: readonly ProblemView[];
  readonly error?: ProblemView;
  readonly owner?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly transition?: string;
  readonly reminderCount?: number;
  readonly acked?: boolean;
  readonly previousNotAfter?: string;
  /** 'Endpoint Recovered', 'Certificate Deployed': the problem that ended and what was wrong. */
  readonly resolved?: { readonly kind: string; readonly problems: readonly ProblemView[] };
  readonly resources: readonly string[];
  readonly observedAt?: string;
  /** Stable per certificate location: every message about it joins one thread. */
  readonly threadKey: string;
  readonly scan?: { readonly source?: string; readonly total?: number; readonly failedScopes: number };
  /** A fleet announced at once ("Certificate Group"): what happened to how many, and how to list them. */
  readonly group?: GroupView;
}

export interface GroupView {
  /** The members' own kind: expiring, expired or renewed. */
  readonly memberKind: AlertKind;
  readonly count: number;
  readonly earliestNotAfter?: string;
  readonly latestNotAfter?: string;
  /** The first members by expiry; names untrusted. */
  readonly sample: readonly {
    readonly name: string;
    readonly location: string;
    readonly notAfter?: string;
  }[];
  readonly listCommand?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
const problem = (v: unknown): ProblemView | undefined =>
  isObj(v) ? { code: str(v.code) ?? 'UNKNOWN', message: str(v.message) ?? '' } : undefined;

const KIND_BY_DETAIL_TYPE: Record<string, AlertKind> = {
  'Certificate Expiring': 'expiring',
  'Certificate Expired': 'expired',
  'Endpoint Misconfigured': 'misconfigured',
  'Endpoint Check Failed': 'check-failed',
  'Certificate Renewed': 'renewed',
  'Certificate Removed': 'removed',
  'Certificate Not Yet Valid': 'not-yet-valid',
  'Certificate Now Valid': 'now-valid',
  'Endpoint Recovered': 'recovered',
  'Certificate Not Deployed': 'not-deployed',
  'Certificate Deployed': 'deployed',
  'Scan Completed': 'scan-completed',
  'Certificate Group': 'group',
};

const groupViewOf = (g: Obj): GroupView => ({
  memberKind: KIND_BY_DETAIL_TYPE[str(g.memberDetailType) ?? ''] ?? 'unknown',
  count: num(g.count) ?? 0,
  earliestNotAfter: str(g.earliestNotAfter),
  latestNotAfter: str(g.latestNotAfter),
  sample: (Array.isArray(g.sample) ? g.sample : []).filter(isObj).map((m) => ({
    name: str(m.domain) ?? str(m.id) ?? '',
    location: str(m.id) ?? '',
    notAfter: str(m.notAfter),
  })),
  listCommand: str(g.listCommand),
});

/** `cert-` + 32 hex of SHA-256(location): stable, opaque (no hostile text in ids) and short. */
export const threadKeyOf = (location: string): string =>
  `cert-${createHash('sha256').update(location).digest('hex').slice(0, 32)}`;

const SEVERITIES = new Set(['ok', 'warning', 'critical', 'expired']);

export const toView = (event: WatcherEvent): AlertView => {
  const detailType = typeof event['detail-type'] === 'string' ? event['detail-type'] : 'Unknown event';
  const kind = KIND_BY_DETAIL_TYPE[detailType] ?? 'unknown';
  const detail: Obj = isObj(event.detail) ? event.detail : {};
  const cert: Obj = isObj(detail.certificate) ? detail.certificate : {};
  const evaluation: Obj = isObj(detail.evaluation) ? detail.evaluation : {};
  const endpoint: Obj = isObj(detail.endpoint) ? detail.endpoint : {};
  const lifecycle: Obj = isObj(detail.lifecycle) ? detail.lifecycle : {};
  const previous: Obj = isObj(lifecycle.previous) ? lifecycle.previous : {};
  const resources = strings(event.resources);
  const groupDetail: Obj = isObj(detail.group) ? detail.group : {};
  const group = kind === 'group' ? groupViewOf(groupDetail) : undefined;

  const source =
    str(cert.source) ?? str(groupDetail.source) ?? (kind === 'check-failed' ? 'endpoint' : undefined);
  const host = str(endpoint.host);
  const port = num(endpoint.port);
  const address = endpoint.address === null ? null : str(endpoint.address);
  const location =
    (group ? `group#${str(groupDetail.scope) ?? ''}` : undefined) ??
    str(cert.id) ??
    (host !== undefined && port !== undefined ? `${host}:${port}@${address ?? ''}` : undefined) ??
    resources[0];
  const region =
    str(cert.region) ?? str(groupDetail.region) ?? (source === 'acm' ? str(event.region) : undefined);
  const account = str(cert.account) ?? str(groupDetail.account);

  const where = ((): string => {
    if (source === 'file') return 'file';
    if (source === 'endpoint') {
      // `host:port@address`: show the address and port, the host is the name already. A
      // dual-certificate server's second certificate is at `host:port#rsa@address`.
      const at = location?.lastIndexOf('@') ?? -1;
      const [hostPort = '', variant] = (at >= 0 ? location!.slice(0, at) : (location ?? '')).split('#');
      const addr = at >= 0 ? location!.slice(at + 1) : '';
      const p = port ?? Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
      const kind = variant ? ` (${variant.toUpperCase()} certificate)` : '';
      if (addr) return `${addr.includes(':') ? `[${addr}]:${p}` : `${addr}:${p}`}${kind}`;
      return Number.isFinite(p) ? `port ${p}` : 'endpoint';
    }
    // A store: its name, then the region (regional stores) or the account (global ones).
    if (source) return `${sourceLabel(source)} ${region ?? account ?? ''}`.trim();
    return '';
  })();

  const rawSeverity = str(evaluation.severity);
  const known = rawSeverity && SEVERITIES.has(rawSeverity) ? (rawSeverity as Severity) : undefined;
  const severity: Severity = ((): Severity => {
    switch (kind) {
      case 'check-failed':
        return 'critical';
      case 'misconfigured':
        // Since 2.2 the event carries the overall verdict (BACKENDS_DIFFER alone is a warning);
        // before, it said 'ok' for what clients reject.
        return known && known !== 'ok' ? known : 'critical';
      case 'expired':
        return 'expired';
      case 'expiring':
        return known ?? 'warning';
      case 'not-deployed':
        // The overall verdict: critical once the certificate served is inside the critical tier.
        return known && known !== 'ok' ? known : 'warning';
      case 'not-yet-valid':
        // Clients reject it now (RFC 5280 §4.1.2.5): critical whatever its days left.
        return known === 'expired' ? 'expired' : 'critical';
      case 'group':
        // A group says what its members say: expiring and expired alert, renewals are news.
        return group?.memberKind === 'renewed'
          ? 'info'
          : group?.memberKind === 'expired'
            ? 'expired'
            : (known ?? 'warning');
      case 'unknown':
        return known ?? 'info';
      default:
        // Renewed, removed, now valid, recovered, heartbeats: news, not alarms, whatever the old evaluation said.
        return 'info';
    }
  })();

  const labels: Record<string, string> = {};
  for (const src of [cert.labels, endpoint.labels]) {
    if (isObj(src)) for (const [k, v] of Object.entries(src)) if (typeof v === 'string') labels[k] = v;
  }

  const sans = strings(cert.sans);
  const scopesFailed = Array.isArray(detail.scopesFailed) ? detail.scopesFailed.length : 0;
  const counts: Obj = isObj(detail.counts) ? detail.counts : {};

  return {
    kind,
    detailType,
    severity,
    eventId: str(detail.eventId) ?? str(event.id),
    // A group is named by its first member (by expiry) and how many follow: the headline says the count.
    name: group
      ? `${group.sample[0]?.name ?? 'certificates'}${group.count > 1 ? ` and ${group.count - 1} more` : ''}`
      : (str(cert.domain) ?? host ?? str(endpoint.target) ?? detailType),
    named: group !== undefined || (str(cert.domain) ?? host ?? str(endpoint.target)) !== undefined,
    location,
    source,
    region,
    // The envelope's account is the watcher's own: only a certificate's account says where it lives.
    account,
    where,
    notAfter: str(cert.notAfter) ?? group?.earliestNotAfter,
    daysRemaining: evaluation.daysRemaining === null ? null : num(evaluation.daysRemaining),
    tierDays: num(lifecycle.tierDays) ?? num(evaluation.tierDays),
    sans,
    sanCount: Math.max(num(cert.sanCount) ?? 0, sans.length),
    subject: str(cert.subject),
    issuer: str(cert.issuer),
    certificateType: str(cert.type),
    renewalRisk: evaluation.renewalRisk === null ? null : str(evaluation.renewalRisk),
    problems: Array.isArray(detail.problems)
      ? detail.problems.map(problem).filter((p): p is ProblemView => p !== undefined)
      : [],
    error: problem(detail.error),
    owner: str(endpoint.owner),
    labels,
    transition: str(lifecycle.transition),
    reminderCount: num(lifecycle.reminderCount),
    acked: typeof lifecycle.acked === 'boolean' ? lifecycle.acked : undefined,
    previousNotAfter: str(previous.notAfter),
    notBefore: str(cert.notBefore),
    resolved:
      kind === 'recovered' || kind === 'deployed'
        ? {
            kind: str(lifecycle.resolves) ?? 'problem',
            problems: Array.isArray(lifecycle.resolvedProblems)
              ? lifecycle.resolvedProblems.map(problem).filter((p): p is ProblemView => p !== undefined)
              : [],
          }
        : undefined,
    resources,
    observedAt: str(detail.observedAt) ?? str(event.time),
    threadKey: threadKeyOf(location ?? `${detailType}|${str(detail.scanId) ?? ''}`),
    group,
    scan:
      kind === 'scan-completed'
        ? { source: str(detail.source), total: num(counts.total), failedScopes: scopesFailed }
        : undefined,
  };
};

/** `2026-12-01` from an ISO instant (UTC), or undefined. */
export const isoDay = (iso: string | undefined): string | undefined =>
  iso && /^\d{4}-\d{2}-\d{2}/.test(iso) ? iso.slice(0, 10) : undefined;

const plural = (n: number, one: string) => `${n} ${one}${Math.abs(n) === 1 ? '' : 's'}`;

/**
 * Time left at the event's own instant, by the one rounding rule (lambda/core/time.ts: hours under
 * 48 hours, else whole days truncated toward zero); without the instants, from `daysRemaining`.
 */
export const remainingOf = (v: AlertView): Remaining | undefined => {
  const notAfter = v.notAfter ? Date.parse(v.notAfter) : Number.NaN;
  const at = v.observedAt ? Date.parse(v.observedAt) : Number.NaN;
  const days = v.daysRemaining;
  // `daysRemaining` counts to the earliest expiry on the certificate's path (an intermediate that
  // ends first): when that is well before the certificate's own notAfter, it is what expires.
  const pathEndsFirst =
    typeof days === 'number' && Number.isFinite(notAfter) && Number.isFinite(at)
      ? notAfter - at > (days + 1) * 86_400_000
      : false;
  if (Number.isFinite(notAfter) && Number.isFinite(at) && !pathEndsFirst)
    return remaining(new Date(notAfter), new Date(at));
  if (typeof days !== 'number') return undefined;
  return { value: days, unit: 'day', expired: days < 0 || v.kind === 'expired' };
};

/** The headline in words, without the certificate name (channels add it in their own markup). */
export const headline = (v: AlertView): string => {
  switch (v.kind) {
    case 'expiring': {
      // "expires in 20 hours", never "today": for many recipients 20 hours is tomorrow.
      const r = remainingOf(v);
      return r && !r.expired
        ? `Certificate expires in ${r.unit === 'day' && r.value === 0 ? 'less than a day' : durationText(r)}`
        : 'Certificate expiring';
    }
    case 'expired':
      return 'Certificate expired';
    case 'misconfigured':
      return 'Endpoint certificate rejected by clients';
    case 'check-failed':
      return 'Endpoint check failed';
    case 'renewed':
      return 'Certificate renewed';
    case 'removed':
      return 'Certificate removed';
    case 'not-yet-valid':
      return 'Certificate not yet valid';
    case 'now-valid':
      return 'Certificate now valid';
    case 'recovered':
      return v.resolved?.kind === 'check-failed'
        ? 'Endpoint check works again'
        : 'Endpoint certificate accepted again';
    case 'not-deployed':
      return v.problems.some((p) => p.code === 'CERTIFICATE_NOT_DEPLOYED')
        ? 'Renewed certificate not deployed'
        : 'Endpoint serves an unexpected certificate';
    case 'deployed':
      return 'Endpoint serves the expected certificate';
    case 'scan-completed':
      return 'Certificate scan completed';
    case 'group': {
      const g = v.group;
      const n = plural(g?.count ?? 0, 'certificate');
      if (g?.memberKind === 'renewed') return `${n} renewed`;
      if (g?.memberKind === 'expired') return `${n} expired`;
      const first = isoDay(g?.earliestNotAfter);
      const last = isoDay(g?.latestNotAfter);
      return first && last && first !== last
        ? `${n} expire between ${first} and ${last}`
        : `${n} expire on ${first ?? 'the same day'}`;
    }
    default:
      return `Certificate watcher: ${v.detailType}`;
  }
};

/** ACM console link for an ACM certificate ARN (built only from a well-formed ARN). */
export const consoleLink = (v: AlertView): string | undefined => {
  const m = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):(\d{12}):certificate\/([0-9a-f-]{36})$/.exec(v.location ?? '');
  if (!m) return undefined;
  return `https://console.aws.amazon.com/acm/home?region=${m[1]}#/certificates/${m[3]}`;
};
