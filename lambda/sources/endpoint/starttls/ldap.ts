/** LDAP StartTLS (RFC 4511 4.14, RFC 4513): the StartTLS extended operation, BER-encoded. */
import { NotTlsError, StarttlsRefusedError } from './errors';
import { type Exchange, printable, type StarttlsNegotiator, type Validate } from './exchange';

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

/** Reads exactly one LDAPMessage off the wire: its body (after tag and length) and all its bytes. */
const readLdapMessage = async (x: Exchange): Promise<{ body: Buffer; raw: Buffer }> => {
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
  return { body, raw: Buffer.concat([head, lengthBytes, body]) };
};

/** Returns when the ExtendedResponse says success; throws what the server said otherwise. */
const checkExtendedResponse = (body: Buffer, raw: Buffer): void => {
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

export const ldap: StarttlsNegotiator = {
  label: 'LDAP',
  ports: [389],
  negotiate: async (x) => {
    x.write(LDAP_STARTTLS_REQUEST);
    x.beginReply();
    const { body, raw } = await readLdapMessage(x);
    checkExtendedResponse(body, raw);
  },
};
