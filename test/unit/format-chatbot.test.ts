import { describe, expect, it } from 'vitest';
import { CHATBOT_LIMITS, formatChatbot } from '../../lambda/channels/format/chatbot';
import { charLength } from '../../lambda/channels/format/text';
import { threadKeyOf } from '../../lambda/channels/format/view';
import { ACM_ARN, hostileEvent, sampleEvents } from '../support/webhook-receivers';

const withinLimits = (n: ReturnType<typeof formatChatbot>) => {
  const L = CHATBOT_LIMITS;
  expect(charLength(n.content.title)).toBeLessThanOrEqual(L.title);
  expect(charLength(n.content.description)).toBeLessThanOrEqual(L.description);
  expect(n.content.nextSteps.length).toBeLessThanOrEqual(L.nextSteps);
  for (const s of n.content.nextSteps) expect(charLength(s)).toBeLessThanOrEqual(L.nextStepChars);
  expect(n.content.keywords.length).toBeLessThanOrEqual(L.keywords);
  expect(charLength(n.metadata.summary)).toBeLessThanOrEqual(L.summary);
  expect(n.metadata.relatedResources.length).toBeLessThanOrEqual(L.relatedResources);
  for (const v of Object.values(n.metadata.additionalContext ?? {}))
    expect(v).toMatch(/^[\x21-\x7e]{1,1024}$/);
};

describe('Amazon Q Developer (Chatbot) custom notification', () => {
  it('counts the headline to the earliest expiry on the path when an intermediate ends first', () => {
    const event = sampleEvents.expiring() as unknown as {
      detail: {
        observedAt: string;
        certificate: { notAfter: string };
        evaluation: { daysRemaining: number };
      };
    };
    // The leaf runs 299 more days; its intermediate ends in 10 (CHAIN_EXPIRING): 10 days it is.
    event.detail.certificate.notAfter = new Date(
      Date.parse(event.detail.observedAt) + 299 * 86_400_000,
    ).toISOString();
    event.detail.evaluation.daysRemaining = 10;
    const n = formatChatbot(event as unknown as Parameters<typeof formatChatbot>[0]);
    expect(n.content.title).toContain('Certificate expires in 10 days');
    expect(n.content.title).not.toContain('299');
  });

  it('formats an expiring ACM certificate exactly', () => {
    expect(formatChatbot(sampleEvents.expiring())).toEqual({
      version: '1.0',
      source: 'custom',
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      content: {
        textType: 'client-markdown',
        title: '🔴 Certificate expires in 3 days: `api.example.com`',
        description: [
          'Where: `ACM eu-west-1 (account 111122223333)`',
          'Expires: 2026-11-28 13:00 UTC (3 days left)',
          'Severity: critical (tier 7 days)',
          'Subject: `CN=api.example.com`',
          'Issuer: `Example Issuing CA`',
          'Type: IMPORTED',
          'Names (2): `api.example.com`, `www.api.example.com`',
          `Location: \`${ACM_ARN}\``,
        ].join('\n'),
        nextSteps: [
          'Issue a new certificate and re-import it into ACM under the same ARN.',
          'Run cert-watch ack with the location to pause reminders until renewal.',
          'Open it in the ACM console: https://console.aws.amazon.com/acm/home?region=eu-west-1#/certificates/c9aacbd8-d29f-48cb-9d94-426fb0023a11',
        ],
        keywords: ['critical', 'expiring', 'acm', 'eu-west-1'],
      },
      metadata: {
        threadId: threadKeyOf(ACM_ARN),
        summary: 'Certificate expires in 3 days: api.example.com',
        eventType: 'Certificate Expiring',
        relatedResources: [ACM_ARN],
        additionalContext: {
          severity: 'critical',
          daysRemaining: '3',
          notAfter: '2026-11-28T13:00:00.000Z',
          eventId: expect.stringMatching(/^[0-9a-f]{32}$/),
          threadId: threadKeyOf(ACM_ARN),
        },
      },
    });
  });

  it('formats expired, misconfigured and check-failed events', () => {
    const expired = formatChatbot(sampleEvents.expired());
    expect(expired.content.title).toBe('⛔ Certificate expired: `shop.example.com`');
    expect(expired.content.description).toBe(
      [
        'Where: `192.0.2.10:443`',
        'Expires: 2026-11-23 12:00 UTC (expired 2 days ago)',
        'Severity: expired',
        'Subject: `CN=shop.example.com`',
        'Issuer: `Example Issuing CA`',
        'Type: UNMANAGED',
        'Names (1): `shop.example.com`',
        'Location: `shop.example.com:443@192.0.2.10`',
      ].join('\n'),
    );
    expect(expired.content.nextSteps[1]).toBe(
      'Clients already reject this certificate: treat it as an outage.',
    );
    expect(expired.metadata.threadId).toBe(threadKeyOf('shop.example.com:443@192.0.2.10'));

    const mis = formatChatbot(sampleEvents.misconfigured());
    expect(mis.content.title).toBe('🔴 Endpoint certificate rejected by clients: `www.example.org`');
    expect(mis.content.description).toContain(
      'Problems:\n• `HOSTNAME_MISMATCH: certificate is valid for example.org, not www.example.org`',
    );
    expect(mis.metadata.eventType).toBe('Endpoint Misconfigured');

    const failed = formatChatbot(sampleEvents.checkFailed());
    expect(failed.content.title).toBe('🔴 Endpoint check failed: `mail.example.com`');
    expect(failed.content.description).toBe(
      [
        'Where: `192.0.2.25:587`',
        'Severity: critical',
        'Error: `STARTTLS_REFUSED: server does not advertise STARTTLS`',
        'Owner: `mail-team@example.com`',
        'Location: `mail.example.com:587@192.0.2.25`',
      ].join('\n'),
    );
    expect(failed.metadata.relatedResources).toEqual([]);
  });

  it('a renewal lands in the same thread as the alerts it resolves', () => {
    const renewed = formatChatbot(sampleEvents.renewed());
    expect(renewed.content.title).toBe('✅ Certificate renewed: `api.example.com`');
    expect(renewed.content.description).toContain('Previous expiry: 2026-11-28 13:00 UTC');
    expect(renewed.metadata.threadId).toBe(formatChatbot(sampleEvents.expiring()).metadata.threadId);
  });

  it('a removal is news in the same thread, not an alarm', () => {
    const removed = formatChatbot(sampleEvents.removed());
    expect(removed.content.title).toBe('ℹ️ Certificate removed: `api.example.com`');
    expect(removed.content.description).not.toContain('Severity');
    expect(removed.content.keywords).toEqual(['info', 'removed', 'acm', 'eu-west-1']);
    expect(removed.metadata.threadId).toBe(threadKeyOf(ACM_ARN));
  });

  it('an unknown detail-type still yields a generic message', () => {
    const n = formatChatbot(sampleEvents.unknown());
    expect(n.content.title).toBe('ℹ️ Certificate watcher: Certificate Teleported');
    expect(n.content.description).toBe('Event: `Certificate Teleported`');
    expect(n.metadata.eventType).toBe('Certificate Teleported');
    withinLimits(n);
  });

  it('neutralises hostile fields and stays within its limits', () => {
    const n = formatChatbot(hostileEvent());
    withinLimits(n);
    const all = JSON.stringify(n);
    for (const bad of ['<!here>', '<!channel>', '<@U024BE7LH>', '@channel', '\u202E', '\u2067']) {
      expect(all).not.toContain(bad);
    }
    // The name is one code span: markdown and HTML inside it are shown, not rendered.
    expect(n.content.title).toBe(
      '🔴 Certificate expires in 3 days: `*pwn* _x_ ‹!here› @\u2060channel ‹@U024BE7LH› [click](https://evil.example) # ‹b›x‹/b›&amp; gpj.exe`',
    );
    expect(n.content.description).toContain('+9990 more');
    expect(n.content.description).toContain('Issuer: `مرحبا RTL issuer Ünïcødé ©`');
    expect(n.metadata.summary).not.toMatch(/[<>`*[\]]/);
  });
});
