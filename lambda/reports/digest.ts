/**
 * The weekly digest (issue #14): what a team needs from the estate report in one chat message.
 * Pure: this week's {@link EstateReport}, the previous one when there is one, and the link to the
 * full report in; an {@link EstateDigest} out, bounded in size (lists are cut, their totals kept),
 * which the chat formatters (lambda/channels/format/digest*.ts) render per system.
 *
 * - counts: certificates expiring within 7, 30 and 90 days of `generatedAt` (cumulative: the 30
 *   includes the 7), and those already expired, each with how many of them are acknowledged;
 * - soonest: the certificates with the fewest days left, already expired first;
 * - changes since the previous report: renewals (the same location with a later notAfter) and
 *   removals (a location the previous report had and this one has not);
 * - coverage: scopes scanned and the scopes that failed, with their reason.
 */
import type { DigestSection, ResolvedDigestSettings } from '../contracts/report';
import type { Severity } from '../core/evaluate';
import type { EstateReport, ReportCertificate, ReportScopeFailure } from './model';

/** The detail-type of the digest as the notifier's queue receives it (an EventBridge-shaped envelope). */
export const DIGEST_DETAIL_TYPE = 'Certificate Digest';

/** Windows the counts are given for, in days. */
export const DIGEST_WINDOWS_DAYS = [7, 30, 90] as const;

/** Renewals, removals and failed scopes listed by name at most (the rest are counted). */
export const DIGEST_LIST_LIMIT = 10;

export interface DigestCertificate {
  readonly location: string;
  readonly domain: string;
  readonly source: string;
  readonly account?: string;
  readonly region?: string;
  readonly notAfter?: string;
  readonly daysRemaining?: number;
  readonly severity: Severity;
  readonly owner?: string;
  /** The previous notAfter (renewals). */
  readonly previousNotAfter?: string;
}

/** A list cut to its first entries, with the full count. */
export interface DigestList<T> {
  readonly total: number;
  readonly items: readonly T[];
}

export interface EstateDigest {
  /** ISO 8601 of this week's report. */
  readonly generatedAt: string;
  /** ISO 8601 of the report compared with; absent for the first report. */
  readonly previousGeneratedAt?: string;
  readonly sections: readonly DigestSection[];
  readonly counts: {
    readonly total: number;
    readonly expired: number;
    /** How many of `expired` are acknowledged now; absent when none. */
    readonly expiredAcknowledged?: number;
    /**
     * Not yet expired and within `days` days, for each of {@link DIGEST_WINDOWS_DAYS}; `acknowledged`:
     * how many of `count` are acknowledged now, absent when none.
     */
    readonly within: readonly {
      readonly days: number;
      readonly count: number;
      readonly acknowledged?: number;
    }[];
  };
  readonly soonest: readonly DigestCertificate[];
  /** Absent for the first report (nothing to compare with). */
  readonly changes?: {
    readonly renewed: DigestList<DigestCertificate>;
    readonly removed: DigestList<DigestCertificate>;
    readonly added: number;
  };
  readonly coverage: {
    readonly scopesScanned: number;
    readonly scopesFailed: DigestList<ReportScopeFailure>;
  };
  /** Where the full report is (an AWS console URL: it needs a signed-in user with read on the bucket). */
  readonly link?: { readonly url: string; readonly label: string };
}

const toDigestCertificate = (c: ReportCertificate, previous?: ReportCertificate): DigestCertificate => ({
  location: c.location,
  domain: c.domain,
  source: c.source,
  ...(c.account ? { account: c.account } : {}),
  ...(c.region ? { region: c.region } : {}),
  ...(c.notAfter ? { notAfter: c.notAfter } : {}),
  ...(typeof c.daysRemaining === 'number' ? { daysRemaining: c.daysRemaining } : {}),
  severity: c.severity,
  ...(c.owner ? { owner: c.owner } : {}),
  ...(previous?.notAfter ? { previousNotAfter: previous.notAfter } : {}),
});

const time = (iso: string | undefined): number => {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
};

/**
 * Expired at `at` (the report's instant): notAfter passed, or the verdict says so. Days are whole
 * days, so a certificate that expired hours ago has 0 days left and is expired all the same.
 */
export const hasExpired = (
  c: Pick<ReportCertificate, 'notAfter' | 'daysRemaining' | 'severity'>,
  at: number,
): boolean =>
  c.severity === 'expired' ||
  (c.notAfter !== undefined && !Number.isNaN(Date.parse(c.notAfter)) && Date.parse(c.notAfter) <= at) ||
  (c.daysRemaining ?? 0) < 0;

/** Fewest days left first (expired ones, negative, lead); ties by notAfter, then location. */
const bySoonest = (a: ReportCertificate, b: ReportCertificate): number =>
  (a.daysRemaining ?? Number.POSITIVE_INFINITY) - (b.daysRemaining ?? Number.POSITIVE_INFINITY) ||
  time(a.notAfter) - time(b.notAfter) ||
  (a.location < b.location ? -1 : a.location > b.location ? 1 : 0);

const cut = <T>(items: readonly T[], limit: number): DigestList<T> => ({
  total: items.length,
  items: items.slice(0, limit),
});

export interface DigestInput {
  readonly current: EstateReport;
  /** Last week's report (the previous `latest/report.json`); absent the first time. */
  readonly previous?: EstateReport;
  readonly settings: ResolvedDigestSettings;
  readonly link?: EstateDigest['link'];
}

/** The digest of `current`, compared with `previous` (see the module comment for each part). */
export const buildDigest = ({ current, previous, settings, link }: DigestInput): EstateDigest => {
  const certs = current.certificates;
  const live = certs.filter((c) => typeof c.daysRemaining === 'number');
  const at = Date.parse(current.generatedAt);
  // Acknowledged ones are counted as what they are, and said to be acknowledged (as the HTML summary does).
  const acknowledged = (list: readonly ReportCertificate[]) => {
    const n = list.filter((c) => c.acknowledged).length;
    return n > 0 ? n : undefined;
  };
  const expiredCerts = live.filter((c) => hasExpired(c, at));
  const expired = expiredCerts.length;
  const expiredAcknowledged = acknowledged(expiredCerts);
  const within = DIGEST_WINDOWS_DAYS.map((days) => {
    const inWindow = live.filter((c) => !hasExpired(c, at) && (c.daysRemaining as number) <= days);
    const acked = acknowledged(inWindow);
    return { days, count: inWindow.length, ...(acked ? { acknowledged: acked } : {}) };
  });
  const soonest = [...live]
    .sort(bySoonest)
    .slice(0, settings.soonest)
    .map((c) => toDigestCertificate(c));

  let changes: EstateDigest['changes'];
  if (previous) {
    const before = new Map(previous.certificates.map((c) => [c.location, c]));
    const now = new Set(certs.map((c) => c.location));
    const renewed = certs
      .filter((c) => {
        const p = before.get(c.location);
        return (
          p !== undefined &&
          time(c.notAfter) !== Number.POSITIVE_INFINITY &&
          time(c.notAfter) > time(p.notAfter)
        );
      })
      .sort(bySoonest)
      .map((c) => toDigestCertificate(c, before.get(c.location)));
    // A removal's days left are as the previous report counted them.
    const removed = previous.certificates
      .filter((c) => !now.has(c.location))
      .sort(bySoonest)
      .map((c) => toDigestCertificate(c));
    changes = {
      renewed: cut(renewed, DIGEST_LIST_LIMIT),
      removed: cut(removed, DIGEST_LIST_LIMIT),
      added: certs.filter((c) => !before.has(c.location)).length,
    };
  }
  return {
    generatedAt: current.generatedAt,
    ...(previous ? { previousGeneratedAt: previous.generatedAt } : {}),
    sections: settings.sections,
    counts: { total: certs.length, expired, ...(expiredAcknowledged ? { expiredAcknowledged } : {}), within },
    soonest,
    ...(changes ? { changes } : {}),
    coverage: {
      scopesScanned: current.coverage.scopesScanned.length,
      scopesFailed: cut(current.coverage.scopesFailed, DIGEST_LIST_LIMIT),
    },
    ...(link ? { link } : {}),
  };
};

/** The envelope the notifier's queue receives (`sqs` message of the chat topic): an EventBridge-shaped event. */
export interface DigestEvent {
  readonly version: '0';
  /** `digest-<YYYY-MM-DD>`: one digest a day, so the delivery ledger drops a retried one. */
  readonly id: string;
  readonly 'detail-type': typeof DIGEST_DETAIL_TYPE;
  readonly source: string;
  readonly time: string;
  readonly detail: EstateDigest & { readonly eventId: string };
}

export const digestEvent = (digest: EstateDigest, source: string): DigestEvent => {
  const id = `digest-${digest.generatedAt.slice(0, 10)}`;
  return {
    version: '0',
    id,
    'detail-type': DIGEST_DETAIL_TYPE,
    source,
    time: digest.generatedAt,
    detail: { ...digest, eventId: id },
  };
};
