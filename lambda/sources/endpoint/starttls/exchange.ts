/**
 * What every protocol module shares: the bounded line/byte reader over a connected socket
 * (`Exchange`), the early validators that reject a peer speaking something else, and the shape of
 * a protocol module (`StarttlsNegotiator`).
 */
import type * as net from 'node:net';
import { MAX_REPLY_CHARS, NotTlsError } from './errors';

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

/** One protocol's STARTTLS dialogue, registered by name in ./index.ts. */
export interface StarttlsNegotiator {
  /** Protocol name in messages ('PostgreSQL'). */
  readonly label: string;
  /** Well-known plaintext ports whose TLS starts in-band with this protocol. */
  readonly ports: readonly number[];
  /** Resolves once the next byte on the wire is the server's TLS; see ./index.ts for the contract. */
  readonly negotiate: (x: Exchange, opts: StarttlsOptions) => Promise<void>;
}

export const abortReason = (signal: AbortSignal): Error => {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(reason === undefined ? 'The operation was aborted' : String(reason));
  err.name = 'AbortError';
  return err;
};

/** Checks the first bytes of a reply as they arrive, so garbage fails before a whole line is read. */
export type Validate = (partial: Buffer) => void;

export const printable = (b: Buffer): string => b.toString('latin1');

/**
 * Reads from a socket through a 'data' listener into a growable buffer, never past what a
 * protocol step asks for; leftovers go back to the socket on `finish`. Scans are incremental so a
 * drip of tiny packets costs linear time, and each reply is capped at `maxReplyBytes`.
 */
export class Exchange {
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

/** A reply of a numeric line protocol (SMTP, FTP): its code and every line of it. */
export interface CodeReply {
  readonly code: number;
  readonly text: string;
  readonly lines: readonly string[];
}

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;

/** A numeric reply starts "ddd" then space, hyphen or end of line: anything else is not the protocol. */
export const validateNumericStart =
  (label: string, what: string): Validate =>
  (partial) => {
    for (let i = 0; i < Math.min(partial.length, 4); i++) {
      const b = partial[i];
      const ok = i < 3 ? isDigit(b) : b === 0x20 || b === 0x2d || b === 0x0d || b === 0x0a;
      if (!ok) throw new NotTlsError(`${label}: ${what} is not a ${label} reply`, printable(partial));
    }
  };

/** A status-line protocol (IMAP '*', POP3 '+'/'-') must start its reply with one of `allowed`. */
export const validateFirstByte =
  (label: string, what: string, allowed: string): Validate =>
  (partial) => {
    const b = partial[0];
    if (b !== undefined && !allowed.includes(String.fromCharCode(b))) {
      throw new NotTlsError(`${label}: ${what} is not a ${label} response`, printable(partial));
    }
  };
