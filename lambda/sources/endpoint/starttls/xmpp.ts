/** XMPP STARTTLS (RFC 6120 5.4.2): stream header, features offering <starttls>, then <proceed/>. */
import { NotTlsError, StarttlsRefusedError } from './errors';
import { printable, type StarttlsNegotiator, type Validate } from './exchange';

const xmlAttr = (v: string): string =>
  v
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/'/g, '&apos;')
    .replace(/"/g, '&quot;');

const STREAM_END_MARKERS = ['</stream:error>', '<stream:error/>', '</stream:stream>'];

const validateXml: Validate = (partial) => {
  const first = partial.toString('latin1').trimStart()[0];
  if (first !== undefined && first !== '<')
    throw new NotTlsError('XMPP: reply is not XML', printable(partial));
};

export const xmpp: StarttlsNegotiator = {
  label: 'XMPP',
  ports: [5222],
  negotiate: async (x, opts) => {
    x.write(
      `<?xml version='1.0'?><stream:stream to='${xmlAttr(opts.host)}' xmlns='jabber:client' ` +
        `xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`,
    );
    x.beginReply();
    const features = await x.readUntil(
      ['</stream:features>', '<stream:features/>', '<stream:features />', ...STREAM_END_MARKERS],
      'stream features',
      validateXml,
    );
    const at = features.text.search(/<stream:(features|error)/);
    const shown = at >= 0 ? features.text.slice(at) : features.text;
    if (STREAM_END_MARKERS.includes(features.marker)) {
      throw new StarttlsRefusedError('XMPP: server closed the stream', shown);
    }
    if (!/<starttls[\s/>]/.test(features.text)) {
      throw new StarttlsRefusedError('XMPP: server does not offer STARTTLS', shown);
    }
    x.write(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
    x.beginReply();
    const answer = await x.readUntil(['<proceed', '<failure', ...STREAM_END_MARKERS], 'STARTTLS reply');
    if (answer.marker === '<proceed') {
      // Consume exactly the element: TLS starts right after it.
      const tail = await x.readUntil(['>'], 'proceed element');
      if (!tail.text.endsWith('/>')) await x.readUntil(['</proceed>'], 'proceed element');
      return;
    }
    let text = answer.text.slice(answer.text.lastIndexOf('<'));
    if (answer.marker === '<failure') {
      const tail = await x.readUntil(['/>', '</failure>'], 'failure element');
      text += tail.text;
    }
    throw new StarttlsRefusedError('XMPP: STARTTLS refused', text);
  },
};
