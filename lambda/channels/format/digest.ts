/**
 * The weekly digest (lambda/reports/digest.ts) in chat: one reading of it for every system
 * ({@link digestView}: our words and untrusted values kept apart), rendered here for Amazon Q
 * Developer in chat applications (Chatbot) and Slack, and in ./digest-cards.ts for Teams and
 * Google Chat. Certificate names, locations, owners and scope failure messages are untrusted: each
 * system escapes them as its alerts do (./text.ts) and every part is cut to the system's limits.
 */
import { DIGEST_DETAIL_TYPE, type DigestCertificate, type EstateDigest } from '../../reports/digest';
import type { ChatbotNotification } from './chatbot';
import { CHATBOT_LIMITS } from './chatbot';
import { SEVERITY_EMOJI } from './common';
import { SLACK_LIMITS, type SlackBlock, type SlackMessage, truncateEscaped } from './slack';
import { escapeSlack, fitLines, neutralCode, plain, slackCode, truncate } from './text';
import type { WatcherEvent } from './view';

/** One run of text: our own words, or a value from a certificate or a scope (`untrusted`). */
export interface Segment {
  readonly text: string;
  readonly untrusted?: boolean;
}
export type DigestLine = readonly Segment[];
export interface DigestBlock {
  readonly heading: string;
  readonly lines: readonly DigestLine[];
}
export interface DigestView {
  readonly title: string;
  /** One line for notifications and fallbacks (our words only). */
  readonly summary: string;
  readonly blocks: readonly DigestBlock[];
  readonly link?: { readonly url: string; readonly label: string };
  /** One thread per digest (Google Chat, Chatbot). */
  readonly threadKey: string;
  readonly eventId: string;
}

const ours = (text: string): Segment => ({ text });
const theirs = (text: string, max = 100): Segment => ({ text: truncate(text, max), untrusted: true });

const day = (iso: string | undefined): string =>
  iso && /^\d{4}-\d{2}-\d{2}/.test(iso) ? iso.slice(0, 10) : '?';

const daysText = (days: number | undefined, severity?: DigestCertificate['severity']): string => {
  if (typeof days !== 'number') return 'no expiry date';
  if (days < 0) return `expired ${-days} day${days === -1 ? '' : 's'} ago`;
  if (days === 0) return severity === 'expired' ? 'expired today' : 'expires today';
  return `${days} day${days === 1 ? '' : 's'} left`;
};

const where = (c: DigestCertificate): string =>
  [c.source, c.region, c.account].filter((s): s is string => typeof s === 'string' && s !== '').join(' ');

const certificateLine = (c: DigestCertificate, detail: string): DigestLine => [
  ours(`${SEVERITY_EMOJI[c.severity] ?? SEVERITY_EMOJI.info} `),
  theirs(c.domain || c.location),
  ours(` ${detail} · `),
  theirs(where(c) || c.location, 120),
  ...(c.owner ? [ours(' · owner '), theirs(c.owner, 60)] : []),
];

const more = (total: number, shown: number): DigestLine[] =>
  total > shown ? [[ours(`+${total - shown} more in the full report`)]] : [];

/** ` (2 acknowledged)` after a count some of which are acknowledged; nothing otherwise. */
const ackedText = (n: number | undefined): string => (n ? ` (${n} acknowledged)` : '');

/** The digest as headed blocks of lines, only the configured sections, in the contract's order. */
export const digestView = (d: EstateDigest): DigestView => {
  const date = day(d.generatedAt);
  const blocks: DigestBlock[] = [];
  const since = d.previousGeneratedAt ? ` since ${day(d.previousGeneratedAt)}` : '';
  for (const section of d.sections) {
    if (section === 'counts') {
      blocks.push({
        heading: `Expiring (of ${d.counts.total} certificates)`,
        lines: [
          [ours(`Expired: ${d.counts.expired}${ackedText(d.counts.expiredAcknowledged)}`)],
          ...d.counts.within.map((w) => [
            ours(`Within ${w.days} days: ${w.count}${ackedText(w.acknowledged)}`),
          ]),
        ],
      });
    } else if (section === 'soonest' && d.soonest.length > 0) {
      blocks.push({
        heading: `${d.soonest.length} soonest`,
        lines: d.soonest.map((c) =>
          certificateLine(c, `${daysText(c.daysRemaining, c.severity)} (${day(c.notAfter)})`),
        ),
      });
    } else if (section === 'changes') {
      if (!d.changes) {
        blocks.push({ heading: 'Changes', lines: [[ours('First report: nothing to compare with yet')]] });
        continue;
      }
      const { renewed, removed, added } = d.changes;
      blocks.push({
        heading: `Changes${since}`,
        lines: [
          [ours(`Renewed: ${renewed.total} · Removed: ${removed.total} · New: ${added}`)],
          ...renewed.items.map((c) =>
            certificateLine(c, `renewed: ${day(c.previousNotAfter)} → ${day(c.notAfter)}`),
          ),
          ...more(renewed.total, renewed.items.length),
          ...removed.items.map((c) => certificateLine(c, 'removed')),
          ...more(removed.total, removed.items.length),
        ],
      });
    } else if (section === 'coverage') {
      const failed = d.coverage.scopesFailed;
      blocks.push({
        heading: 'Coverage',
        lines: [
          [ours(`Scopes scanned: ${d.coverage.scopesScanned} · failed: ${failed.total}`)],
          ...failed.items.map(
            (f): DigestLine => [
              ours('⚠️ '),
              theirs(f.scope, 120),
              ours(': '),
              theirs(`${f.code}: ${f.message}`, 200),
            ],
          ),
          ...more(failed.total, failed.items.length),
        ],
      });
    }
  }
  const link = d.sections.includes('link') ? d.link : undefined;
  const soon = d.counts.within[0];
  return {
    title: `📋 Certificate digest ${date}`,
    summary:
      `Certificate digest ${date}: ${d.counts.expired} expired` +
      (soon ? `, ${soon.count} within ${soon.days} days` : '') +
      `, ${d.counts.total} watched`,
    blocks,
    ...(link ? { link } : {}),
    threadKey: `digest-${date}`,
    eventId: `digest-${date}`,
  };
};

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const list = <T>(v: unknown) => ({ total: num(obj(v).total), items: arr<T>(obj(v).items) });

export const isDigestEvent = (event: WatcherEvent): boolean => event['detail-type'] === DIGEST_DETAIL_TYPE;

/** The digest in an event, read defensively (missing parts become empty). */
export const digestOf = (event: WatcherEvent): EstateDigest => {
  const d = obj(event.detail);
  const counts = obj(d.counts);
  const changes = d.changes === undefined ? undefined : obj(d.changes);
  const coverage = obj(d.coverage);
  const link = obj(d.link);
  return {
    generatedAt: typeof d.generatedAt === 'string' ? d.generatedAt : (event.time ?? ''),
    ...(typeof d.previousGeneratedAt === 'string' ? { previousGeneratedAt: d.previousGeneratedAt } : {}),
    sections: arr(d.sections),
    counts: {
      total: num(counts.total),
      expired: num(counts.expired),
      ...(num(counts.expiredAcknowledged) > 0
        ? { expiredAcknowledged: num(counts.expiredAcknowledged) }
        : {}),
      within: arr(counts.within)
        .map(obj)
        .map((w) => ({
          days: num(w.days),
          count: num(w.count),
          ...(num(w.acknowledged) > 0 ? { acknowledged: num(w.acknowledged) } : {}),
        })),
    },
    soonest: arr(d.soonest),
    ...(changes
      ? {
          changes: {
            renewed: list(changes.renewed),
            removed: list(changes.removed),
            added: num(changes.added),
          },
        }
      : {}),
    coverage: { scopesScanned: num(coverage.scopesScanned), scopesFailed: list(coverage.scopesFailed) },
    ...(typeof link.url === 'string' && /^https:\/\//.test(link.url)
      ? { link: { url: link.url, label: typeof link.label === 'string' ? link.label : 'Full report' } }
      : {}),
  };
};

/** Chatbot `client-markdown`: untrusted values in markup-neutral code spans (./text.ts). */
const chatbotLine = (line: DigestLine): string =>
  line.map((s) => (s.untrusted ? neutralCode(s.text) : plain(s.text))).join('');

/** The digest as an Amazon Q Developer (Chatbot) custom notification, published on the chat topic. */
export const formatDigestChatbot = (digest: EstateDigest): ChatbotNotification => {
  const v = digestView(digest);
  const L = CHATBOT_LIMITS;
  // One topic can feed Slack (`*bold*`) and Teams (`**bold**`): a plain heading reads right on both.
  const lines = v.blocks.flatMap((b) => [`${plain(b.heading)}:`, ...b.lines.map(chatbotLine)]);
  return {
    version: '1.0',
    source: 'custom',
    id: v.eventId,
    content: {
      textType: 'client-markdown',
      title: truncate(v.title, L.title),
      description: fitLines(lines, L.description),
      nextSteps: v.link ? [truncate(`${v.link.label}: ${v.link.url}`, L.nextStepChars)] : [],
      keywords: ['digest'],
    },
    metadata: {
      threadId: v.threadKey,
      summary: truncate(v.summary, L.summary),
      eventType: DIGEST_DETAIL_TYPE,
      relatedResources: [],
    },
  };
};

const slackLine = (line: DigestLine): string =>
  line.map((s) => (s.untrusted ? slackCode(s.text) : escapeSlack(s.text))).join('');

/** Slack's link markup: `&`, `<`, `>` escaped in the URL, `|` kept out of the label. */
const slackLink = (url: string, label: string): string =>
  `<${url.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E')}|${escapeSlack(label).replace(/\|/g, '/')}>`;

/** The digest as a Slack incoming webhook message: a header, one section per part, the link. */
export const formatDigestSlack = (digest: EstateDigest): SlackMessage => {
  const v = digestView(digest);
  const L = SLACK_LIMITS;
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncateEscaped(escapeSlack(v.title), L.headerText), emoji: true },
    },
  ];
  for (const b of v.blocks) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: fitLines(
          [`*${escapeSlack(b.heading)}*`, ...b.lines.map(slackLine)],
          L.sectionText,
          truncateEscaped,
          10,
        ),
      },
    });
  }
  if (v.link)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: slackLink(v.link.url, v.link.label) } });
  return { text: truncateEscaped(escapeSlack(v.summary), L.fallbackText), blocks: blocks.slice(0, L.blocks) };
};
