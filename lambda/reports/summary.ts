/** Counts of a report's certificates by severity, source, account and region (the report's summary). */
import { SEVERITIES, type Severity } from '../core/evaluate';
import type { ReportCertificate } from './model';

export interface CountRow {
  readonly key: string;
  readonly count: number;
  /** The worst severity among them (for a coloured label). */
  readonly worst: Severity;
  /** By severity. */
  readonly bySeverity: Readonly<Record<Severity, number>>;
}

const rank = (s: Severity): number => SEVERITIES.indexOf(s);

/** Counts per key, largest first then by key; `-` for certificates without one. */
export const countBy = (
  certificates: readonly ReportCertificate[],
  keyOf: (c: ReportCertificate) => string | undefined,
): CountRow[] => {
  const rows = new Map<string, { count: number; bySeverity: Record<Severity, number> }>();
  for (const c of certificates) {
    const key = keyOf(c) || '-';
    const row = rows.get(key) ?? { count: 0, bySeverity: { ok: 0, warning: 0, critical: 0, expired: 0 } };
    row.count += 1;
    row.bySeverity[c.severity] += 1;
    rows.set(key, row);
  }
  return [...rows]
    .map(([key, r]) => ({
      key,
      count: r.count,
      bySeverity: r.bySeverity,
      worst: SEVERITIES.filter((s) => r.bySeverity[s] > 0).reduce<Severity>(
        (w, s) => (rank(s) > rank(w) ? s : w),
        'ok',
      ),
    }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
};

/**
 * Every severity with its count, worst first (zeros included: "0 expired" is news too), and how
 * many of the counted are acknowledged now (an acknowledged critical is still counted critical).
 */
export const severityCounts = (
  certificates: readonly ReportCertificate[],
): { readonly severity: Severity; readonly count: number; readonly acknowledged: number }[] => {
  const counts: Record<Severity, number> = { ok: 0, warning: 0, critical: 0, expired: 0 };
  const acknowledged: Record<Severity, number> = { ok: 0, warning: 0, critical: 0, expired: 0 };
  for (const c of certificates) {
    counts[c.severity] += 1;
    if (c.acknowledged) acknowledged[c.severity] += 1;
  }
  return [...SEVERITIES]
    .reverse()
    .map((severity) => ({ severity, count: counts[severity], acknowledged: acknowledged[severity] }));
};

/** `123456789012 (Production)` or the id alone. */
export const accountLabel = (c: Pick<ReportCertificate, 'account' | 'accountName'>): string | undefined =>
  c.account ? (c.accountName ? `${c.account} (${c.accountName})` : c.account) : undefined;
