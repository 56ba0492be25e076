/** The two ways a STARTTLS dialogue fails on the server's side, and the reply sanitizer they share. */

export const MAX_REPLY_CHARS = 200;

/** Escapes control characters and truncates, so a hostile reply is safe in logs and messages. */
export const sanitizeReply = (text: string, maxChars = MAX_REPLY_CHARS): string => {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    let piece = ch;
    if (ch === '\r') piece = '\\r';
    else if (ch === '\n') piece = '\\n';
    else if (ch === '\t') piece = '\\t';
    else if (ch === '\\') piece = '\\\\';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) {
      piece = `\\x${c.toString(16).padStart(2, '0')}`;
    }
    if (out.length + piece.length > maxChars) return `${out}…`;
    out += piece;
  }
  return out;
};

/** The server answered, but not with "go ahead": the reply is kept (sanitized, truncated). */
export class StarttlsRefusedError extends Error {
  override readonly name = 'StarttlsRefusedError';
  readonly code = 'STARTTLS_REFUSED';
  readonly reply: string;
  constructor(message: string, reply = '') {
    const safe = sanitizeReply(reply);
    super(safe ? `${message} (server replied: ${safe})` : message);
    this.reply = safe;
  }
}

/** The peer does not speak the expected protocol: garbage, an oversized reply, or silence then close. */
export class NotTlsError extends Error {
  override readonly name = 'NotTlsError';
  readonly code = 'NOT_TLS';
  readonly reply: string;
  constructor(message: string, received = '') {
    const safe = sanitizeReply(received);
    super(safe ? `${message} (received: ${safe})` : message);
    this.reply = safe;
  }
}
