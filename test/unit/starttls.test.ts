import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_REPLY_BYTES,
  defaultStarttlsForPort,
  isStarttlsProtocol,
  NotTlsError,
  negotiateStarttls,
  STARTTLS_PROTOCOLS,
  type StarttlsProtocol,
  StarttlsRefusedError,
  sanitizeReply,
} from '../../lambda/sources/endpoint/starttls';
import { LDAP_STARTTLS_REQUEST } from '../../lambda/sources/endpoint/starttls/ldap';
import { POSTGRES_SSL_REQUEST } from '../../lambda/sources/endpoint/starttls/postgres';
import { createCertificate, daysFrom } from '../support/certs';
import {
  ldapExtendedResponse,
  mysqlErrorGreeting,
  mysqlHandshake,
  type ScriptedServer,
  type ScriptStep,
  startScriptedServer,
  XMPP_STREAM_HEADER,
} from '../support/starttls-servers';

let secureContext: tls.SecureContext;
let fingerprint: string;
let subjectCn: string;

beforeAll(async () => {
  const now = new Date();
  const cert = await createCertificate({
    commonName: 'starttls.test',
    notBefore: daysFrom(now, -1),
    notAfter: daysFrom(now, 90),
  });
  secureContext = tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem });
  fingerprint = new X509Certificate(cert.certPem).fingerprint256;
  subjectCn = 'starttls.test';
});

const servers: ScriptedServer[] = [];
const clients: net.Socket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const serve = async (steps: readonly ScriptStep[]): Promise<ScriptedServer> => {
  const server = await startScriptedServer(steps, { secureContext });
  servers.push(server);
  return server;
};

const connect = async (port: number): Promise<net.Socket> => {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  clients.push(socket);
  await once(socket, 'connect');
  return socket;
};

const negotiate = async (
  port: number,
  protocol: StarttlsProtocol,
  opts: { signal?: AbortSignal; maxReplyBytes?: number } = {},
): Promise<net.Socket> => {
  const socket = await connect(port);
  await negotiateStarttls(socket, protocol, {
    host: 'starttls.test',
    signal: opts.signal ?? AbortSignal.timeout(5000),
    maxReplyBytes: opts.maxReplyBytes,
  });
  return socket;
};

/** STARTTLS, then a real TLS handshake on the same socket: the certificate the server sent. */
const handshake = async (port: number, protocol: StarttlsProtocol): Promise<tls.PeerCertificate> => {
  const socket = await negotiate(port, protocol);
  const secure = tls.connect({ socket, servername: 'starttls.test', rejectUnauthorized: false });
  try {
    await once(secure, 'secureConnect');
    return secure.getPeerCertificate();
  } finally {
    secure.destroy();
  }
};

const rejection = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
};

const TLS: ScriptStep = { startTls: true };
const STARTTLS_FEATURES =
  "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>" +
  "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
const MYSQL_ALL_CAPS = 0x00ff_ffff;
const CLIENT_SSL = 0x800;

const HAPPY: Record<StarttlsProtocol, readonly ScriptStep[]> = {
  smtp: [
    { send: '220-mx.starttls.test ESMTP fake\r\n220 ready\r\n' },
    { expectLine: /^EHLO \S+$/ },
    { send: '250-mx.starttls.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n' },
    { expectLine: /^STARTTLS$/ },
    { send: '220 2.0.0 Ready to start TLS\r\n' },
    TLS,
  ],
  imap: [
    { send: '* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n' },
    { expectLine: /^a001 STARTTLS$/ },
    { send: 'a001 OK Begin TLS negotiation now\r\n' },
    TLS,
  ],
  pop3: [
    { send: '+OK POP3 ready\r\n' },
    { expectLine: /^STLS$/ },
    { send: '+OK Begin TLS negotiation\r\n' },
    TLS,
  ],
  ftp: [
    { send: '220-Welcome to the fake FTP\r\n  free-form banner text\r\n220 ready\r\n' },
    { expectLine: /^AUTH TLS$/ },
    { send: '234 AUTH TLS successful\r\n' },
    TLS,
  ],
  ldap: [{ expectBytes: LDAP_STARTTLS_REQUEST.length }, { send: ldapExtendedResponse(0) }, TLS],
  postgres: [{ expectBytes: 8 }, { send: 'S' }, TLS],
  mysql: [{ send: mysqlHandshake(MYSQL_ALL_CAPS) }, { expectBytes: 36 }, TLS],
  xmpp: [
    { expectUntil: "version='1.0'>" },
    { send: XMPP_STREAM_HEADER + STARTTLS_FEATURES },
    { expectUntil: '/>' },
    { send: "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" },
    TLS,
  ],
};

describe('defaults and helpers', () => {
  it('maps well-known plaintext ports to their STARTTLS protocol', () => {
    expect(defaultStarttlsForPort(25)).toBe('smtp');
    expect(defaultStarttlsForPort(587)).toBe('smtp');
    expect(defaultStarttlsForPort(143)).toBe('imap');
    expect(defaultStarttlsForPort(110)).toBe('pop3');
    expect(defaultStarttlsForPort(21)).toBe('ftp');
    expect(defaultStarttlsForPort(389)).toBe('ldap');
    expect(defaultStarttlsForPort(5432)).toBe('postgres');
    expect(defaultStarttlsForPort(3306)).toBe('mysql');
    expect(defaultStarttlsForPort(5222)).toBe('xmpp');
  });

  it('leaves implicit-TLS ports (465, 993, 995, 636, 443) without STARTTLS', () => {
    for (const port of [465, 993, 995, 636, 443, 8443]) expect(defaultStarttlsForPort(port)).toBeUndefined();
  });

  it('lists every protocol and recognises protocol names', () => {
    expect([...STARTTLS_PROTOCOLS].sort()).toEqual([
      'ftp',
      'imap',
      'ldap',
      'mysql',
      'pop3',
      'postgres',
      'smtp',
      'xmpp',
    ]);
    expect(isStarttlsProtocol('smtp')).toBe(true);
    expect(isStarttlsProtocol('http')).toBe(false);
  });

  it('escapes control characters and truncates replies', () => {
    expect(sanitizeReply('454 no\r\n\x1b[31m')).toBe('454 no\\r\\n\\x1b[31m');
    const long = sanitizeReply('x'.repeat(1000));
    expect(long.length).toBeLessThanOrEqual(201);
    expect(long.endsWith('…')).toBe(true);
  });

  it('encodes the LDAP StartTLS extended request and the PostgreSQL SSLRequest byte for byte', () => {
    expect(LDAP_STARTTLS_REQUEST.toString('hex')).toBe(
      `301d02010177188016${Buffer.from('1.3.6.1.4.1.1466.20037').toString('hex')}`,
    );
    expect(POSTGRES_SSL_REQUEST.readUInt32BE(0)).toBe(8);
    expect(POSTGRES_SSL_REQUEST.readUInt32BE(4)).toBe(80877103);
  });
});

describe('negotiateStarttls then a TLS handshake on the same socket', () => {
  it.each(STARTTLS_PROTOCOLS)(
    '%s: reads the certificate the server sends after the upgrade',
    async (protocol) => {
      const server = await serve(HAPPY[protocol]);
      const cert = await handshake(server.port, protocol);
      expect(cert.fingerprint256).toBe(fingerprint);
      expect(cert.subject.CN).toBe(subjectCn);
      expect(server.errors).toEqual([]);
    },
  );

  it('smtp: sends EHLO with a client name, then STARTTLS', async () => {
    const server = await serve(HAPPY.smtp);
    await handshake(server.port, 'smtp');
    expect(server.received[0]).toEqual(['EHLO cert-watch.invalid', 'STARTTLS']);
  });

  it('ldap: sends the StartTLS extended request (messageID 1)', async () => {
    const server = await serve(HAPPY.ldap);
    await handshake(server.port, 'ldap');
    expect(server.received[0]?.[0]).toEqual(LDAP_STARTTLS_REQUEST);
  });

  it('postgres: sends the 8-byte SSLRequest', async () => {
    const server = await serve(HAPPY.postgres);
    await handshake(server.port, 'postgres');
    expect(server.received[0]?.[0]).toEqual(POSTGRES_SSL_REQUEST);
  });

  it("mysql: answers with an SSL Request packet (sequence 1, CLIENT_SSL | CLIENT_PROTOCOL_41, server's charset)", async () => {
    const server = await serve(HAPPY.mysql);
    await handshake(server.port, 'mysql');
    const packet = server.received[0]?.[0] as Buffer;
    expect(packet.subarray(0, 4)).toEqual(Buffer.from([32, 0, 0, 1]));
    const flags = packet.readUInt32LE(4);
    expect(flags & CLIENT_SSL).toBe(CLIENT_SSL);
    expect(flags & 0x200).toBe(0x200);
    expect(packet[12]).toBe(255);
    expect(packet.subarray(13)).toEqual(Buffer.alloc(23));
  });

  it('xmpp: opens a client stream to the host, then asks for STARTTLS', async () => {
    const server = await serve(HAPPY.xmpp);
    await handshake(server.port, 'xmpp');
    const [header, starttls] = server.received[0] ?? [];
    expect(header).toContain("to='starttls.test'");
    expect(header).toContain("xmlns:stream='http://etherx.jabber.org/streams'");
    expect(starttls).toBe("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  });

  it('smtp: a multi-line greeting and EHLO reply split across TCP packets work', async () => {
    const server = await serve([
      { send: ['22', '0-mx.starttls.test ESMTP\r', '\n220-second line\r\n2', '20 ready\r\n'], delayMs: 15 },
      { expectLine: /^EHLO / },
      {
        send: ['250-mx.starttls.test\r\n250-SIZE 1000\r\n250-START', 'TLS\r\n25', '0 SMTPUTF8\r\n'],
        delayMs: 15,
      },
      { expectLine: /^STARTTLS$/ },
      { send: ['220 ', 'go ahead\r\n'], delayMs: 15 },
      TLS,
    ]);
    const cert = await handshake(server.port, 'smtp');
    expect(cert.fingerprint256).toBe(fingerprint);
  });

  it('imap: untagged responses before the tagged OK are skipped', async () => {
    const server = await serve([
      { send: '* PREAUTH ready\r\n' },
      { expectLine: /^a001 STARTTLS$/ },
      { send: '* CAPABILITY IMAP4rev1 STARTTLS\r\na001 OK go\r\n' },
      TLS,
    ]);
    expect((await handshake(server.port, 'imap')).fingerprint256).toBe(fingerprint);
  });

  it('bytes after the last reply stay on the socket for TLS, and no listener is left behind', async () => {
    const server = await serve([
      { send: '220 mx\r\n' },
      { expectLine: /^EHLO / },
      { send: '250-mx\r\n250 STARTTLS\r\n' },
      { expectLine: /^STARTTLS$/ },
      { send: '220 go\r\n\x16\x03\x01EXTRA' },
      { hang: true },
    ]);
    const socket = await connect(server.port);
    const before = ['data', 'end', 'close', 'error', 'readable'].map((e) => socket.listenerCount(e));
    await negotiateStarttls(socket, 'smtp', { host: 'x', signal: AbortSignal.timeout(5000) });
    expect(['data', 'end', 'close', 'error', 'readable'].map((e) => socket.listenerCount(e))).toEqual(before);
    expect(socket.isPaused()).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    let rest = Buffer.alloc(0);
    for (let chunk = socket.read(); chunk !== null; chunk = socket.read())
      rest = Buffer.concat([rest, chunk]);
    expect(rest.toString('latin1')).toBe('\x16\x03\x01EXTRA');
  });

  it('the server starting TLS in the same tick as its last reply loses no bytes', async () => {
    // The 220 and the server's TLS setup happen back to back; the client's handshake follows at once.
    const server = await serve(HAPPY.pop3);
    for (let i = 0; i < 5; i++)
      expect((await handshake(server.port, 'pop3')).fingerprint256).toBe(fingerprint);
  });
});

describe('refusals give StarttlsRefusedError with the server reply', () => {
  const cases: [string, StarttlsProtocol, readonly ScriptStep[], RegExp][] = [
    [
      'smtp 454 to STARTTLS',
      'smtp',
      [
        { send: '220 mx ESMTP\r\n' },
        { expectLine: /^EHLO / },
        { send: '250-mx\r\n250 STARTTLS\r\n' },
        { expectLine: /^STARTTLS$/ },
        { send: '454 4.7.0 TLS not available due to local problem\r\n' },
        { hang: true },
      ],
      /454 4\.7\.0 TLS not available/,
    ],
    [
      'smtp without STARTTLS in the EHLO reply',
      'smtp',
      [
        { send: '220 mx ESMTP\r\n' },
        { expectLine: /^EHLO / },
        { send: '250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n' },
        { hang: true },
      ],
      /250-PIPELINING\\r\\n250 8BITMIME/,
    ],
    [
      'smtp 554 greeting',
      'smtp',
      [{ send: '554 5.7.1 no service for you\r\n' }, { hang: true }],
      /554 5\.7\.1/,
    ],
    [
      'smtp EHLO rejected',
      'smtp',
      [
        { send: '220 mx\r\n' },
        { expectLine: /^EHLO / },
        { send: '502 command not implemented\r\n' },
        { hang: true },
      ],
      /502 command not implemented/,
    ],
    [
      'imap NO',
      'imap',
      [
        { send: '* OK ready\r\n' },
        { expectLine: /^a001 / },
        { send: 'a001 NO TLS unavailable\r\n' },
        { hang: true },
      ],
      /a001 NO TLS unavailable/,
    ],
    [
      'imap BAD',
      'imap',
      [
        { send: '* OK ready\r\n' },
        { expectLine: /^a001 / },
        { send: 'a001 BAD unknown command\r\n' },
        { hang: true },
      ],
      /a001 BAD unknown command/,
    ],
    [
      'imap BYE greeting',
      'imap',
      [{ send: '* BYE too many connections\r\n' }, { hang: true }],
      /BYE too many/,
    ],
    [
      'pop3 -ERR',
      'pop3',
      [
        { send: '+OK ready\r\n' },
        { expectLine: /^STLS$/ },
        { send: '-ERR command not supported\r\n' },
        { hang: true },
      ],
      /-ERR command not supported/,
    ],
    [
      'ftp 502',
      'ftp',
      [
        { send: '220 ftp ready\r\n' },
        { expectLine: /^AUTH TLS$/ },
        { send: '502 Command not implemented\r\n' },
        { hang: true },
      ],
      /502 Command not implemented/,
    ],
    [
      'ldap protocolError (2)',
      'ldap',
      [
        { expectBytes: 31 },
        { send: ldapExtendedResponse(2, 'unsupported extended operation') },
        { hang: true },
      ],
      /resultCode 2 \(protocolError\): unsupported extended operation/,
    ],
    [
      'ldap unavailable (52)',
      'ldap',
      [{ expectBytes: 31 }, { send: ldapExtendedResponse(52, 'TLS not configured') }, { hang: true }],
      /resultCode 52 \(unavailable\)/,
    ],
    ['postgres N', 'postgres', [{ expectBytes: 8 }, { send: 'N' }, { hang: true }], /does not accept SSL/],
    [
      'postgres ErrorResponse',
      'postgres',
      [
        { expectBytes: 8 },
        {
          send: Buffer.concat([
            Buffer.from('E'),
            Buffer.from([0, 0, 0, 4 + 46]),
            Buffer.from('SFATAL\0C08P01\0Munsupported frontend protocol\0\0'),
          ]),
        },
        { hang: true },
      ],
      /FATAL 08P01 unsupported frontend protocol/,
    ],
    [
      'mysql without CLIENT_SSL',
      'mysql',
      [{ send: mysqlHandshake(MYSQL_ALL_CAPS & ~CLIENT_SSL, '5.7.44-nossl') }, { hang: true }],
      /5\.7\.44-nossl/,
    ],
    [
      'mysql error greeting',
      'mysql',
      [{ send: mysqlErrorGreeting(1130, "Host '10.0.0.1' is not allowed to connect") }, { hang: true }],
      /ERROR 1130: Host '10\.0\.0\.1' is not allowed/,
    ],
    [
      'xmpp without the starttls feature',
      'xmpp',
      [
        { expectUntil: "version='1.0'>" },
        {
          send: `${XMPP_STREAM_HEADER}<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></stream:features>`,
        },
        { hang: true },
      ],
      /<stream:features><mechanisms/,
    ],
    [
      'xmpp failure',
      'xmpp',
      [
        { expectUntil: "version='1.0'>" },
        { send: XMPP_STREAM_HEADER + STARTTLS_FEATURES },
        { expectUntil: '/>' },
        { send: "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>" },
        { hang: true },
      ],
      /<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'\/>/,
    ],
    [
      'xmpp stream error',
      'xmpp',
      [
        { expectUntil: "version='1.0'>" },
        {
          send: `${XMPP_STREAM_HEADER}<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`,
        },
        { hang: true },
      ],
      /host-unknown/,
    ],
  ];

  it.each(cases)('%s', async (_name, protocol, steps, reply) => {
    const server = await serve(steps);
    const err = await rejection(negotiate(server.port, protocol));
    expect(err).toBeInstanceOf(StarttlsRefusedError);
    const refused = err as StarttlsRefusedError;
    expect(refused.code).toBe('STARTTLS_REFUSED');
    expect(refused.message).toMatch(reply);
    expect(refused.reply.length).toBeGreaterThan(0);
    expect(refused.message).toContain(refused.reply);
  });
});

describe('peers that do not speak the protocol', () => {
  it.each(STARTTLS_PROTOCOLS)('%s: a garbage banner is NotTlsError', async (protocol) => {
    const server = await serve([
      { send: 'HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n' },
      { hang: true },
    ]);
    const err = await rejection(negotiate(server.port, protocol));
    expect(err).toBeInstanceOf(NotTlsError);
    expect((err as NotTlsError).code).toBe('NOT_TLS');
  });

  it('a binary banner is reported with escaped control characters', async () => {
    const server = await serve([{ send: Buffer.from([0x16, 0x03, 0x03, 0x00, 0x0a, 0x1b]) }, { hang: true }]);
    const err = await rejection(negotiate(server.port, 'smtp'));
    expect(err).toBeInstanceOf(NotTlsError);
    expect(err.message).toContain('\\x16\\x03\\x03\\x00');
    expect([...err.message].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);
  });

  it('a server that closes before its greeting is NotTlsError', async () => {
    const server = await serve([{ close: true }]);
    const err = await rejection(negotiate(server.port, 'imap'));
    expect(err).toBeInstanceOf(NotTlsError);
    expect(err.message).toMatch(/closed by the server before greeting/);
  });

  const MB5 = 5 * 1024 * 1024;
  const hugeBanners: [StarttlsProtocol, Buffer | string][] = [
    ['smtp', `220-${'A'.repeat(MB5)}`],
    ['smtp', '220-line\r\n'.repeat(MB5 / 10)],
    ['ftp', `220-${'b\r\n'.repeat(MB5 / 3)}`],
    ['imap', `* OK ${'C'.repeat(MB5)}`],
    ['pop3', `+OK ${'D'.repeat(MB5)}`],
    ['xmpp', `<${'e'.repeat(MB5)}`],
    ['ldap', Buffer.concat([Buffer.from([0x30, 0x84, 0x00, 0x50, 0x00, 0x00]), Buffer.alloc(MB5)])],
    ['mysql', Buffer.concat([Buffer.from([0xff, 0xff, 0x4f, 0x00, 0x0a]), Buffer.alloc(MB5)])],
  ];

  it.each(hugeBanners)(
    '%s: a multi-megabyte banner rejects quickly at maxReplyBytes',
    async (protocol, banner) => {
      const server = await serve([{ send: banner }, { hang: true }]);
      const socket = await connect(server.port);
      const err = await rejection(
        negotiateStarttls(socket, protocol, { host: 'starttls.test', signal: AbortSignal.timeout(5000) }),
      );
      // The banner never ends: a negotiator that kept reading would end at the signal (TimeoutError).
      expect(err).toBeInstanceOf(NotTlsError);
      expect(err.message).toMatch(/exceeds 65536 bytes|announces \d+ bytes|not a handshake packet/);
      expect(err.message.length).toBeLessThan(400);
      // Reading stopped near the limit: far less than the 5 MiB on offer came off the kernel.
      await new Promise((r) => setTimeout(r, 50));
      expect(socket.bytesRead).toBeLessThan(16 * DEFAULT_MAX_REPLY_BYTES);
    },
  );

  it('maxReplyBytes caps a long EHLO reply', async () => {
    const server = await serve([
      { send: '220 mx\r\n' },
      { expectLine: /^EHLO / },
      { send: `250-mx\r\n${'250-X-PAD\r\n'.repeat(200)}250 STARTTLS\r\n` },
      { hang: true },
    ]);
    const err = await rejection(negotiate(server.port, 'smtp', { maxReplyBytes: 1024 }));
    expect(err).toBeInstanceOf(NotTlsError);
    expect(err.message).toContain('EHLO reply exceeds 1024 bytes');
  });
});

describe('deadlines', () => {
  it('a silent server: the abort signal rejects promptly with its reason', async () => {
    const server = await serve([{ hang: true }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    // The server never greets: only the abort can end the negotiation.
    const err = await rejection(negotiate(server.port, 'smtp', { signal: controller.signal }));
    expect(err.name).toBe('AbortError');
    expect(err).toBe(controller.signal.reason);
  });

  it('a slow-drip server is bounded by the signal', async () => {
    const drip = '220-slow\r\n'.repeat(50).split('');
    const server = await serve([{ send: drip, delayMs: 10 }, { hang: true }]);
    // The greeting never completes (every line is a continuation): only the signal ends it.
    const err = await rejection(negotiate(server.port, 'smtp', { signal: AbortSignal.timeout(300) }));
    expect(err.name).toBe('TimeoutError');
  });

  it('an already aborted signal rejects without writing anything', async () => {
    const server = await serve([{ expectBytes: 1 }, { hang: true }]);
    const socket = await connect(server.port);
    const err = await rejection(
      negotiateStarttls(socket, 'postgres', { host: 'x', signal: AbortSignal.abort(new Error('deadline')) }),
    );
    expect(err.message).toBe('deadline');
    expect(socket.bytesWritten).toBe(0);
    expect(socket.listenerCount('data')).toBe(0);
  });

  it('the socket is left to the caller: not destroyed after a refusal', async () => {
    const server = await serve([{ expectBytes: 8 }, { send: 'N' }, { hang: true }]);
    const socket = await connect(server.port);
    await rejection(negotiateStarttls(socket, 'postgres', { host: 'x', signal: AbortSignal.timeout(5000) }));
    expect(socket.destroyed).toBe(false);
    expect(socket.listenerCount('data')).toBe(0);
  });
});
