import { describe, expect, it } from 'vitest';
import {
  clean,
  escapeHtml,
  escapeSlack,
  neutralCode,
  neutralizeAtMentions,
  sanSummary,
  slackCode,
  truncate,
} from '../../lambda/channels/format/text';
import { threadKeyOf, toView } from '../../lambda/channels/format/view';
import { assertValidEvent } from '../support/schemas';
import { sampleEvents } from '../support/webhook-receivers';

describe('shared text hygiene', () => {
  it('strips control, bidi-override and isolate characters so right-to-left text cannot reorder a message', () => {
    const rtl = 'invoice\u202Efdp.exe \u2066x\u2069 \u200Fz\u0000\u0007\u001B[31m';
    expect(clean(rtl)).toBe('invoicefdp.exe x z[31m');
    // Arabic letters themselves stay: only the invisible reordering controls go.
    expect(clean('مرحبا.example')).toBe('مرحبا.example');
  });

  it('turns newlines and tabs into spaces unless asked to keep newlines', () => {
    expect(clean('a\r\nb\tc\nd')).toBe('a b c d');
    expect(clean('a\r\nb\tc', { keepNewlines: true })).toBe('a\nb c');
  });

  it('truncates by code points and never splits an emoji (surrogate pair)', () => {
    expect(truncate('🔥🔥🔥🔥', 3)).toBe('🔥🔥…');
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcdef', 4, '..')).toBe('ab..');
  });

  it('escapes Slack control characters so <!here>, <!channel> and <@U…> mentions stay inert', () => {
    expect(escapeSlack('a & b <!here> <!channel> <@U024BE7LH> <https://x|y>')).toBe(
      'a &amp; b &lt;!here&gt; &lt;!channel&gt; &lt;@U024BE7LH&gt; &lt;https://x|y&gt;',
    );
  });

  it('breaks @channel / @here / @everyone words with a word joiner', () => {
    expect(neutralizeAtMentions('@channel @here @everyone @all @chan')).toBe(
      '@\u2060channel @\u2060here @\u2060everyone @\u2060all @chan',
    );
  });

  it('puts untrusted Slack values in code spans, where *_~ cannot format, and keeps the span closed', () => {
    expect(slackCode('*bold* _it_ ~s~ `tick`')).toBe('`*bold* _it_ ~s~ ˋtickˋ`');
    expect(slackCode('')).toBe('` `');
  });

  it('neutral code for Chatbot replaces <, > and backticks with look-alikes (no Slack mention, no early span end)', () => {
    expect(neutralCode('<!here> `x` @here')).toBe('`‹!here› ˋxˋ @\u2060here`');
  });

  it('escapes HTML for Google Chat card text', () => {
    expect(escapeHtml(`<b>x</b> & "q" 'a'`)).toBe('&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; &#39;a&#39;');
  });

  it('summarises SANs as the first few plus "+N more", counting names the event did not carry', () => {
    expect(sanSummary(['a', 'b', 'c'], 10_000, 2)).toEqual({ names: ['a', 'b'], more: 9_998 });
    expect(sanSummary(['a'], 1, 10)).toEqual({ names: ['a'], more: 0 });
  });
});

describe('event view', () => {
  it('the sample events are real: each validates against its published schema', () => {
    for (const [name, build] of Object.entries(sampleEvents)) {
      if (name === 'unknown') continue;
      const e = build();
      assertValidEvent(e['detail-type'], e.detail);
    }
  });

  it('gives every event about one location the same thread key, whatever the detail-type', () => {
    const expiring = toView(sampleEvents.expiring());
    const renewed = toView(sampleEvents.renewed());
    expect(expiring.threadKey).toBe(renewed.threadKey);
    expect(expiring.threadKey).toBe(threadKeyOf(expiring.location!));
    expect(expiring.threadKey).toMatch(/^cert-[0-9a-f]{32}$/);
  });

  it('an endpoint check failure joins the thread of the certificate served at that address', () => {
    const failed = toView(sampleEvents.checkFailed());
    expect(failed.location).toBe('mail.example.com:587@192.0.2.25');
    expect(failed.threadKey).toBe(threadKeyOf('mail.example.com:587@192.0.2.25'));
  });

  it('reads an unknown detail-type or a detail of unexpected shape without throwing', () => {
    const v = toView({ 'detail-type': 'Something New', detail: 'not an object' });
    expect(v).toMatchObject({ kind: 'unknown', named: false, severity: 'info', problems: [], sans: [] });
    expect(
      toView({ 'detail-type': 'Certificate Expiring', detail: { certificate: 7, problems: [null, 3] } }),
    ).toMatchObject({
      kind: 'expiring',
      problems: [],
    });
  });

  it('names any source kind where it lives: a known label with its region or account, an unknown kind in capitals', () => {
    const event = sampleEvents.expiring();
    const withSource = (source: string, extra: Record<string, unknown>) =>
      toView({
        ...event,
        detail: {
          ...(event.detail as Record<string, unknown>),
          certificate: { ...(event.detail as { certificate: object }).certificate, source, ...extra },
        },
      });
    expect(withSource('iam', { region: undefined, account: '111122223333' }).where).toBe('IAM 111122223333');
    expect(withSource('iot', { region: 'eu-west-1' }).where).toBe('IoT eu-west-1');
    expect(withSource('vault-test', { region: undefined, account: '111122223333' })).toMatchObject({
      source: 'vault-test',
      where: 'VAULT-TEST 111122223333',
    });
  });
});
