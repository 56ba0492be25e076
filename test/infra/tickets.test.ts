import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ticketQueueTiming } from '../../lambda/contracts/timing';
import { InvalidWatcherConfigError, validateTicketConnectors } from '../../lib';
import { watcherStack } from './stacks';

const JIRA = {
  name: 'jira',
  kind: 'jira' as const,
  secretId: 'cert-watch/jira',
  baseUrl: 'https://example.atlassian.net',
  project: 'OPS',
};

describe('ticket Lambda wiring', () => {
  let template: Template;
  let stack: ReturnType<typeof watcherStack>['stack'];

  beforeAll(() => {
    ({ stack } = watcherStack({ ticketConnectors: [JIRA] }));
    template = Template.fromStack(stack);
  });

  it('consumes the tickets topic through an encrypted queue with a dead-letter queue and partial batch responses', () => {
    const ticketsTopic = Object.keys(template.findResources('AWS::SNS::Topic')).find((id) =>
      id.includes('TicketsTopic'),
    );
    expect(ticketsTopic).toBeDefined();
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      TopicArn: { Ref: ticketsTopic },
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertsTicketsQueue'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertsTicketsQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('passes the connectors and the state table, and grants only its secret and GetItem/UpdateItem on the table', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TICKET_CONNECTORS: JSON.stringify([JIRA]),
          STATE_TABLE_NAME: Match.anyValue(),
        }),
      },
    });
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) =>
      id.includes('AlertsTickets'),
    );
    const text = JSON.stringify(policies);
    expect(text).toContain('secretsmanager:GetSecretValue');
    expect(text).toContain(':secret:cert-watch/jira-??????');
    expect(text).not.toContain('jira-*');
    expect(text).toContain('"dynamodb:GetItem","dynamodb:UpdateItem"');
    expect(text).not.toMatch(/dynamodb:(Scan|DeleteItem|PutItem|BatchWriteItem)/);
  });

  it('alarms on its dead-letter queue and stays clean under cdk-nag', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('ticket could not be opened'),
    });
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('derives the claim lease from the function timeout, and enough receives to outwait a claim', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (r) => r.Properties.Environment?.Variables?.TICKET_CONNECTORS,
    );
    const timeoutS = fn?.Properties.Timeout as number;
    const lease = Number(fn?.Properties.Environment.Variables.TICKET_CLAIM_LEASE_MS);
    expect(lease).toBeGreaterThan(timeoutS * 1000);
    const queue = Object.values(template.findResources('AWS::SQS::Queue')).find((r) =>
      JSON.stringify(r).includes('AlertsTicketsDeadLetterQueue'),
    );
    const { VisibilityTimeout, RedrivePolicy } = queue?.Properties ?? {};
    // Jira's search lag (120 s) + the lease must pass within the receives, with spare ones left.
    const waitReceives = Math.ceil((lease + 120_000) / (VisibilityTimeout * 1000));
    expect(RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(waitReceives + 3);
  });

  it('adds receives for a connector that declares a long search lag', () => {
    const short = ticketQueueTiming(0);
    const long = ticketQueueTiming(600_000);
    expect(short).toMatchObject({ claimLeaseMs: 60_000, maxReceiveCount: 5, visibilitySeconds: 180 });
    expect(long.claimLeaseMs).toBe(60_000);
    expect((long.maxReceiveCount - 3) * 180_000).toBeGreaterThanOrEqual(60_000 + 600_000);
  });

  it('creates no ticket Lambda without connectors', () => {
    const { stack: plain } = watcherStack({}, { stackName: 'NoTickets' });
    const fns = Object.keys(Template.fromStack(plain).findResources('AWS::Lambda::Function'));
    expect(fns.some((id) => id.includes('AlertsTickets'))).toBe(false);
  });

  it('rejects a connector the Lambda would reject, at synth', () => {
    expect(() => validateTicketConnectors([{ ...JIRA, kind: 'zendesk' as never }])).toThrow(
      InvalidWatcherConfigError,
    );
    expect(() => validateTicketConnectors([{ ...JIRA, baseUrl: 'not a url' }])).toThrow(
      /ticketConnectors\[0\]\.baseUrl/,
    );
  });
});
