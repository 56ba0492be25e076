/**
 * One rounding rule (issue #10, item 6): hours under 48 hours, whole days truncated toward zero
 * otherwise, the same number in the core, events, Slack, Teams, Google Chat, Chatbot, SMS and
 * tickets. Events are built by the real core builders from certificates at exact instants.
 */
import { describe, expect, it } from 'vitest';
import { formatChatbot } from '../../lambda/channels/format/chatbot';
import { formatGoogleChat } from '../../lambda/channels/format/google-chat';
import { formatSlack } from '../../lambda/channels/format/slack';
import { formatSms } from '../../lambda/channels/format/sms';
import { formatTeams } from '../../lambda/channels/format/teams';
import { toView } from '../../lambda/channels/format/view';
import { contentLines, ticketContent } from '../../lambda/channels/tickets/content';
import type { CertificateRecord } from '../../lambda/core/certificate';
import { DEFAULT_THRESHOLDS, evaluate } from '../../lambda/core/evaluate';
import { certificateEvent } from '../../lambda/core/events';
import {
  compactRemaining,
  expiryPhrase,
  MS_PER_HOUR,
  remaining,
  wholeDaysUntil,
  wholeHoursUntil,
} from '../../lambda/core/time';
import { envelope } from '../support/webhook-receivers';

const NOW = new Date('2026-11-29T10:00:00.000Z');
const hours = (h: number) => new Date(NOW.getTime() + h * MS_PER_HOUR);

describe('the rounding rule', () => {
  it.each([
    [20, 0, 20, 'expires in 20 hours', '20h'],
    [47.5, 1, 47, 'expires in 47 hours', '47h'],
    [48, 2, 48, 'expires in 2 days', '2d'],
    [93.6, 3, 93, 'expires in 3 days', '3d'],
    [0.5, 0, 0, 'expires in less than an hour', '0h'],
    [-5.5, 0, -5, 'expired 5 hours ago', '-5h'],
    [-53, -2, -53, 'expired 2 days ago', '-2d'],
    [-71.9, -2, -71, 'expired 2 days ago', '-2d'],
  ] as const)(
    '%s hours left: %s whole days, %s hours, "%s", "%s"',
    (h, days, wholeHours, phrase, compact) => {
      expect(wholeDaysUntil(hours(h), NOW)).toBe(days);
      expect(wholeHoursUntil(hours(h), NOW)).toBe(wholeHours);
      expect(expiryPhrase(hours(h), NOW)).toBe(phrase);
      expect(compactRemaining(hours(h), NOW)).toBe(compact);
    },
  );

  it('never gives a negative zero', () => {
    expect(Object.is(remaining(hours(-0.2), NOW).value, -0)).toBe(false);
    expect(Object.is(wholeDaysUntil(hours(-3), NOW), -0)).toBe(false);
  });
});

// A year-long certificate (day tiers apply), in a file: the rule does not depend on the source.
const record = (notAfter: Date): CertificateRecord => ({
  source: 'file',
  id: '/etc/ssl/api.pem',
  domain: 'api.example.com',
  sans: [],
  type: 'UNMANAGED',
  notBefore: new Date(NOW.getTime() - 300 * 24 * MS_PER_HOUR),
  notAfter,
});
const eventAt = (h: number) => {
  const r = record(hours(h));
  return envelope(certificateEvent(r, evaluate(r, NOW, DEFAULT_THRESHOLDS), { scanId: 's', now: NOW }));
};

/** Every human rendering of one event, as plain text. */
const everywhere = (h: number) => {
  const e = eventAt(h);
  const v = toView(e);
  return {
    slack: JSON.stringify(formatSlack(e)),
    teams: JSON.stringify(formatTeams(e)),
    googleChat: JSON.stringify(formatGoogleChat(e)),
    chatbot: JSON.stringify(formatChatbot(e)),
    sms: formatSms(e),
    ticket: contentLines(ticketContent(v, 'k')).join('\n'),
  };
};

describe('every channel says the same time left', () => {
  it('20 hours left says "expires in 20 hours", never "today" (it did in all four chat systems)', () => {
    const out = everywhere(20);
    for (const [channel, text] of Object.entries(out)) {
      expect(text, channel).not.toMatch(/today/i);
      if (channel === 'sms') expect(text, channel).toMatch(/^CERT EXPIRES IN 20h: /);
      else expect(text, channel).toContain('expires in 20 hours');
    }
    expect((eventAt(20).detail as { evaluation: { daysRemaining: number } }).evaluation.daysRemaining).toBe(
      0,
    );
  });

  it('5 days and 3 hours left is 5 days in the event and in every channel', () => {
    const out = everywhere(123);
    for (const [channel, text] of Object.entries(out)) {
      expect(text, channel).toMatch(
        channel === 'sms' ? /CERT EXPIRES IN 5d/ : /expires in 5 days|5 days left/,
      );
    }
    expect((eventAt(123).detail as { evaluation: { daysRemaining: number } }).evaluation.daysRemaining).toBe(
      5,
    );
  });

  it('expired 2 days and 5 hours ago is -2 in the event and "2 days ago" in words (the event said -3)', () => {
    const e = eventAt(-53);
    expect((e.detail as { evaluation: { daysRemaining: number } }).evaluation.daysRemaining).toBe(-2);
    const out = everywhere(-53);
    for (const channel of ['slack', 'teams', 'googleChat', 'chatbot', 'ticket'] as const) {
      expect(out[channel], channel).toContain('expired 2 days ago');
      expect(out[channel], channel).not.toContain('3 days');
    }
  });
});
