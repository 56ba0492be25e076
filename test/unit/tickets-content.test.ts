import { describe, expect, it } from 'vitest';
import { toView, type WatcherEvent } from '../../lambda/channels/format/view';
import {
  type AdfNode,
  DEDUP_PREFIX,
  dedupKeyOf,
  escalated,
  escapeMarkdown,
  parseConnectors,
  secretFields,
  subjectOf,
  ticketContent,
  toAdf,
  toMarkdown,
} from '../../lambda/channels/tickets';
import { ConfigurationError } from '../../lambda/shared/env';
import { hostileEvent, sampleEvents } from '../support/webhook-receivers';

const allText = (nodes: readonly AdfNode[]): AdfNode[] =>
  nodes.flatMap((n) => (n.type === 'text' ? [n] : allText(n.content ?? [])));

describe('dedupKeyOf', () => {
  it('is deterministic, per location and certificate, and valid as a label everywhere', () => {
    const a = dedupKeyOf('api.example.com:443@192.0.2.10', 'AA:BB');
    expect(a).toBe(dedupKeyOf('api.example.com:443@192.0.2.10', 'AA:BB'));
    expect(a).toMatch(new RegExp(`^${DEDUP_PREFIX}[0-9a-f]{24}$`));
    expect(a.length).toBeLessThanOrEqual(50);
    expect(dedupKeyOf('api.example.com:443@192.0.2.10', 'CC:DD')).not.toBe(a);
    expect(dedupKeyOf('api.example.com:443@192.0.2.11', 'AA:BB')).not.toBe(a);
  });
});

describe('subjectOf', () => {
  const subject = (e: WatcherEvent) => subjectOf(e, toView(e));

  it('raises expiring, expired and misconfigured alerts for the certificate they are about', () => {
    for (const e of [sampleEvents.expiring(), sampleEvents.expired(), sampleEvents.misconfigured()]) {
      const s = subject(e);
      const cert = (e.detail as { certificate: { id: string; notAfter: string } }).certificate;
      expect(s.action).toBe('raise');
      expect(s.location).toBe(cert.id);
      expect(s.dedupKey).toBe(dedupKeyOf(cert.id, cert.notAfter));
    }
  });

  it('closes the lifecycle of the certificate a renewal replaced (lifecycle.previous), not the new one', () => {
    const e = sampleEvents.renewed();
    const s = subject(e);
    const cert = (e.detail as { certificate: { id: string } }).certificate;
    expect(s.action).toBe('close');
    expect(s.dedupKey).toBe(dedupKeyOf(cert.id, '2026-11-28T13:00:00.000Z'));
  });

  it('ignores check failures and heartbeats (nothing would ever resolve them)', () => {
    expect(subject(sampleEvents.checkFailed()).action).toBe('ignore');
    expect(subject({ 'detail-type': 'Scan Completed', detail: {} }).action).toBe('ignore');
  });
});

describe('escalated', () => {
  it('is true for a higher severity or a smaller tier, false for the same standing or a better one', () => {
    expect(escalated({ severity: 'warning', tierDays: 14 }, { severity: 'critical', tierDays: 7 })).toBe(
      true,
    );
    expect(escalated({ severity: 'warning', tierDays: 30 }, { severity: 'warning', tierDays: 14 })).toBe(
      true,
    );
    expect(escalated({ severity: 'critical', tierDays: 3 }, { severity: 'expired', tierDays: null })).toBe(
      true,
    );
    expect(escalated({ severity: 'warning', tierDays: 14 }, { severity: 'warning', tierDays: 14 })).toBe(
      false,
    );
    expect(escalated({ severity: 'critical', tierDays: 7 }, { severity: 'warning', tierDays: 14 })).toBe(
      false,
    );
    expect(escalated({ severity: 'expired', tierDays: null }, { severity: 'expired', tierDays: null })).toBe(
      false,
    );
  });
});

describe('ticket content', () => {
  it('builds valid ADF: a doc of paragraphs and bullet lists, no empty text nodes', () => {
    const doc = toAdf(ticketContent(toView(sampleEvents.expiring()), 'cert-watch-0123'));
    expect(doc).toMatchObject({ type: 'doc', version: 1 });
    expect(doc.content[0]).toEqual({
      type: 'paragraph',
      content: [{ type: 'text', text: 'Certificate expires in 3 days: api.example.com' }],
    });
    expect(doc.content.map((n) => n.type)).toContain('bulletList');
    const texts = allText(doc.content);
    expect(texts.every((t) => typeof t.text === 'string' && t.text.length > 0)).toBe(true);
    expect(texts.at(-1)?.text).toContain('cert-watch-0123');
  });

  it('keeps hostile certificate fields inert and bounded', () => {
    const c = ticketContent(toView(hostileEvent()), 'cert-watch-0123');
    expect(Array.from(c.summary).length).toBeLessThanOrEqual(200);
    expect(c.sans).toHaveLength(20);
    expect(c.sansMore).toBe(10_000 - 20);
    const all = JSON.stringify(c);
    expect(all).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(all).not.toMatch(/@(channel|here|everyone)\b/);
    expect(JSON.stringify(toAdf(c)).length).toBeLessThan(32_000);
    const md = toMarkdown(c);
    // Every `<` outside our own <sub> footer is backslash-escaped (no HTML, no autolinks).
    expect(md).not.toMatch(/(?<!\\)<(?!\/?sub>)/);
    expect(md.length).toBeLessThan(65_536);
  });

  it('escapes markdown so a value cannot become a link, image, HTML or mention', () => {
    expect(escapeMarkdown('[x](http://evil) <img> @here *b*')).toBe(
      '\\[x\\]\\(http://evil\\) \\<img\\> @\u2060here \\*b\\*',
    );
  });
});

describe('parseConnectors', () => {
  it('accepts each kind with its fields', () => {
    const c = parseConnectors(
      JSON.stringify([
        {
          name: 'jira',
          kind: 'jira',
          secretId: 's1',
          baseUrl: 'https://acme.atlassian.net/',
          project: 'OPS',
        },
        { name: 'snow', kind: 'servicenow', secretId: 's2', baseUrl: 'https://acme.service-now.com' },
        { name: 'gh', kind: 'github', secretId: 's3', owner: 'acme', repo: 'certs', labels: ['tls'] },
        { name: 'pd', kind: 'pagerduty', secretId: 's4' },
      ]),
    );
    expect(c.map((x) => x.kind)).toEqual(['jira', 'servicenow', 'github', 'pagerduty']);
    expect(c[0]).toMatchObject({ baseUrl: 'https://acme.atlassian.net', project: 'OPS' });
  });

  it.each([
    ['not JSON', '{', /must be a JSON array/],
    ['an empty list', '[]', /non-empty JSON array/],
    [
      'a duplicate name',
      '[{"name":"a","kind":"pagerduty","secretId":"s"},{"name":"a","kind":"pagerduty","secretId":"s"}]',
      /"a" is used twice/,
    ],
    ['a bad name', '[{"name":"A B","kind":"pagerduty","secretId":"s"}]', /\[0\]\.name must match/],
    [
      'a missing project',
      '[{"name":"j","kind":"jira","secretId":"s","baseUrl":"https://x"}]',
      /\[0\]\.project/,
    ],
    [
      'a non-URL baseUrl',
      '[{"name":"j","kind":"servicenow","secretId":"s","baseUrl":"acme"}]',
      /baseUrl must be a URL/,
    ],
    [
      'labels with spaces',
      '[{"name":"g","kind":"github","secretId":"s","owner":"a","repo":"b","labels":["a b"]}]',
      /labels/,
    ],
  ])('rejects %s, naming the entry', (_what, raw, message) => {
    expect(() => parseConnectors(raw)).toThrow(ConfigurationError);
    expect(() => parseConnectors(raw)).toThrow(message);
  });
});

describe('secretFields', () => {
  it('reads the fields and never echoes the value when they are missing', () => {
    expect(secretFields('{"token":"t0ken"}', 'sid', ['token'])).toEqual({ token: 't0ken' });
    expect(() => secretFields('{"tok":"s3cr3t-value"}', 'sid', ['token'])).toThrow('secret sid lacks token');
    expect(() => secretFields('s3cr3t-value', 'sid', ['token'])).toThrow(/^secret sid is not JSON/);
    try {
      secretFields('s3cr3t-value', 'sid', ['token']);
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cr3t');
    }
  });
});
