/** FTP over TLS (RFC 4217): greeting 220 (after any 120 "ready in n minutes"), then AUTH TLS answered 234. */
import { NotTlsError, StarttlsRefusedError } from './errors';
import { type CodeReply, type Exchange, type StarttlsNegotiator, validateNumericStart } from './exchange';

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

export const ftp: StarttlsNegotiator = {
  label: 'FTP',
  ports: [21],
  negotiate: async (x) => {
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
  },
};
