import type { Template } from 'aws-cdk-lib/assertions';
import { Template as T } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DELIVERY_TIMEOUT_SECONDS,
  LEASE_MARGIN_SECONDS,
  OUTBOX_LEASE_MS,
  queueTiming,
  REDRIVE_WINDOW_SECONDS,
  RETENTION_MARGIN_SECONDS,
  SPARE_RECEIVES,
  TICKET_CLAIM_LEASE_MS,
  TimingError,
  VISIBILITY_PER_TIMEOUT,
} from '../../lambda/contracts/timing';
import { watcherStack } from './stacks';

// Every queue and consumer the construct can create: scan units, endpoint probes, webhooks, tickets.
const FULL = {
  endpoints: [{ host: 'example.com' }],
  webhookDestinations: [{ name: 'ops', kind: 'slack', secretId: 'cert-watch/slack-ops' }],
  ticketConnectors: [
    {
      name: 'jira',
      kind: 'jira' as const,
      secretId: 'cert-watch/jira',
      baseUrl: 'https://example.atlassian.net',
      project: 'OPS',
    },
  ],
};
const JIRA_SEARCH_LAG_S = 120;

interface QueueProps {
  VisibilityTimeout?: number;
  MessageRetentionPeriod?: number;
  RedrivePolicy?: { deadLetterTargetArn: { 'Fn::GetAtt': [string, string] }; maxReceiveCount: number };
}

const queuesOf = (template: Template) =>
  Object.entries(template.findResources('AWS::SQS::Queue')).map(
    ([id, r]) => [id, r.Properties as QueueProps] as const,
  );

/** The timeout of the Lambda each queue feeds (its event source mapping). */
const consumerTimeouts = (template: Template): Map<string, number> => {
  const functions = template.findResources('AWS::Lambda::Function');
  const out = new Map<string, number>();
  for (const m of Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))) {
    const queueId = m.Properties.EventSourceArn['Fn::GetAtt'][0] as string;
    const fnId = m.Properties.FunctionName.Ref as string;
    out.set(queueId, functions[fnId]?.Properties.Timeout as number);
  }
  return out;
};

describe('timings on the template (lambda/contracts/timing.ts)', () => {
  let template: Template;
  beforeAll(() => {
    template = T.fromStack(watcherStack(FULL).stack);
  });

  it('gives every queue that is not a dead-letter queue a DLQ, and every DLQ an alarm', () => {
    const queues = queuesOf(template);
    const dlqs = new Set(
      queues.flatMap(([, q]) => q.RedrivePolicy?.deadLetterTargetArn['Fn::GetAtt'][0] ?? []),
    );
    // The watcher's own DLQ also takes failed asynchronous invocations (no redrive source).
    const work = queues.filter(([id]) => !dlqs.has(id) && !/DeadLetterQueue/.test(id));
    expect(work.length).toBeGreaterThanOrEqual(4);
    for (const [id, q] of work) expect(q.RedrivePolicy, id).toBeDefined();
    const alarmed = new Set(
      Object.values(template.findResources('AWS::CloudWatch::Alarm')).flatMap((a) =>
        a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible'
          ? [a.Properties.Dimensions[0].Value['Fn::GetAtt'][0] as string]
          : [],
      ),
    );
    for (const id of queues.map(([id]) => id).filter((id) => /DeadLetterQueue/.test(id)))
      expect(alarmed.has(id), id).toBe(true);
  });

  it('sets each visibility to 6 x its consumer timeout', () => {
    const timeouts = consumerTimeouts(template);
    expect(timeouts.size).toBeGreaterThanOrEqual(4);
    for (const [id, q] of queuesOf(template)) {
      const timeout = timeouts.get(id);
      if (timeout === undefined) continue;
      expect(q.VisibilityTimeout, id).toBe(timeout * VISIBILITY_PER_TIMEOUT);
    }
  });

  it('keeps every message past its last receive, so nothing expires before reaching its DLQ', () => {
    for (const [id, q] of queuesOf(template)) {
      if (!q.RedrivePolicy) continue;
      const window = (q.VisibilityTimeout ?? 30) * q.RedrivePolicy.maxReceiveCount;
      expect((q.MessageRetentionPeriod ?? 345_600) - window, id).toBeGreaterThanOrEqual(
        RETENTION_MARGIN_SECONDS,
      );
    }
  });

  it('keeps a dead letter longer than its queue keeps it, with days to redrive', () => {
    const byId = new Map(queuesOf(template));
    for (const [id, q] of byId) {
      if (!q.RedrivePolicy) continue;
      const dlq = byId.get(q.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0]);
      // SQS keeps a message's first enqueue time in the DLQ (SQS developer guide).
      expect(dlq?.MessageRetentionPeriod ?? 0, id).toBeGreaterThanOrEqual(
        (q.MessageRetentionPeriod ?? 345_600) + REDRIVE_WINDOW_SECONDS,
      );
    }
  });

  it('lets a ticket message outwait a dead claim holder: lease > timeout + margin, takeover well within the receives', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (r) => r.Properties.Environment?.Variables?.TICKET_CONNECTORS,
    );
    const timeout = fn?.Properties.Timeout as number;
    const leaseS = Number(fn?.Properties.Environment.Variables.TICKET_CLAIM_LEASE_MS) / 1000;
    expect(leaseS).toBeGreaterThanOrEqual(timeout + LEASE_MARGIN_SECONDS);
    const queue = queuesOf(template).find(([id]) => /AlertsTicketsQueue/.test(id))?.[1];
    const visibility = queue?.VisibilityTimeout as number;
    const receives = queue?.RedrivePolicy?.maxReceiveCount as number;
    // Takeover (lease + search lag) and one more visibility for the receive after it, with spares left.
    expect(visibility * (receives - SPARE_RECEIVES)).toBeGreaterThanOrEqual(leaseS + JIRA_SEARCH_LAG_S);
    // Not the old coincidence: the lease alone never equals the whole receive window.
    expect(leaseS).toBeLessThan(visibility * receives);
  });

  it('keeps the lifecycle outbox lease at least as long as any function that runs the lifecycle', () => {
    const lifecycle = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) =>
        f.Properties.Environment?.Variables?.STATE_TABLE_NAME &&
        !f.Properties.Environment.Variables.TICKET_CONNECTORS,
    );
    expect(lifecycle.length).toBeGreaterThanOrEqual(2);
    for (const f of lifecycle) expect(f.Properties.Timeout * 1000).toBeLessThanOrEqual(OUTBOX_LEASE_MS);
  });

  it('uses the same lease as the ticket handler default', () => {
    expect(TICKET_CLAIM_LEASE_MS).toBe((DELIVERY_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS) * 1000);
  });

  it('refuses a consumer whose receive window would not fit the retention', () => {
    expect(() => queueTiming(900, 60)).toThrow(TimingError);
    expect(queueTiming(900, 3).receiveWindowSeconds).toBe(16_200);
  });
});
