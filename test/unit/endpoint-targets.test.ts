import { describe, expect, it } from 'vitest';
import {
  ENDPOINT_TEXT_LIMITS,
  parseTargetList,
  parseTargetSpec,
  TargetParseError,
} from '../../lambda/contracts/endpoints';
import { parseTargetsFile } from '../../lambda/contracts/endpoints-file';

describe('parseTargetSpec', () => {
  it.each([
    ['example.com', { host: 'example.com', port: 443 }],
    ['example.com:8443', { host: 'example.com', port: 8443 }],
    ['10.0.0.1:636', { host: '10.0.0.1', port: 636 }],
    ['[::1]:443', { host: '::1', port: 443 }],
    ['[2001:db8::1]', { host: '2001:db8::1', port: 443 }],
    ['2001:db8::1', { host: '2001:db8::1', port: 443 }],
  ])('parses %s', (spec, expected) => {
    expect(parseTargetSpec(spec)).toEqual(expected);
  });

  it('uses the STARTTLS protocol port by default and carries the options', () => {
    expect(parseTargetSpec('mail.example.com', { starttls: 'smtp', servername: 'mx.example.com' })).toEqual({
      host: 'mail.example.com',
      port: 25,
      starttls: 'smtp',
      servername: 'mx.example.com',
    });
    expect(parseTargetSpec('db:6432', { starttls: 'postgres' }).port).toBe(6432);
  });

  it.each(['', 'host:', 'host:0', 'host:70000', 'host:https', '[nothex]:443', 'bad host', 'a/b'])(
    'rejects %j',
    (spec) => {
      expect(() => parseTargetSpec(spec)).toThrow(TargetParseError);
    },
  );
});

describe('parseTargetsFile', () => {
  it('reads one target per line with comments and blank lines', () => {
    const text = '# web\nexample.com\n\n  api.example.com:8443  # api\n[::1]:9443\n';
    expect(parseTargetsFile(text, 'targets.txt')).toEqual([
      { host: 'example.com', port: 443 },
      { host: 'api.example.com', port: 8443 },
      { host: '::1', port: 9443 },
    ]);
  });

  it('names the line of a bad entry', () => {
    expect(() => parseTargetsFile('ok.example.com\nbad:port\n', 'list.txt')).toThrow(
      /list\.txt:2: .*port must be a number/,
    );
  });

  it('reads a JSON list of strings and objects', () => {
    const json = JSON.stringify([
      'a.example.com',
      { host: 'mail.example.com', starttls: 'smtp', labels: { team: 'mail' }, owner: 'ops' },
      { host: 'db.example.com', port: 5433, starttls: 'postgres', servername: 'db' },
    ]);
    expect(parseTargetsFile(json, 'targets.json')).toEqual([
      { host: 'a.example.com', port: 443 },
      { host: 'mail.example.com', port: 25, starttls: 'smtp', labels: { team: 'mail' }, owner: 'ops' },
      { host: 'db.example.com', port: 5433, starttls: 'postgres', servername: 'db' },
    ]);
  });

  it('reads YAML, bare or under targets:', () => {
    const yaml = 'targets:\n  - host: a.example.com\n    port: 8443\n  - b.example.com:443\n';
    expect(parseTargetsFile(yaml, 'targets.yaml')).toEqual([
      { host: 'a.example.com', port: 8443 },
      { host: 'b.example.com', port: 443 },
    ]);
    expect(parseTargetsFile('- c.example.com\n', 'list')).toEqual([{ host: 'c.example.com', port: 443 }]);
  });

  it.each([
    ['targets.json', '{"targets": 5}', /expected a list/],
    ['targets.json', '[{"port": 443}]', /entry 1: 'host' must be a non-empty string/],
    ['targets.json', '[{"host": "a", "starttls": "gopher"}]', /unknown STARTTLS protocol/],
    ['targets.json', '[{"host": "a", "labels": {"x": 1}}]', /'labels' must map names to strings/],
    ['targets.json', '[1', /not valid JSON/],
    ['targets.yaml', '- host: [unclosed', /not valid YAML/],
  ])('rejects bad %s content %j', (name, text, message) => {
    expect(() => parseTargetsFile(text, name)).toThrow(message);
  });
});

describe('link-local and metadata addresses', () => {
  it.each(['169.254.169.254', '169.254.169.254:80', '[fe80::1]:443', '[fd00:ec2::254]:80'])(
    'refuses %s unless explicitly allowed',
    (spec) => {
      expect(() => parseTargetSpec(spec)).toThrow(TargetParseError);
      expect(() => parseTargetSpec(spec)).toThrow(/link-local address .* refused unless explicitly allowed/);
      expect(parseTargetSpec(spec, { allowLinkLocal: true }).host).toBe(
        spec.replace(/^\[|\](:\d+)?$|:\d+$/g, ''),
      );
    },
  );

  it.each([
    ['IPv4-mapped IPv6', '[::ffff:169.254.169.254]:80'],
    ['IPv4-mapped IPv6 in hex', '[::ffff:a9fe:a9fe]:80'],
    ['IMDS IPv6 with a zero group written out', '[fd00:ec2:0::254]:80'],
    ['fe80::/10 upper end', '[febf::1]:443'],
    ['upper case', '[FE80::1]:443'],
    ['IPv4 as one decimal number', '2852039166:80'],
    ['IPv4 in hex', '0xa9fea9fe:80'],
    ['IPv4 in octal', '0251.0376.0251.0376:80'],
    ['a trailing dot', '169.254.169.254.:80'],
  ])('refuses the metadata service in another spelling (%s: %s)', (_why, spec) => {
    expect(() => parseTargetSpec(spec)).toThrow(/link-local address .* refused unless explicitly allowed/);
  });

  it('leaves ordinary private and public addresses and names alone', () => {
    for (const spec of [
      '10.0.0.1:443',
      '192.168.1.10',
      '[2001:db8::1]:443',
      '[fec0::1]:443',
      '[fe8::1]:443',
      'metadata.example.com',
      '169.254.example.com',
    ])
      expect(() => parseTargetSpec(spec)).not.toThrow();
  });
});

describe('free text an endpoint carries into its events', () => {
  const entry = (extra: Record<string, unknown>) => [{ host: 'api.example.com', ...extra }];

  it('accepts labels and an owner within the limits', () => {
    const labels = Object.fromEntries(
      Array.from({ length: ENDPOINT_TEXT_LIMITS.labels }, (_, i) => [`k${i}`, 'v'.repeat(256)]),
    );
    expect(parseTargetList(entry({ labels, owner: 'team-a' }), 'watcher:endpoints', {})[0]).toMatchObject({
      owner: 'team-a',
      labels,
    });
  });

  it.each([
    [
      'too many labels',
      { labels: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) },
      /at most 50 labels, got 51/,
    ],
    [
      'a label value of 131,000 characters',
      { labels: { team: 'x'.repeat(131_000) } },
      /label 'team' must be at most 256 characters, got 131000/,
    ],
    [
      'a label name too long',
      { labels: { ['k'.repeat(129)]: 'v' } },
      /label name must be 1-128 characters, got 129/,
    ],
    ['a control character', { labels: { team: 'a\nb' } }, /must not contain control characters/],
    [
      'an owner of 10,000 characters',
      { owner: 'o'.repeat(10_000) },
      /'owner' must be at most 256 characters/,
    ],
  ])('refuses %s at input, naming the entry', (_why, extra, message) => {
    expect(() => parseTargetList(entry(extra), 'watcher:endpoints', {})).toThrow(TargetParseError);
    expect(() => parseTargetList(entry(extra), 'watcher:endpoints', {})).toThrow(message);
  });
});
