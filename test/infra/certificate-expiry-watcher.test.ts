import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateExpiryWatcher } from '../../lib';
import { LAMBDA_CHUNK_DIR, LAMBDA_ENTRY_FILE } from '../../lib/lambda-bundling';
import { watcherStack } from './stacks';

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Principal?: unknown };
type Resource = { Type: string; Properties: Record<string, unknown> };

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const statementsOf = (doc: unknown): Statement[] => (doc as { Statement: Statement[] }).Statement;

describe('CertificateExpiryWatcher with default props', () => {
  let template: Template;
  let watcher: CertificateExpiryWatcher;
  let assemblyDir: string;

  beforeAll(() => {
    // The one real esbuild run of this file: proves bundling works without Docker.
    const built = watcherStack({}, { bundle: true });
    watcher = built.watcher;
    template = Template.fromStack(built.stack);
    assemblyDir = built.app.synth().directory;
  });

  it('runs the scan planner on a 6-hour schedule, retrying into the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(6 hours)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherScanPlanner[0-9A-F]{8}$'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2 },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherDeadLetterQueue'), 'Arn'] },
          },
        }),
      ],
    });
  });

  it('creates one custom bus with an archive of the watcher events', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherBus'), 'Arn'] },
      EventPattern: { source: ['cert-expiry-watcher'] },
      RetentionDays: 365,
    });
  });

  it('runs the planner and the ACM scan worker on Node.js 24 on arm64 with every environment variable the handlers read', () => {
    const shared = {
      EVENT_BUS_NAME: { Ref: Match.stringLikeRegexp('^WatcherBus') },
      EVENT_SOURCE: 'cert-expiry-watcher',
      WATCHER_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
      WATCHER_SOURCES: {
        'Fn::Join': ['', ['[{"kind":"acm","regions":["', { Ref: 'AWS::Region' }, '"]}]']],
      },
      WATCHER_ACCOUNTS: '{"mode":"self"}',
      MEMBER_ROLE_NAME: 'cert-expiry-watcher-reader',
      WATCHER_PARTITION: { Ref: 'AWS::Partition' },
      COVERAGE_GAP_PERIODS: '3',
      TIERS_DAYS: '30,14,7,3,1',
      CRITICAL_DAYS: '7',
      METRICS_NAMESPACE: 'CertExpiryWatcher',
      WATCHER_ID: 'TestStack/Watcher',
      NODE_OPTIONS: '--enable-source-maps',
    };
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 300,
      MemorySize: 512,
      Environment: { Variables: Match.objectLike(shared) },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^WatcherScanAcmWorkerLogGroup') } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({ ...shared, SCAN_QUEUES: Match.anyValue() }),
      },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^WatcherScanPlannerLogGroup') } },
      DeadLetterConfig: {
        TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherDeadLetterQueue'), 'Arn'] },
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    expect(watcher.watcherId).toBe('TestStack/Watcher');
  });

  it('feeds the ACM worker from its own encrypted queue, one unit at a time, with bounded concurrency and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 1800,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherDeadLetterQueue'), 'Arn'] },
        maxReceiveCount: 3,
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('^WatcherScanAcmWorker[0-9A-F]{8}$') },
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: 4 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('bundles the handler with source maps and the AWS SDK inside the bundle', () => {
    const bundles = readdirSync(assemblyDir)
      .filter((d) => d.startsWith('asset.'))
      .map((d) => path.join(assemblyDir, d))
      .filter((d) => existsSync(path.join(d, LAMBDA_ENTRY_FILE)));
    // The scan planner, the ACM scan worker, the alert fan-out and the scheduled report.
    expect(bundles).toHaveLength(4);
    for (const bundle of bundles) {
      expect(existsSync(path.join(bundle, `${LAMBDA_ENTRY_FILE}.map`))).toBe(true);
      const code = [LAMBDA_ENTRY_FILE, ...readdirSync(path.join(bundle, LAMBDA_CHUNK_DIR))]
        .filter((f) => f.endsWith('.mjs'))
        .map((f) =>
          readFileSync(
            path.join(bundle, f === LAMBDA_ENTRY_FILE ? f : path.join(LAMBDA_CHUNK_DIR, f)),
            'utf8',
          ),
        )
        .join('\n');
      const sdkRequires = new Set(
        [...code.matchAll(/(?:require\(|import\(|from)\s*"(@aws-sdk\/[^"]+)"/g)].map((m) => m[1]),
      );
      // Only the SDK's optional CRT signer (SigV4a, loaded in a try/catch) stays external.
      expect([...sdkRequires].filter((m) => m !== '@aws-sdk/signature-v4-crt')).toEqual([]);
    }
  });

  it('gives the function its own log group with a one-month retention', () => {
    // The planner's, the ACM worker's, the alert fan-out's and the scheduled report's.
    template.resourceCountIs('AWS::Logs::LogGroup', 4);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('alarms when no scan succeeded within 1.5 x the interval, treating silence as failure', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CertExpiryWatcher',
      MetricName: 'ScanSucceeded',
      Dimensions: [{ Name: 'Watcher', Value: 'TestStack/Watcher' }],
      Statistic: 'Sum',
      Period: 9 * 3600,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^WatcherOpsTopic') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^WatcherOpsTopic') }],
    });
  });

  it('alarms while a scope is in a coverage gap, at the heartbeat period, silence not breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CertExpiryWatcher',
      MetricName: 'ScopesInCoverageGap',
      Dimensions: [{ Name: 'Watcher', Value: 'TestStack/Watcher' }],
      Statistic: 'Maximum',
      Period: 9 * 3600,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp('not been scanned successfully for 3 periods'),
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^WatcherOpsTopic') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^WatcherOpsTopic') }],
    });
  });

  it('alarms on scan errors (planner and workers together) and on dead-lettered invocations', () => {
    // Besides these: heartbeat, coverage gap, ScopesFailed, scan queue age, fan-out errors,
    // FanoutFailed, EventsUndeliverable, the reminder's failures, the scheduled report's errors
    // (test/infra/ops-alarms.test.ts).
    template.resourceCountIs('AWS::CloudWatch::Alarm', 11);
    const errors = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find((a) =>
      JSON.stringify(a).includes('"Expression":"planner + acm"'),
    );
    expect(errors?.Properties).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
    const metrics = (
      (errors?.Properties.Metrics ?? []) as {
        MetricStat?: { Metric: { MetricName: string; Dimensions: { Value: { Ref: string } }[] } };
      }[]
    ).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
    expect(metrics.map((m) => m.MetricName)).toEqual(['Errors', 'Errors']);
    expect(metrics.map((m) => m.Dimensions[0]?.Value.Ref).sort()).toEqual([
      expect.stringMatching(/^WatcherScanAcmWorker[0-9A-F]{8}$/),
      expect.stringMatching(/^WatcherScanPlanner[0-9A-F]{8}$/),
    ]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherDeadLetterQueue'), 'QueueName'] },
        },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^WatcherOpsTopic') }],
    });
  });

  it("encrypts the ops topic with a rotating key that only this account's CloudWatch alarms may use", () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherOpsTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            // Confused deputy: only alarms of this account and region (CloudWatch and SNS docs).
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':cloudwatch:',
                      { Ref: 'AWS::Region' },
                      ':',
                      { Ref: 'AWS::AccountId' },
                      ':alarm:*',
                    ],
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });

  it('encrypts the dead-letter and scan queues and refuses plain HTTP', () => {
    // The dead-letter queue and the ACM scan queue.
    template.resourceCountIs('AWS::SQS::Queue', 2);
    for (const queue of Object.values(template.findResources('AWS::SQS::Queue')))
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    template.resourceCountIs('AWS::SQS::QueuePolicy', 2);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('grants the ACM worker exactly ListCertificates, DescribeCertificate, PutEvents, the state table, its logs and queue; the planner only its logs, the table, the bus and sending to the queue', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'acm:ListCertificates', Resource: '*' }),
          Match.objectLike({
            Action: ['acm:DescribeCertificate', 'acm:ListTagsForCertificate'],
            // Exactly the configured region, never acm:*.
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':acm:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':certificate/*',
                ],
              ],
            },
          }),
          Match.objectLike({
            Action: 'events:PutEvents',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherBus'), 'Arn'] },
          }),
        ]),
      },
    });
    const actionsOfRole = (prefix: string) =>
      Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
        .filter(([id]) => id.startsWith(prefix))
        .flatMap(([, p]) => statementsOf(p.Properties.PolicyDocument))
        .flatMap(actionsOf)
        .sort();
    const table = [
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ];
    expect(actionsOfRole('WatcherScanAcmWorker')).toEqual([
      'acm:DescribeCertificate',
      'acm:ListCertificates',
      // The certificate's tags route its alert to its owner (read only for reported certificates).
      'acm:ListTagsForCertificate',
      ...table,
      'events:PutEvents',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      // Consuming its queue (the event source mapping).
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
    expect(actionsOfRole('WatcherScanPlanner')).toEqual([
      ...table,
      'events:PutEvents',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
      'sqs:SendMessage',
    ]);
  });

  it('uses no wildcard action in any IAM policy and Resource "*" only for acm:ListCertificates', () => {
    const statements = Object.values(
      template.findResources('AWS::IAM::Policy') as Record<string, Resource>,
    ).flatMap((p) => statementsOf(p.Properties.PolicyDocument));
    for (const s of statements) {
      for (const action of actionsOf(s)) expect(action).not.toContain('*');
    }
    const starResources = statements.filter((s) => JSON.stringify(s.Resource).includes('"*"'));
    expect(starResources.map(actionsOf)).toEqual([['acm:ListCertificates']]);
  });

  it('allows wildcard actions in resource policies only for the KMS key administration by the account', () => {
    const docs: unknown[] = [
      ...Object.values(template.findResources('AWS::KMS::Key') as Record<string, Resource>).map(
        (r) => r.Properties.KeyPolicy,
      ),
      ...Object.values(template.findResources('AWS::SNS::TopicPolicy') as Record<string, Resource>).map(
        (r) => r.Properties.PolicyDocument,
      ),
      ...Object.values(template.findResources('AWS::SQS::QueuePolicy') as Record<string, Resource>).map(
        (r) => r.Properties.PolicyDocument,
      ),
    ];
    const broadAllows = docs
      .flatMap(statementsOf)
      .filter((s) => s.Effect === 'Allow' && actionsOf(s).some((a) => a === '*' || a.endsWith(':*')));
    // One per key: the ops topic's and the alert topics'.
    const accountAdmin = expect.objectContaining({
      Action: 'kms:*',
      Principal: { AWS: expect.objectContaining({ 'Fn::Join': expect.anything() }) },
    });
    expect(broadAllows).toEqual([accountAdmin, accountAdmin]);
  });

  it('attaches no AWS managed policy to any role', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role') as Record<string, Resource>)) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('exposes metrics with the watcher dimension', () => {
    const metric = watcher.metricScanSucceeded();
    expect(metric.namespace).toBe('CertExpiryWatcher');
    expect(metric.metricName).toBe('ScanSucceeded');
    expect(metric.dimensions).toEqual({ Watcher: 'TestStack/Watcher' });
    expect(metric.statistic).toBe('Sum');
    expect(watcher.metricScopesFailed().statistic).toBe('Sum');
    expect(watcher.metricCertificatesExpiring().statistic).toBe('Maximum');
    expect(watcher.metricCertificatesExpired({ period: Duration.hours(1) }).period.toSeconds()).toBe(3600);
  });
});

describe('CertificateExpiryWatcher with custom props', () => {
  let template: Template;

  beforeAll(() => {
    const { stack } = watcherStack(
      {
        regions: ['eu-west-1', 'us-east-1'],
        scanInterval: Duration.minutes(45),
        tiersDays: [60, 30, 10],
        criticalDays: 10,
        eventSource: 'acme.certificates',
        eventBusName: 'certificates',
        archiveRetention: Duration.days(30),
        opsEmailAddresses: ['ops@example.com', 'sre@example.com'],
        inventoryTimeout: Duration.minutes(2),
        inventoryMemorySizeMb: 1024,
      },
      { stackName: 'Custom' },
    );
    template = Template.fromStack(stack);
  });

  it('passes the configuration to the inventory function', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 120,
      MemorySize: 1024,
      Environment: {
        Variables: Match.objectLike({
          WATCHER_SOURCES: '[{"kind":"acm","regions":["eu-west-1","us-east-1"]}]',
          TIERS_DAYS: '60,30,10',
          CRITICAL_DAYS: '10',
          EVENT_SOURCE: 'acme.certificates',
          WATCHER_ID: 'Custom/Watcher',
        }),
      },
    });
  });

  it('names the bus, archives its own source and subscribes every ops address', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'certificates' });
    template.hasResourceProperties('AWS::Events::Archive', {
      EventPattern: { source: ['acme.certificates'] },
      RetentionDays: 30,
    });
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'sre@example.com',
    });
  });

  it('rounds the heartbeat period up to whole minutes (45 min x 1.5 = 67.5 -> 68 min)', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(45 minutes)' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ScanSucceeded',
      Period: 68 * 60,
    });
  });
});

describe('CertificateExpiryWatcher with a topic of your own', () => {
  it('sends every alarm to that topic and creates no topic or key', () => {
    const { stack } = watcherStack({}, { stackName: 'Byo' });
    // A second watcher in the same stack shows the construct is reusable.
    const topic = sns.Topic.fromTopicArn(stack, 'Existing', 'arn:aws:sns:eu-west-1:111122223333:ops');
    new CertificateExpiryWatcher(stack, 'Second', {
      opsTopic: topic,
      opsEmailAddresses: ['ops@example.com'],
    });
    const template = Template.fromStack(stack);

    const secondAlarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { AlarmActions: ['arn:aws:sns:eu-west-1:111122223333:ops'] },
      }),
    );
    // Heartbeat, scan errors, ScopesFailed, scan queue age, DLQ, coverage gap, fan-out errors,
    // FanoutFailed, EventsUndeliverable, the reminder's own failures and the report's errors.
    expect(secondAlarms).toHaveLength(11);
    // One ops topic and key (the first watcher's); each watcher has its alert topics and key.
    expect(
      Object.keys(template.findResources('AWS::SNS::Topic')).filter((id) => !id.includes('Alerts')),
    ).toHaveLength(1);
    expect(
      Object.keys(template.findResources('AWS::KMS::Key')).filter((id) => !id.includes('Alerts')),
    ).toHaveLength(1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: 'arn:aws:sns:eu-west-1:111122223333:ops',
      Endpoint: 'ops@example.com',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ScanSucceeded',
      Dimensions: [{ Name: 'Watcher', Value: 'Byo/Second' }],
    });
  });
});
