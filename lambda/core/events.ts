/**
 * The event contract: what the watcher puts on its bus. Chat, SMS and tickets read only these.
 * Pure builders; the JSON Schemas in schemas/ describe the same shapes (tests check both agree).
 */
import { createHash } from 'node:crypto';
import type { CertificateRecord } from './certificate';
import { type Evaluation, overallSeverity, type ProblemSeverity, type Severity } from './evaluate';

/**
 * Version of every event detail on the bus (docs/events.md, "Versions"). 2.0: `source` is any
 * source kind, and the heartbeat names scopes (`scopesScanned`, `scopesFailed[].scope`), not regions.
 * 2.1 (additive): `Scan Completed` carries `coverage` and `scopesSkipped`; the `Coverage Gap` detail-type.
 * 2.2: `evaluation.severity` is the overall verdict (raised by problems: an "Endpoint Misconfigured"
 * event is critical, not ok); the expiry-only value is `evaluation.expirySeverity`; problems carry
 * their `severity`.
 * 2.3 (additive): the detail-types 'Certificate Not Yet Valid', 'Certificate Now Valid' and
 * 'Endpoint Recovered'; 'Endpoint Check Failed' and 'Endpoint Misconfigured' go through the
 * lifecycle and carry `lifecycle` (said once, reminded while critical, resolved).
 */
export const SCHEMA_VERSION = '2.3';
export const DEFAULT_EVENT_SOURCE = 'cert-expiry-watcher';

export const DetailType = {
  Expiring: 'Certificate Expiring',
  Expired: 'Certificate Expired',
  Renewed: 'Certificate Renewed',
  Removed: 'Certificate Removed',
  EndpointCheckFailed: 'Endpoint Check Failed',
  /** A certificate that is not expiring soon but that clients reject now (wrong host, untrusted, ...). */
  EndpointMisconfigured: 'Endpoint Misconfigured',
  /** An endpoint problem announced before ('Endpoint Check Failed' / 'Misconfigured') ended. Since 2.3. */
  EndpointRecovered: 'Endpoint Recovered',
  /** A certificate whose notBefore is in the future: clients reject it (RFC 5280 §4.1.2.5). Since 2.3. */
  NotYetValid: 'Certificate Not Yet Valid',
  /** A certificate announced as not yet valid reached its notBefore. Since 2.3. */
  NowValid: 'Certificate Now Valid',
  ScanCompleted: 'Scan Completed',
  /** Many certificates of one scope made the same transition in one scan (lambda/lifecycle/fleet-groups.ts). */
  CertificateGroup: 'Certificate Group',
  /** A scope without a successful scan for several periods in a row (lambda/core/coverage.ts). */
  CoverageGap: 'Coverage Gap',
} as const;
export type DetailType = (typeof DetailType)[keyof typeof DetailType];

/** Bounds that keep one event far below EventBridge's 256 KiB entry limit, whatever the certificate holds. */
export const MAX_SANS_IN_EVENT = 100;
export const MAX_IN_USE_BY_IN_EVENT = 50;
export const MAX_TEXT_IN_EVENT = 1024;
/** Tags carried per certificate (ACM allows 50 per certificate, IAM 50, Secrets Manager 50). */
export const MAX_TAGS_IN_EVENT = 50;

const boundedTags = (tags: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(tags)
      .slice(0, MAX_TAGS_IN_EVENT)
      .map(([k, v]) => [k.slice(0, 128), v.slice(0, 256)]),
  );

export interface Problem {
  readonly code: string;
  readonly message: string;
  /** How bad for clients ('critical' breaks connections now, 'info' is a note); absent when unrated. */
  readonly severity?: ProblemSeverity;
}

export interface CertificateDetail {
  readonly source: CertificateRecord['source'];
  readonly id: string;
  readonly region?: string;
  readonly account?: string;
  readonly domain: string;
  readonly sans: string[];
  readonly sanCount: number;
  readonly subject?: string;
  readonly issuer?: string;
  readonly serialNumber?: string;
  readonly fingerprintSha256?: string;
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly keyAlgorithm?: string;
  readonly type: CertificateRecord['type'];
  readonly status?: string;
  readonly inUse?: boolean;
  readonly inUseBy?: string[];
  readonly renewalEligibility?: string;
  readonly renewalStatus?: string;
  readonly renewalReason?: string;
  readonly labels?: Record<string, string>;
  readonly accountName?: string;
  readonly ouPath?: string[];
  /** At most {@link MAX_TAGS_IN_EVENT}, keys cut to 128 and values to 256 characters. */
  readonly tags?: Record<string, string>;
  /** The source's own tiers, when it grades by them instead of the watcher's (Private CAs). */
  readonly thresholds?: { readonly tiersDays: number[]; readonly criticalDays: number };
}

export interface CertificateEventDetail {
  readonly schemaVersion: string;
  /** Deterministic: same location, certificate, transition and day give the same id (deduplicate on it). */
  readonly eventId: string;
  readonly scanId: string;
  readonly observedAt: string;
  readonly certificate: CertificateDetail;
  readonly evaluation: {
    /** The overall verdict: `expirySeverity` raised by the problems and by a notBefore in the future. */
    readonly severity: Severity;
    /** Expiry only (days left against the tiers, renewal risk). */
    readonly expirySeverity: Severity;
    readonly daysRemaining: number | null;
    readonly tierDays: number | null;
    readonly renewalRisk: Evaluation['renewalRisk'];
    readonly renewsAutomatically: boolean;
    readonly notYetValid: boolean;
  };
  readonly problems: Problem[];
}

export interface ScanCompletedDetail {
  readonly schemaVersion: string;
  readonly eventId: string;
  readonly scanId: string;
  readonly source: CertificateRecord['source'];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** Keys of the scopes listed completely (`acm#<account>#<region>`, `endpoint#<host:port>`, ...). */
  readonly scopesScanned: string[];
  /** Scopes that could not be listed, or not completely (code SCOPE_INCOMPLETE). */
  readonly scopesFailed: ScopeError[];
  /** Scopes not scanned on purpose (code REGION_NOT_ENABLED: an opt-in region the account has not enabled). */
  readonly scopesSkipped?: ScopeError[];
  /**
   * The period's exact coverage of this source (the scope lists above are cut to 500 entries each):
   * scopes expected, scanned, failed, skipped, and the accounts they belong to.
   */
  readonly coverage?: {
    readonly expected: number;
    readonly scanned: number;
    readonly failed: number;
    readonly skipped: number;
    readonly accounts: number;
  };
  readonly counts: SeverityCounts;
  /** Certificate events this scan put on the bus (the heartbeat itself excluded). */
  readonly eventsPublished: number;
  /** Endpoint scans: which of the scan's batches this is, and its endpoints' outcome. */
  readonly batch?: { readonly index: number; readonly count: number };
  readonly endpointsChecked?: number;
  readonly endpointsFailed?: number;
}

export interface ScopeError {
  /** The scope's key. */
  readonly scope: string;
  readonly code: string;
  readonly message: string;
}

export interface SeverityCounts {
  readonly total: number;
  readonly ok: number;
  readonly warning: number;
  readonly critical: number;
  readonly expired: number;
}

export interface BusEvent<D = unknown> {
  readonly detailType: DetailType;
  readonly detail: D;
  /** ARNs of the resources involved (EventBridge `resources`). */
  readonly resources: string[];
  readonly time: Date;
}

const clip = (s: string | undefined, max = MAX_TEXT_IN_EVENT): string | undefined =>
  s === undefined ? undefined : s.length > max ? `${s.slice(0, max - 1)}…` : s;

export const toCertificateDetail = (r: CertificateRecord): CertificateDetail => {
  const detail: CertificateDetail = {
    source: r.source,
    id: r.id,
    region: r.region,
    account: r.account,
    domain: clip(r.domain) ?? '',
    sans: r.sans.slice(0, MAX_SANS_IN_EVENT).map((s) => clip(s, 253) ?? ''),
    sanCount: Math.max(r.sanCount ?? 0, r.sans.length),
    subject: clip(r.subject),
    issuer: clip(r.issuer),
    serialNumber: r.serialNumber,
    fingerprintSha256: r.fingerprintSha256,
    notBefore: r.notBefore?.toISOString(),
    notAfter: r.notAfter?.toISOString(),
    keyAlgorithm: r.keyAlgorithm,
    type: r.type,
    status: r.status,
    inUse: r.inUse,
    inUseBy: r.inUseBy?.slice(0, MAX_IN_USE_BY_IN_EVENT),
    renewalEligibility: r.renewalEligibility,
    renewalStatus: r.renewalStatus,
    renewalReason: clip(r.renewalReason),
    labels: r.labels ? { ...r.labels } : undefined,
    accountName: r.accountName?.slice(0, 50),
    ouPath: r.ouPath?.slice(0, 20).map((p) => p.slice(0, 128)),
    tags: r.tags ? boundedTags(r.tags) : undefined,
    thresholds: r.thresholds
      ? { tiersDays: [...r.thresholds.tiersDays], criticalDays: r.thresholds.criticalDays }
      : undefined,
  };
  // Drop undefined keys so the JSON stays minimal and schema-valid.
  return Object.fromEntries(Object.entries(detail).filter(([, v]) => v !== undefined)) as CertificateDetail;
};

export const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

/** Deterministic event id: a hex SHA-256 of the parts, cut to 32 characters. */
export const eventIdOf = (...parts: ReadonlyArray<string | number | null | undefined>): string =>
  createHash('sha256')
    .update(parts.map((p) => String(p ?? '')).join('\u0000'))
    .digest('hex')
    .slice(0, 32);

/** Identity of the certificate itself, as precise as the source allows. */
export const certificateIdentity = (r: CertificateRecord): string =>
  r.fingerprintSha256 ?? r.serialNumber ?? r.notAfter?.toISOString() ?? 'unknown';

export const certificateEvent = (
  record: CertificateRecord,
  evaluation: Evaluation,
  ctx: { scanId: string; now: Date; problems?: Problem[]; detailType?: DetailType },
): BusEvent<CertificateEventDetail> => {
  const detailType =
    ctx.detailType ?? (evaluation.severity === 'expired' ? DetailType.Expired : DetailType.Expiring);
  const problems = (ctx.problems ?? []).map((p) => ({
    code: p.code,
    message: clip(p.message) ?? '',
    ...(p.severity ? { severity: p.severity } : {}),
  }));
  return {
    detailType,
    time: ctx.now,
    resources: record.id.startsWith('arn:') ? [record.id] : [],
    detail: {
      schemaVersion: SCHEMA_VERSION,
      eventId: eventIdOf(
        record.id,
        certificateIdentity(record),
        detailType,
        evaluation.severity,
        evaluation.tierDays,
        utcDay(ctx.now),
      ),
      scanId: ctx.scanId,
      observedAt: ctx.now.toISOString(),
      certificate: toCertificateDetail(record),
      evaluation: {
        severity: overallSeverity(evaluation, problems),
        expirySeverity: evaluation.severity,
        daysRemaining: evaluation.daysRemaining,
        tierDays: evaluation.tierDays,
        renewalRisk: evaluation.renewalRisk,
        renewsAutomatically: evaluation.renewsAutomatically,
        notYetValid: evaluation.notYetValid,
      },
      problems,
    },
  };
};

export const scanCompletedEvent = (
  detail: Omit<ScanCompletedDetail, 'schemaVersion' | 'eventId'>,
): BusEvent<ScanCompletedDetail> => ({
  detailType: DetailType.ScanCompleted,
  time: new Date(detail.finishedAt),
  resources: [],
  detail: {
    schemaVersion: SCHEMA_VERSION,
    // Endpoint scans complete batch by batch: each batch's heartbeat is its own event.
    eventId: eventIdOf(DetailType.ScanCompleted, detail.scanId, detail.source, detail.batch?.index),
    ...detail,
  },
});

export interface EndpointDetail {
  readonly target: string;
  readonly host: string;
  readonly port: number;
  readonly address: string | null;
  readonly servername: string | null;
  readonly starttls: string | null;
  readonly labels?: Record<string, string>;
  readonly owner?: string;
}

export interface EndpointCheckFailedDetail {
  readonly schemaVersion: string;
  readonly eventId: string;
  readonly scanId: string;
  readonly observedAt: string;
  readonly endpoint: EndpointDetail;
  readonly error: Problem;
}

/** No certificate could be read from one address of an endpoint. */
export const endpointCheckFailedEvent = (
  endpoint: EndpointDetail,
  error: Problem,
  ctx: { scanId: string; now: Date },
): BusEvent<EndpointCheckFailedDetail> => ({
  detailType: DetailType.EndpointCheckFailed,
  time: ctx.now,
  resources: [],
  detail: {
    schemaVersion: SCHEMA_VERSION,
    eventId: eventIdOf(
      endpoint.target,
      endpoint.address,
      DetailType.EndpointCheckFailed,
      error.code,
      utcDay(ctx.now),
    ),
    scanId: ctx.scanId,
    observedAt: ctx.now.toISOString(),
    endpoint: Object.fromEntries(
      Object.entries(endpoint).filter(([, v]) => v !== undefined),
    ) as EndpointDetail,
    error: { code: error.code, message: clip(error.message) ?? '' },
  },
});
