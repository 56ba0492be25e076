/**
 * The event contract: what the watcher puts on its bus. Chat, SMS and tickets read only these.
 * Pure builders; the JSON Schemas in schemas/ describe the same shapes (tests check both agree).
 * The endpoint events are in endpoint-events.ts.
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
 * 2.4 (additive): the detail-types 'Certificate Not Deployed' and 'Certificate Deployed' (issue #17:
 * renewed in the store but not served) and their transitions.
 */
export const SCHEMA_VERSION = '2.4';
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
  /**
   * An endpoint does not serve what its resource is configured with: the store has held a renewed
   * certificate past the grace period, or it serves another one. Since 2.4.
   */
  NotDeployed: 'Certificate Not Deployed',
  /** A 'Certificate Not Deployed' ended: the endpoint serves what is expected. Since 2.4. */
  Deployed: 'Certificate Deployed',
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
/** Labels (endpoint configuration) carried per certificate or endpoint, cut like tags. */
export const MAX_LABELS_IN_EVENT = 50;
/**
 * Problems carried per event, the most severe first: a 76-certificate chain once produced 301
 * problems and a 293 KB event that PutEvents refused (with the rest of its batch).
 */
export const MAX_PROBLEMS_IN_EVENT = 25;
/** EventBridge's limit for one PutEvents entry and for the whole request (AWS EventBridge quotas). */
export const MAX_EVENT_ENTRY_BYTES = 256 * 1024;

/**
 * The first `max` entries of a map, keys cut to 128 and values to 256 characters (the AWS tag
 * limits), and how many entries were left out.
 */
export const boundedMap = (
  map: Readonly<Record<string, string>>,
  max: number,
): { readonly kept: Record<string, string>; readonly omitted: number } => {
  const entries = Object.entries(map);
  return {
    kept: Object.fromEntries(
      entries.slice(0, max).map(([k, v]) => [k.slice(0, 128), String(v).slice(0, 256)]),
    ),
    omitted: Math.max(0, entries.length - max),
  };
};

/** At most `max` items and how many were left out. */
export const boundedList = <T>(
  items: readonly T[],
  max: number,
): { readonly kept: T[]; readonly omitted: number } => ({
  kept: items.slice(0, max),
  omitted: Math.max(0, items.length - max),
});

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
  /** At most {@link MAX_SANS_IN_EVENT}; `sanCount` is the real total. */
  readonly sans: string[];
  readonly sanCount: number;
  /** Names left out of `sans` (present only when some were). Since 2.3. */
  readonly sansOmitted?: number;
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
  /** Entries left out of `inUseBy` (at most {@link MAX_IN_USE_BY_IN_EVENT} are kept). Since 2.3. */
  readonly inUseByOmitted?: number;
  readonly renewalEligibility?: string;
  readonly renewalStatus?: string;
  readonly renewalReason?: string;
  /** At most {@link MAX_LABELS_IN_EVENT}, cut like tags. */
  readonly labels?: Record<string, string>;
  /** Labels left out. Since 2.3. */
  readonly labelsOmitted?: number;
  readonly accountName?: string;
  readonly ouPath?: string[];
  /** At most {@link MAX_TAGS_IN_EVENT}, keys cut to 128 and values to 256 characters. */
  readonly tags?: Record<string, string>;
  /** Tags left out. Since 2.3. */
  readonly tagsOmitted?: number;
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
  /** At most {@link MAX_PROBLEMS_IN_EVENT}, the most severe first. */
  readonly problems: Problem[];
  /** Problems left out of `problems` (present only when some were). Since 2.3. */
  readonly problemsOmitted?: number;
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

/** `s` cut to `max` characters, the last one an ellipsis when cut. */
export const clip = (s: string | undefined, max = MAX_TEXT_IN_EVENT): string | undefined =>
  s === undefined ? undefined : s.length > max ? `${s.slice(0, max - 1)}…` : s;

const omitted = (n: number): number | undefined => (n > 0 ? n : undefined);

export const toCertificateDetail = (r: CertificateRecord): CertificateDetail => {
  const sans = boundedList(r.sans, MAX_SANS_IN_EVENT);
  const inUseBy = r.inUseBy ? boundedList(r.inUseBy, MAX_IN_USE_BY_IN_EVENT) : undefined;
  const labels = r.labels ? boundedMap(r.labels, MAX_LABELS_IN_EVENT) : undefined;
  const tags = r.tags ? boundedMap(r.tags, MAX_TAGS_IN_EVENT) : undefined;
  const detail: CertificateDetail = {
    source: r.source,
    id: r.id,
    region: r.region,
    account: r.account,
    domain: clip(r.domain) ?? '',
    sans: sans.kept.map((s) => clip(s, 253) ?? ''),
    sanCount: Math.max(r.sanCount ?? 0, r.sans.length),
    sansOmitted: omitted(sans.omitted),
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
    inUseBy: inUseBy?.kept.map((a) => clip(a, 2048) ?? ''),
    inUseByOmitted: omitted(inUseBy?.omitted ?? 0),
    renewalEligibility: r.renewalEligibility,
    renewalStatus: r.renewalStatus,
    renewalReason: clip(r.renewalReason),
    labels: labels?.kept,
    labelsOmitted: omitted(labels?.omitted ?? 0),
    accountName: r.accountName?.slice(0, 50),
    ouPath: r.ouPath?.slice(0, 20).map((p) => p.slice(0, 128)),
    tags: tags?.kept,
    tagsOmitted: omitted(tags?.omitted ?? 0),
    thresholds: r.thresholds
      ? { tiersDays: [...r.thresholds.tiersDays], criticalDays: r.thresholds.criticalDays }
      : undefined,
  };
  // Drop undefined keys so the JSON stays minimal and schema-valid.
  return Object.fromEntries(Object.entries(detail).filter(([, v]) => v !== undefined)) as CertificateDetail;
};

const PROBLEM_RANK: Record<string, number> = { critical: 0, warning: 1, info: 3 };

/**
 * At most {@link MAX_PROBLEMS_IN_EVENT} problems, the most severe first (unrated ones between
 * warning and info), and how many were left out. Order is kept when nothing is cut.
 */
export const boundedProblems = (
  problems: readonly Problem[],
): { readonly kept: Problem[]; readonly omitted: number } => {
  if (problems.length <= MAX_PROBLEMS_IN_EVENT) return { kept: [...problems], omitted: 0 };
  const rank = (p: Problem) => PROBLEM_RANK[p.severity ?? ''] ?? 2;
  // Array.prototype.sort is stable: problems of one rank keep their order.
  return boundedList(
    [...problems].sort((a, b) => rank(a) - rank(b)),
    MAX_PROBLEMS_IN_EVENT,
  );
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
  const { kept, omitted: problemsOmitted } = boundedProblems(ctx.problems ?? []);
  const problems = kept.map((p) => ({
    code: clip(p.code, 64) ?? '',
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
      ...(problemsOmitted > 0 ? { problemsOmitted } : {}),
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
