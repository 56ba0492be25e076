/** MySQL: Handshake V10, then an SSL Request packet (sequence id 1); TLS starts straight after. */
import { NotTlsError, StarttlsRefusedError } from './errors';
import { type Exchange, printable, type StarttlsNegotiator } from './exchange';

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

/** The server's first packet: a Handshake V10 (0x0a) or an ERR packet (0xff), sequence id 0. */
const readGreeting = async (x: Exchange): Promise<Buffer> => {
  const header = await x.readBytes(4, 'handshake');
  const length = header.readUIntLE(0, 3);
  if (length === 0 || length > x.maxReplyBytes || header[3] !== 0) {
    throw new NotTlsError('MySQL: greeting is not a handshake packet', printable(header));
  }
  return x.readBytes(length, 'handshake', (partial) => {
    if (partial[0] !== 0x0a && partial[0] !== 0xff) {
      throw new NotTlsError(
        'MySQL: greeting is not a Handshake V10 packet',
        printable(header) + printable(partial),
      );
    }
  });
};

const refusalOf = (err: Buffer): StarttlsRefusedError => {
  const code = err.length >= 3 ? err.readUInt16LE(1) : 0;
  const hasState = err[3] === 0x23; /* '#' */
  const state = hasState ? ` (${err.subarray(4, 9).toString('latin1')})` : '';
  const message = err.subarray(hasState ? 9 : 3).toString('utf8');
  return new StarttlsRefusedError(
    `MySQL: server refused the connection`,
    `ERROR ${code}${state}: ${message}`,
  );
};

export const mysql: StarttlsNegotiator = {
  label: 'MySQL',
  ports: [3306],
  negotiate: async (x) => {
    x.beginReply();
    const payload = await readGreeting(x);
    if (payload[0] === 0xff) throw refusalOf(payload);
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
  },
};
