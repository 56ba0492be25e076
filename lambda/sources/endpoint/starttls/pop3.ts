/** POP3 STLS (RFC 2595): greeting `+OK`, then STLS answered `+OK`. */
import { NotTlsError, StarttlsRefusedError } from './errors';
import { type StarttlsNegotiator, validateFirstByte } from './exchange';

export const pop3: StarttlsNegotiator = {
  label: 'POP3',
  ports: [110],
  negotiate: async (x) => {
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
  },
};
