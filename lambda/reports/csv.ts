/**
 * The report's certificates as CSV (RFC 4180: CRLF line ends, a header line, fields with a comma,
 * quote, CR or LF quoted, quotes doubled), safe to open in a spreadsheet: a text cell starting with
 * `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so it is never read as a formula (OWASP, "CSV
 * Injection"), and bidi controls and other hidden characters are marked `[U+202E]` as in the HTML
 * (escape.ts `visible`), so `evil\u202Emoc.elgoog` never shows as "evilgoogle.com". Numbers the
 * report itself computes (days left) are written as numbers.
 */
import { visible } from './escape';
import type { EstateReport, ReportCertificate } from './model';

type Cell = string | number | undefined;

const COLUMNS: readonly [string, (c: ReportCertificate) => Cell][] = [
  ['location', (c) => c.location],
  ['source', (c) => c.source],
  ['scope', (c) => c.scope],
  ['account', (c) => c.account],
  ['account_name', (c) => c.accountName],
  ['region', (c) => c.region],
  ['domain', (c) => c.domain],
  ['sans', (c) => c.sans.join(' ')],
  ['not_after', (c) => c.notAfter],
  ['days_remaining', (c) => c.daysRemaining],
  ['severity', (c) => c.severity],
  ['issuer', (c) => c.issuer],
  ['key_algorithm', (c) => c.keyAlgorithm],
  ['fingerprint_sha256', (c) => c.fingerprintSha256],
  ['serial_number', (c) => c.serialNumber],
  ['in_use_by', (c) => c.inUseBy.join(' ')],
  ['problems', (c) => c.problems.join(' ')],
  ['error', (c) => (c.error ? `${c.error.code}: ${c.error.message}` : undefined)],
  ['lifecycle_state', (c) => c.lifecycleState],
  ['ack_until', (c) => c.acknowledged?.until],
  ['ack_by', (c) => c.acknowledged?.by],
  ['ack_reason', (c) => c.acknowledged?.reason],
  ['ticket_system', (c) => c.ticket?.system],
  ['ticket_key', (c) => c.ticket?.key],
  ['ticket_url', (c) => c.ticket?.url],
  ['owner', (c) => c.owner],
  // Last, so that the earlier columns keep their places: only for a certificate graded by its
  // lifetime (a short-lived one), in days, as `shortLived` in the JSON.
  ['lifetime_days', (c) => c.shortLived?.lifetimeDays],
  ['warning_at_days', (c) => c.shortLived?.warningDays],
  ['critical_at_days', (c) => c.shortLived?.criticalDays],
];

/** The CSV header: one name per column, in order. */
export const CSV_COLUMNS: readonly string[] = COLUMNS.map(([name]) => name);

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One field: hidden and reordering characters marked, formula starts neutralised (text only), then
 * quoted when RFC 4180 requires it.
 */
export const csvField = (value: Cell): string => {
  if (value === undefined) return '';
  const marked = typeof value === 'number' ? value : visible(value, { keepLineBreaks: true });
  const s = typeof marked === 'number' ? String(marked) : FORMULA_START.test(marked) ? `'${marked}` : marked;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const renderCsv = (report: EstateReport): string =>
  [
    CSV_COLUMNS.join(','),
    ...report.certificates.map((c) => COLUMNS.map(([, get]) => csvField(get(c))).join(',')),
  ]
    .map((line) => `${line}\r\n`)
    .join('');
