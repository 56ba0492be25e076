import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { payloadFor } from '../../lambda/channels/destinations';
import { CHATBOT_LIMITS, type ChatbotNotification } from '../../lambda/channels/format/chatbot';
import { digestOf, formatDigestChatbot, formatDigestSlack } from '../../lambda/channels/format/digest';
import { formatDigestGoogleChat, formatDigestTeams } from '../../lambda/channels/format/digest-cards';
import { GOOGLE_CHAT_LIMITS } from '../../lambda/channels/format/google-chat';
import { digestTopicMessage } from '../../lambda/channels/format/index';
import { SLACK_LIMITS, type SlackMessage } from '../../lambda/channels/format/slack';
import { TEAMS_LIMITS, type TeamsMessage } from '../../lambda/channels/format/teams';
import { byteLength, charLength } from '../../lambda/channels/format/text';
import type { WatcherEvent } from '../../lambda/channels/format/view';
import { validateDigestSettings } from '../../lambda/contracts/report';
import { makeNotifyHandler } from '../../lambda/handlers/make-notify-handler';
import { buildDigest, digestEvent, type EstateDigest } from '../../lambda/reports/digest';
import { jsonLogger } from '../../lambda/shared/logger';
import { certificateAt, estateReport, HOSTILE_DOMAIN } from '../support/estate-reports';

const NOW = new Date('2026-11-30T08:00:00Z');
const WEEK_AGO = new Date('2026-11-23T08:00:00Z');
const LINK = {
  url: 'https://console.aws.amazon.com/s3/object/bkt?region=eu-west-1&prefix=reports%2F2026-11-30%2Freport.html',
  label: 'Full report (S3 console)',
};

const small = (): EstateDigest =>
  buildDigest({
    current: estateReport(NOW, [
      certificateAt(NOW, 'arn:aws:acm:eu-west-1:111122223333:certificate/api.example.com', 3),
      certificateAt(NOW, 'arn:aws:acm:eu-west-1:111122223333:certificate/old.example.com', -2),
    ]),
    previous: estateReport(WEEK_AGO, [
      certificateAt(WEEK_AGO, 'arn:aws:acm:eu-west-1:111122223333:certificate/gone.example.com', 40),
    ]),
    settings: validateDigestSettings({}),
    link: LINK,
  });

/** Every field a certificate or a scope controls is hostile, long, and there are many of them. */
const hostile = (): EstateDigest => {
  const long = `${HOSTILE_DOMAIN}${'x'.repeat(50_000)}`;
  const certs = Array.from({ length: 500 }, (_, i) =>
    certificateAt(NOW, `loc-${i}-${long}`, i - 5, {
      domain: long,
      owner: HOSTILE_DOMAIN,
      region: HOSTILE_DOMAIN,
    }),
  );
  const prev = Array.from({ length: 500 }, (_, i) =>
    certificateAt(WEEK_AGO, `prev-${i}-${long}`, i, { domain: long }),
  );
  const failed = Array.from({ length: 50 }, (_, i) => ({
    scope: `${long}-${i}`,
    code: HOSTILE_DOMAIN,
    message: long,
  }));
  return buildDigest({
    current: estateReport(NOW, certs, { scopesFailed: failed }),
    previous: estateReport(WEEK_AGO, prev),
    settings: validateDigestSettings({ soonest: 25 }),
    link: LINK,
  });
};

const slackTexts = (m: SlackMessage): string[] => [
  m.text,
  ...m.blocks.flatMap((b) =>
    b.type === 'header' ? [b.text.text] : b.type === 'section' && b.text ? [b.text.text] : [],
  ),
];

describe('weekly digest in Slack', () => {
  it('says a certificate that expired hours ago (0 days left) expired today, not that it expires today', () => {
    const hoursAgo = {
      ...certificateAt(NOW, 'arn:acm/hours-ago', 0, { domain: 'hours.example.com' }),
      notAfter: new Date(NOW.getTime() - 5 * 3_600_000).toISOString(),
      severity: 'expired' as const,
    };
    const d = buildDigest({
      current: estateReport(NOW, [hoursAgo]),
      settings: validateDigestSettings({}),
      link: LINK,
    });
    const all = slackTexts(formatDigestSlack(d)).join('\n');
    expect(all).toContain('`hours.example.com` expired today');
    expect(all).not.toContain('expires today');
    expect(all).toContain('Expired: 1');
  });

  it('shows counts, the soonest, changes, coverage and the link, untrusted names in code spans', () => {
    const m = formatDigestSlack(small());
    expect(m.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '📋 Certificate digest 2026-11-30', emoji: true },
    });
    const all = slackTexts(m).join('\n');
    expect(all).toContain(
      '*Expiring (of 2 certificates)*\nExpired: 1\nWithin 7 days: 1\nWithin 30 days: 1\nWithin 90 days: 1',
    );
    expect(all).toContain('⛔ `old.example.com` expired 2 days ago (2026-11-28)');
    expect(all).toContain('🔴 `api.example.com` 3 days left (2026-12-03)');
    expect(all).toContain('Renewed: 0 · Removed: 1 · New: 2');
    expect(all).toContain('`gone.example.com` removed');
    expect(all).toContain('Scopes scanned: 1 · failed: 0');
    expect(m.blocks.at(-1)).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '<https://console.aws.amazon.com/s3/object/bkt?region=eu-west-1&amp;prefix=reports%2F2026-11-30%2Freport.html|Full report (S3 console)>',
      },
    });
    expect(m.text).toBe('Certificate digest 2026-11-30: 1 expired, 1 within 7 days, 2 watched');
  });

  it('says after a count how many of it are acknowledged, in every format and through the event', () => {
    const ack = { acknowledged: { until: 'renewal', by: 'alice' } };
    const d = buildDigest({
      current: estateReport(NOW, [
        certificateAt(NOW, 'arn:aws:acm:eu-west-1:111122223333:certificate/a.example.com', -2, ack),
        certificateAt(NOW, 'arn:aws:acm:eu-west-1:111122223333:certificate/b.example.com', 3, ack),
        certificateAt(NOW, 'arn:aws:acm:eu-west-1:111122223333:certificate/c.example.com', 20),
      ]),
      settings: validateDigestSettings({}),
      link: LINK,
    });
    const counts =
      'Expired: 1 (1 acknowledged)\nWithin 7 days: 1 (1 acknowledged)\nWithin 30 days: 2 (1 acknowledged)\nWithin 90 days: 2 (1 acknowledged)';
    expect(slackTexts(formatDigestSlack(d)).join('\n')).toContain(
      `*Expiring (of 3 certificates)*\n${counts}`,
    );
    // What the notifier reads back from the event is the same digest.
    const event = digestEvent(d, 'cert-expiry-watcher') as unknown as WatcherEvent;
    expect(digestOf(event).counts).toEqual(d.counts);
    expect(JSON.stringify(formatDigestTeams(digestOf(event)))).toContain(
      'Within 30 days: 2 (1 acknowledged)',
    );
    // None acknowledged: the lines are as they were.
    expect(slackTexts(formatDigestSlack(small())).join('\n')).not.toContain('acknowledged');
  });

  it('keeps hostile names inert and every block within Slack limits', () => {
    const m = formatDigestSlack(hostile());
    const L = SLACK_LIMITS;
    expect(m.blocks.length).toBeLessThanOrEqual(L.blocks);
    expect(charLength(m.text)).toBeLessThanOrEqual(L.fallbackText);
    for (const b of m.blocks) {
      if (b.type === 'header') expect(charLength(b.text.text)).toBeLessThanOrEqual(L.headerText);
      if (b.type === 'section' && b.text) expect(charLength(b.text.text)).toBeLessThanOrEqual(L.sectionText);
    }
    const all = slackTexts(m).join('\n');
    expect(all).not.toMatch(/<!channel>|<script>|<https:\/\/evil/);
    expect(all).not.toContain('\u202E');
    expect(all).not.toMatch(/(^|[^\u2060])@here/);
    // Every code span is closed, so nothing after a cut is formatted.
    for (const t of slackTexts(m)) expect((t.match(/`/g) ?? []).length % 2).toBe(0);
  });
});

const teamsRuns = (m: TeamsMessage) => m.attachments[0].content.body.flatMap((b) => b.inlines);

describe('weekly digest in Teams', () => {
  it('shows the title, a link run and one line per certificate, values as literal TextRuns', () => {
    const m = formatDigestTeams(small());
    const runs = teamsRuns(m);
    expect(runs[0]).toMatchObject({ text: '📋 Certificate digest 2026-11-30', weight: 'Bolder' });
    expect(runs[1]).toMatchObject({
      text: 'Full report (S3 console)',
      selectAction: { type: 'Action.OpenUrl', url: LINK.url },
    });
    expect(runs).toContainEqual({ type: 'TextRun', text: 'old.example.com' });
  });

  it('stays under the 28 KB message limit with hostile input, without bidi overrides or mentions', () => {
    const m = formatDigestTeams(hostile());
    const json = JSON.stringify(m);
    expect(byteLength(json)).toBeLessThanOrEqual(TEAMS_LIMITS.messageBytes);
    expect(json).not.toContain('\u202E');
    expect(teamsRuns(m)[0]?.text).toBe('📋 Certificate digest 2026-11-30');
    expect(teamsRuns(m).some((r) => /(^|[^\u2060])@here/.test(r.text))).toBe(false);
  });
});

describe('weekly digest in Google Chat', () => {
  it('is a card in its own thread with an escaped link and sections', () => {
    const m = formatDigestGoogleChat(small());
    expect(m.thread).toEqual({ threadKey: 'digest-2026-11-30' });
    const card = m.cardsV2[0];
    expect(card.cardId).toBe('certificate-digest');
    expect(card.card.sections[0]?.widgets[0]).toEqual({
      textParagraph: {
        text: `<a href="${LINK.url.replace(/&/g, '&amp;')}">Full report (S3 console)</a>`,
      },
    });
    expect(card.card.sections.map((s) => s.header)).toEqual([
      undefined,
      'Expiring (of 2 certificates)',
      '2 soonest',
      'Changes since 2026-11-23',
      'Coverage',
    ]);
  });

  it('HTML-escapes hostile values and stays under 32,000 bytes', () => {
    const m = formatDigestGoogleChat(hostile());
    const json = JSON.stringify(m);
    expect(byteLength(json)).toBeLessThanOrEqual(GOOGLE_CHAT_LIMITS.messageBytes);
    expect(json).not.toContain('<script>');
    expect(json).toContain('&lt;script&gt;');
  });
});

describe('weekly digest as a Chatbot custom notification', () => {
  it('follows the custom notification shape with the link as a next step', () => {
    const n = formatDigestChatbot(small());
    expect(n).toMatchObject({
      version: '1.0',
      source: 'custom',
      id: 'digest-2026-11-30',
      content: {
        textType: 'client-markdown',
        title: '📋 Certificate digest 2026-11-30',
        nextSteps: [`Full report (S3 console): ${LINK.url}`],
        keywords: ['digest'],
      },
      metadata: { threadId: 'digest-2026-11-30', eventType: 'Certificate Digest', relatedResources: [] },
    });
    expect(n.content.description).toContain('⛔ `old.example.com` expired 2 days ago');
  });

  it('keeps hostile values in markup-neutral code spans within its bounds', () => {
    const n: ChatbotNotification = formatDigestChatbot(hostile());
    expect(charLength(n.content.description)).toBeLessThanOrEqual(CHATBOT_LIMITS.description);
    expect(n.content.description).not.toMatch(/<!channel>|<script>/);
    expect(n.content.description).toContain('‹script›');
  });

  it('is what the chat topic carries by default, with the digest event for the notifier queue', () => {
    const event = digestEvent(small(), 'cert-expiry-watcher');
    const msg = digestTopicMessage(event);
    expect(msg.MessageStructure).toBe('json');
    const parts = JSON.parse(msg.Message) as { default: string; sqs: string };
    expect(JSON.parse(parts.default)).toEqual(formatDigestChatbot(event.detail));
    expect(JSON.parse(parts.sqs)).toEqual(event);
  });
});

describe('the digest through the webhook notifier', () => {
  const event = digestEvent(small(), 'cert-expiry-watcher') as unknown as WatcherEvent;

  it('formats it per kind: the digest formats for chat systems, the event itself for a generic webhook', () => {
    expect(payloadFor('slack', event)).toEqual(formatDigestSlack(digestOf(event)));
    expect(payloadFor('teams', event)).toEqual(formatDigestTeams(digestOf(event)));
    expect(payloadFor('google-chat', event)).toEqual(formatDigestGoogleChat(digestOf(event)));
    expect(payloadFor('webhook', event)).toEqual(event);
  });

  it("posts one digest to every destination, owners' included", async () => {
    const posted: { url: string; body: unknown }[] = [];
    const handler = makeNotifyHandler({
      config: {
        destinations: [
          { name: 'platform', kind: 'slack', secretId: 's/platform' },
          { name: 'payments', kind: 'teams', secretId: 's/payments' },
        ],
        timeoutMs: 1000,
        maxAttempts: 1,
        secretCacheTtlMs: 1000,
        owners: {
          owners: [{ name: 'payments', match: { accounts: ['999999999999'] }, webhooks: ['payments'] }],
          defaultOwner: { name: 'platform', webhooks: ['platform'] },
        } as never,
      },
      secrets: { get: async (id) => `https://hooks.example.com/${id}` },
      logger: jsonLogger({}, () => {}),
      fetch: async (url, init) => {
        posted.push({ url, body: JSON.parse(init.body) });
        return new Response('ok', { status: 200 });
      },
    });
    const sns = JSON.stringify({
      Type: 'Notification',
      TopicArn: 'arn:aws:sns:eu-west-1:1:chat',
      Message: JSON.stringify(event),
    });
    const sqs = { Records: [{ messageId: 'm1', body: sns }] } as unknown as SQSEvent;
    expect(await handler(sqs)).toEqual({ batchItemFailures: [] });
    expect(posted.map((p) => p.url).sort()).toEqual([
      'https://hooks.example.com/s/payments',
      'https://hooks.example.com/s/platform',
    ]);
    expect(posted.find((p) => p.url.endsWith('platform'))?.body).toEqual(formatDigestSlack(digestOf(event)));
  });
});
