/**
 * Certificate fields are untrusted (whoever issued or served a certificate chose its subject, and
 * store tags are free text): every value goes into the HTML through `text`, which marks the
 * characters that could reorder or hide text and escapes the HTML-special ones, so a field is
 * safe as element text and as a quoted attribute value (HTML Living Standard, 13.1.2.3/13.1.2.5;
 * OWASP XSS Prevention Cheat Sheet, rules 1 and 2).
 */

/**
 * C0/C1 controls, bidi embeddings/overrides (U+202A–U+202E) and isolates (U+2066–U+2069), plus marks
 * that reorder or hide text (ALM, LRM/RLM, zero-width characters, word joiner, BOM): Unicode
 * Technical Report #36, "Bidirectional Text Spoofing".
 */
const HIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: marking control characters is the point
  /[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;

/** Tab, LF and CR: kept by `visible(s, { keepLineBreaks: true })` (CSV quotes them, RFC 4180). */
const LINE_BREAKS = new Set(['\t', '\n', '\r']);

/**
 * Each hidden or reordering character as a visible `[U+XXXX]`: the reader sees that it is there.
 * The HTML and the CSV both use it; the CSV keeps tab, LF and CR (`keepLineBreaks`), which its
 * quoting and formula rule already handle.
 */
export const visible = (s: string, options: { readonly keepLineBreaks?: boolean } = {}): string =>
  s.replace(HIDDEN, (c) =>
    options.keepLineBreaks && LINE_BREAKS.has(c)
      ? c
      : `[U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`,
  );

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `&`, `<`, `>`, `"` and `'` as character references: safe in text and in quoted attributes. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/** An untrusted value for HTML text or a quoted attribute: hidden characters marked, then escaped. */
export const text = (s: string | undefined | null): string => (s ? escapeHtml(visible(s)) : '');

/**
 * The URL when it is an absolute `https:` URL (WHATWG URL parsing), else undefined: a ticket link
 * may come from a connector's answer, and `javascript:` or `data:` must never become a link.
 */
export const httpsUrl = (raw: string | undefined): string | undefined => {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
};
