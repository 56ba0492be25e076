import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { IamSource } from '../../lib/sources/iam';
import { watcherStack } from './stacks';

interface Widget {
  type: string;
  properties: {
    title?: string;
    markdown?: string;
    metrics?: unknown[][];
    stacked?: boolean;
  };
}

/** The dashboard body as JSON, every CloudFormation reference replaced by `REF:<logical id>`. */
const dashboardBody = (template: Template): { widgets: Widget[] } => {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0]?.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  const parts = typeof body === 'string' ? [body] : body['Fn::Join'][1];
  const text = parts
    .map((p) => {
      if (typeof p === 'string') return p;
      const ref = p as { Ref?: string; 'Fn::GetAtt'?: string[] };
      return `REF:${ref.Ref ?? ref['Fn::GetAtt']?.join('.') ?? 'pseudo'}`;
    })
    .join('');
  return JSON.parse(text);
};

const byTitle = (widgets: Widget[], title: RegExp): Widget => {
  const found = widgets.filter((w) => title.test(w.properties.title ?? ''));
  expect(found, `one widget titled ${title}`).toHaveLength(1);
  return found[0] as Widget;
};

/** `[namespace, metricName, dim, value, ...]` rows: the metric names. */
const metricNames = (w: Widget): string[] =>
  (w.properties.metrics ?? []).map((row) => {
    const name = row.find(
      (c, i) => i > 0 && typeof c === 'string' && c !== '.' && !/^(Watcher|Source|QueueName)$/.test(c),
    );
    return String(row[0] === '.' ? row[1] : name);
  });

describe('the watcher dashboard', () => {
  let widgets: Widget[];
  let template: Template;
  beforeAll(() => {
    const { stack } = watcherStack();
    template = Template.fromStack(stack);
    widgets = dashboardBody(template).widgets;
  });

  it('is one dashboard, exposed as watcher.dashboard', () => {
    const { watcher } = watcherStack();
    expect(watcher.dashboard?.dashboard).toBeDefined();
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('shows scan health: the last period, scopes per source, failed scopes', () => {
    const last = byTitle(widgets, /^Last scan period$/);
    expect(JSON.stringify(last.properties.metrics)).toMatch(
      /ScanSucceeded.*ScopesFailed.*ScopesInCoverageGap/,
    );
    const perSource = byTitle(widgets, /per source/);
    expect(perSource.properties.metrics).toEqual([
      [
        'CertExpiryWatcher',
        'ScopesSucceeded',
        'Source',
        'acm',
        'Watcher',
        'TestStack/Watcher',
        expect.objectContaining({ label: 'acm', stat: 'Maximum', period: 21600 }),
      ],
    ]);
    expect(JSON.stringify(byTitle(widgets, /^Failed scopes$/).properties.metrics)).toContain('ScopesFailed');
  });

  it('stacks certificates by severity with the metrics the scan period emits', () => {
    const w = byTitle(widgets, /Certificates by severity/);
    expect(w.properties.stacked).toBe(true);
    const names = JSON.stringify(w.properties.metrics);
    for (const m of ['CertificatesExpired', 'CertificatesCritical', 'CertificatesWarning', 'CertificatesOk'])
      expect(names).toContain(`"${m}"`);
  });

  it('finds events per detail-type with a SEARCH over the DetailType dimension of this watcher', () => {
    const w = byTitle(widgets, /Events per detail-type/);
    expect(JSON.stringify(w.properties.metrics)).toContain(
      `SEARCH('{CertExpiryWatcher,DetailType,Watcher} MetricName=\\"EventsPublished\\" Watcher=\\"TestStack/Watcher\\"', 'Sum', 300)`,
    );
  });

  it("shows the fan-out's deliveries and failures", () => {
    const sent = JSON.stringify(byTitle(widgets, /^Alert fan-out and delivery$/).properties.metrics);
    for (const m of ['FanoutPublished', 'WebhookDeliveries', 'DigestsPublished'])
      expect(sent).toContain(`"${m}"`);
    const failed = JSON.stringify(byTitle(widgets, /^Delivery failures$/).properties.metrics);
    for (const m of ['FanoutFailed', 'WebhookFailures', 'TicketFailures', 'EventsUndeliverable'])
      expect(failed).toContain(`"${m}"`);
  });

  it('graphs the depth of every dead-letter queue in the template', () => {
    const w = byTitle(widgets, /Dead-letter queues/);
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    const redriveTargets = new Set(
      Object.values(template.findResources('AWS::SQS::Queue'))
        .map((q) => q.Properties.RedrivePolicy?.deadLetterTargetArn?.['Fn::GetAtt']?.[0])
        .filter(Boolean),
    );
    const shown = (w.properties.metrics ?? []).map((row) =>
      String(row.find((c) => String(c).startsWith('REF:')) ?? ''),
    );
    expect(shown.every((s) => s.includes('ApproximateNumberOfMessagesVisible') || s.startsWith('REF:'))).toBe(
      true,
    );
    const refs = shown.map((s) => s.replace(/^REF:/, '').replace(/\.QueueName$/, ''));
    for (const dlq of redriveTargets) expect(refs).toContain(dlq);
    expect(refs).toContain(queues.find((q) => q.startsWith('WatcherDeadLetterQueue')));
  });

  it('has one line per configured source kind', () => {
    const { stack } = watcherStack({ sources: [new IamSource()] });
    const w = byTitle(dashboardBody(Template.fromStack(stack)).widgets, /per source/);
    expect(metricNames(w)).toEqual(['ScopesSucceeded']);
    expect(JSON.stringify(w.properties.metrics)).toContain('"Source","iam"');
  });

  it('is left out with dashboard.enabled false', () => {
    const { stack, watcher } = watcherStack({ dashboard: { enabled: false } });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(watcher.dashboard).toBeUndefined();
  });

  it('takes a name', () => {
    const { stack } = watcherStack({ dashboard: { dashboardName: 'cert-watch' } });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'cert-watch',
    });
  });
});
