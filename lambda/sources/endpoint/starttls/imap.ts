/** IMAP STARTTLS (RFC 3501, RFC 2595): greeting `* OK`, then a tagged STARTTLS answered OK. */
import { NotTlsError, StarttlsRefusedError } from './errors';
import { type StarttlsNegotiator, validateFirstByte } from './exchange';

const IMAP_TAG = 'a001';

export const imap: StarttlsNegotiator = {
  label: 'IMAP',
  ports: [143],
  negotiate: async (x) => {
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
  },
};
