/**
 * Pure parts of the ticket channel: which certificate lifecycle an event belongs to (the dedup
 * key), what to do with it, and the words that go into a ticket (plain text and Jira's ADF).
 * Certificate fields are untrusted: controls and bidi overrides are removed, @-mentions made
 * inert, lengths cut to each system's limits.
 */
import { createHash } from 'node:crypto';
import { facts } from '../format/common';
import { nextSteps } from '../format/next-steps';
import { plain, truncate } from '../format/text';
import { type AlertView, headline, type WatcherEvent } from '../format/view';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Prefix of every dedup key: also a label people can search for. */
export const DEDUP_PREFIX = 'cert-watch-';

/**
 * One key per certificate lifecycle: the location and the certificate it holds (fingerprint,
 * else serial, else notAfter: the same order the lifecycle uses). A renewal starts a new key.
 * 35 characters of [a-z0-9-]: valid as a Jira or GitHub label, a ServiceNow correlation_id and a
 * PagerDuty dedup_key.
 */
export const dedupKeyOf = (location: string, identity: string): string =>
  `${DEDUP_PREFIX}${createHash('sha256').update(`${location}\u0000${identity}`).digest('hex').slice(0, 24)}`;

const identityOf = (c: Obj): string | undefined =>
  str(c.fingerprintSha256) ?? str(c.serialNumber) ?? str(c.notAfter);

export type TicketAction = 'raise' | 'close' | 'ignore';

/** Identity part of an endpoint problem's dedup key: its ticket is not the certificate's expiry ticket. */
const ENDPOINT_PROBLEM = 'endpoint-problem';
/** Identity part of a 'Certificate Not Deployed' ticket's key (schema 2.4), apart from both. */
const NOT_DEPLOYED = 'not-deployed';

/**
 * A failed check or a rejected certificate said by the lifecycle (schema 2.3), or its recovery.
 * 'Endpoint Misconfigured' for a rollout (`backends-differ`) and events of a prober without a
 * lifecycle keep the certificate's ticket, as before 2.3.
 */
const isEndpointProblem = (view: AlertView, lifecycle: Obj): boolean => {
  if (view.kind === 'recovered') return true;
  const t = str(lifecycle.transition);
  return (
    (view.kind === 'check-failed' || view.kind === 'misconfigured') &&
    t !== undefined &&
    t !== 'backends-differ'
  );
};

export interface TicketSubject {
  readonly action: TicketAction;
  readonly location?: string;
  /** Lifecycle the event is about (for `close` of a renewal: the certificate that was replaced). */
  readonly dedupKey?: string;
}

/** What the ticket channel does with an event, and for which lifecycle. */
export const subjectOf = (event: WatcherEvent, view: AlertView): TicketSubject => {
  const detail: Obj = isObj(event.detail) ? event.detail : {};
  const cert: Obj = isObj(detail.certificate) ? detail.certificate : {};
  const lifecycle: Obj = isObj(detail.lifecycle) ? detail.lifecycle : {};
  const previous: Obj = isObj(lifecycle.previous) ? lifecycle.previous : {};
  // A fleet member: its group's ticket speaks for it.
  if (isObj(lifecycle.group)) return { action: 'ignore' };
  if (view.kind === 'group' && view.group && view.location) {
    // One ticket per fleet and scope: opened by the group's expiry, commented on escalation,
    // resolved by the group's renewal.
    const raise = view.group.memberKind === 'expiring' || view.group.memberKind === 'expired';
    const close = view.group.memberKind === 'renewed';
    if (!raise && !close) return { action: 'ignore' };
    return {
      action: raise ? 'raise' : 'close',
      location: view.location,
      dedupKey: dedupKeyOf(view.location, 'fleet'),
    };
  }
  if (view.kind === 'not-deployed' || view.kind === 'deployed') {
    // One ticket per endpoint location until 'Certificate Deployed', whatever its codes.
    if (!view.location) return { action: 'ignore' };
    const action = view.kind === 'deployed' ? 'close' : 'raise';
    return { action, location: view.location, dedupKey: dedupKeyOf(view.location, NOT_DEPLOYED) };
  }
  if (isEndpointProblem(view, lifecycle)) {
    // One ticket per endpoint location's problem, whatever its codes, until 'Endpoint Recovered'.
    if (!view.location) return { action: 'ignore' };
    return {
      action: view.kind === 'recovered' ? 'close' : 'raise',
      location: view.location,
      dedupKey: dedupKeyOf(view.location, ENDPOINT_PROBLEM),
    };
  }
  const action: TicketAction =
    view.kind === 'expiring' ||
    view.kind === 'expired' ||
    view.kind === 'misconfigured' ||
    view.kind === 'not-yet-valid'
      ? view.severity === 'ok'
        ? 'ignore'
        : 'raise'
      : view.kind === 'renewed' || view.kind === 'removed' || view.kind === 'now-valid'
        ? 'close'
        : 'ignore';
  const identity = view.kind === 'renewed' ? identityOf(previous) : identityOf(cert);
  if (action === 'ignore' || !view.location || !identity) return { action: 'ignore' };
  return { action, location: view.location, dedupKey: dedupKeyOf(view.location, identity) };
};

const RANK: Record<string, number> = { ok: 0, info: 0, warning: 1, critical: 2, expired: 3 };

/** Where an alert stands: higher severity first, then the smaller tier (fewer days left). */
export interface Standing {
  readonly severity: string;
  readonly tierDays: number | null;
}

export const standingOf = (v: AlertView): Standing => ({
  severity: v.severity,
  tierDays: typeof v.tierDays === 'number' ? v.tierDays : null,
});

/** True when `now` is worse than what the ticket last said: a higher severity or a smaller tier. */
export const escalated = (before: Standing, now: Standing): boolean => {
  const a = RANK[before.severity] ?? 0;
  const b = RANK[now.severity] ?? 0;
  if (b !== a) return b > a;
  return now.tierDays !== null && (before.tierDays === null || now.tierDays < before.tierDays);
};

/** Ticket text, channel-neutral: each connector renders it in its own markup. */
export interface TicketContent {
  /** One line, ≤ 200 characters. */
  readonly summary: string;
  /** Paragraphs of plain text. */
  readonly intro: readonly string[];
  readonly facts: readonly { readonly label: string; readonly value: string }[];
  readonly sans: readonly string[];
  readonly sansMore: number;
  readonly problems: readonly string[];
  readonly nextSteps: readonly string[];
  /** Footer with the dedup key and event id, so people can trace a ticket back to its events. */
  readonly footer: string;
}

export const SUMMARY_MAX = 200;
const SANS_IN_TICKET = 20;
const PROBLEMS_IN_TICKET = 10;

export const ticketContent = (v: AlertView, dedupKey: string): TicketContent => {
  const name = plain(v.name);
  const sans = v.sans.slice(0, SANS_IN_TICKET).map((s) => truncate(plain(s), 253));
  return {
    summary: truncate(`${headline(v)}: ${name}${v.where ? ` (${plain(v.where)})` : ''}`, SUMMARY_MAX),
    intro: [`${headline(v)}: ${truncate(name, 300)}`],
    facts: facts(v).map((f) => ({ label: f.label, value: f.trusted ? f.value : plain(f.value) })),
    sans,
    sansMore: Math.max(0, v.sanCount - sans.length),
    problems: v.problems
      .slice(0, PROBLEMS_IN_TICKET)
      .map((p) => truncate(`${plain(p.code)}: ${plain(p.message)}`, 300)),
    nextSteps: nextSteps(v),
    footer: `cert-expiry-watcher · ${dedupKey}${v.eventId ? ` · event ${v.eventId}` : ''}${v.location ? ` · ${truncate(plain(v.location), 300)}` : ''}`,
  };
};

/** Plain text / markdown-free rendering (ServiceNow fields, PagerDuty details, GitHub bodies escape it further). */
export const contentLines = (c: TicketContent): string[] => {
  const lines = [...c.intro, ''];
  for (const f of c.facts) lines.push(`${f.label}: ${f.value}`);
  if (c.sans.length) lines.push(`Names: ${c.sans.join(', ')}${c.sansMore ? ` (+${c.sansMore} more)` : ''}`);
  if (c.problems.length) lines.push('', 'Problems:', ...c.problems.map((p) => `- ${p}`));
  if (c.nextSteps.length) lines.push('', 'Next steps:', ...c.nextSteps.map((s) => `- ${s}`));
  lines.push('', c.footer);
  return lines;
};

/** Atlassian Document Format (Jira Cloud REST v3 descriptions and comments). Text nodes are literal. */
export interface AdfNode {
  readonly type: string;
  readonly text?: string;
  readonly attrs?: Record<string, unknown>;
  readonly marks?: readonly { readonly type: string }[];
  readonly content?: readonly AdfNode[];
}

export interface AdfDoc {
  readonly type: 'doc';
  readonly version: 1;
  readonly content: readonly AdfNode[];
}

const text = (t: string, strong = false): AdfNode =>
  strong ? { type: 'text', text: t, marks: [{ type: 'strong' }] } : { type: 'text', text: t };
// ADF rejects empty text nodes: an empty value becomes a dash.
const para = (...nodes: AdfNode[]): AdfNode => ({
  type: 'paragraph',
  content: nodes.map((n) => (n.text === '' ? { ...n, text: '-' } : n)),
});
const bullets = (items: readonly string[]): AdfNode => ({
  type: 'bulletList',
  content: items.map((i) => ({ type: 'listItem', content: [para(text(i))] })),
});

export const toAdf = (c: TicketContent): AdfDoc => {
  const content: AdfNode[] = c.intro.map((p) => para(text(p)));
  if (c.facts.length) content.push(bullets(c.facts.map((f) => `${f.label}: ${f.value}`)));
  if (c.sans.length)
    content.push(
      para(text('Names: ', true), text(`${c.sans.join(', ')}${c.sansMore ? ` (+${c.sansMore} more)` : ''}`)),
    );
  if (c.problems.length) content.push(para(text('Problems', true)), bullets(c.problems));
  if (c.nextSteps.length) content.push(para(text('Next steps', true)), bullets(c.nextSteps));
  content.push(para({ type: 'text', text: c.footer, marks: [{ type: 'em' }] }));
  return { type: 'doc', version: 1, content };
};

/** GitHub-flavoured markdown with every untrusted value inert: HTML, mentions, links and emphasis escaped. */
export const escapeMarkdown = (s: string): string =>
  s
    .replace(/[\\`*_{}[\]()#+\-.!|~<>]/g, (ch) => `\\${ch}`)
    .replace(/@/g, '@\u2060')
    .replace(/&/g, '&amp;');

export const toMarkdown = (c: TicketContent): string => {
  const out = c.intro.map((p) => `**${escapeMarkdown(p)}**`);
  out.push('');
  for (const f of c.facts) out.push(`- **${escapeMarkdown(f.label)}:** ${escapeMarkdown(f.value)}`);
  if (c.sans.length)
    out.push(
      `- **Names:** ${c.sans.map(escapeMarkdown).join(', ')}${c.sansMore ? ` (+${c.sansMore} more)` : ''}`,
    );
  if (c.problems.length) out.push('', '**Problems**', ...c.problems.map((p) => `- ${escapeMarkdown(p)}`));
  if (c.nextSteps.length) out.push('', '**Next steps**', ...c.nextSteps.map((s) => `- ${escapeMarkdown(s)}`));
  out.push('', `<sub>${escapeMarkdown(c.footer)}</sub>`);
  return out.join('\n');
};
