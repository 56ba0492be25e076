import { describe, expect, it } from 'vitest';
import { formatTeams, TEAMS_LIMITS, type TeamsMessage } from '../../lambda/channels/format/teams';
import { byteLength } from '../../lambda/channels/format/text';
import { ACM_ARN, hostileEvent, sampleEvents } from '../support/webhook-receivers';

const body = (m: TeamsMessage) => m.attachments[0].content.body;
const lines = (m: TeamsMessage) => body(m).map((b) => b.inlines.map((r) => r.text).join(''));
const label = (text: string) => ({ type: 'TextRun', text, weight: 'Bolder' });
const value = (text: string) => ({ type: 'TextRun', text });
const fact = (l: string, v: string) => ({ type: 'RichTextBlock', inlines: [label(`${l}: `), value(v)] });

describe('Microsoft Teams workflow webhook message (Adaptive Card)', () => {
  it('formats an expiring ACM certificate exactly', () => {
    expect(formatTeams(sampleEvents.expiring())).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            msteams: { width: 'Full' },
            body: [
              {
                type: 'RichTextBlock',
                inlines: [
                  {
                    type: 'TextRun',
                    text: '🔴 Certificate expires in 3 days: api.example.com',
                    weight: 'Bolder',
                    size: 'Medium',
                    color: 'Attention',
                  },
                ],
              },
              fact('Name', 'api.example.com'),
              fact('Where', 'ACM eu-west-1 (account 111122223333)'),
              fact('Expires', '2026-11-28 13:00 UTC (3 days left)'),
              fact('Severity', 'critical (tier 7 days)'),
              fact('Subject', 'CN=api.example.com'),
              fact('Issuer', 'Example Issuing CA'),
              fact('Type', 'IMPORTED'),
              fact('Names (2)', 'api.example.com, www.api.example.com'),
              { type: 'RichTextBlock', inlines: [label('Next steps')], spacing: 'Medium' },
              {
                type: 'RichTextBlock',
                inlines: [value('• Issue a new certificate and re-import it into ACM under the same ARN.')],
              },
              {
                type: 'RichTextBlock',
                inlines: [value('• Run cert-watch ack with the location to pause reminders until renewal.')],
              },
              {
                type: 'RichTextBlock',
                inlines: [{ type: 'TextRun', text: `Location: ${ACM_ARN}`, size: 'Small', isSubtle: true }],
                separator: true,
              },
            ],
          },
        },
      ],
    });
  });

  it('formats expired, misconfigured and check-failed events', () => {
    expect(lines(formatTeams(sampleEvents.expired())).slice(0, 4)).toEqual([
      '⛔ Certificate expired: shop.example.com',
      'Name: shop.example.com',
      'Where: 192.0.2.10:443',
      'Expires: 2026-11-23 12:00 UTC (expired 2 days ago)',
    ]);
    const mis = lines(formatTeams(sampleEvents.misconfigured()));
    expect(mis[0]).toBe('🔴 Endpoint certificate rejected by clients: www.example.org');
    expect(mis).toContain('• HOSTNAME_MISMATCH: certificate is valid for example.org, not www.example.org');
    expect(lines(formatTeams(sampleEvents.checkFailed()))).toEqual([
      '🔴 Endpoint check failed: mail.example.com',
      'Name: mail.example.com',
      'Where: 192.0.2.25:587',
      'Severity: critical',
      'Error: STARTTLS_REFUSED: server does not advertise STARTTLS',
      'Owner: mail-team@example.com',
      'Next steps',
      '• Check that the endpoint is reachable from the watcher and still serves TLS.',
      'Location: mail.example.com:587@192.0.2.25',
    ]);
  });

  it('shows hostile values literally (TextRuns are not markdown), without bidi overrides or @-mentions, under 28 KB', () => {
    const m = formatTeams(hostileEvent());
    expect(byteLength(JSON.stringify(m))).toBeLessThanOrEqual(TEAMS_LIMITS.messageBytes);
    // Every block is a RichTextBlock of TextRuns: nothing is parsed as markdown.
    for (const b of body(m)) {
      expect(b.type).toBe('RichTextBlock');
      for (const r of b.inlines) expect(r.type).toBe('TextRun');
    }
    const all = lines(m).join('\n');
    expect(all).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(all).not.toMatch(/@(channel|here)\b/);
    expect(lines(m)[1]).toBe(
      'Name: *pwn* _x_ <!here> @\u2060channel <@U024BE7LH> [click](https://evil.example) # <b>x</b>&amp; gpj.exe',
    );
    expect(all).toContain('+9990 more');
  });

  it('stays under 28 KB with 4-byte characters in every field, the title cut with an ellipsis', () => {
    // 4-byte characters in every field: the worst case per character.
    const m = formatTeams(
      hostileEvent({
        domain: '𝔸'.repeat(5000),
        subject: '𝔸'.repeat(5000),
        sans: Array(100).fill('𝔸'.repeat(253)),
      }),
    );
    expect(byteLength(JSON.stringify(m))).toBeLessThanOrEqual(TEAMS_LIMITS.messageBytes);
    expect(lines(m)[0]).toMatch(/^🔴 Certificate expires in 3 days: 𝔸+…$/u);
  });
});
