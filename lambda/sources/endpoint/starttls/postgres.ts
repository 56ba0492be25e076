/**
 * PostgreSQL SSLRequest (protocol 3): one byte answers, 'S' means TLS follows. PostgreSQL 17 also
 * accepts direct TLS (ALPN "postgresql"), which is a plain TLS probe, not STARTTLS.
 */
import { NotTlsError, StarttlsRefusedError } from './errors';
import type { StarttlsNegotiator } from './exchange';

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

export const postgres: StarttlsNegotiator = {
  label: 'PostgreSQL',
  ports: [5432],
  negotiate: async (x) => {
    x.write(POSTGRES_SSL_REQUEST);
    x.beginReply();
    const answer = (await x.readBytes(1, 'SSLRequest reply'))[0];
    if (answer === 0x53 /* S */) return;
    if (answer === 0x4e /* N */)
      throw new StarttlsRefusedError('PostgreSQL: server does not accept SSL', 'N');
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
  },
};
