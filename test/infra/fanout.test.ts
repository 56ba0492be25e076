import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING } from '../../lambda/channels/routing';
import {
  CertificateExpiryWatcher,
  type CertificateExpiryWatcherProps,
  InvalidWatcherConfigError,
} from '../../lib';
import { sampleEvents } from '../support/webhook-receivers';
import { acknowledgments, OPS_OPT_OUT, testApp, watcherStack } from './stacks';

type Resource = { Type: string; Properties: Record<string, unknown> };

const ALERT_TYPES = [
  'Certificate Deployed',
  'Certificate Expired',
  'Certificate Expiring',
  'Certificate Group',
  'Certificate Not Deployed',
  'Certificate Not Yet Valid',
  'Certificate Now Valid',
  'Certificate Removed',
  'Certificate Renewed',
  'Endpoint Check Failed',
  'Endpoint Misconfigured',
  'Endpoint Recovered',
];

const FULL: CertificateExpiryWatcherProps = {
  smsPhoneNumbers: ['+14155550123', '+447700900123'],
  webhookDestinations: [
    { name: 'platform-slack', kind: 'slack', secretId: 'cert-watch/slack-platform' },
    {
      name: 'siem',
      kind: 'webhook',
      secretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cert-watch/siem-AbCdEf',
      detailTypes: ['Certificate Expired'],
    },
  ],
  slackChannels: [
    { configurationName: 'cert-alerts', slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' },
  ],
  teamsChannels: [
    {
      configurationName: 'cert-alerts-teams',
      teamId: '11111111-2222-3333-4444-555555555555',
      teamsTenantId: '66666666-7777-8888-9999-000000000000',
      teamsChannelId: '19%3Aabc%40thread.tacv2',
    },
  ],
};

const ref = (prefix: string) => ({ Ref: Match.stringLikeRegexp(`^${prefix}`) });

describe('alert fan-out with default props', () => {
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(watcherStack().stack);
  });

  it('creates the chat, SMS and tickets topics, each encrypted with one rotating KMS key', () => {
    for (const id of ['ChatTopic', 'SmsTopic', 'TicketsTopic']) {
      expect(
        Object.keys(template.findResources('AWS::SNS::Topic')).some((k) =>
          k.startsWith(`WatcherAlerts${id}`),
        ),
      ).toBe(true);
    }
    const alertTopics = Object.entries(
      template.findResources('AWS::SNS::Topic') as Record<string, Resource>,
    ).filter(([id]) => id.startsWith('WatcherAlerts'));
    expect(alertTopics).toHaveLength(3);
    for (const [, topic] of alertTopics) {
      expect(topic.Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^WatcherAlertsTopicKey/), 'Arn'],
      });
    }
    // SNS may prefix SMS text with the display name: the SMS topic has none.
    const sms = alertTopics.find(([id]) => id.startsWith('WatcherAlertsSmsTopic'))?.[1];
    expect(sms?.Properties.DisplayName).toBeUndefined();
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: 'Encrypts the cert-expiry-watcher chat, SMS and tickets topics',
      EnableKeyRotation: true,
    });
  });

  it('refuses publishing over plain HTTP on every alert topic', () => {
    for (const topic of ['WatcherAlertsChatTopic', 'WatcherAlertsSmsTopic', 'WatcherAlertsTicketsTopic']) {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [ref(topic)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sns:Publish',
              Principal: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('routes source + the routed detail-types (not Scan Completed) to the fan-out, retrying into the DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: ref('WatcherBus'),
      EventPattern: { source: ['cert-expiry-watcher'], 'detail-type': ALERT_TYPES },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherAlertsFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2 },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherDeadLetterQueue'), 'Arn'] },
          },
        }),
      ],
    });
  });

  it('is invoked for the events the fan-out integration tests publish, and not for Scan Completed', () => {
    const rules = Object.values(
      template.findResources('AWS::Events::Rule') as Record<
        string,
        { Properties: { EventPattern?: { source: string[]; 'detail-type': string[] }; Targets?: unknown } }
      >,
    ).filter((r) => JSON.stringify(r.Properties.Targets).includes('AlertsFunction'));
    expect(rules).toHaveLength(1);
    const pattern = rules[0]?.Properties.EventPattern;
    expect(pattern?.source).toEqual(['cert-expiry-watcher']);
    for (const e of [sampleEvents.expiring(), sampleEvents.expired(), sampleEvents.renewed()]) {
      expect(pattern?.['detail-type']).toContain(e['detail-type']);
    }
    expect(pattern?.['detail-type']).not.toContain('Scan Completed');
  });

  it('gives the fan-out the topic ARNs and the default routing, dead-lettering failed async invocations', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          CHAT_TOPIC_ARN: ref('WatcherAlertsChatTopic'),
          SMS_TOPIC_ARN: ref('WatcherAlertsSmsTopic'),
          TICKETS_TOPIC_ARN: ref('WatcherAlertsTicketsTopic'),
          ROUTING: JSON.stringify(DEFAULT_ROUTING),
        }),
      },
      DeadLetterConfig: {
        TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherDeadLetterQueue'), 'Arn'] },
      },
    });
  });

  it('lets the fan-out publish to exactly the three topics and use the topic key, with no wildcard action', () => {
    const [policy] = Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .filter(([id]) => id.startsWith('WatcherAlertsFunction'))
      .map(
        ([, p]) =>
          p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] },
      );
    const statements = policy?.Statement ?? [];
    const publishTo = statements
      .filter((s) => s.Action === 'sns:Publish')
      .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    expect(publishTo).toEqual(
      ['Chat', 'Sms', 'Tickets'].map((t) => ({ Ref: expect.stringMatching(`^WatcherAlerts${t}Topic`) })),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^WatcherAlertsTopicKey/), 'Arn'] },
      }),
    );
    for (const s of statements) expect(JSON.stringify(s.Action)).not.toContain('*');
  });

  it('creates no notifier, SMS subscription or Chatbot channel unless asked', () => {
    // Only the ACM scan worker's queue feeds a function; no notifier.
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    template.resourceCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 0);
    expect(template.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'sms' } })).toEqual({});
  });

  it('exposes the topics on the watcher', () => {
    const { watcher } = watcherStack();
    expect(watcher.chatTopic).toBe(watcher.alertFanout.chatTopic);
    expect(watcher.smsTopic).toBe(watcher.alertFanout.smsTopic);
    expect(watcher.ticketsTopic).toBe(watcher.alertFanout.ticketsTopic);
  });
});

describe('alert fan-out with every channel', () => {
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(watcherStack(FULL).stack);
  });

  it('subscribes each phone number to the SMS topic', () => {
    for (const endpoint of ['+14155550123', '+447700900123']) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sms',
        Endpoint: endpoint,
        TopicArn: ref('WatcherAlertsSmsTopic'),
      });
    }
  });

  it('subscribes an encrypted, SSL-only notifier queue with a DLQ (5 receives) to the chat topic, not raw', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 180,
      RedrivePolicy: {
        deadLetterTargetArn: {
          'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherAlertsNotifierDeadLetterQueue'), 'Arn'],
        },
        maxReceiveCount: 5,
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      TopicArn: ref('WatcherAlertsChatTopic'),
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherAlertsNotifierQueue'), 'Arn'] },
      RawMessageDelivery: false,
    });
    for (const queue of ['WatcherAlertsNotifierQueue', 'WatcherAlertsNotifierDeadLetterQueue']) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(queue)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('runs the notifier from the queue in batches of 10 with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherAlertsNotifierQueue'), 'Arn'] },
      FunctionName: ref('WatcherAlertsNotifier[0-9A-F]{8}$'),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 30,
      Environment: {
        Variables: Match.objectLike({ WEBHOOK_DESTINATIONS: JSON.stringify(FULL.webhookDestinations) }),
      },
    });
  });

  it('grants read on exactly each webhook secret: a name with its 6-character suffix, an ARN as given', () => {
    const [policy] = Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .filter(([id]) => id.startsWith('WatcherAlertsNotifier'))
      .map(([, p]) => p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] });
    const secretStatements = (policy?.Statement ?? []).filter((s) =>
      JSON.stringify(s.Action).includes('secretsmanager:'),
    );
    for (const s of secretStatements)
      expect(s.Action).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    const resources = secretStatements.flatMap((s) =>
      Array.isArray(s.Resource) ? s.Resource : [s.Resource],
    );
    expect(resources).toHaveLength(2);
    expect(JSON.stringify(resources)).toContain(':secret:cert-watch/slack-platform-??????');
    expect(resources).toContain(
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cert-watch/siem-AbCdEf',
    );
    expect(JSON.stringify(resources)).not.toContain('*');
  });

  it('names SMS subscriptions and Chatbot channels after their numbers and names, so reordering replaces nothing', () => {
    const { watcher } = watcherStack(FULL);
    for (const id of ['Sms-14155550123', 'Sms-447700900123', 'Slack-cert-alerts', 'Teams-cert-alerts-teams'])
      expect(watcher.alertFanout.node.tryFindChild(id), id).toBeDefined();
    const reordered = Template.fromStack(
      watcherStack({ ...FULL, smsPhoneNumbers: [...(FULL.smsPhoneNumbers ?? [])].reverse() }).stack,
    );
    const logicalIds = (t: Template) => Object.keys(t.findResources('AWS::SNS::Subscription')).sort();
    expect(logicalIds(reordered)).toEqual(logicalIds(template));
  });

  it('alarms on the notifier DLQ to the ops topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: {
            'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherAlertsNotifierDeadLetterQueue'), 'QueueName'],
          },
        },
      ],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [ref('WatcherOpsTopic')],
      OKActions: [ref('WatcherOpsTopic')],
    });
  });

  it('subscribes the Slack and Teams Chatbot configurations to the chat topic with a no-permission role and a deny-all guardrail', () => {
    const role = { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherAlertsChatbotRole'), 'Arn'] };
    const guardrail = ref('WatcherAlertsChatbotGuardrail');
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: 'cert-alerts',
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0123ABCD',
      SnsTopicArns: [ref('WatcherAlertsChatTopic')],
      IamRoleArn: role,
      GuardrailPolicies: [guardrail],
    });
    template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
      ConfigurationName: 'cert-alerts-teams',
      TeamId: '11111111-2222-3333-4444-555555555555',
      TeamsTenantId: '66666666-7777-8888-9999-000000000000',
      TeamsChannelId: '19%3Aabc%40thread.tacv2',
      SnsTopicArns: [ref('WatcherAlertsChatTopic')],
      IamRoleArn: role,
      GuardrailPolicies: [guardrail],
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] },
    });
    const chatbotRole = Object.entries(
      template.findResources('AWS::IAM::Role') as Record<string, Resource>,
    ).find(([id]) => id.startsWith('WatcherAlertsChatbotRole'))?.[1];
    expect(chatbotRole?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(chatbotRole?.Properties.Policies).toBeUndefined();
    expect(
      Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).filter((p) =>
        JSON.stringify(p.Properties.Roles).includes('WatcherAlertsChatbotRole'),
      ),
    ).toEqual([]);
  });
});

describe('alert fan-out configuration', () => {
  it('uses topics you bring and creates no alert topic or key', () => {
    const stack = new Stack(testApp(), 'Byo');
    const byo = (name: string) =>
      sns.Topic.fromTopicArn(stack, name, `arn:aws:sns:eu-west-1:111122223333:${name}`);
    const watcher = new CertificateExpiryWatcher(stack, 'Watcher', {
      chatTopic: byo('chat'),
      smsTopic: byo('sms'),
      ticketsTopic: byo('tickets'),
      ...OPS_OPT_OUT,
    });
    expect(watcher.chatTopic.topicArn).toBe('arn:aws:sns:eu-west-1:111122223333:chat');
    const template = Template.fromStack(stack);
    expect(
      Object.keys(template.findResources('AWS::SNS::Topic')).filter((id) => id.includes('Alerts')),
    ).toEqual([]);
    expect(
      Object.keys(template.findResources('AWS::KMS::Key')).filter((id) => id.includes('Alerts')),
    ).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CHAT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:chat',
          SMS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:sms',
          TICKETS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:tickets',
        }),
      },
    });
  });

  it('matches only the detail-types the routing sends somewhere', () => {
    const { stack } = watcherStack({
      routing: { chat: [{ detailTypes: ['Certificate Expired'] }], sms: [], tickets: [] },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      // A fleet's expiries arrive as one Certificate Group event, routed like its members.
      EventPattern: {
        source: ['cert-expiry-watcher'],
        'detail-type': ['Certificate Expired', 'Certificate Group'],
      },
    });
  });

  it('fails on a phone number that is not E.164', () => {
    expect(() => watcherStack({ smsPhoneNumbers: ['+14155550123', '0044 7700 900123'] })).toThrow(
      new InvalidWatcherConfigError(
        "smsPhoneNumbers[1] must be an E.164 number such as +14155550123, got '0044 7700 900123'",
      ),
    );
  });

  it('fails on a webhook destination of an unknown kind', () => {
    expect(() =>
      watcherStack({
        webhookDestinations: [{ name: 'pager', kind: 'pagerduty' as never, secretId: 'cert-watch/pager' }],
      }),
    ).toThrow(
      /webhookDestinations\[0\]\.kind must be one of slack, teams, google-chat, webhook, got "pagerduty"/,
    );
  });

  it('fails on a webhook destination whose secretId is a URL', () => {
    expect(() =>
      watcherStack({
        webhookDestinations: [
          { name: 'x', kind: 'slack', secretId: 'https://hooks.slack.com/services/T/B/x' },
        ],
      }),
    ).toThrow(InvalidWatcherConfigError);
  });

  it('fails on routing with an unknown severity or that sends nothing anywhere', () => {
    expect(() =>
      watcherStack({
        routing: { sms: [{ detailTypes: ['Certificate Expired'], severities: ['urgent' as never] }] },
      }),
    ).toThrow(
      /routing\.sms\[0\]\.severities must be a non-empty array of ok, warning, critical, expired, info/,
    );
    expect(() => watcherStack({ routing: { chat: [], sms: [], tickets: [] } })).toThrow(
      'routing sends no event to any channel; give at least one channel a rule',
    );
  });

  it('fails on a secret id with a wildcard, naming the entry', () => {
    expect(() =>
      watcherStack({
        webhookDestinations: [{ name: 'all', kind: 'slack', secretId: 'cert-watch/*' }],
      }),
    ).toThrow(
      "webhookDestinations[0].secretId must name one secret, without wildcards (* or ?), got 'cert-watch/*'",
    );
  });

  it('grants a partial ARN (no 6-character suffix) with the suffix pattern, not a wildcard', () => {
    const { stack } = watcherStack({
      webhookDestinations: [
        {
          name: 'ops',
          kind: 'webhook',
          secretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cert-watch/ops',
        },
      ],
    });
    expect(JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'))).toContain(
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cert-watch/ops-??????',
    );
  });

  it('fails on a Chatbot configuration name used twice, in one system or across Slack and Teams', () => {
    const slack = { configurationName: 'alerts', slackWorkspaceId: 'T1', slackChannelId: 'C1' };
    const teams = { configurationName: 'alerts', teamId: 'T', teamsTenantId: 'X', teamsChannelId: 'C' };
    expect(() => watcherStack({ slackChannels: [slack, slack] })).toThrow(
      "channels lists 'Slack-alerts' twice (chatbot-slack); give each its own name",
    );
    expect(() => watcherStack({ slackChannels: [slack], teamsChannels: [teams] })).toThrow(
      "Chatbot channel configuration name 'alerts' is used twice",
    );
  });
});

describe('cdk-nag AwsSolutions on the fan-out', () => {
  it('finds nothing unacknowledged with every channel configured', () => {
    const { stack } = watcherStack(FULL);
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(report.violations).toEqual([]);
  });

  it('acknowledges nothing: each secret is granted by its exact ARN pattern, without a wildcard', () => {
    const { stack } = watcherStack(FULL);
    expect(Object.keys(acknowledgments(stack)).filter((k) => k.includes('/Alerts/'))).toEqual([]);
  });
});
