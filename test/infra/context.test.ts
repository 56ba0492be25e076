import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STACK_NAME,
  InvalidContextError,
  MAX_CONTEXT_FILE_BYTES,
  parseWatcherContext,
} from '../../lib/context';
import { CDK_JSON_CONTEXT } from './stacks';

describe('parseWatcherContext', () => {
  it('accepts the defaults shipped in cdk.json', () => {
    const { stackName, watcherProps } = parseWatcherContext(CDK_JSON_CONTEXT);
    expect(stackName).toBe('CertificateExpiryWatcher');
    expect(watcherProps.regions).toBeUndefined();
    expect(watcherProps.scanInterval?.toMinutes()).toBe(360);
    expect(watcherProps.tiersDays).toEqual([30, 14, 7, 3, 1]);
    expect(watcherProps.criticalDays).toBe(7);
    expect(watcherProps.eventSource).toBe('cert-expiry-watcher');
    expect(watcherProps.archiveRetention?.toDays()).toBe(365);
    expect(watcherProps.opsEmailAddresses).toEqual([]);
    expect(watcherProps.logRetention).toBe(logs.RetentionDays.ONE_MONTH);
  });

  it('leaves every prop to the construct default when no key is set', () => {
    expect(parseWatcherContext({})).toEqual({ stackName: DEFAULT_STACK_NAME, watcherProps: {} });
  });

  it('reads JSON values from cdk.json', () => {
    const { watcherProps } = parseWatcherContext({
      'watcher:regions': ['eu-west-1', 'us-east-1'],
      'watcher:scanIntervalMinutes': 60,
      'watcher:tiersDays': [45, 20, 5],
      'watcher:criticalDays': 5,
      'watcher:archiveRetentionDays': 0,
      'watcher:opsEmailAddresses': ['ops@example.com'],
      'watcher:eventBusName': 'certificates',
    });
    expect(watcherProps).toEqual({
      regions: ['eu-west-1', 'us-east-1'],
      scanInterval: Duration.minutes(60),
      tiersDays: [45, 20, 5],
      criticalDays: 5,
      archiveRetention: Duration.days(0),
      opsEmailAddresses: ['ops@example.com'],
      eventBusName: 'certificates',
    });
  });

  it('reads the strings that `cdk -c key=value` passes', () => {
    const { stackName, watcherProps } = parseWatcherContext({
      'watcher:stackName': 'CertWatcher-Prod',
      'watcher:regions': 'eu-west-1, us-east-1',
      'watcher:scanIntervalMinutes': '30',
      'watcher:tiersDays': '30,14,7',
      'watcher:criticalDays': '3',
      'watcher:opsEmailAddresses': 'a@example.com,b@example.com',
      'watcher:logRetentionDays': '90',
    });
    expect(stackName).toBe('CertWatcher-Prod');
    expect(watcherProps.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(watcherProps.scanInterval?.toMinutes()).toBe(30);
    expect(watcherProps.tiersDays).toEqual([30, 14, 7]);
    expect(watcherProps.criticalDays).toBe(3);
    expect(watcherProps.opsEmailAddresses).toEqual(['a@example.com', 'b@example.com']);
    expect(watcherProps.logRetention).toBe(logs.RetentionDays.THREE_MONTHS);
  });

  it('treats an empty region list or blank value as "the stack region"', () => {
    expect(parseWatcherContext({ 'watcher:regions': [] }).watcherProps.regions).toBeUndefined();
    expect(parseWatcherContext({ 'watcher:regions': '' }).watcherProps.regions).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'an unknown watcher: key',
      { 'watcher:region': 'eu-west-1' },
      'Invalid context "watcher:region": unknown key; known keys are watcher:stackName, watcher:regions',
    ],
    [
      'a misspelt region',
      { 'watcher:regions': 'eu-west-1,eu-wst-1' },
      `Invalid context "watcher:regions": regions[1] is not an AWS region name (like eu-west-1 or us-gov-west-1), got 'eu-wst-1'`,
    ],
    [
      'regions that are not strings',
      { 'watcher:regions': ['eu-west-1', 42] },
      'Invalid context "watcher:regions": item 1 must be a non-empty string, got 42',
    ],
    [
      'a fractional interval',
      { 'watcher:scanIntervalMinutes': '7.5' },
      'Invalid context "watcher:scanIntervalMinutes": must be a whole number of at least 1, got "7.5"',
    ],
    [
      'a non-numeric interval',
      { 'watcher:scanIntervalMinutes': 'six hours' },
      'Invalid context "watcher:scanIntervalMinutes": the value must be a number, got "six hours"',
    ],
    [
      'an interval too long for the heartbeat alarm',
      { 'watcher:scanIntervalMinutes': 10080 },
      'Invalid context "watcher:scanIntervalMinutes": scanInterval must be at most 6720 minutes',
    ],
    [
      'unsorted tiers',
      { 'watcher:tiersDays': '7,14,30' },
      'Invalid context "watcher:tiersDays": tiersDays must be strictly descending (e.g. [30, 14, 7]), got [7, 14, 30]',
    ],
    [
      'a non-numeric tier',
      { 'watcher:tiersDays': '30,two' },
      'Invalid context "watcher:tiersDays": item 1 must be a number, got "two"',
    ],
    [
      'criticalDays above the default warning window',
      { 'watcher:criticalDays': 45 },
      'Invalid context "watcher:criticalDays": criticalDays (45) must not exceed the warning window (30 days)',
    ],
    [
      'an AWS-reserved event source',
      { 'watcher:eventSource': 'aws.acm' },
      'Invalid context "watcher:eventSource": eventSource must be 1-256 characters',
    ],
    [
      'a negative archive retention',
      { 'watcher:archiveRetentionDays': -1 },
      'Invalid context "watcher:archiveRetentionDays": must be a whole number of at least 0, got -1',
    ],
    [
      'a malformed email address',
      { 'watcher:opsEmailAddresses': ['ops.example.com'] },
      `Invalid context "watcher:opsEmailAddresses": opsEmailAddresses[0] is not an email address, got 'ops.example.com'`,
    ],
    [
      'a log retention CloudWatch Logs does not offer',
      { 'watcher:logRetentionDays': 10 },
      'Invalid context "watcher:logRetentionDays": must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14,',
    ],
    [
      'an invalid stack name',
      { 'watcher:stackName': 'cert_watcher' },
      'Invalid context "watcher:stackName": must start with a letter and contain only letters, digits and hyphens (at most 128), got "cert_watcher"',
    ],
  ])('rejects %s, naming the key', (_case, context, message) => {
    expect(() => parseWatcherContext(context)).toThrow(InvalidContextError);
    expect(() => parseWatcherContext(context)).toThrow(message);
  });

  it('ignores context keys outside the watcher: prefix', () => {
    expect(parseWatcherContext({ '@aws-cdk/core:checkSecretUsage': true, other: 'x' }).watcherProps).toEqual(
      {},
    );
  });
});

describe('endpoint context keys', () => {
  const files: Record<string, string> = {
    'endpoints.yaml':
      'targets:\n  - host: api.example.com\n  - host: mail.example.com\n    port: 587\n    owner: mail@example.com\n',
    'ca.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    'not-ca.pem': 'hello',
  };
  const read = (file: string) => {
    const text = files[file];
    if (text === undefined) throw new Error(`ENOENT: no such file ${file}`);
    return text;
  };

  it('reads endpoints from the list and the file, and probe settings', () => {
    const { watcherProps } = parseWatcherContext(
      {
        'watcher:endpoints': ['db.example.com:5432', { host: 'ldap.example.com', starttls: 'ldap' }],
        'watcher:endpointsFile': 'endpoints.yaml',
        'watcher:probeTargetsPerBatch': '50',
        'watcher:probeMaxConcurrency': 20,
        'watcher:probeTimeoutSeconds': 5,
        'watcher:caBundleFile': 'ca.pem',
      },
      read,
    );
    expect(watcherProps.endpoints).toEqual([
      { host: 'db.example.com', port: 5432 },
      { host: 'ldap.example.com', port: 389, starttls: 'ldap' },
      { host: 'api.example.com', port: 443 },
      { host: 'mail.example.com', port: 587, owner: 'mail@example.com' },
    ]);
    expect(watcherProps.endpointProbes).toEqual({
      targetsPerBatch: 50,
      maxConcurrency: 20,
      probeTimeout: Duration.seconds(5),
      caBundlePem: files['ca.pem'],
    });
  });

  it('accepts a comma-separated endpoint list from -c', () => {
    expect(
      parseWatcherContext({ 'watcher:endpoints': 'a.example.com, b.example.com:8443' }).watcherProps
        .endpoints,
    ).toEqual([
      { host: 'a.example.com', port: 443 },
      { host: 'b.example.com', port: 8443 },
    ]);
  });

  it('refuses a context file over 16 MiB before reading it, and reads one at the limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cew-context-file-'));
    try {
      const big = join(dir, 'endpoints.txt');
      writeFileSync(big, 'a.example.com\n');
      truncateSync(big, MAX_CONTEXT_FILE_BYTES + 1); // sparse: no 16 MiB written
      expect(() => parseWatcherContext({ 'watcher:endpointsFile': big })).toThrow(
        `Invalid context "watcher:endpointsFile": cannot read ${big}: it has ${MAX_CONTEXT_FILE_BYTES + 1} bytes, more than the ${MAX_CONTEXT_FILE_BYTES} a context file may have`,
      );
      const ok = join(dir, 'ok.txt');
      writeFileSync(ok, 'a.example.com\n');
      expect(parseWatcherContext({ 'watcher:endpointsFile': ok }).watcherProps.endpoints).toEqual([
        { host: 'a.example.com', port: 443 },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ 'watcher:endpoints': ['bad host!'] }, 'Invalid context "watcher:endpoints":'],
    [
      { 'watcher:endpoints': [{ host: 'a.example.com', starttls: 'smtps' }] },
      "unknown STARTTLS protocol 'smtps'",
    ],
    [
      { 'watcher:endpointsFile': 'missing.yaml' },
      'Invalid context "watcher:endpointsFile": cannot read missing.yaml',
    ],
    [
      { 'watcher:endpoints': ['a.example.com'], 'watcher:caBundleFile': 'not-ca.pem' },
      'not-ca.pem holds no PEM certificate',
    ],
    [{ 'watcher:probeMaxConcurrency': 20 }, 'probe settings are set but no endpoints are configured'],
    [
      { 'watcher:endpoints': ['a.example.com'], 'watcher:probeMaxConcurrency': 1 },
      'must be a whole number of at least 2',
    ],
  ])('rejects %j', (context, message) => {
    expect(() => parseWatcherContext(context, read)).toThrow(InvalidContextError);
    expect(() => parseWatcherContext(context, read)).toThrow(message);
  });
});

describe('fan-out context keys', () => {
  it('reads SMS numbers, webhook destinations, chat channels and routing from cdk.json values or -c JSON strings', () => {
    const { watcherProps } = parseWatcherContext({
      'watcher:smsPhoneNumbers': '+14155550123,+4915112345678',
      'watcher:webhookDestinations': '[{"name":"ops","kind":"slack","secretId":"cert-watch/slack"}]',
      'watcher:slackChannels': [
        { configurationName: 'certs', slackWorkspaceId: 'T01', slackChannelId: 'C01' },
      ],
      'watcher:routing': { sms: [{ detailTypes: ['Certificate Expired'] }] },
    });
    expect(watcherProps.smsPhoneNumbers).toEqual(['+14155550123', '+4915112345678']);
    expect(watcherProps.webhookDestinations).toEqual([
      { name: 'ops', kind: 'slack', secretId: 'cert-watch/slack' },
    ]);
    expect(watcherProps.slackChannels).toEqual([
      { configurationName: 'certs', slackWorkspaceId: 'T01', slackChannelId: 'C01' },
    ]);
    expect(watcherProps.routing).toEqual({ sms: [{ detailTypes: ['Certificate Expired'] }] });
  });

  it.each([
    [
      { 'watcher:webhookDestinations': '{not json' },
      'Invalid context "watcher:webhookDestinations": must be JSON',
    ],
    [{ 'watcher:webhookDestinations': '{"name":"x"}' }, 'must be a JSON array'],
    [{ 'watcher:routing': '[]' }, 'Invalid context "watcher:routing": must be a JSON object'],
  ])('rejects %j', (context, message) => {
    expect(() => parseWatcherContext(context)).toThrow(message);
  });
});
