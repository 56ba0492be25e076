import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { DISCOVERED_NOTHING_TO_PROBE_METRIC } from '../../lambda/contracts/discovery';
import {
  CertificateExpiryWatcher,
  DiscoverySource,
  InvalidWatcherConfigError,
  WatcherMemberRoleStack,
} from '../../lib';
import { InvalidContextError, parseWatcherContext } from '../../lib/context';
import {
  acknowledgments,
  actionsOf,
  inventorySources,
  OPS_OPT_OUT,
  type Statement,
  testApp,
  watcherStack,
} from './stacks';

const functionsOf = (template: Template) => Object.entries(template.findResources('AWS::Lambda::Function'));
const envOf = (template: Template, prefix: string) =>
  functionsOf(template).find(([id]) => id.startsWith(prefix))?.[1].Properties.Environment.Variables ?? {};
const policiesOf = (template: Template, prefix: string): Statement[] =>
  Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(prefix))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

describe('discovery (construct side)', () => {
  let template: Template;
  let stack: ReturnType<typeof watcherStack>['stack'];
  beforeAll(() => {
    ({ stack } = watcherStack({ regions: ['eu-west-1', 'us-east-1'], discovery: { enabled: true } }));
    template = Template.fromStack(stack);
  });

  it('adds a discovery source with the watcher’s regions and creates the probe machinery without configured endpoints', () => {
    expect(inventorySources(template)).toContainEqual({
      kind: 'discovery',
      regions: ['eu-west-1', 'us-east-1'],
    });
    expect(envOf(template, 'WatcherEndpointProbesProber')).toMatchObject({ DISCOVERED_TARGETS: 'true' });
    const worker = envOf(template, 'WatcherScanDiscoveryWorker');
    expect(worker).toMatchObject({ PROBE_BATCH_SIZE: '25' });
    expect(JSON.stringify(worker.PROBE_QUEUE_URL)).toContain('ProbeQueue');
    // No VPC on the prober: internal load balancers are skipped, not probed.
    expect(worker.PROBER_IN_VPC).toBeUndefined();
  });

  it('counts a discovery run that found nothing to probe as the probes’ heartbeat when no endpoint is configured, so only "nothing ran" alarms', () => {
    const heartbeat = (t: Template) =>
      Object.entries(t.findResources('AWS::CloudWatch::Alarm')).find(([id]) =>
        id.startsWith('WatcherEndpointProbesHeartbeatAlarm'),
      )?.[1].Properties;
    const alarm = heartbeat(template);
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'breaching',
    });
    const metrics = alarm.Metrics as {
      Id: string;
      Expression?: string;
      ReturnData?: boolean;
      MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions: unknown[] }; Stat: string };
    }[];
    expect(metrics.find((m) => m.Expression)).toMatchObject({
      Expression: 'FILL(batches, 0) + FILL(discoveredNothing, 0)',
    });
    expect(
      metrics
        .filter((m) => m.MetricStat)
        .map((m) => [
          m.Id,
          m.MetricStat?.Metric.MetricName,
          m.MetricStat?.Stat,
          m.MetricStat?.Metric.Namespace,
        ])
        .sort(),
    ).toEqual([
      ['batches', 'EndpointBatchesCompleted', 'Sum', 'CertExpiryWatcher'],
      ['discoveredNothing', DISCOVERED_NOTHING_TO_PROBE_METRIC, 'Sum', 'CertExpiryWatcher'],
    ]);
    // With configured endpoints the dispatcher queues batches every period: the prober's metric alone.
    const both = Template.fromStack(
      watcherStack({ endpoints: [{ host: 'example.com' }], discovery: { enabled: true } }).stack,
    );
    expect(heartbeat(both)).toMatchObject({ MetricName: 'EndpointBatchesCompleted', Statistic: 'Sum' });
    expect(heartbeat(both).Metrics).toBeUndefined();
  });

  it('grants the worker read-only discovery, sending to the probe queue and listing tracked scopes, nothing else writes', () => {
    const statements = policiesOf(template, 'WatcherScanDiscoveryWorker');
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(bySid('DiscoveryLoadBalancers')).toMatchObject({
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } },
    });
    expect(bySid('DiscoveryCloudFront')).toMatchObject({
      Action: 'cloudfront:ListDistributions',
      Resource: '*',
    });
    expect(JSON.stringify(bySid('DiscoveryApiGatewayDomainNames')?.Resource)).toContain(
      ':apigateway:eu-west-1::/domainnames',
    );
    expect(bySid('DiscoveryApiGatewayDomainNames')?.Action).toBe('apigateway:GET');
    const actions = actionsOf(statements);
    expect(actions).toEqual(
      expect.arrayContaining(['sqs:SendMessage', 'dynamodb:Scan', 'secretsmanager:ListSecrets']),
    );
    expect(actions).not.toContain('secretsmanager:GetSecretValue');
    const discovery = actionsOf(statements.filter((s) => s.Sid?.startsWith('Discovery')));
    for (const a of discovery)
      expect(a).toMatch(/^[a-z0-9-]+:(List[A-Za-z]+|Describe[A-Za-z]+|Get[A-Za-z]+|GET)$/);
  });

  it('leaves no cdk-nag finding unacknowledged, each of its own with a reason', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
    const acks = Object.entries(acknowledgments(stack)).filter(([k]) => /discovery/i.test(k));
    expect(acks.find(([k]) => k.endsWith('AwsSolutions-IAM5[Resource::*]'))?.[1]).toMatch(
      /cloudfront:ListDistributions/,
    );
    expect(acks.find(([k]) => k.includes(':acm:*:'))?.[1]).toMatch(/CloudFront uses us-east-1/);
  });

  it('tells the worker the prober runs in a VPC, so internal load balancers are probed', () => {
    const stack = new Stack(testApp(), 'VpcStack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    new CertificateExpiryWatcher(stack, 'Watcher', {
      ...OPS_OPT_OUT,
      discovery: { enabled: true, kinds: ['elbv2'] },
      endpointProbes: { vpc },
    });
    expect(envOf(Template.fromStack(stack), 'WatcherScanDiscoveryWorker')).toMatchObject({
      PROBER_IN_VPC: 'true',
    });
  });

  it('grants only what the chosen kinds need', () => {
    const { stack } = watcherStack({
      regions: ['eu-west-1'],
      discovery: { enabled: true, kinds: ['cloudfront'] },
    });
    const t = Template.fromStack(stack);
    const sids = policiesOf(t, 'WatcherScanDiscoveryWorker').map((s) => s.Sid);
    expect(sids).toContain('DiscoveryCloudFront');
    expect(sids).not.toContain('DiscoveryLoadBalancers');
    expect(sids).not.toContain('DiscoveryApiGatewayDomainNames');
    expect(inventorySources(t)).toContainEqual(
      expect.objectContaining({ kind: 'discovery', options: { kinds: ['cloudfront'] } }),
    );
  });

  it('refuses an unknown kind, naming it', () => {
    expect(() => new DiscoverySource({ kinds: ['elbv3' as never] })).toThrow(InvalidWatcherConfigError);
    expect(() => new DiscoverySource({ kinds: ['elbv3' as never] })).toThrow(/elbv3/);
  });

  it('is read by the app from watcher:discovery (true, or an object) and refused with the key named', () => {
    expect(parseWatcherContext({ 'watcher:discovery': 'true' }).watcherProps.discovery).toEqual({
      enabled: true,
    });
    expect(
      parseWatcherContext({ 'watcher:discovery': '{"kinds":["elbv2","tag"],"regions":["eu-west-1"]}' })
        .watcherProps.discovery,
    ).toEqual({ enabled: true, kinds: ['elbv2', 'tag'], regions: ['eu-west-1'] });
    expect(() => parseWatcherContext({ 'watcher:discovery': { kinds: ['nope'] } })).toThrow(
      InvalidContextError,
    );
    expect(() => parseWatcherContext({ 'watcher:discovery': { kinds: ['nope'] } })).toThrow(
      /watcher:discovery/,
    );
    // Probe settings without configured endpoints are fine when discovery is on.
    expect(
      parseWatcherContext({ 'watcher:discovery': true, 'watcher:probeTargetsPerBatch': 10 }).watcherProps
        .endpointProbes,
    ).toEqual({ targetsPerBatch: 10 });
  });

  it('the member role of each account takes the same read-only grants, apigateway:GET included', () => {
    const member = new WatcherMemberRoleStack(testApp(), 'Member', {
      watcherAccountId: '111122223333',
      organizationId: 'o-abcdefghij',
      regions: ['eu-west-1'],
      sources: [new DiscoverySource()],
    });
    const statements: Statement[] = Object.values(
      Template.fromStack(member).findResources('AWS::IAM::Policy'),
    ).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(actionsOf(statements)).toEqual(
      expect.arrayContaining(['apigateway:GET', 'elasticloadbalancing:DescribeListenerCertificates']),
    );
    expect(actionsOf(statements)).not.toContain('sqs:SendMessage');
    expect(new AwsSolutionsChecks().validateScope(member).violations).toEqual([]);
  });
});
