import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateExpiryWatcher } from '../../lib';
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

  it('runs the inventory on a 6-hour schedule, retrying into the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(6 hours)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherInventory[0-9A-F]{8}$'), 'Arn'] },
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

  it('runs the inventory on Node.js 24 on arm64 with every environment variable the handler reads', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 300,
      MemorySize: 512,
      Environment: {
        Variables: {
          EVENT_BUS_NAME: { Ref: Match.stringLikeRegexp('^WatcherBus') },
          EVENT_SOURCE: 'cert-expiry-watcher',
          WATCHER_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
          WATCHER_SOURCES: {
            'Fn::Join': ['', ['[{"kind":"acm","regions":["', { Ref: 'AWS::Region' }, '"]}]']],
          },
          TIERS_DAYS: '30,14,7,3,1',
          CRITICAL_DAYS: '7',
          METRICS_NAMESPACE: 'CertExpiryWatcher',
          WATCHER_ID: 'TestStack/Watcher',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^WatcherInventoryLogGroup') } },
      DeadLetterConfig: {
        TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherDeadLetterQueue'), 'Arn'] },
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    expect(watcher.watcherId).toBe('TestStack/Watcher');
  });

  it('bundles the handler with source maps and the AWS SDK inside the bundle', () => {
    const bundles = readdirSync(assemblyDir)
      .filter((d) => d.startsWith('asset.'))
      .map((d) => path.join(assemblyDir, d))
      .filter((d) => existsSync(path.join(d, 'index.js')));
    // The inventory and the alert fan-out.
    expect(bundles).toHaveLength(2);
    for (const bundle of bundles) {
      expect(existsSync(path.join(bundle, 'index.js.map'))).toBe(true);
      const code = readFileSync(path.join(bundle, 'index.js'), 'utf8');
      const sdkRequires = new Set([...code.matchAll(/require\("(@aws-sdk\/[^"]+)"\)/g)].map((m) => m[1]));
      // Only the SDK's optional CRT signer (SigV4a, loaded in a try/catch) stays external.
      expect([...sdkRequires].filter((m) => m !== '@aws-sdk/signature-v4-crt')).toEqual([]);
    }
  });

  it('gives the function its own log group with a one-month retention', () => {
    // The inventory's and the alert fan-out's.
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
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

  it('alarms on inventory errors and on dead-lettered invocations', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^WatcherInventory[0-9A-F]{8}$') } },
      ],
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^WatcherOpsTopic') }],
    });
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

  it('encrypts the ops topic with a rotating key that CloudWatch alarms may use', () => {
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

  it('encrypts the dead-letter queue and refuses plain HTTP', () => {
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('grants the inventory exactly ListCertificates, DescribeCertificate, PutEvents, the state table, its own logs and queue', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'acm:ListCertificates', Resource: '*' }),
          Match.objectLike({
            Action: 'acm:DescribeCertificate',
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
    const actions = Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .filter(([id]) => id.startsWith('WatcherInventory'))
      .flatMap(([, p]) => statementsOf(p.Properties.PolicyDocument))
      .flatMap(actionsOf)
      .sort();
    expect(actions).toEqual([
      'acm:DescribeCertificate',
      'acm:ListCertificates',
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'events:PutEvents',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
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
    expect(secondAlarms).toHaveLength(3);
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
