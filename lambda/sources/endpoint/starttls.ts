/**
 * STARTTLS: the plaintext dialogue that turns a connected socket into one where the next bytes
 * are a TLS handshake, for SMTP (RFC 3207), IMAP (RFC 3501/2595), POP3 (RFC 2595), FTP
 * (RFC 4217), LDAP (RFC 4511/4513), PostgreSQL (SSLRequest), MySQL (SSL Request packet) and XMPP
 * (RFC 6120). See docs/starttls.md.
 *
 * Contract with the caller: the socket is connected; when the promise resolves, no byte after the
 * server's last protocol reply has been consumed (it is pushed back with `unshift`), the socket is
 * paused and none of our listeners remain, so `tls.connect({ socket })` sees the stream intact.
 * The caller keeps its own 'error' listener on the socket and destroys it on failure. Every read
 * is bounded by `maxReplyBytes` per reply; slow-drip peers are bounded by the caller's signal.
 */
import type * as net from 'node:net';

export type StarttlsProtocol = 'smtp' | 'imap' | 'pop3' | 'ftp' | 'ldap' | 'postgres' | 'mysql' | 'xmpp';

export const STARTTLS_PROTOCOLS: readonly StarttlsProtocol[] = Object.freeze([
  'smtp',
  'imap',
  'pop3',
  'ftp',
  'ldap',
  'postgres',
  'mysql',
  'xmpp',
] as const);

export const isStarttlsProtocol = (value: string): value is StarttlsProtocol =>
  (STARTTLS_PROTOCOLS as readonly string[]).includes(value);

/** Well-known plaintext ports whose TLS starts in-band. 465 (SMTPS), 993, 995, 636 are implicit TLS. */
const BY_PORT: ReadonlyMap<number, StarttlsProtocol> = new Map<number, StarttlsProtocol>([
  [25, 'smtp'],
  [587, 'smtp'],
  [143, 'imap'],
  [110, 'pop3'],
  [21, 'ftp'],
  [389, 'ldap'],
  [5432, 'postgres'],
  [3306, 'mysql'],
  [5222, 'xmpp'],
]);

export const defaultStarttlsForPort = (port: number): StarttlsProtocol | undefined => BY_PORT.get(port);

export const DEFAULT_MAX_REPLY_BYTES = 64 * 1024;
const MAX_REPLY_CHARS = 200;

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

export interface StarttlsOptions {
  /** The name being probed: XMPP's stream `to`. */
  readonly host: string;
  /** The caller's overall deadline; on abort the promise rejects with `signal.reason`. */
  readonly signal: AbortSignal;
  /** Largest single reply accepted (greeting, EHLO reply, stream features...). @default 65536 */
  readonly maxReplyBytes?: number;
  /** Name sent in SMTP EHLO. @default 'cert-watch.invalid' */
  readonly clientName?: string;
}

const LABELS: Readonly<Record<StarttlsProtocol, string>> = {
  smtp: 'SMTP',
  imap: 'IMAP',
  pop3: 'POP3',
  ftp: 'FTP',
  ldap: 'LDAP',
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  xmpp: 'XMPP',
};

const abortReason = (signal: AbortSignal): Error => {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(reason === undefined ? 'The operation was aborted' : String(reason));
  err.name = 'AbortError';
  return err;
};

type Validate = (partial: Buffer) => void;

/**
 * Reads from a socket through a 'data' listener into a growable buffer, never past what a
 * protocol step asks for; leftovers go back to the socket on `finish`. Scans are incremental so a
 * drip of tiny packets costs linear time, and each reply is capped at `maxReplyBytes`.
 */
class Exchange {
  private data = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  /** Bytes of the pending data already searched without finding what the reader wants. */
  private scanned = 0;
  private replyBytes = 0;
  private failure: Error | undefined;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly signal: AbortSignal,
    readonly label: string,
    readonly maxReplyBytes: number,
  ) {}

  private readonly onData = (chunk: Buffer | string): void => {
    this.append(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    // Stop reading from the kernel once a reply is oversized; the reader rejects.
    if (this.end - this.start > this.maxReplyBytes) this.socket.pause();
    this.notify();
  };
  private readonly onClose = (): void => {
    this.closed = true;
    this.notify();
  };
  private readonly onError = (err: Error): void => {
    this.failure ??= err;
    this.notify();
  };
  private readonly onAbort = (): void => {
    this.failure = abortReason(this.signal);
    this.notify();
  };

  begin(): void {
    this.socket.on('data', this.onData);
    this.socket.on('end', this.onClose);
    this.socket.on('close', this.onClose);
    this.socket.on('error', this.onError);
    this.signal.addEventListener('abort', this.onAbort, { once: true });
    if (this.socket.destroyed || !this.socket.readable) this.closed = true;
  }

  /** Detaches, pauses and gives back unread bytes (the start of the TLS stream, if any). */
  finish(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onClose);
    this.socket.off('close', this.onClose);
    this.socket.off('error', this.onError);
    this.signal.removeEventListener('abort', this.onAbort);
    this.socket.pause();
    if (this.end > this.start && !this.socket.destroyed) {
      this.socket.unshift(Buffer.from(this.data.subarray(this.start, this.end)));
    }
    this.start = this.end = 0;
  }

  write(data: string | Buffer): void {
    if (this.failure) throw this.failure;
    this.socket.write(data);
  }

  /** Starts the byte budget of a new reply. */
  beginReply(): void {
    this.replyBytes = 0;
  }

  private append(chunk: Buffer): void {
    const pending = this.end - this.start;
    if (this.end + chunk.length > this.data.length) {
      const needed = pending + chunk.length;
      if (needed <= this.data.length && this.start > 0) {
        this.data.copy(this.data, 0, this.start, this.end);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(needed, this.data.length * 2, 1024));
        this.data.copy(grown, 0, this.start, this.end);
        this.data = grown;
      }
      this.start = 0;
      this.end = pending;
    }
    chunk.copy(this.data, this.end);
    this.end += chunk.length;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private pending(): Buffer {
    return this.data.subarray(this.start, this.end);
  }

  private consume(n: number, what: string): Buffer {
    const out = Buffer.from(this.data.subarray(this.start, this.start + n));
    this.start += n;
    this.replyBytes += n;
    this.scanned = 0;
    if (this.replyBytes > this.maxReplyBytes) {
      throw new NotTlsError(
        `${this.label}: ${what} exceeds ${this.maxReplyBytes} bytes`,
        out.subarray(0, MAX_REPLY_CHARS).toString('utf8'),
      );
    }
    return out;
  }

  private checkFailure(): void {
    if (this.signal.aborted) throw abortReason(this.signal);
    if (this.failure) throw this.failure;
  }

  /** Waits for more bytes, or rejects: abort, socket error, oversized reply, peer closed. */
  private async more(what: string): Promise<void> {
    this.checkFailure();
    const pending = this.pending();
    if (this.replyBytes + pending.length > this.maxReplyBytes) {
      throw new NotTlsError(
        `${this.label}: ${what} exceeds ${this.maxReplyBytes} bytes without completing`,
        pending.subarray(0, MAX_REPLY_CHARS).toString('utf8'),
      );
    }
    if (this.closed) {
      throw new NotTlsError(
        pending.length > 0 || this.replyBytes > 0
          ? `${this.label}: connection closed by the server in the middle of ${what}`
          : `${this.label}: connection closed by the server before ${what}`,
        pending.subarray(0, MAX_REPLY_CHARS).toString('utf8'),
      );
    }
    if (this.socket.isPaused()) this.socket.resume();
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    this.checkFailure();
  }

  /** The next line without its CR LF (a bare LF is accepted too). */
  async readLine(what: string, validate?: Validate): Promise<string> {
    for (;;) {
      this.checkFailure();
      const view = this.pending();
      if (validate && view.length > 0) validate(view.subarray(0, 16));
      const lf = view.indexOf(0x0a, this.scanned);
      if (lf >= 0)
        return this.consume(lf + 1, what)
          .toString('utf8')
          .replace(/\r?\n$/, '');
      this.scanned = view.length;
      await this.more(what);
    }
  }

  async readBytes(n: number, what: string, validate?: Validate): Promise<Buffer> {
    for (;;) {
      this.checkFailure();
      const view = this.pending();
      if (validate && view.length > 0) validate(view.subarray(0, 16));
      if (view.length >= n) return this.consume(n, what);
      await this.more(what);
    }
  }

  /** Text up to and including the earliest of `markers` (ASCII), and which marker ended it. */
  async readUntil(
    markers: readonly string[],
    what: string,
    validate?: Validate,
  ): Promise<{ text: string; marker: string }> {
    const longest = Math.max(...markers.map((m) => m.length));
    for (;;) {
      this.checkFailure();
      const view = this.pending();
      if (validate && view.length > 0) validate(view.subarray(0, 16));
      const from = Math.max(0, this.scanned - longest + 1);
      let best: { at: number; marker: string } | undefined;
      for (const marker of markers) {
        const at = view.indexOf(marker, from, 'latin1');
        if (at >= 0 && (best === undefined || at < best.at)) best = { at, marker };
      }
      if (best) {
        return {
          text: this.consume(best.at + best.marker.length, what).toString('utf8'),
          marker: best.marker,
        };
      }
      this.scanned = view.length;
      await this.more(what);
    }
  }
}

const printable = (b: Buffer): string => b.toString('latin1');

// ---------------------------------------------------------------------------------------------
// Line protocols with numeric replies: SMTP and FTP

interface CodeReply {
  readonly code: number;
  readonly text: string;
  readonly lines: readonly string[];
}

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;

/** A numeric reply starts "ddd" then space, hyphen or end of line: anything else is not the protocol. */
const validateNumericStart =
  (label: string, what: string): Validate =>
  (partial) => {
    for (let i = 0; i < Math.min(partial.length, 4); i++) {
      const b = partial[i];
      const ok = i < 3 ? isDigit(b) : b === 0x20 || b === 0x2d || b === 0x0d || b === 0x0a;
      if (!ok) throw new NotTlsError(`${label}: ${what} is not a ${label} reply`, printable(partial));
    }
  };

/** RFC 5321 4.2: "ddd-text" continues, "ddd text" (or bare "ddd") ends the reply. */
const readSmtpReply = async (x: Exchange, what: string): Promise<CodeReply> => {
  x.beginReply();
  const lines: string[] = [];
  for (;;) {
    const line = await x.readLine(what, validateNumericStart(x.label, what));
    const m = /^(\d{3})([ -]|$)/.exec(line);
    if (!m) throw new NotTlsError(`${x.label}: malformed ${what}`, [...lines, line].join('\r\n'));
    lines.push(line);
    if (m[2] !== '-') return { code: Number(m[1]), text: lines.join('\r\n'), lines };
  }
};

/** RFC 959 4.2: after "ddd-", free text lines until one starting "ddd " with the same code. */
const readFtpReply = async (x: Exchange, what: string): Promise<CodeReply> => {
  x.beginReply();
  const first = await x.readLine(what, validateNumericStart(x.label, what));
  const m = /^(\d{3})([ -]|$)/.exec(first);
  if (!m?.[1]) throw new NotTlsError(`${x.label}: malformed ${what}`, first);
  const code = m[1];
  const lines = [first];
  if (m[2] === '-') {
    for (;;) {
      const line = await x.readLine(what);
      lines.push(line);
      if (line === code || line.startsWith(`${code} `)) break;
    }
  }
  return { code: Number(code), text: lines.join('\r\n'), lines };
};

const smtp = async (x: Exchange, opts: StarttlsOptions): Promise<void> => {
  const greeting = await readSmtpReply(x, 'greeting');
  if (greeting.code !== 220) {
    throw new StarttlsRefusedError(`SMTP: server rejected the session with ${greeting.code}`, greeting.text);
  }
  x.write(`EHLO ${opts.clientName ?? 'cert-watch.invalid'}\r\n`);
  const ehlo = await readSmtpReply(x, 'EHLO reply');
  if (ehlo.code !== 250) throw new StarttlsRefusedError(`SMTP: EHLO rejected with ${ehlo.code}`, ehlo.text);
  const offered = ehlo.lines
    .slice(1)
    .some((l) => /^STARTTLS$/i.test(l.slice(4).trim().split(/\s+/)[0] ?? ''));
  if (!offered) throw new StarttlsRefusedError('SMTP: server does not advertise STARTTLS', ehlo.text);
  x.write('STARTTLS\r\n');
  const reply = await readSmtpReply(x, 'STARTTLS reply');
  if (reply.code !== 220)
    throw new StarttlsRefusedError(`SMTP: STARTTLS refused with ${reply.code}`, reply.text);
};

const ftp = async (x: Exchange): Promise<void> => {
  let greeting = await readFtpReply(x, 'greeting');
  // 120: "service ready in nnn minutes", followed later by the real 220.
  for (let i = 0; greeting.code === 120 && i < 3; i++) greeting = await readFtpReply(x, 'greeting');
  if (greeting.code !== 220) {
    throw new StarttlsRefusedError(`FTP: server rejected the session with ${greeting.code}`, greeting.text);
  }
  x.write('AUTH TLS\r\n');
  const reply = await readFtpReply(x, 'AUTH TLS reply');
  if (reply.code !== 234)
    throw new StarttlsRefusedError(`FTP: AUTH TLS refused with ${reply.code}`, reply.text);
};

// ---------------------------------------------------------------------------------------------
// IMAP and POP3

const validateFirstByte =
  (label: string, what: string, allowed: string): Validate =>
  (partial) => {
    const b = partial[0];
    if (b !== undefined && !allowed.includes(String.fromCharCode(b))) {
      throw new NotTlsError(`${label}: ${what} is not a ${label} response`, printable(partial));
    }
  };

const IMAP_TAG = 'a001';

const imap = async (x: Exchange): Promise<void> => {
  x.beginReply();
  const greeting = await x.readLine('greeting', validateFirstByte(x.label, 'greeting', '*'));
  const status = /^\* (OK|PREAUTH|BYE)(?:\s|$)/i.exec(greeting)?.[1]?.toUpperCase();
  if (status === undefined) throw new NotTlsError('IMAP: malformed greeting', greeting);
  if (status === 'BYE') throw new StarttlsRefusedError('IMAP: server rejected the session (BYE)', greeting);
  x.write(`${IMAP_TAG} STARTTLS\r\n`);
  x.beginReply();
  for (;;) {
    const line = await x.readLine('STARTTLS reply');
    if (line.toLowerCase().startsWith(`${IMAP_TAG} `)) {
      const result = /^\S+ (OK|NO|BAD)(?:\s|$)/i.exec(line)?.[1]?.toUpperCase();
      if (result === 'OK') return;
      if (result === undefined) throw new NotTlsError('IMAP: malformed tagged response', line);
      throw new StarttlsRefusedError(`IMAP: STARTTLS refused (${result})`, line);
    }
    // Untagged data ("* CAPABILITY ...") may precede the tagged result; a BYE ends the session.
    if (/^\* BYE(?:\s|$)/i.test(line))
      throw new StarttlsRefusedError('IMAP: server closed the session (BYE)', line);
  }
};

const pop3 = async (x: Exchange): Promise<void> => {
  x.beginReply();
  const greeting = await x.readLine('greeting', validateFirstByte(x.label, 'greeting', '+-'));
  if (/^-ERR(?:\s|$)/i.test(greeting))
    throw new StarttlsRefusedError('POP3: server rejected the session', greeting);
  if (!/^\+OK(?:\s|$)/i.test(greeting)) throw new NotTlsError('POP3: malformed greeting', greeting);
  x.write('STLS\r\n');
  x.beginReply();
  const reply = await x.readLine('STLS reply', validateFirstByte(x.label, 'STLS reply', '+-'));
  if (/^\+OK(?:\s|$)/i.test(reply)) return;
  if (/^-ERR(?:\s|$)/i.test(reply)) throw new StarttlsRefusedError('POP3: STLS refused', reply);
  throw new NotTlsError('POP3: malformed STLS reply', reply);
};

// ---------------------------------------------------------------------------------------------
// LDAP: the StartTLS extended operation, BER-encoded

const LDAP_STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
const LDAP_NOTICE_OF_DISCONNECTION_OID = '1.3.6.1.4.1.1466.20036';

const berLength = (n: number): Buffer =>
  n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);

const ber = (tag: number, content: Buffer): Buffer =>
  Buffer.concat([Buffer.from([tag]), berLength(content.length), content]);

/** LDAPMessage { messageID 1, [APPLICATION 23] ExtendedRequest { [0] requestName } }. */
export const LDAP_STARTTLS_REQUEST: Buffer = ber(
  0x30,
  Buffer.concat([
    ber(0x02, Buffer.from([1])),
    ber(0x77, ber(0x80, Buffer.from(LDAP_STARTTLS_OID, 'latin1'))),
  ]),
);

const LDAP_RESULT_NAMES: Readonly<Record<number, string>> = {
  1: 'operationsError',
  2: 'protocolError',
  3: 'timeLimitExceeded',
  7: 'authMethodNotSupported',
  8: 'strongerAuthRequired',
  11: 'adminLimitExceeded',
  12: 'unavailableCriticalExtension',
  13: 'confidentialityRequired',
  48: 'inappropriateAuthentication',
  50: 'insufficientAccessRights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  80: 'other',
};

interface Tlv {
  readonly tag: number;
  readonly value: Buffer;
  readonly next: number;
}

const readTlv = (buf: Buffer, offset: number): Tlv | undefined => {
  const tag = buf[offset];
  let lenByte = buf[offset + 1];
  if (tag === undefined || lenByte === undefined) return undefined;
  let pos = offset + 2;
  let length = lenByte;
  if (lenByte & 0x80) {
    const count = lenByte & 0x7f;
    if (count === 0 || count > 4) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) {
      lenByte = buf[pos++];
      if (lenByte === undefined) return undefined;
      length = length * 256 + lenByte;
    }
  }
  if (pos + length > buf.length) return undefined;
  return { tag, value: buf.subarray(pos, pos + length), next: pos + length };
};

const ldap = async (x: Exchange): Promise<void> => {
  x.write(LDAP_STARTTLS_REQUEST);
  x.beginReply();
  const validate: Validate = (partial) => {
    if (partial[0] !== 0x30) throw new NotTlsError('LDAP: reply is not an LDAPMessage', printable(partial));
  };
  const head = await x.readBytes(2, 'ExtendedResponse', validate);
  const lenByte = head[1] ?? 0;
  let length = lenByte;
  let lengthBytes: Buffer = Buffer.alloc(0);
  if (lenByte & 0x80) {
    const count = lenByte & 0x7f;
    if (count === 0 || count > 4)
      throw new NotTlsError('LDAP: reply has an invalid BER length', printable(head));
    lengthBytes = await x.readBytes(count, 'ExtendedResponse');
    length = lengthBytes.reduce((acc, b) => acc * 256 + b, 0);
  }
  if (length > x.maxReplyBytes) {
    throw new NotTlsError(`LDAP: reply announces ${length} bytes`, printable(head));
  }
  const body = await x.readBytes(length, 'ExtendedResponse');
  const raw = Buffer.concat([head, lengthBytes, body]);
  const messageId = readTlv(body, 0);
  const op = messageId && readTlv(body, messageId.next);
  if (messageId?.tag !== 0x02 || !op) throw new NotTlsError('LDAP: malformed LDAPMessage', printable(raw));
  if (op.tag !== 0x78) {
    throw new NotTlsError(
      `LDAP: expected an ExtendedResponse, got tag 0x${op.tag.toString(16)}`,
      printable(raw),
    );
  }
  const resultCode = readTlv(op.value, 0);
  const matchedDn = resultCode && readTlv(op.value, resultCode.next);
  const diagnostic = matchedDn && readTlv(op.value, matchedDn.next);
  if (resultCode?.tag !== 0x0a || resultCode.value.length === 0) {
    throw new NotTlsError('LDAP: ExtendedResponse without a resultCode', printable(raw));
  }
  const code = resultCode.value.reduce((acc, b) => acc * 256 + b, 0);
  const message = diagnostic?.tag === 0x04 ? diagnostic.value.toString('utf8') : '';
  const notice = op.value.includes(Buffer.from(LDAP_NOTICE_OF_DISCONNECTION_OID, 'latin1'));
  if (code === 0 && !notice) return;
  const name = LDAP_RESULT_NAMES[code] ?? 'unknown';
  const reply = `resultCode ${code} (${name})${message ? `: ${message}` : ''}`;
  throw new StarttlsRefusedError(
    notice
      ? 'LDAP: server sent a notice of disconnection'
      : `LDAP: StartTLS refused with resultCode ${code} (${name})`,
    reply,
  );
};

// ---------------------------------------------------------------------------------------------
// PostgreSQL: SSLRequest (protocol 3). PostgreSQL 17 also accepts direct TLS (ALPN "postgresql"),
// which is a plain TLS probe, not STARTTLS.

export const POSTGRES_SSL_REQUEST: Buffer = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

const postgresErrorText = (payload: Buffer): string => {
  const fields: Record<string, string> = {};
  let pos = 0;
  while (pos < payload.length && payload[pos] !== 0) {
    const type = String.fromCharCode(payload[pos] ?? 0);
    const end = payload.indexOf(0, pos + 1);
    if (end < 0) break;
    fields[type] = payload.subarray(pos + 1, end).toString('utf8');
    pos = end + 1;
  }
  const parts = [fields.S ?? fields.V, fields.C, fields.M].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join(' ') : payload.toString('latin1');
};

const postgres = async (x: Exchange): Promise<void> => {
  x.write(POSTGRES_SSL_REQUEST);
  x.beginReply();
  const answer = (await x.readBytes(1, 'SSLRequest reply'))[0];
  if (answer === 0x53 /* S */) return;
  if (answer === 0x4e /* N */) throw new StarttlsRefusedError('PostgreSQL: server does not accept SSL', 'N');
  if (answer === 0x45 /* E */) {
    // An ErrorResponse (e.g. a server or pooler that does not know SSLRequest).
    const len = (await x.readBytes(4, 'ErrorResponse')).readUInt32BE(0);
    if (len < 4 || len > 30_000)
      throw new StarttlsRefusedError('PostgreSQL: server answered SSLRequest with an error', 'E');
    const payload = await x.readBytes(len - 4, 'ErrorResponse');
    throw new StarttlsRefusedError(
      'PostgreSQL: server answered SSLRequest with an error',
      postgresErrorText(payload),
    );
  }
  throw new NotTlsError('PostgreSQL: unexpected reply to SSLRequest', String.fromCharCode(answer ?? 0));
};

// ---------------------------------------------------------------------------------------------
// MySQL: Handshake V10, then an SSL Request packet (sequence id 1); TLS starts straight after.

const CLIENT_LONG_PASSWORD = 0x1;
const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SSL = 0x800;
const CLIENT_SECURE_CONNECTION = 0x8000;

export const mysqlSslRequest = (charset: number): Buffer => {
  const payload = Buffer.alloc(32);
  payload.writeUInt32LE(CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION, 0);
  payload.writeUInt32LE(0x0100_0000, 4); // max packet size 16 MiB
  payload.writeUInt8(charset, 8); // 9..31: reserved zeros
  const header = Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, payload.length >> 16, 1]);
  return Buffer.concat([header, payload]);
};

const mysql = async (x: Exchange): Promise<void> => {
  x.beginReply();
  const header = await x.readBytes(4, 'handshake');
  const length = header.readUIntLE(0, 3);
  if (length === 0 || length > x.maxReplyBytes || header[3] !== 0) {
    throw new NotTlsError('MySQL: greeting is not a handshake packet', printable(header));
  }
  const payload = await x.readBytes(length, 'handshake', (partial) => {
    if (partial[0] !== 0x0a && partial[0] !== 0xff) {
      throw new NotTlsError(
        'MySQL: greeting is not a Handshake V10 packet',
        printable(header) + printable(partial),
      );
    }
  });
  if (payload[0] === 0xff) {
    const code = payload.length >= 3 ? payload.readUInt16LE(1) : 0;
    const hasState = payload[3] === 0x23; /* '#' */
    const state = hasState ? ` (${payload.subarray(4, 9).toString('latin1')})` : '';
    const message = payload.subarray(hasState ? 9 : 3).toString('utf8');
    throw new StarttlsRefusedError(
      `MySQL: server refused the connection`,
      `ERROR ${code}${state}: ${message}`,
    );
  }
  const versionEnd = payload.indexOf(0, 1);
  // version NUL, thread id (4), auth data part 1 (8), filler (1), capability flags lower (2)
  const capsAt = versionEnd + 1 + 4 + 8 + 1;
  if (versionEnd < 0 || payload.length < capsAt + 2)
    throw new NotTlsError('MySQL: truncated handshake', printable(payload));
  const version = payload.subarray(1, versionEnd).toString('latin1');
  const capabilities = payload.readUInt16LE(capsAt);
  const charset = payload[capsAt + 2] ?? 33;
  if ((capabilities & CLIENT_SSL) === 0) {
    throw new StarttlsRefusedError(
      'MySQL: server does not offer SSL (no CLIENT_SSL capability)',
      `server ${version}, capability flags 0x${capabilities.toString(16).padStart(4, '0')}`,
    );
  }
  x.write(mysqlSslRequest(charset === 0 ? 33 : charset));
};

// ---------------------------------------------------------------------------------------------
// XMPP (RFC 6120 5.4.2)

const xmlAttr = (v: string): string =>
  v
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/'/g, '&apos;')
    .replace(/"/g, '&quot;');

const STREAM_END_MARKERS = ['</stream:error>', '<stream:error/>', '</stream:stream>'];

const xmpp = async (x: Exchange, opts: StarttlsOptions): Promise<void> => {
  x.write(
    `<?xml version='1.0'?><stream:stream to='${xmlAttr(opts.host)}' xmlns='jabber:client' ` +
      `xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`,
  );
  x.beginReply();
  const validate: Validate = (partial) => {
    const first = partial.toString('latin1').trimStart()[0];
    if (first !== undefined && first !== '<')
      throw new NotTlsError('XMPP: reply is not XML', printable(partial));
  };
  const features = await x.readUntil(
    ['</stream:features>', '<stream:features/>', '<stream:features />', ...STREAM_END_MARKERS],
    'stream features',
    validate,
  );
  const at = features.text.search(/<stream:(features|error)/);
  const shown = at >= 0 ? features.text.slice(at) : features.text;
  if (STREAM_END_MARKERS.includes(features.marker)) {
    throw new StarttlsRefusedError('XMPP: server closed the stream', shown);
  }
  if (!/<starttls[\s/>]/.test(features.text)) {
    throw new StarttlsRefusedError('XMPP: server does not offer STARTTLS', shown);
  }
  x.write(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
  x.beginReply();
  const answer = await x.readUntil(['<proceed', '<failure', ...STREAM_END_MARKERS], 'STARTTLS reply');
  if (answer.marker === '<proceed') {
    // Consume exactly the element: TLS starts right after it.
    const tail = await x.readUntil(['>'], 'proceed element');
    if (!tail.text.endsWith('/>')) await x.readUntil(['</proceed>'], 'proceed element');
    return;
  }
  let text = answer.text.slice(answer.text.lastIndexOf('<'));
  if (answer.marker === '<failure') {
    const tail = await x.readUntil(['/>', '</failure>'], 'failure element');
    text += tail.text;
  }
  throw new StarttlsRefusedError('XMPP: STARTTLS refused', text);
};

// ---------------------------------------------------------------------------------------------

const NEGOTIATORS: Readonly<Record<StarttlsProtocol, (x: Exchange, opts: StarttlsOptions) => Promise<void>>> =
  {
    smtp,
    imap,
    pop3,
    ftp,
    ldap,
    postgres,
    mysql,
    xmpp,
  };

/**
 * Runs the STARTTLS dialogue of `protocol` on a connected socket. Resolves when the next byte on
 * the wire is the server's TLS; rejects with StarttlsRefusedError (the server said no),
 * NotTlsError (the peer does not speak the protocol), the socket's error, or `signal.reason`.
 */
export async function negotiateStarttls(
  socket: net.Socket,
  protocol: StarttlsProtocol,
  opts: StarttlsOptions,
): Promise<void> {
  const negotiate = NEGOTIATORS[protocol];
  if (negotiate === undefined) throw new TypeError(`unknown STARTTLS protocol: ${String(protocol)}`);
  if (opts.signal.aborted) throw abortReason(opts.signal);
  const x = new Exchange(
    socket,
    opts.signal,
    LABELS[protocol],
    opts.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES,
  );
  x.begin();
  try {
    await negotiate(x, opts);
  } finally {
    x.finish();
  }
}
