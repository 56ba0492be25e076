/**
 * Amazon Q Developer in chat applications (formerly AWS Chatbot) custom notification, published
 * on the chat topic. Field names follow the service's "Custom notifications" page: `version`
 * "1.0", `source` "custom", `content` (`textType` "client-markdown", `title`, `description`,
 * `nextSteps`, `keywords`) and `metadata` (`threadId`, `summary`, `eventType`,
 * `relatedResources`, `additionalContext`). `client-markdown` is rendered in the target platform's
 * markdown (Slack or Teams), so untrusted values go in markup-neutral code spans (text.ts).
 */
import { emojiFor, facts, SANS_SHOWN } from './common';
import { nextSteps } from './next-steps';
import { fitLines, neutralCode, plain, sanSummary, truncate } from './text';
import { type AlertView, consoleLink, headline, toView, type WatcherEvent } from './view';

export interface ChatbotNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id?: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: string[];
    readonly keywords: string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    readonly relatedResources: string[];
    readonly additionalContext?: Record<string, string>;
  };
}

/**
 * Our bounds. The service page names no per-field length limits; these keep the rendered message
 * inside Slack's block limits (a 3,000-character section) and Teams' card size, which the
 * service renders into, and keep `additionalContext` values usable as custom-action variables
 * (printable ASCII, at most 1,024 characters each, at most 5 of them).
 */
export const CHATBOT_LIMITS = {
  title: 250,
  description: 3000,
  nextSteps: 5,
  nextStepChars: 300,
  keywords: 5,
  keywordChars: 50,
  summary: 200,
  relatedResources: 10,
  contextValueChars: 1024,
} as const;

/** Printable ASCII only (custom action variable values are `[\x21-\x7F]+`). */
const asciiValue = (s: string): string =>
  s.replace(/[^\x21-\x7e]/g, '').slice(0, CHATBOT_LIMITS.contextValueChars);

export const chatbotDescriptionLines = (v: AlertView): string[] => {
  const lines: string[] = [];
  for (const f of facts(v)) lines.push(`${f.label}: ${f.trusted ? f.value : neutralCode(f.value)}`);
  if (v.sanCount > 0) {
    const { names, more } = sanSummary(v.sans, v.sanCount, SANS_SHOWN);
    const shown = names.map((s) => neutralCode(truncate(s, 100)));
    lines.push(`Names (${v.sanCount}): ${shown.join(', ')}${more > 0 ? ` +${more} more` : ''}`);
  }
  if (v.problems.length > 0) {
    lines.push('Problems:');
    for (const p of v.problems.slice(0, 5))
      lines.push(`• ${neutralCode(`${p.code}: ${truncate(p.message, 200)}`)}`);
    if (v.problems.length > 5) lines.push(`• +${v.problems.length - 5} more`);
  }
  if (v.location) lines.push(`Location: ${neutralCode(truncate(v.location, 300))}`);
  return lines;
};

export const formatChatbot = (event: WatcherEvent): ChatbotNotification => {
  const v = toView(event);
  const L = CHATBOT_LIMITS;
  const name = !v.named ? '' : `: ${neutralCode(truncate(v.name, 120))}`;
  const title = truncate(`${emojiFor(v)} ${headline(v)}${name}`, L.title);
  const steps = nextSteps(v);
  const link = consoleLink(v);
  if (link) steps.push(`Open it in the ACM console: ${link}`);
  const keywords = [v.severity, v.kind, v.source, v.region, v.acked ? 'acknowledged' : undefined]
    .filter((k): k is string => typeof k === 'string' && k !== '')
    .map((k) => truncate(asciiValue(k), L.keywordChars))
    .filter(Boolean)
    .slice(0, L.keywords);
  const additionalContext: Record<string, string> = {};
  const ctx = (k: string, value: string | number | undefined | null) => {
    if (value === undefined || value === null) return;
    const s = asciiValue(String(value));
    if (s) additionalContext[k] = s;
  };
  ctx('severity', v.severity);
  ctx('daysRemaining', v.daysRemaining);
  ctx('notAfter', v.notAfter);
  ctx('eventId', v.eventId);
  ctx('threadId', v.threadKey);
  return {
    version: '1.0',
    source: 'custom',
    ...(v.eventId ? { id: v.eventId } : {}),
    content: {
      textType: 'client-markdown',
      title,
      description: fitLines(chatbotDescriptionLines(v), L.description),
      nextSteps: steps.slice(0, L.nextSteps).map((s) => truncate(s, L.nextStepChars)),
      keywords,
    },
    metadata: {
      threadId: v.threadKey,
      summary: truncate(
        `${headline(v)}${!v.named ? '' : `: ${plain(v.name).replace(/[<>`*_~[\]]/g, '')}`}`,
        L.summary,
      ),
      eventType: v.detailType,
      relatedResources: v.resources.slice(0, L.relatedResources),
      ...(Object.keys(additionalContext).length ? { additionalContext } : {}),
    },
  };
};
