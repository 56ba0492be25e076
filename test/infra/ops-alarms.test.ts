import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateExpiryWatcher, type CertificateExpiryWatcherProps } from '../../lib';
import { parseWatcherContext } from '../../lib/context';
import { FAILURE_METRICS } from '../../lib/ops-alarms';
import { testApp, watcherStack } from './stacks';

const ROOT = path.resolve(__dirname, '../..');

// Every function the construct can create: scan planner and worker, dispatcher, prober, fan-out,
// notifier, ticket Lambda.
const FULL: CertificateExpiryWatcherProps = {
  opsEmailAddresses: ['ops@example.com'],
  endpoints: [{ host: 'example.com' }],
  webhookDestinations: [{ name: 'ops', kind: 'slack', secretId: 'cert-watch/slack-ops' }],
  ticketConnectors: [
    {
      name: 'jira',
      kind: 'jira',
      secretId: 'cert-watch/jira',
      baseUrl: 'https://example.atlassian.net',
      project: 'OPS',
    },
  ],
};

/** A stack built without the test helpers' explicit opt-out. */
const bareStack = (props: CertificateExpiryWatcherProps) => {
  const stack = new Stack(testApp(), 'Bare');
  const watcher = new CertificateExpiryWatcher(stack, 'Watcher', props);
  return { stack, watcher };
};

/** Every metric name a handler under lambda/ emits through its metrics sink: `metrics?.({ Name: ... })`. */
const emittedMetrics = (): Map<string, string> => {
  const found = new Map<string, string>();
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const full = path.join(dir, n);
      return statSync(full).isDirectory() ? walk(full) : full.endsWith('.ts') ? [full] : [];
    });
  for (const file of walk(path.join(ROOT, 'lambda'))) {
    const text = readFileSync(file, 'utf8');
    for (const call of text.matchAll(/metrics\??\.?\(\{([^}]*)\}/g))
      for (const key of (call[1] ?? '').matchAll(/\b([A-Z][A-Za-z]+)\s*:/g))
        found.set(key[1] as string, path.relative(ROOT, file));
  }
  return found;
};

describe('the ops topic must reach someone', () => {
  it('refuses to synthesize when no one subscribes, naming the props and context keys that fix it', () => {
    const { stack } = bareStack({});
    expect(() => Template.fromStack(stack)).toThrow(
      /ops topic has no subscriber.*opsEmailAddresses \(context watcher:opsEmailAddresses\).*opsAlarms\.acknowledgeNoSubscriber \(watcher:opsAlarmsAcknowledgeNoSubscriber\)/s,
    );
  });

  it('does not count the subscriber of another watcher in another stack of the app', () => {
    const app = testApp();
    new CertificateExpiryWatcher(new Stack(app, 'Heard'), 'Watcher', {
      opsEmailAddresses: ['ops@example.com'],
    });
    const silent = new Stack(app, 'Silent');
    new CertificateExpiryWatcher(silent, 'Watcher', {});
    expect(() => Template.fromStack(silent)).toThrow(/\[Silent\/Watcher\] The ops topic has no subscriber/);
  });

  it('synthesizes with an explicit opt-out, and warns', () => {
    const { stack } = bareStack({ opsAlarms: { acknowledgeNoSubscriber: true } });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('no subscriber'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0]?.entry.data)).toContain('opsEmailAddresses');
  });

  it('counts email subscribers, a subscription added after construction, and a topic you bring', () => {
    const email = bareStack({ opsEmailAddresses: ['ops@example.com'] });
    expect(Annotations.fromStack(email.stack).findWarning('*', Match.anyValue())).toEqual([]);
    const later = bareStack({});
    later.watcher.opsTopic.addSubscription(
      new subscriptions.UrlSubscription('https://pager.example.com/hook'),
    );
    expect(() => Template.fromStack(later.stack)).not.toThrow();
  });

  it('routes alarms into Chatbot channels with toChatChannels, which then count as subscribers', () => {
    const { stack } = bareStack({
      opsAlarms: { toChatChannels: true },
      slackChannels: [
        { configurationName: 'certs', slackWorkspaceId: 'T0123', slackChannelId: 'C0123456789' },
      ],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SnsTopicArns: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^WatcherOpsTopic') }]),
    });
  });

  it('leaves Chatbot channels to alerts only without toChatChannels', () => {
    const { stack } = watcherStack({
      slackChannels: [
        { configurationName: 'certs', slackWorkspaceId: 'T0123', slackChannelId: 'C0123456789' },
      ],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SnsTopicArns: [{ Ref: Match.stringLikeRegexp('^WatcherAlertsChatTopic') }],
    });
  });

  it('reads the ops context keys', () => {
    const { watcherProps } = parseWatcherContext({
      'watcher:opsAlarmsAcknowledgeNoSubscriber': 'true',
      'watcher:opsAlarmsToChatChannels': true,
      'watcher:opsAlarmReminderHours': '12',
    });
    expect(watcherProps.opsAlarms?.acknowledgeNoSubscriber).toBe(true);
    expect(watcherProps.opsAlarms?.toChatChannels).toBe(true);
    expect(watcherProps.opsAlarms?.reminderInterval?.toHours()).toBe(12);
    expect(() => parseWatcherContext({ 'watcher:opsAlarmReminderHours': '200' })).toThrow(
      /watcher:opsAlarmReminderHours.*1 hour to 7 days/,
    );
  });
});

describe('every failure has an alarm on the ops topic', () => {
  let template: Template;
  let stack: Stack;
  beforeAll(() => {
    stack = watcherStack(FULL).stack;
    template = Template.fromStack(stack);
  });

  const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm'));
  const opsTopicRef = { Ref: Match.stringLikeRegexp('^WatcherOpsTopic') };

  it('sends every alarm, ALARM and OK, to the ops topic', () => {
    expect(alarms().length).toBeGreaterThan(15);
    for (const a of alarms()) {
      expect(a.Properties.AlarmActions).toEqual([
        expect.objectContaining({ Ref: expect.stringMatching(/^WatcherOpsTopic/) }),
      ]);
      expect(a.Properties.OKActions).toEqual(a.Properties.AlarmActions);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [opsTopicRef] });
  });

  it('alarms on the errors of every Lambda function', () => {
    const text = JSON.stringify(alarms().filter((a) => JSON.stringify(a).includes('"Errors"')));
    const functions = Object.keys(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThanOrEqual(7);
    for (const fn of functions) expect(text, fn).toContain(`"Ref":"${fn}"`);
  });

  it('alarms on every failure metric a handler emits', () => {
    const failures = [...emittedMetrics()].filter(([name]) => /Fail|Undeliverable|Rejected/.test(name));
    // Emitted only by the in-process inventory handler (tests, benchmarks), which is never deployed.
    const deployed = failures.filter(([, file]) => !file.endsWith('make-inventory-handler.ts'));
    expect(deployed.map(([n]) => n)).toEqual(
      expect.arrayContaining([
        'FanoutFailed',
        'WebhookFailures',
        'TicketFailures',
        'EventsUndeliverable',
        'EndpointTargetsRejected',
      ]),
    );
    const alarmed = new Set(alarms().map((a) => a.Properties.MetricName));
    for (const [name, file] of deployed) {
      expect(alarmed.has(name), `${name} (${file})`).toBe(true);
      expect(Object.keys(FAILURE_METRICS)).toContain(name);
    }
  });

  it('alarms on every dead-letter queue and on the age of every work queue', () => {
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    const byMetric = (metric: string) =>
      new Set(
        alarms()
          .filter((a) => a.Properties.MetricName === metric)
          .map((a) => a.Properties.Dimensions[0].Value['Fn::GetAtt'][0] as string),
      );
    const depth = byMetric('ApproximateNumberOfMessagesVisible');
    const age = byMetric('ApproximateAgeOfOldestMessage');
    for (const q of queues) {
      if (/DeadLetterQueue/.test(q)) expect(depth.has(q), q).toBe(true);
      else expect(age.has(q), q).toBe(true);
    }
  });

  it('repeats the notification of alarms left in ALARM every day, describing only its own alarms', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [
        Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^WatcherAlarmReminderStateMachine') } }),
      ],
    });
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const parts = machine?.Properties.DefinitionString['Fn::Join'][1] as unknown[];
    const definition = parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('');
    expect(definition).toContain('"StateValue":"ALARM"');
    const watched = alarms().filter((a) => !JSON.stringify(a).includes('ExecutionsFailed'));
    const reminded = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).filter((id) =>
      definition.includes(`"Ref":"${id}"`),
    );
    expect(reminded).toHaveLength(watched.length);
    const policy = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) =>
      id.startsWith('WatcherAlarmReminder'),
    )?.[1];
    const statements = policy?.Properties.PolicyDocument.Statement as {
      Action: string | string[];
      Resource: unknown;
    }[];
    // IAM action names are case-insensitive; Step Functions' SDK integration writes them camelCase.
    const describe = statements.find((s) => String(s.Action).toLowerCase() === 'cloudwatch:describealarms');
    expect(JSON.stringify(describe?.Resource)).not.toContain('"*"');
    expect(describe?.Resource).toHaveLength(watched.length);
    expect(statements.find((s) => s.Action === 'sns:Publish')?.Resource).toEqual({
      Ref: expect.stringMatching(/^WatcherOpsTopic/),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      AlarmActions: [opsTopicRef],
    });
  });

  it('takes another reminder interval and refuses one that is not whole hours', () => {
    const { stack: hourly } = watcherStack({
      opsAlarms: { acknowledgeNoSubscriber: true, reminderInterval: Duration.hours(4) },
    });
    Template.fromStack(hourly).hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(4 hours)',
    });
    expect(() => watcherStack({ opsAlarms: { reminderInterval: Duration.minutes(90) } })).toThrow(
      /opsAlarms.reminderInterval must be whole hours/,
    );
  });

  it('stays clean under cdk-nag', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });
});
