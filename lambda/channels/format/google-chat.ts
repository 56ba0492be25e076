/**
 * Google Chat incoming webhook message: one card (cardsV2) in the certificate's thread.
 * Card text widgets render a small HTML subset, so untrusted values are HTML-escaped there; the
 * header is plain text. `thread.threadKey` keeps one thread per certificate location when the
 * webhook URL carries `messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD` (the notifier
 * adds it). Google Chat rejects messages over 32,000 bytes; the card is measured and trimmed.
 */
import { emojiFor, facts, SANS_SHOWN } from './common';
import { nextSteps } from './next-steps';
import { byteLength, escapeHtml, plain, sanSummary, truncate } from './text';
import { headline, toView, type WatcherEvent } from './view';

export const GOOGLE_CHAT_LIMITS = {
  /** Google Chat API: maximum message size, text and cards included, is 32,000 bytes. */
  messageBytes: 32_000,
  headerChars: 200,
} as const;

export type GoogleChatWidget =
  | { decoratedText: { topLabel: string; text: string; wrapText: true } }
  | { textParagraph: { text: string } };

export interface GoogleChatSection {
  readonly header?: string;
  readonly widgets: GoogleChatWidget[];
}

export interface GoogleChatMessage {
  readonly thread: { readonly threadKey: string };
  readonly cardsV2: [
    {
      readonly cardId: string;
      readonly card: {
        readonly header: { readonly title: string; readonly subtitle?: string };
        readonly sections: GoogleChatSection[];
      };
    },
  ];
}

const message = (
  threadKey: string,
  header: GoogleChatMessage['cardsV2'][0]['card']['header'],
  sections: GoogleChatSection[],
  cardId: string,
): GoogleChatMessage => ({
  thread: { threadKey },
  cardsV2: [{ cardId, card: { header, sections } }],
});

/** The card, its last sections dropped until it fits Google Chat's 32,000-byte limit. */
export const boundedGoogleChatMessage = (
  threadKey: string,
  header: GoogleChatMessage['cardsV2'][0]['card']['header'],
  sections: GoogleChatSection[],
  cardId = 'certificate-alert',
): GoogleChatMessage => {
  let out = message(threadKey, header, sections, cardId);
  while (byteLength(JSON.stringify(out)) > GOOGLE_CHAT_LIMITS.messageBytes && sections.length > 0) {
    sections.pop();
    out = message(threadKey, header, sections, cardId);
  }
  return out;
};

export const formatGoogleChat = (event: WatcherEvent): GoogleChatMessage => {
  const v = toView(event);
  const L = GOOGLE_CHAT_LIMITS;
  const header = {
    title: plain(truncate(`${emojiFor(v)} ${headline(v)}`, L.headerChars)),
    ...(!v.named ? {} : { subtitle: plain(truncate(v.name, L.headerChars)) }),
  };
  const sections: GoogleChatSection[] = [];
  const factWidgets: GoogleChatWidget[] = facts(v).map((f) => ({
    decoratedText: { topLabel: f.label, text: escapeHtml(f.value), wrapText: true },
  }));
  if (v.location) {
    factWidgets.push({
      decoratedText: { topLabel: 'Location', text: escapeHtml(truncate(v.location, 300)), wrapText: true },
    });
  }
  if (factWidgets.length) sections.push({ widgets: factWidgets });
  if (v.sanCount > 0) {
    const { names, more } = sanSummary(v.sans, v.sanCount, SANS_SHOWN);
    const shown = names.map((s) => escapeHtml(truncate(s, 100)));
    sections.push({
      header: `Names (${v.sanCount})`,
      widgets: [{ textParagraph: { text: `${shown.join(', ')}${more > 0 ? ` +${more} more` : ''}` } }],
    });
  }
  if (v.problems.length) {
    const lines = v.problems
      .slice(0, 5)
      .map((p) => `• <b>${escapeHtml(p.code)}</b>: ${escapeHtml(truncate(p.message, 200))}`);
    if (v.problems.length > 5) lines.push(`• +${v.problems.length - 5} more`);
    sections.push({ header: 'Problems', widgets: [{ textParagraph: { text: lines.join('<br>') } }] });
  }
  const steps = nextSteps(v);
  if (steps.length) {
    sections.push({
      header: 'Next steps',
      widgets: [{ textParagraph: { text: steps.map((s) => `• ${escapeHtml(s)}`).join('<br>') } }],
    });
  }
  return boundedGoogleChatMessage(v.threadKey, header, sections);
};
