import { describe, expect, it } from 'vitest';
import { formatGoogleChat, GOOGLE_CHAT_LIMITS } from '../../lambda/channels/format/google-chat';
import { byteLength } from '../../lambda/channels/format/text';
import { threadKeyOf } from '../../lambda/channels/format/view';
import { ACM_ARN, hostileEvent, sampleEvents } from '../support/webhook-receivers';

const fact = (topLabel: string, text: string) => ({ decoratedText: { topLabel, text, wrapText: true } });

describe('Google Chat webhook message (cardsV2)', () => {
  it('formats an expiring ACM certificate exactly, in the certificate thread', () => {
    expect(formatGoogleChat(sampleEvents.expiring())).toEqual({
      thread: { threadKey: threadKeyOf(ACM_ARN) },
      cardsV2: [
        {
          cardId: 'certificate-alert',
          card: {
            header: { title: '🔴 Certificate expires in 3 days', subtitle: 'api.example.com' },
            sections: [
              {
                widgets: [
                  fact('Where', 'ACM eu-west-1 (account 111122223333)'),
                  fact('Expires', '2026-11-28 13:00 UTC (3 days left)'),
                  fact('Severity', 'critical (tier 7 days)'),
                  fact('Subject', 'CN=api.example.com'),
                  fact('Issuer', 'Example Issuing CA'),
                  fact('Type', 'IMPORTED'),
                  fact('Location', ACM_ARN),
                ],
              },
              {
                header: 'Names (2)',
                widgets: [{ textParagraph: { text: 'api.example.com, www.api.example.com' } }],
              },
              {
                header: 'Next steps',
                widgets: [
                  {
                    textParagraph: {
                      text: '• Issue a new certificate and re-import it into ACM under the same ARN.<br>• Run cert-watch ack with the location to pause reminders until renewal.',
                    },
                  },
                ],
              },
            ],
          },
        },
      ],
    });
  });

  it('formats expired, misconfigured and check-failed events', () => {
    const expired = formatGoogleChat(sampleEvents.expired()).cardsV2[0].card;
    expect(expired.header).toEqual({ title: '⛔ Certificate expired', subtitle: 'shop.example.com' });
    expect(expired.sections[0]?.widgets[1]).toEqual(
      fact('Expires', '2026-11-23 12:00 UTC (expired 2 days ago)'),
    );
    const mis = formatGoogleChat(sampleEvents.misconfigured()).cardsV2[0].card;
    expect(mis.sections.find((s) => s.header === 'Problems')).toEqual({
      header: 'Problems',
      widgets: [
        {
          textParagraph: {
            text: '• <b>HOSTNAME_MISMATCH</b>: certificate is valid for example.org, not www.example.org',
          },
        },
      ],
    });
    const failed = formatGoogleChat(sampleEvents.checkFailed());
    expect(failed.thread.threadKey).toBe(threadKeyOf('mail.example.com:587@192.0.2.25'));
    expect(failed.cardsV2[0].card.header).toEqual({
      title: '🔴 Endpoint check failed',
      subtitle: 'mail.example.com',
    });
    expect(failed.cardsV2[0].card.sections[0]?.widgets).toContainEqual(
      fact('Error', 'STARTTLS_REFUSED: server does not advertise STARTTLS'),
    );
  });

  it('HTML-escapes hostile values in card text, strips bidi overrides and stays under 32,000 bytes', () => {
    const m = formatGoogleChat(hostileEvent());
    const json = JSON.stringify(m);
    expect(byteLength(json)).toBeLessThanOrEqual(GOOGLE_CHAT_LIMITS.messageBytes);
    expect(json).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(json).not.toContain('<users/all>');
    const names = m.cardsV2[0].card.sections.find((s) => s.header === 'Names (10000)');
    expect(JSON.stringify(names)).toContain('host-0.&lt;!channel&gt;.example.com');
    expect(JSON.stringify(names)).toContain('+9990 more');
    // The header is plain text (not HTML), so it is not entity-escaped, only cleaned.
    expect(m.cardsV2[0].card.header.subtitle).toBe(
      '*pwn* _x_ <!here> @\u2060channel <@U024BE7LH> [click](https://evil.example) # <b>x</b>&amp; gpj.exe',
    );
    expect(JSON.stringify(m.cardsV2[0].card.sections)).not.toContain('<b>x</b>');
  });

  it('a Google Chat mention in a certificate field is escaped in card text', () => {
    const m = formatGoogleChat(hostileEvent({ subject: 'CN=<users/all>' }));
    expect(m.cardsV2[0].card.sections[0]?.widgets).toContainEqual(fact('Subject', 'CN=&lt;users/all&gt;'));
  });
});
