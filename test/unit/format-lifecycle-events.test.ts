/**
 * Schema 2.3's detail-types in every channel: "Certificate Not Yet Valid" alerts (critical, with
 * the date clients accept it from), "Certificate Now Valid" and "Endpoint Recovered" resolve (what
 * was wrong is said), and tickets raise and close them.
 */
import { describe, expect, it } from 'vitest';
import { formatChatbot } from '../../lambda/channels/format/chatbot';
import { formatGoogleChat } from '../../lambda/channels/format/google-chat';
import { formatSlack } from '../../lambda/channels/format/slack';
import { formatSms } from '../../lambda/channels/format/sms';
import { formatTeams } from '../../lambda/channels/format/teams';
import { toView } from '../../lambda/channels/format/view';
import { routesFor } from '../../lambda/channels/routing';
import { subjectOf, ticketContent } from '../../lambda/channels/tickets/content';
import { sampleEvents } from '../support/webhook-receivers';

const all = (e: ReturnType<typeof sampleEvents.notYetValid>) =>
  JSON.stringify([formatSlack(e), formatTeams(e), formatGoogleChat(e), formatChatbot(e)]);

describe('Certificate Not Yet Valid', () => {
  const event = sampleEvents.notYetValid();

  it('is a critical alert saying from when clients accept the certificate, in every chat format', () => {
    const v = toView(event);
    expect(v).toMatchObject({ kind: 'not-yet-valid', severity: 'critical' });
    const text = all(event);
    expect(text).toContain('Certificate not yet valid');
    expect(text).toContain('Valid from');
    expect(text).toContain('2026-11-27 12:00 UTC');
    expect(formatSms(event)).toBe('CERT NOT YET VALID: api.example.com (ACM eu-west-1) 2027-12-27');
  });

  it('goes to chat, SMS and tickets by default, and opens the certificate ticket', () => {
    expect(routesFor(event)).toEqual(['chat', 'sms', 'tickets']);
    expect(subjectOf(event, toView(event)).action).toBe('raise');
  });
});

describe('Certificate Now Valid', () => {
  const event = sampleEvents.nowValid();

  it('is news that closes the ticket the not-yet-valid certificate opened', () => {
    const v = toView(event);
    expect(v).toMatchObject({ kind: 'now-valid', severity: 'info' });
    expect(all(event)).toContain('Certificate now valid');
    expect(formatSms(event)).toMatch(/^CERT NOW VALID: api\.example\.com/);
    const raised = subjectOf(sampleEvents.notYetValid(), toView(sampleEvents.notYetValid()));
    expect(subjectOf(event, v)).toEqual({ ...raised, action: 'close' });
    expect(routesFor(event)).toEqual(['chat', 'tickets']);
  });
});

describe('Endpoint Recovered', () => {
  const event = sampleEvents.recovered();

  it('says the endpoint is accepted again and what was wrong, everywhere', () => {
    const v = toView(event);
    expect(v).toMatchObject({ kind: 'recovered', severity: 'info', resolved: { kind: 'misconfigured' } });
    const text = all(event);
    expect(text).toContain('Endpoint certificate accepted again');
    expect(text).toContain('HOSTNAME_MISMATCH');
    expect(formatSms(event)).toMatch(/^CERT ACCEPTED AGAIN: www\.example\.org \(198\.51\.100\.7:443\)/);
    const content = ticketContent(v, 'cert-watch-x');
    expect(content.facts).toContainEqual(
      expect.objectContaining({ label: 'Was', value: expect.stringContaining('HOSTNAME_MISMATCH') }),
    );
  });

  it('closes the ticket of the endpoint problem, not the certificate expiry ticket', () => {
    const subject = subjectOf(event, toView(event));
    expect(subject.action).toBe('close');
    expect(subject.location).toBe('www.example.org:443@198.51.100.7');
    const expiry = subjectOf(sampleEvents.misconfigured(), toView(sampleEvents.misconfigured()));
    // A prober without a lifecycle still files "Endpoint Misconfigured" under the certificate.
    expect(expiry.dedupKey).not.toBe(subject.dedupKey);
  });
});
