/** SMTP STARTTLS (RFC 3207): greeting 220, EHLO advertising STARTTLS, then STARTTLS answered 220. */
import { NotTlsError, StarttlsRefusedError } from './errors';
import { type CodeReply, type Exchange, type StarttlsNegotiator, validateNumericStart } from './exchange';

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

export const smtp: StarttlsNegotiator = {
  label: 'SMTP',
  ports: [25, 587],
  negotiate: async (x, opts) => {
    const greeting = await readSmtpReply(x, 'greeting');
    if (greeting.code !== 220) {
      throw new StarttlsRefusedError(
        `SMTP: server rejected the session with ${greeting.code}`,
        greeting.text,
      );
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
  },
};
