import { describe, expect, it } from 'vitest';
import {
  formatSlack,
  SLACK_LIMITS,
  type SlackMessage,
  truncateEscaped,
} from '../../lambda/channels/format/slack';
import { charLength } from '../../lambda/channels/format/text';
import { ACM_ARN, hostileEvent, sampleEvents } from '../support/webhook-receivers';

const texts = (m: SlackMessage): string[] => {
  const out = [m.text];
  for (const b of m.blocks) {
    if (b.type === 'header') out.push(b.text.text);
    if (b.type === 'section') {
      if (b.text) out.push(b.text.text);
      for (const f of b.fields ?? []) out.push(f.text);
    }
    if (b.type === 'context') for (const e of b.elements) out.push(e.text);
  }
  return out;
};

const withinLimits = (m: SlackMessage) => {
  const L = SLACK_LIMITS;
  expect(m.blocks.length).toBeLessThanOrEqual(L.blocks);
  expect(charLength(m.text)).toBeLessThanOrEqual(L.fallbackText);
  for (const b of m.blocks) {
    if (b.type === 'header') expect(charLength(b.text.text)).toBeLessThanOrEqual(L.headerText);
    if (b.type === 'section') {
      if (b.text) expect(charLength(b.text.text)).toBeLessThanOrEqual(L.sectionText);
      expect((b.fields ?? []).length).toBeLessThanOrEqual(L.sectionFields);
      for (const f of b.fields ?? []) expect(charLength(f.text)).toBeLessThanOrEqual(L.fieldText);
    }
    if (b.type === 'context') expect(b.elements.length).toBeLessThanOrEqual(L.contextElements);
  }
};

describe('Slack incoming webhook message (Block Kit)', () => {
  it('formats an expiring ACM certificate exactly', () => {
    const m = formatSlack(sampleEvents.expiring());
    const eventId = (sampleEvents.expiring().detail as { eventId: string }).eventId;
    expect(m).toEqual({
      text: 'Certificate expires in 3 days: api.example.com (ACM eu-west-1)',
      blocks: [
        {
          type: 'header',
          text: {
            type: 'plain_text',
            text: '🔴 Certificate expires in 3 days: api.example.com',
            emoji: true,
          },
        },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Name*\n`api.example.com`' },
            { type: 'mrkdwn', text: '*Where*\n`ACM eu-west-1 (account 111122223333)`' },
            { type: 'mrkdwn', text: '*Expires*\n2026-11-28 13:00 UTC (3 days left)' },
            { type: 'mrkdwn', text: '*Severity*\ncritical (tier 7 days)' },
            { type: 'mrkdwn', text: '*Subject*\n`CN=api.example.com`' },
            { type: 'mrkdwn', text: '*Issuer*\n`Example Issuing CA`' },
            { type: 'mrkdwn', text: '*Type*\nIMPORTED' },
          ],
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: [
              '*Names (2)*',
              '`api.example.com`, `www.api.example.com`',
              '*Next steps*',
              '• Issue a new certificate and re-import it into ACM under the same ARN.',
              '• Run cert-watch ack with the location to pause reminders until renewal.',
            ].join('\n'),
          },
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: `Location \`${ACM_ARN}\`` },
            { type: 'mrkdwn', text: `Event \`${eventId}\`` },
          ],
        },
      ],
    });
  });

  it('formats expired, misconfigured and check-failed events', () => {
    const expired = formatSlack(sampleEvents.expired());
    expect(expired.text).toBe('Certificate expired: shop.example.com (192.0.2.10:443)');
    expect(expired.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '⛔ Certificate expired: shop.example.com', emoji: true },
    });
    const mis = formatSlack(sampleEvents.misconfigured());
    expect(mis.text).toBe('Endpoint certificate rejected by clients: www.example.org (198.51.100.7:443)');
    expect(mis.blocks[2]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [
          '*Names (1)*',
          '`example.org`',
          '*Problems*',
          '• `HOSTNAME_MISMATCH: certificate is valid for example.org, not www.example.org`',
          '*Next steps*',
          '• Fix the problems listed: serve the full chain, with a name and issuer clients trust.',
        ].join('\n'),
      },
    });
    const failed = formatSlack(sampleEvents.checkFailed());
    expect(failed.text).toBe('Endpoint check failed: mail.example.com (192.0.2.25:587)');
    expect(failed.blocks[1]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Name*\n`mail.example.com`' },
        { type: 'mrkdwn', text: '*Where*\n`192.0.2.25:587`' },
        { type: 'mrkdwn', text: '*Severity*\ncritical' },
        { type: 'mrkdwn', text: '*Error*\n`STARTTLS_REFUSED: server does not advertise STARTTLS`' },
        { type: 'mrkdwn', text: '*Owner*\n`mail-team@example.com`' },
      ],
    });
  });

  it('escapes hostile fields: no live mention, no markup, no bidi override, within Block Kit limits', () => {
    const m = formatSlack(hostileEvent());
    withinLimits(m);
    for (const t of texts(m)) {
      expect(t).not.toMatch(/<[!@#]/); // <!here>, <!channel>, <@U…>, <#C…>
      expect(t).not.toMatch(/@(channel|here)\b/);
      expect(t).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    }
    const nameField = m.blocks[1]?.type === 'section' ? m.blocks[1].fields?.[0]?.text : undefined;
    expect(nameField).toBe(
      '*Name*\n`*pwn* _x_ &lt;!here&gt; @\u2060channel &lt;@U024BE7LH&gt; [click](https://evil.example) # &lt;b&gt;x&lt;/b&gt;&amp;amp; gpj.exe`',
    );
    const sans = m.blocks[2]?.type === 'section' ? m.blocks[2].text?.text : '';
    expect(sans).toContain('*Names (10000)*\n`host-0.&lt;!channel&gt;.example.com`');
    expect(sans).toContain('+9990 more');
  });

  it('keeps a header of long escaped text within 150 characters without cutting an entity in half', () => {
    const m = formatSlack(hostileEvent({ domain: '&'.repeat(400) }));
    withinLimits(m);
    const header = m.blocks[0]?.type === 'header' ? m.blocks[0].text.text : '';
    expect(header).toMatch(/(&amp;)+…$/);
    expect(truncateEscaped('`abc &amp; def`', 10)).toBe('`abc `…');
  });
});
