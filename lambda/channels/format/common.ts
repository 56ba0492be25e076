/** Wording shared by the chat formats: severity marks and the certificate facts, as plain label/value pairs. */

import { durationText } from '../../core/time';
import { truncate } from './text';
import { type AlertView, remainingOf } from './view';

export const SEVERITY_EMOJI: Record<AlertView['severity'], string> = {
  expired: '⛔',
  critical: '🔴',
  warning: '🟠',
  ok: '🟢',
  info: 'ℹ️',
};

/** Resolutions: a renewal, a certificate valid at last, an endpoint recovered, a certificate deployed. */
export const isResolution = (v: AlertView): boolean =>
  v.kind === 'renewed' || v.kind === 'now-valid' || v.kind === 'recovered' || v.kind === 'deployed';

export const emojiFor = (v: AlertView): string => (isResolution(v) ? '✅' : SEVERITY_EMOJI[v.severity]);

/** How many SANs a chat message lists before "+N more". */
export const SANS_SHOWN = 10;
/** Untrusted free text (subject, issuer, problem messages) is cut to this in chat messages. */
export const MAX_FIELD_CHARS = 300;

const time = (iso: string): string => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
};

/** "2026-11-29 01:24 UTC (3 days left)", "(20 hours left)", "(expired 2 days ago)": the one rounding rule. */
export const whenText = (v: AlertView): string | undefined => {
  if (!v.notAfter) return undefined;
  const r = remainingOf(v);
  const rel = !r ? '' : r.expired ? ` (expired ${durationText(r)} ago)` : ` (${durationText(r)} left)`;
  return `${time(v.notAfter)}${rel}`;
};

export interface Fact {
  readonly label: string;
  /** Untrusted unless `trusted`: channels escape it. */
  readonly value: string;
  readonly trusted?: boolean;
}

/** The certificate facts every chat message shows, in order. Values are raw (each channel escapes them). */
export const facts = (v: AlertView): Fact[] => {
  const out: Fact[] = [];
  const add = (label: string, value: string | undefined, trusted = false) => {
    if (value !== undefined && value !== '')
      out.push({ label, value: truncate(value, MAX_FIELD_CHARS), trusted });
  };
  if (v.kind === 'scan-completed') {
    add('Source', v.scan?.source);
    add('Certificates', v.scan?.total === undefined ? undefined : String(v.scan.total), true);
    add('Failed scopes', String(v.scan?.failedScopes ?? 0), true);
    return out;
  }
  if (v.kind === 'group' && v.group) {
    const g = v.group;
    add('Where', `${v.where}${v.account ? ` (account ${v.account})` : ''}`);
    add('Certificates', String(g.count), true);
    add('First expiry', g.earliestNotAfter ? whenText(v) : undefined, true);
    add('Last expiry', g.latestNotAfter ? time(g.latestNotAfter) : undefined, true);
    if (g.memberKind !== 'renewed')
      add(
        'Severity',
        `${v.severity}${typeof v.tierDays === 'number' ? ` (tier ${v.tierDays} days)` : ''}`,
        true,
      );
    add(
      'Sample',
      g.sample
        .slice(0, SANS_SHOWN)
        .map((m) => m.name)
        .join(', ') + (g.count > g.sample.length ? `, +${g.count - g.sample.length} more` : ''),
    );
    return out;
  }
  if (v.kind === 'unknown') {
    add('Event', v.detailType);
    if (!v.named) return out;
  }
  add('Where', `${v.where}${v.account ? ` (account ${v.account})` : ''}`);
  if (v.kind === 'renewed') {
    add('Valid until', v.notAfter ? time(v.notAfter) : undefined, true);
    add('Previous expiry', v.previousNotAfter ? time(v.previousNotAfter) : undefined, true);
  } else {
    if (v.kind === 'not-yet-valid') add('Valid from', v.notBefore ? time(v.notBefore) : undefined, true);
    add('Expires', whenText(v), true);
  }
  if (v.resolved) {
    add(
      'Was',
      `${v.resolved.kind}${v.resolved.problems.length ? `: ${v.resolved.problems.map((p) => `${p.code} (${p.message})`).join('; ')}` : ''}`,
    );
  }
  if (!isResolution(v) && v.kind !== 'removed' && v.kind !== 'unknown') {
    add(
      'Severity',
      `${v.severity}${typeof v.tierDays === 'number' ? ` (tier ${v.tierDays} days)` : ''}${v.acked ? ', acknowledged' : ''}`,
      true,
    );
  }
  if (v.renewalRisk) add('Renewal', v.renewalRisk, true);
  if (v.error) add('Error', `${v.error.code}: ${v.error.message}`);
  add('Subject', v.subject);
  add('Issuer', v.issuer);
  add('Type', v.certificateType, true);
  add('Owner', v.owner);
  return out;
};
