/**
 * Slack incoming webhook message: Block Kit header / section / context blocks plus the `text`
 * fallback that notifications and screen readers use. Untrusted values are escaped (`&`, `<`,
 * `>`, so `<!here>`/`<@U…>` stay inert), `@channel`-style words are broken, and values sit in code
 * spans so `*_~` cannot format. Incoming webhooks cannot reply in a thread (that needs the Web
 * API's `thread_ts`), so each event is its own message.
 */
import { emojiFor, facts, SANS_SHOWN } from './common';
import { nextSteps } from './next-steps';
import { charLength, escapeSlack, fitLines, sanSummary, slackCode, truncate } from './text';
import { headline, toView, type WatcherEvent } from './view';

/** Slack Block Kit limits (api.slack.com/reference/block-kit). */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  blocks: 50,
  /** The top-level `text` is truncated by Slack beyond 40,000; a fallback needs far less. */
  fallbackText: 3000,
} as const;

type Text = { type: 'plain_text'; text: string; emoji?: boolean } | { type: 'mrkdwn'; text: string };
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text?: Text; fields?: Text[] }
  | { type: 'context'; elements: Text[] }
  | { type: 'divider' };

export interface SlackMessage {
  readonly text: string;
  readonly blocks: SlackBlock[];
}

/** Truncates already-escaped text without leaving half an entity (`&am…`) at the cut. */
export const truncateEscaped = (s: string, max: number): string => {
  if (charLength(s) <= max) return s;
  let cut = truncate(s, max - 2, '').replace(/&[a-z#0-9]{0,5}$/i, '');
  // A cut inside a code span would leave it open: close it.
  if ((cut.match(/`/g) ?? []).length % 2 === 1) cut += '`';
  return `${cut}…`;
};

export const formatSlack = (event: WatcherEvent): SlackMessage => {
  const v = toView(event);
  const L = SLACK_LIMITS;
  const withName = v.named;
  const header = truncateEscaped(
    escapeSlack(`${emojiFor(v)} ${headline(v)}${withName ? `: ${v.name}` : ''}`),
    L.headerText,
  );
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: header, emoji: true } }];

  const fields: Text[] = facts(v)
    .slice(0, L.sectionFields)
    .map((f) => ({
      type: 'mrkdwn',
      text: truncateEscaped(
        `*${f.label}*\n${f.trusted ? escapeSlack(f.value) : slackCode(f.value)}`,
        L.fieldText,
      ),
    }));
  if (withName) {
    fields.unshift({ type: 'mrkdwn', text: truncateEscaped(`*Name*\n${slackCode(v.name)}`, L.fieldText) });
  }
  if (fields.length) blocks.push({ type: 'section', fields: fields.slice(0, L.sectionFields) });

  const detail: string[] = [];
  if (v.sanCount > 0) {
    const { names, more } = sanSummary(v.sans, v.sanCount, SANS_SHOWN);
    const shown = names.map((s) => slackCode(truncate(s, 100)));
    detail.push(`*Names (${v.sanCount})*`, `${shown.join(', ')}${more > 0 ? ` +${more} more` : ''}`);
  }
  if (v.problems.length) {
    detail.push('*Problems*');
    for (const p of v.problems.slice(0, 5))
      detail.push(`• ${slackCode(`${p.code}: ${truncate(p.message, 200)}`)}`);
    if (v.problems.length > 5) detail.push(`• +${v.problems.length - 5} more`);
  }
  const steps = nextSteps(v);
  if (steps.length) detail.push('*Next steps*', ...steps.map((s) => `• ${escapeSlack(s)}`));
  if (detail.length) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: fitLines(detail, L.sectionText, truncateEscaped, 10) },
    });
  }

  const context: Text[] = [];
  if (v.location)
    context.push({ type: 'mrkdwn', text: truncateEscaped(`Location ${slackCode(v.location)}`, 1000) });
  if (v.eventId) context.push({ type: 'mrkdwn', text: `Event ${slackCode(v.eventId.slice(0, 64))}` });
  if (context.length) blocks.push({ type: 'context', elements: context.slice(0, L.contextElements) });

  // The fallback is shown in notifications, where code spans do not render: plain escaped words.
  const fallback = escapeSlack(
    `${headline(v)}${withName ? `: ${truncate(v.name, 200)}` : ''}${v.where ? ` (${truncate(v.where, 100)})` : ''}`,
  ).replace(/[*_~`]/g, '');
  return { text: truncateEscaped(fallback, L.fallbackText), blocks: blocks.slice(0, L.blocks) };
};
