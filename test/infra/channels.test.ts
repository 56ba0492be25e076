import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_FORMATTERS } from '../../lambda/channels/format';
import { notifyConfigFromEnv } from '../../lambda/handlers/make-notify-handler';
import {
  type CertificateExpiryWatcherProps,
  GenericWebhook,
  GoogleChatWebhook,
  InvalidWatcherConfigError,
  SlackChatbotChannel,
  SlackWebhook,
  SmsChannel,
  TeamsChatbotChannel,
  TeamsWebhook,
  TicketChannel,
  WEBHOOK_CHANNELS,
} from '../../lib';
import { REPO_ROOT } from '../support/import-graph';
import { formattersWithTestChannel, TEST_CHANNEL_KIND, TestPagerChannel } from '../support/test-channel';
import { acknowledgments, type Statement, watcherStack } from './stacks';

type Resources = Record<
  string,
  {
    Properties: {
      Environment?: { Variables?: Record<string, string> };
      PolicyDocument: { Statement: Statement[] };
    };
  }
>;

const functionEnv = (template: Template, variable: string): Record<string, string> | undefined =>
  Object.values(template.findResources('AWS::Lambda::Function') as Resources).find(
    (f) => f.Properties.Environment?.Variables?.[variable] !== undefined,
  )?.Properties.Environment?.Variables;

const policyOf = (template: Template, prefix: string): Statement[] =>
  Object.entries(template.findResources('AWS::IAM::Policy') as Resources)
    .filter(([id]) => id.startsWith(prefix))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

const secretResources = (statements: Statement[]): unknown[] =>
  statements
    .filter((s) => JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue'))
    .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));

const namedSecret = (name: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:secret:${name}-??????`,
    ],
  ],
});

const JIRA = {
  name: 'jira',
  kind: 'jira' as const,
  secretId: 'cert-watch/jira',
  baseUrl: 'https://acme.atlassian.net',
  project: 'CERT',
};
const GITHUB = {
  name: 'gh',
  kind: 'github' as const,
  secretId: 'cert-watch/gh',
  owner: 'acme',
  repo: 'certs',
};
const SLACK = {
  configurationName: 'cert-alerts',
  slackWorkspaceId: 'T0123ABCD',
  slackChannelId: 'C0123ABCD',
};
const TEAMS = {
  configurationName: 'cert-alerts-teams',
  teamId: '11111111-2222-3333-4444-555555555555',
  teamsTenantId: '66666666-7777-8888-9999-000000000000',
  teamsChannelId: '19%3Aabc%40thread.tacv2',
};

describe('SmsChannel', () => {
  it('subscribes the number to the SMS topic as Sms-<digits>, or Sms-<name>', () => {
    const { stack, watcher } = watcherStack({
      channels: [
        new SmsChannel({ phoneNumber: '+14155550123' }),
        new SmsChannel({ phoneNumber: '+447700900123', name: 'oncall' }),
      ],
    });
    const template = Template.fromStack(stack);
    for (const endpoint of ['+14155550123', '+447700900123'])
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sms',
        Endpoint: endpoint,
        TopicArn: { Ref: Match.stringLikeRegexp('^WatcherAlertsSmsTopic') },
      });
    expect(watcher.alertFanout.node.tryFindChild('Sms-14155550123')).toBeDefined();
    expect(watcher.alertFanout.node.tryFindChild('Sms-oncall')).toBeDefined();
  });

  it('refuses a number that is not E.164, naming the binding', () => {
    expect(() => new SmsChannel({ phoneNumber: '004477' })).toThrow(
      new InvalidWatcherConfigError(
        "SmsChannel phoneNumber must be an E.164 number such as +14155550123, got '004477'",
      ),
    );
  });
});

describe('Chatbot channels', () => {
  it('subscribe each configuration to the chat topic, sharing one no-permission role and one deny-all guardrail', () => {
    const second = { ...SLACK, configurationName: 'cert-alerts-2', slackChannelId: 'C0456' };
    const { stack, watcher } = watcherStack({
      channels: [
        new SlackChatbotChannel(SLACK),
        new SlackChatbotChannel(second),
        new TeamsChatbotChannel(TEAMS),
      ],
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 2);
    template.resourceCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 1);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
      ConfigurationName: 'cert-alerts-teams',
      SnsTopicArns: [{ Ref: Match.stringLikeRegexp('^WatcherAlertsChatTopic') }],
      IamRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherAlertsChatbotRole'), 'Arn'] },
    });
    expect(watcher.alertFanout.slackChannels.map((c) => c.node.id)).toEqual([
      'Slack-cert-alerts',
      'Slack-cert-alerts-2',
    ]);
    expect(watcher.alertFanout.teamsChannels.map((c) => c.node.id)).toEqual(['Teams-cert-alerts-teams']);
  });

  it('refuses a configuration name Chatbot would refuse', () => {
    expect(() => new SlackChatbotChannel({ ...SLACK, configurationName: 'cert alerts' })).toThrow(
      /Chatbot channel configuration names must be 1-128 letters, digits, '-' or '_', got 'cert alerts'/,
    );
  });
});

describe('webhook channels', () => {
  const bindings = [
    new SlackWebhook({ name: 'slack', secretId: 'cert-watch/slack' }),
    new TeamsWebhook({ name: 'teams', secretId: 'cert-watch/teams' }),
    new GoogleChatWebhook({
      name: 'gchat',
      secretId: 'cert-watch/gchat',
      detailTypes: ['Certificate Expired'],
    }),
    new GenericWebhook({
      name: 'siem',
      secretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cert-watch/siem-AbCdEf',
    }),
  ];

  it('exist for exactly the kinds the notifier formats', () => {
    expect(Object.keys(WEBHOOK_CHANNELS).sort()).toEqual(Object.keys(WEBHOOK_FORMATTERS).sort());
  });

  it('share one notifier, each giving its destination and read on exactly its secret', () => {
    const { stack } = watcherStack({ channels: bindings });
    const template = Template.fromStack(stack);
    const env = functionEnv(template, 'WEBHOOK_DESTINATIONS');
    expect(JSON.parse(env?.WEBHOOK_DESTINATIONS ?? '[]')).toEqual([
      { name: 'slack', kind: 'slack', secretId: 'cert-watch/slack' },
      { name: 'teams', kind: 'teams', secretId: 'cert-watch/teams' },
      {
        name: 'gchat',
        kind: 'google-chat',
        secretId: 'cert-watch/gchat',
        detailTypes: ['Certificate Expired'],
      },
      {
        name: 'siem',
        kind: 'webhook',
        secretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cert-watch/siem-AbCdEf',
      },
    ]);
    // The notifier's and the ACM scan worker's.
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    const secrets = secretResources(policyOf(template, 'WatcherAlertsNotifier'));
    expect(secrets).toHaveLength(4);
    expect(secrets).toEqual(
      expect.arrayContaining([
        namedSecret('cert-watch/slack'),
        namedSecret('cert-watch/teams'),
        namedSecret('cert-watch/gchat'),
        'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cert-watch/siem-AbCdEf',
      ]),
    );
  });

  it('refuse a URL or a wildcard where the secret belongs, naming the binding', () => {
    expect(
      () => new SlackWebhook({ name: 'ops', secretId: 'https://hooks.slack.com/services/T/B/x' }),
    ).toThrow("slack webhook 'ops'.secretId must name a Secrets Manager secret (not a URL)");
    expect(() => new GenericWebhook({ name: 'ops', secretId: 'cert-watch/*' })).toThrow(
      "webhook webhook 'ops'.secretId must name one secret, without wildcards (* or ?), got 'cert-watch/*'",
    );
  });
});

describe('TicketChannel', () => {
  it('feeds the ticket Lambda each connector, read on exactly its secret, receives sized for the slowest search', () => {
    const { stack } = watcherStack({ channels: [new TicketChannel(GITHUB), new TicketChannel(JIRA)] });
    const template = Template.fromStack(stack);
    expect(JSON.parse(functionEnv(template, 'TICKET_CONNECTORS')?.TICKET_CONNECTORS ?? '[]')).toEqual([
      GITHUB,
      JIRA,
    ]);
    const statements = policyOf(template, 'WatcherAlertsTickets');
    expect(secretResources(statements)).toEqual(
      expect.arrayContaining([namedSecret('cert-watch/gh'), namedSecret('cert-watch/jira')]),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] }),
    );
    // (60 s lease + Jira's 120 s lag) / 180 s visibility: 1 receive + 3 spare, under the minimum of 5;
    // a 600 s lag needs 4 + 3.
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 180,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
    });
    const long = watcherStack(
      { channels: [new TicketChannel({ ...JIRA, searchLagSeconds: 600 })] },
      { stackName: 'LongLag' },
    );
    Template.fromStack(long.stack).hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 7 }),
    });
  });

  it('refuses a connector the ticket Lambda would refuse, naming the binding', () => {
    expect(() => new TicketChannel({ ...JIRA, baseUrl: 'http://jira.example.com' })).toThrow(
      /ticket connector 'jira'\.baseUrl must be an https:\/\/ URL/,
    );
  });
});

describe('the channels prop and the per-kind props', () => {
  const perKind: CertificateExpiryWatcherProps = {
    smsPhoneNumbers: ['+14155550123'],
    slackChannels: [SLACK],
    teamsChannels: [TEAMS],
    webhookDestinations: [{ name: 'ops', kind: 'slack', secretId: 'cert-watch/slack-ops' }],
    ticketConnectors: [JIRA],
  };
  const asBindings: CertificateExpiryWatcherProps = {
    channels: [
      new SmsChannel({ phoneNumber: '+14155550123' }),
      new SlackChatbotChannel(SLACK),
      new TeamsChatbotChannel(TEAMS),
      new SlackWebhook({ name: 'ops', secretId: 'cert-watch/slack-ops' }),
      new TicketChannel(JIRA),
    ],
  };

  it('give the same template: the per-kind props map onto the bindings', () => {
    const a = Template.fromStack(watcherStack(perKind).stack).toJSON();
    const b = Template.fromStack(watcherStack(asBindings).stack).toJSON();
    expect(Object.keys(b.Resources).sort()).toEqual(Object.keys(a.Resources).sort());
    expect(b).toEqual(a);
  });

  it('keep every resource when the channels are reordered: ids come from names, not positions', () => {
    const ids = (props: CertificateExpiryWatcherProps) =>
      Object.keys(Template.fromStack(watcherStack(props).stack).toJSON().Resources).sort();
    expect(ids({ channels: [...(asBindings.channels ?? [])].reverse() })).toEqual(ids(asBindings));
  });

  it('refuse two channels with one id, whichever prop they come from', () => {
    expect(() =>
      watcherStack({
        smsPhoneNumbers: ['+14155550123'],
        channels: [new SmsChannel({ phoneNumber: '+14155550123' })],
      }),
    ).toThrow("channels lists 'Sms-14155550123' twice (sms); give each its own name");
    expect(() =>
      watcherStack({
        channels: [
          new SlackWebhook({ name: 'x', secretId: 'a' }),
          new TeamsWebhook({ name: 'x', secretId: 'b' }),
        ],
      }),
    ).toThrow("channels lists 'Webhook-x' twice (teams)");
  });

  it('refuse a per-kind webhook of a kind no binding exists for, listing the kinds', () => {
    expect(() =>
      watcherStack({ webhookDestinations: [{ name: 'irc', kind: 'irc', secretId: 'cert-watch/irc' }] }),
    ).toThrow('webhookDestinations[0].kind must be one of slack, teams, google-chat, webhook, got "irc"');
  });
});

/** Every .ts file under a folder of the repository. */
const sourceFiles = (dir: string): string[] =>
  readdirSync(path.join(REPO_ROOT, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(REPO_ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });

describe('a channel defined outside lib/ and lambda/ (test/support/test-channel.ts)', () => {
  const { stack } = watcherStack({
    channels: [new TestPagerChannel({ name: 'oncall', secretId: 'cert-watch/pager' })],
  });
  const template = Template.fromStack(stack);

  it('gets the notifier, its destination and read on exactly its secret, cdk-nag clean', () => {
    const env = functionEnv(template, 'WEBHOOK_DESTINATIONS');
    expect(JSON.parse(env?.WEBHOOK_DESTINATIONS ?? '[]')).toEqual([
      { name: 'oncall', kind: TEST_CHANNEL_KIND, secretId: 'cert-watch/pager' },
    ]);
    expect(secretResources(policyOf(template, 'WatcherAlertsNotifier'))).toEqual([
      namedSecret('cert-watch/pager'),
    ]);
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
    expect(Object.keys(acknowledgments(stack)).filter((k) => k.includes('/Alerts/'))).toEqual([]);
  });

  it('is taken by the notifier with its registry line, and refused at init without it', () => {
    const env = functionEnv(template, 'WEBHOOK_DESTINATIONS') ?? {};
    expect(() => notifyConfigFromEnv(env)).toThrow(
      `WEBHOOK_DESTINATIONS[0].kind must be one of slack, teams, google-chat, webhook, got "${TEST_CHANNEL_KIND}"`,
    );
    expect(notifyConfigFromEnv(env, formattersWithTestChannel).destinations).toEqual([
      { name: 'oncall', kind: TEST_CHANNEL_KIND, secretId: 'cert-watch/pager' },
    ]);
  });

  it('needs no production file to name it', () => {
    const naming = [...sourceFiles('lib'), ...sourceFiles('lambda')].filter((f) =>
      readFileSync(path.join(REPO_ROOT, f), 'utf8').includes(TEST_CHANNEL_KIND),
    );
    expect(naming).toEqual([]);
  });
});
