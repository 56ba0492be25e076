import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { AcmSource, IamSource, InvalidWatcherConfigError } from '../../lib';
import { parseWatcherContext } from '../../lib/context';
import { acknowledgments, actionsOf, inventorySources, inventoryStatements, watcherStack } from './stacks';

describe('IAM server certificates source (construct side)', () => {
  let template: Template;
  let stack: ReturnType<typeof watcherStack>['stack'];
  beforeAll(() => {
    ({ stack } = watcherStack({
      regions: ['eu-west-1', 'us-east-1'],
      sources: [new AcmSource(), new IamSource()],
    }));
    template = Template.fromStack(stack);
  });

  it("passes its setting to the inventory: the watcher's regions for load balancer lookups", () => {
    expect(inventorySources(template)).toEqual([
      { kind: 'acm', regions: ['eu-west-1', 'us-east-1'] },
      { kind: 'iam', options: { usageRegions: ['eu-west-1', 'us-east-1'] } },
    ]);
  });

  it('grants the listing, the bodies of this account only, and the usage lookups pinned to the regions', () => {
    const statements = inventoryStatements(template);
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(bySid('IamListServerCertificates')).toMatchObject({
      Action: 'iam:ListServerCertificates',
      Resource: '*',
    });
    expect(JSON.stringify(bySid('IamGetServerCertificates'))).toContain(':iam::');
    expect(JSON.stringify(bySid('IamGetServerCertificates')?.Resource)).toContain(':server-certificate/*');
    expect(bySid('IamCertificateUsageCloudFront')).toMatchObject({
      Action: 'cloudfront:ListDistributions',
      Resource: '*',
    });
    expect(bySid('IamCertificateUsageLoadBalancers')).toMatchObject({
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } },
    });
    expect([...(bySid('IamCertificateUsageLoadBalancers')?.Action ?? [])].sort()).toEqual([
      'elasticloadbalancing:DescribeListenerCertificates',
      'elasticloadbalancing:DescribeListeners',
      'elasticloadbalancing:DescribeLoadBalancers',
    ]);
  });

  it('grants no write action: every IAM, CloudFront and ELB action is a List, Get or Describe', () => {
    const mine = actionsOf(inventoryStatements(template)).filter((a) =>
      /^(iam|cloudfront|elasticloadbalancing):/.test(a),
    );
    // List/Get server certificates, their tags (routing to owners), and the usage lookups.
    expect(mine.length).toBe(7);
    expect(mine).toContain('iam:ListServerCertificateTags');
    for (const action of mine) expect(action).toMatch(/^[a-z]+:(List|Get|Describe)[A-Za-z]+$/);
    expect(mine).not.toContain('iam:GetServerCertificates');
  });

  it('leaves no cdk-nag finding unacknowledged, and acknowledges its own wildcard with its reason', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
    const acks = acknowledgments(stack);
    const own = Object.entries(acks).find(([k]) => k.includes(':iam::<AWS::AccountId>:server-certificate/*'));
    expect(own?.[1]).toMatch(/iam:GetServerCertificate/);
    expect(own?.[1]).toMatch(/never the private key/);
  });

  it('grants no CloudFront or load balancer action when usage lookups are off', () => {
    const { stack } = watcherStack(
      { regions: ['eu-west-1'], sources: [new IamSource({ lookUpUsage: false })] },
      { stackName: 'NoUsage' },
    );
    const t = Template.fromStack(stack);
    const text = JSON.stringify(inventoryStatements(t));
    expect(text).not.toContain('cloudfront:');
    expect(text).not.toContain('elasticloadbalancing:');
    expect(text).not.toContain('acm:');
    expect(inventorySources(t)).toEqual([
      { kind: 'iam', options: { usageRegions: ['eu-west-1'], lookUpUsage: false } },
    ]);
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('comes from the watcher:sources context key, with its options checked', () => {
    const sources = parseWatcherContext({
      'watcher:sources': '[{"kind":"iam","options":{"usageRegions":["eu-west-1"],"lookUpUsage":false}}]',
    }).watcherProps.sources;
    expect(sources?.[0]).toBeInstanceOf(IamSource);
    expect(
      parseWatcherContext({ 'watcher:sources': 'acm,iam' }).watcherProps.sources?.map((s) => s.kind),
    ).toEqual(['acm', 'iam']);
    expect(() => new IamSource({ usageRegions: ['eu-wst-1'] })).toThrow(InvalidWatcherConfigError);
    expect(() =>
      parseWatcherContext({ 'watcher:sources': '[{"kind":"iam","options":{"lookUpUsage":"no"}}]' }),
    ).toThrow(/lookUpUsage/);
  });
});
