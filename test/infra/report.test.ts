import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateExpiryWatcher } from '../../lib';
import { parseWatcherContext } from '../../lib/context';
import { acknowledgments, actionsOf, type Statement, watcherStack } from './stacks';

const reportPolicy = (template: Template): Statement[] =>
  Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith('WatcherReportFunctionRole'))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

const reportFunction = (template: Template) => {
  const fns = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) =>
    id.startsWith('WatcherReportFunction'),
  );
  expect(fns).toHaveLength(1);
  return fns[0]?.[1] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
};

describe('the scheduled report (default props)', () => {
  let stack: Stack;
  let template: Template;
  beforeAll(() => {
    ({ stack } = watcherStack());
    template = Template.fromStack(stack);
  });

  it('creates a report bucket: SSE-S3, versioned, all public access blocked, access logs to its own bucket', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2);
    const buckets = template.findResources('AWS::S3::Bucket');
    const reportId = Object.keys(buckets).find((id) => id.startsWith('WatcherReportBucket')) as string;
    const logsId = Object.keys(buckets).find((id) => id.startsWith('WatcherReportAccessLogs')) as string;
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'reports-bucket/' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(buckets[reportId]?.DeletionPolicy).toBe('Retain');
  });

  it('expires dated reports after 400 days and noncurrent versions after 30', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          { Id: 'ExpireDatedReports', Prefix: 'reports/', ExpirationInDays: 400, Status: 'Enabled' },
          {
            Id: 'ExpireNoncurrentVersions',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            ExpiredObjectDeleteMarker: true,
            Status: 'Enabled',
          },
        ],
      },
    });
  });

  it('denies every request to the report bucket without TLS', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    const denies = policies.flatMap((p) =>
      p.Properties.PolicyDocument.Statement.filter(
        (s: { Effect: string; Condition?: unknown }) =>
          s.Effect === 'Deny' && JSON.stringify(s.Condition) === '{"Bool":{"aws:SecureTransport":"false"}}',
      ),
    );
    // Both buckets: the reports and their access logs.
    expect(denies).toHaveLength(2);
    for (const d of denies) expect(d.Action).toBe('s3:*');
  });

  it('runs the report function every Monday at 08:00 UTC, retried twice, then dead-lettered', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 8 ? * MON *)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherReportFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2 },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherDeadLetterQueue'), 'Arn'] },
          },
        }),
      ],
    });
  });

  it('gives the function the bucket, the digest settings and the chat topic', () => {
    const env = reportFunction(template).Properties.Environment.Variables;
    expect(env).toMatchObject({
      REPORT_BUCKET: { Ref: expect.stringMatching(/^WatcherReportBucket/) },
      REPORT_DIGEST:
        '{"enabled":true,"sections":["counts","soonest","changes","coverage","link"],"soonest":10}',
      CHAT_TOPIC_ARN: { Ref: expect.stringMatching(/^WatcherAlertsChatTopic/) },
      STATE_TABLE_NAME: { Ref: expect.stringMatching(/^WatcherStateTable/) },
      EVENT_SOURCE: 'cert-expiry-watcher',
      // Graded as the alerts are: the watcher's tiers.
      TIERS_DAYS: expect.any(String),
      CRITICAL_DAYS: expect.any(String),
    });
  });

  it('grants least privilege: read the state table, write the two prefixes, read one key, publish to chat, dead-letter', () => {
    const statements = reportPolicy(template);
    expect(actionsOf(statements).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
      'sns:Publish',
      // The function's asynchronous-invocation DLQ (the watcher's).
      'sqs:SendMessage',
    ]);
    const text = JSON.stringify(statements);
    expect(text).not.toMatch(/dynamodb:(PutItem|UpdateItem|DeleteItem)|s3:DeleteObject|s3:\*/);
    const bySid = Object.fromEntries(statements.filter((s) => s.Sid).map((s) => [s.Sid, s]));
    const keysOf = (r: unknown) => (JSON.stringify(r).match(/\/(reports|latest)\/[a-z.*]+/g) ?? []).sort();
    expect(keysOf(bySid.WriteReports?.Resource)).toEqual([
      '/latest/report.csv',
      '/latest/report.html',
      '/latest/report.json',
      '/reports/*',
    ]);
    expect(keysOf(bySid.ReadPreviousReport?.Resource)).toEqual(['/latest/report.json']);
    expect(bySid.ListPreviousReport?.Condition).toEqual({
      StringEquals: { 's3:prefix': 'latest/report.json' },
    });
    expect(JSON.stringify(bySid.QueryCoverageIndex?.Resource)).toContain('/index/by-scope');
  });

  it('alarms ops when the function fails', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^WatcherReportFunction') } },
      ],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^WatcherOpsTopic') }],
      AlarmDescription: Match.stringLikeRegexp('^The scheduled certificate report failed'),
    });
  });

  it('publishes the bucket name as an output and in the SSM parameter cert-watch reads', () => {
    template.hasOutput('*', {
      Value: { Ref: Match.stringLikeRegexp('^WatcherReportBucket') },
      Description: Match.stringLikeRegexp('S3 bucket of the scheduled reports'),
    });
    const params = Object.values(template.findResources('AWS::SSM::Parameter'));
    expect(JSON.stringify(params[0]?.Properties.Value)).toContain('\\"reportBucketName\\":\\"');
  });

  it('acknowledges only findings that really occur: the dated prefix wildcard and the log bucket access logs', () => {
    const acks = Object.entries(acknowledgments(stack)).filter(([k]) => k.includes('/Report/'));
    expect(acks.map(([k]) => k).sort()).toEqual([
      'TestStack/Watcher/Report/AccessLogs: AwsSolutions-S1',
      expect.stringMatching(
        /^TestStack\/Watcher\/Report\/FunctionRole: AwsSolutions-IAM5\[Resource::<WatcherReportBucket[0-9A-F]+\.Arn>\/reports\/\*\]$/,
      ),
    ]);
    for (const [, reason] of acks) expect(reason.length).toBeGreaterThan(60);
    // The same policy without the acknowledgement raises exactly that finding.
    const probe = new Stack(undefined, 'Probe');
    new iam.CfnPolicy(probe, 'Policy', {
      policyName: 'probe',
      roles: ['probe'],
      policyDocument: { Statement: reportPolicy(template) },
    });
    const findings = new AwsSolutionsChecks().validateScope(probe).violations.map((v) => v.ruleName);
    expect(findings).toEqual([acks[1]?.[0].slice(acks[1][0].indexOf(': ') + 2)]);
    const bare = new Stack(undefined, 'Bare');
    new s3.Bucket(bare, 'Logs', { enforceSSL: true });
    expect(new AwsSolutionsChecks().validateScope(bare).violations.map((v) => v.ruleName)).toEqual([
      'AwsSolutions-S1',
    ]);
  });
});

describe('report settings', () => {
  it('takes a schedule, a retention and digest settings; the digest off leaves the chat topic out', () => {
    const { stack } = watcherStack({
      report: {
        schedule: events.Schedule.cron({ weekDay: 'FRI', hour: '16', minute: '30' }),
        retentionDays: 90,
        digest: { enabled: false },
      },
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(30 16 ? * FRI *)' });
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 90 })]) },
    });
    expect(reportFunction(t).Properties.Environment.Variables).not.toHaveProperty('CHAT_TOPIC_ARN');
    expect(actionsOf(reportPolicy(t))).not.toContain('sns:Publish');
  });

  it('synthesizes in an app without the cdk.json feature flags: the log bucket then takes the log-delivery ACL', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Flagless');
    new CertificateExpiryWatcher(stack, 'Watcher', { opsAlarms: { acknowledgeNoSubscriber: true } });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::S3::Bucket', {
      AccessControl: 'LogDeliveryWrite',
      OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'reports-bucket/' }),
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it('creates no bucket, function or schedule when turned off', () => {
    const { stack, watcher } = watcherStack({ report: { enabled: false } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::S3::Bucket', 0);
    expect(watcher.report).toBeUndefined();
    expect(JSON.stringify(t.findResources('AWS::SSM::Parameter'))).not.toContain('reportBucketName');
  });

  it.each([
    [{ retentionDays: 0 }, 'report.retentionDays must be a whole number of days from 1 to 3650, got 0'],
    [{ digest: { soonest: 100 } }, 'report.digest.soonest must be a whole number from 1 to 25, got 100'],
  ])('refuses %j naming the prop', (report, message) => {
    expect(() => watcherStack({ report })).toThrow(message);
  });

  it('reads watcher:report* context keys, naming the key in errors', () => {
    const { watcherProps } = parseWatcherContext({
      'watcher:report': 'true',
      'watcher:reportSchedule': 'cron(0 6 ? * MON-FRI *)',
      'watcher:reportRetentionDays': '30',
      'watcher:reportDigest': '{"sections":["counts","soonest"],"soonest":5}',
      'watcher:dashboard': 'false',
    });
    expect(watcherProps.report?.retentionDays).toBe(30);
    expect(watcherProps.report?.schedule?.expressionString).toBe('cron(0 6 ? * MON-FRI *)');
    expect(watcherProps.report?.digest).toEqual({ sections: ['counts', 'soonest'], soonest: 5 });
    expect(watcherProps.dashboard).toEqual({ enabled: false });
    expect(parseWatcherContext({ 'watcher:report': false }).watcherProps.report).toEqual({ enabled: false });
    expect(() => parseWatcherContext({ 'watcher:reportSchedule': 'every monday' })).toThrow(
      'Invalid context "watcher:reportSchedule": must be a schedule expression such as cron(0 8 ? * MON *) or rate(7 days), got "every monday"',
    );
    expect(() => parseWatcherContext({ 'watcher:reportDigest': '{"soonest":0}' })).toThrow(
      'Invalid context "watcher:reportDigest": report.digest.soonest must be a whole number from 1 to 25, got 0',
    );
  });
});
