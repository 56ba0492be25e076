/**
 * Shared text hygiene for every chat channel. Certificate fields come from whoever issued or
 * served the certificate (a hostile endpoint chooses its own subject), so every value is treated
 * as untrusted: control and bidi-override characters are removed, then each channel escapes it
 * for its own markup and cuts it to that channel's limits.
 */

/**
 * C0/C1 controls (tab and newline are handled by the callers), bidi embeddings/overrides
 * (U+202A–U+202E) and isolates (U+2066–U+2069), plus marks that reorder or hide text
 * (LRM/RLM/ALM, zero-width characters, BOM).
 */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;

/** Removes characters that could reorder, hide or corrupt a message; newlines and tabs become spaces unless kept. */
export const clean = (s: string, opts: { keepNewlines?: boolean } = {}): string => {
  const out = s.replace(UNSAFE, '').replace(/\r\n?/g, '\n');
  return opts.keepNewlines ? out.replace(/\t/g, ' ') : out.replace(/[\t\n]+/g, ' ');
};

/**
 * Cuts to `max` code points (never splitting a surrogate pair), ending with `ellipsis` when cut.
 * Lengths are what chat platforms count: characters, not bytes.
 */
export const truncate = (s: string, max: number, ellipsis = '…'): string => {
  const chars = Array.from(s);
  if (chars.length <= max) return s;
  const keep = Math.max(0, max - Array.from(ellipsis).length);
  return chars.slice(0, keep).join('') + ellipsis.slice(0, Math.max(0, max));
};

export const charLength = (s: string): number => Array.from(s).length;

/** UTF-8 size: what Teams (28 KB card) and Google Chat (32,000-byte message) measure. */
export const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** `@channel`, `@here`, `@everyone`, `@all` written in plain text: a word joiner keeps them from pinging anyone. */
export const neutralizeAtMentions = (s: string): string =>
  s.replace(/@(channel|here|everyone|all)\b/gi, '@\u2060$1');

/**
 * Slack mrkdwn: `&`, `<`, `>` are its control characters (mentions such as `<!here>`, `<@U123>`,
 * `<!subteam^…>` and links all start with `<`); escaping them leaves every mention inert.
 */
export const escapeSlack = (s: string): string =>
  neutralizeAtMentions(clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));

/**
 * Slack inline code: formatting (`*_~`) and links are not interpreted inside it, so untrusted
 * values stay literal. A backtick would end the span early and is replaced by a look-alike.
 */
export const slackCode = (s: string): string => `\`${escapeSlack(s).replace(/`/g, 'ˋ') || ' '}\``;

/**
 * Plain text shown as-is by the platform (Slack plain_text, Adaptive Card TextRun, Google Chat
 * card header): no markup to escape, but controls, bidi overrides and @-mentions are still removed.
 */
export const plain = (s: string): string => neutralizeAtMentions(clean(s));

/**
 * Markup-neutral inline code for Amazon Q Developer (Chatbot) `client-markdown`, which is rendered
 * in the *target* platform's markdown (Slack mrkdwn or Teams markdown: one topic can feed both).
 * Slack mrkdwn has no backslash escapes, so untrusted values go in a code span, where neither
 * platform applies formatting; `<`/`>` (Slack mentions and links) and backticks (which would close
 * the span) are replaced by look-alikes, so the value stays readable and inert on both.
 */
export const neutralCode = (s: string): string =>
  `\`${plain(s).replace(/</g, '‹').replace(/>/g, '›').replace(/`/g, 'ˋ') || ' '}\``;

/** HTML text content (Google Chat card widgets render a small HTML subset). */
export const escapeHtml = (s: string): string =>
  neutralizeAtMentions(
    clean(s)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;'),
  );

/**
 * The first `shown` names and "+N more" (N counts the names the event did not even carry:
 * events hold at most 100 SANs, `sanCount` is the real total).
 */
export const sanSummary = (
  sans: readonly string[],
  sanCount: number,
  shown: number,
): { names: string[]; more: number } => {
  const names = sans.slice(0, shown);
  return { names, more: Math.max(sanCount, sans.length) - names.length };
};

/**
 * Joins lines within `max` characters: whole lines while they fit, then the next one cut by `cut`
 * when at least `minRoom` characters are left (each channel cuts its own way, e.g. without
 * breaking an escape sequence).
 */
export const fitLines = (
  lines: readonly string[],
  max: number,
  cut: (line: string, room: number) => string = (line, room) => truncate(line, room),
  minRoom = 1,
): string => {
  const out: string[] = [];
  let used = 0;
  for (const line of lines) {
    const cost = charLength(line) + (out.length ? 1 : 0);
    if (used + cost > max) {
      const room = max - used - (out.length ? 1 : 0);
      if (room > minRoom) out.push(cut(line, room));
      break;
    }
    out.push(line);
    used += cost;
  }
  return out.join('\n');
};
