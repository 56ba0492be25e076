/**
 * Scripted fake servers for STARTTLS tests: a net.Server on 127.0.0.1 (free port) that plays a
 * list of steps per connection (send bytes, expect a line or bytes, upgrade to TLS with a real
 * certificate) and records what the client sent.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';

export type ScriptStep =
  /** Write these bytes; several pieces are written apart (`delayMs`) to split TCP packets. */
  | { readonly send: string | Buffer | readonly (string | Buffer)[]; readonly delayMs?: number }
  /** Read one line (CR LF or LF) from the client; it must match. */
  | { readonly expectLine: RegExp }
  /** Read exactly n bytes from the client. */
  | { readonly expectBytes: number }
  /** Read until the client has sent this text (included). */
  | { readonly expectUntil: string }
  /** Upgrade the socket to TLS as the server, in the same tick as the previous write. */
  | { readonly startTls: true }
  /** Stay silent until the client goes away. */
  | { readonly hang: true }
  | { readonly close: true };

export interface ScriptedServer {
  readonly port: number;
  /** What each connection received, per expect step. */
  readonly received: (string | Buffer)[][];
  /** Errors raised by the script (an unexpected line, ...), for assertions. */
  readonly errors: Error[];
  close(): Promise<void>;
}

class ServerConn {
  private buf = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private ended = false;
  private readonly onData = (chunk: Buffer): void => {
    this.buf = Buffer.concat([this.buf, chunk]);
    this.notify();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };

  constructor(readonly socket: net.Socket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async take(find: (buf: Buffer) => number): Promise<Buffer> {
    for (;;) {
      const n = find(this.buf);
      if (n >= 0) {
        const out = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        return out;
      }
      if (this.ended) throw new Error(`client closed; had ${JSON.stringify(this.buf.toString('latin1'))}`);
      await new Promise<void>((r) => {
        this.wake = r;
      });
    }
  }

  readLine(): Promise<string> {
    return this.take((b) => {
      const i = b.indexOf(0x0a);
      return i < 0 ? -1 : i + 1;
    }).then((b) => b.toString('utf8').replace(/\r?\n$/, ''));
  }

  readBytes(n: number): Promise<Buffer> {
    return this.take((b) => (b.length >= n ? n : -1));
  }

  readUntil(text: string): Promise<string> {
    return this.take((b) => {
      const i = b.indexOf(text);
      return i < 0 ? -1 : i + text.length;
    }).then((b) => b.toString('utf8'));
  }

  startTls(secureContext: tls.SecureContext): tls.TLSSocket {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.pause();
    if (this.buf.length > 0) this.socket.unshift(this.buf);
    const secure = new tls.TLSSocket(this.socket, { isServer: true, secureContext });
    secure.on('error', () => undefined);
    return secure;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const startScriptedServer = async (
  steps: readonly ScriptStep[],
  opts: { readonly secureContext?: tls.SecureContext } = {},
): Promise<ScriptedServer> => {
  const received: (string | Buffer)[][] = [];
  const errors: Error[] = [];
  const sockets = new Set<net.Socket>();
  const run = async (socket: net.Socket): Promise<void> => {
    const log: (string | Buffer)[] = [];
    received.push(log);
    const conn = new ServerConn(socket);
    for (const step of steps) {
      if ('send' in step) {
        const pieces = Array.isArray(step.send) ? step.send : [step.send];
        for (const [i, piece] of pieces.entries()) {
          if (i > 0 && step.delayMs) await sleep(step.delayMs);
          if (socket.destroyed) return;
          socket.write(piece);
        }
      } else if ('expectLine' in step) {
        const line = await conn.readLine();
        log.push(line);
        if (!step.expectLine.test(line)) throw new Error(`unexpected line ${JSON.stringify(line)}`);
      } else if ('expectBytes' in step) {
        log.push(await conn.readBytes(step.expectBytes));
      } else if ('expectUntil' in step) {
        log.push(await conn.readUntil(step.expectUntil));
      } else if ('startTls' in step) {
        if (!opts.secureContext) throw new Error('startTls step needs a secureContext');
        conn.startTls(opts.secureContext);
        return;
      } else if ('hang' in step) {
        return;
      } else {
        socket.end();
        return;
      }
    }
  };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    run(socket).catch((err: Error) => {
      errors.push(err);
      socket.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    received,
    errors,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

// ---------------------------------------------------------------------------------------------
// Protocol building blocks

/** LDAPMessage { messageID, ExtendedResponse { resultCode, matchedDN "", diagnosticMessage } }. */
export const ldapExtendedResponse = (resultCode: number, diagnostic = '', messageId = 1): Buffer => {
  const tlv = (tag: number, content: Buffer): Buffer => {
    const len =
      content.length < 0x80
        ? Buffer.from([content.length])
        : Buffer.from([0x82, content.length >> 8, content.length & 0xff]);
    return Buffer.concat([Buffer.from([tag]), len, content]);
  };
  const op = tlv(
    0x78,
    Buffer.concat([
      tlv(0x0a, Buffer.from([resultCode])),
      tlv(0x04, Buffer.alloc(0)),
      tlv(0x04, Buffer.from(diagnostic, 'utf8')),
    ]),
  );
  return tlv(0x30, Buffer.concat([tlv(0x02, Buffer.from([messageId])), op]));
};

/** A MySQL Handshake V10 packet (sequence id 0). */
export const mysqlHandshake = (capabilities: number, version = '8.0.36-fake', charset = 255): Buffer => {
  const payload = Buffer.concat([
    Buffer.from([0x0a]),
    Buffer.from(`${version}\0`, 'latin1'),
    Buffer.from([1, 0, 0, 0]), // thread id
    Buffer.from('abcdefgh', 'latin1'), // auth-plugin-data part 1
    Buffer.from([0]), // filler
    Buffer.from([capabilities & 0xff, (capabilities >> 8) & 0xff]),
    Buffer.from([charset, 2, 0]), // charset, status flags
    Buffer.from([(capabilities >> 16) & 0xff, (capabilities >> 24) & 0xff]),
    Buffer.from([21]), // auth plugin data length
    Buffer.alloc(10),
    Buffer.from('ijklmnopqrst\0', 'latin1'),
    Buffer.from('caching_sha2_password\0', 'latin1'),
  ]);
  return Buffer.concat([
    Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, payload.length >> 16, 0]),
    payload,
  ]);
};

/** A MySQL ERR packet as a greeting (no SQL state, as servers send before the handshake). */
export const mysqlErrorGreeting = (code: number, message: string): Buffer => {
  const payload = Buffer.concat([Buffer.from([0xff, code & 0xff, code >> 8]), Buffer.from(message, 'utf8')]);
  return Buffer.concat([
    Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, payload.length >> 16, 0]),
    payload,
  ]);
};

export const XMPP_STREAM_HEADER =
  "<?xml version='1.0'?><stream:stream from='im.example' id='s1' version='1.0' xml:lang='en' " +
  "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
