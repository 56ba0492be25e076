import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { AcmSource, InvalidWatcherConfigError, IotSource } from '../../lib';
import { InvalidContextError, parseWatcherContext } from '../../lib/context';
import { acknowledgments, watcherStack } from './stacks';

/** The scan planner's environment: WATCHER_SOURCES holds every source's setting. */
const inventoryEnv = (template: Template): Record<string, unknown> => {
  const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
    id.startsWith('WatcherScanPlanner'),
  );
  return fn?.[1].Properties.Environment.Variables ?? {};
};

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };

const inventoryPolicies = (template: Template) =>
  // The scan workers' roles: each holds its own source's grants.
  Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) =>
    /^WatcherScan.+Worker/.test(id),
  );

const inventoryStatements = (template: Template): Statement[] =>
  inventoryPolicies(template).flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

const iotActions = (statements: Statement[]) =>
  statements
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .filter((a) => a.startsWith('iot:'));

describe('IoT Core source binding', () => {
  const { stack } = watcherStack({
    regions: ['eu-west-1', 'us-east-1'],
    sources: [new AcmSource(), new IotSource()],
  });
  const template = Template.fromStack(stack);

  it('puts its setting in WATCHER_SOURCES with the watcher regions', () => {
    expect(JSON.parse(inventoryEnv(template).WATCHER_SOURCES as string)).toEqual([
      { kind: 'acm', regions: ['eu-west-1', 'us-east-1'] },
      { kind: 'iot', regions: ['eu-west-1', 'us-east-1'] },
    ]);
  });

  it('grants read-only IoT actions only: the listings on "*", the descriptions on cert/* and cacert/* per region', () => {
    const statements = inventoryStatements(template);
    const actions = iotActions(statements);
    expect(actions.sort()).toEqual(
      [
        'iot:DescribeCACertificate',
        'iot:DescribeCertificate',
        'iot:ListCACertificates',
        'iot:ListCertificates',
        'iot:ListPrincipalThings',
      ].sort(),
    );
    for (const a of actions) expect(a).toMatch(/^iot:(List|Describe)[A-Za-z]+$/);
    const byAction = (a: string) =>
      statements.find((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(a));
    expect(byAction('iot:ListCertificates')?.Resource).toBe('*');
    const describeText = JSON.stringify(byAction('iot:DescribeCertificate')?.Resource);
    expect(describeText).toContain(':iot:eu-west-1:');
    expect(describeText).toContain(':iot:us-east-1:');
    expect(describeText).toContain(':cert/*');
    expect(describeText).not.toContain('cacert');
    expect(JSON.stringify(byAction('iot:DescribeCACertificate')?.Resource)).toContain(':cacert/*');
    // No statement anywhere in the inventory role allows writing to IoT.
    expect(JSON.stringify(statements)).not.toMatch(/"iot:(?!List|Describe)/);
  });

  it('leaves cdk-nag nothing unacknowledged, and acknowledges exactly the findings its grants cause', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
    // IoT alone: the acknowledgements must be exactly what its own policy, unacknowledged, reports.
    const { stack: only } = watcherStack({ sources: [new IotSource()] }, { stackName: 'IotOnly' });
    const iotPolicy = inventoryPolicies(Template.fromStack(only));
    expect(iotPolicy).toHaveLength(1);
    const probe = new Stack(undefined, 'Probe');
    new iam.CfnPolicy(probe, 'Policy', {
      policyName: 'probe',
      roles: ['probe'],
      policyDocument: iotPolicy[0]?.[1].Properties.PolicyDocument,
    });
    const findings = new AwsSolutionsChecks().validateScope(probe).violations.map((v) => v.ruleName);
    // The source's own, on the scan worker role (the alarm reminder acknowledges its own).
    const acks = Object.fromEntries(
      Object.entries(acknowledgments(only)).filter(([k]) => k.includes('/Scan/')),
    );
    expect(
      Object.keys(acks)
        .map((k) => k.slice(k.indexOf(': ') + 2))
        .sort(),
    ).toEqual([...new Set(findings)].sort());
    for (const reason of Object.values(acks)) expect(reason).toMatch(/iot:(List|Describe)/);
    expect(new AwsSolutionsChecks().validateScope(only).violations).toEqual([]);
  });

  it('without ACM, grants no ACM permission; with caCertificates false, nothing about CA certificates', () => {
    const { stack } = watcherStack(
      {
        sources: [
          new IotSource({ regions: ['eu-central-1'], caCertificates: false, describeConcurrency: 16 }),
        ],
      },
      { stackName: 'IotNoCa' },
    );
    const t = Template.fromStack(stack);
    const text = JSON.stringify(inventoryStatements(t));
    expect(text).not.toContain('acm:');
    expect(text).not.toMatch(/CACertificate/);
    expect(JSON.parse(inventoryEnv(t).WATCHER_SOURCES as string)).toEqual([
      { kind: 'iot', regions: ['eu-central-1'], options: { describeConcurrency: 16, caCertificates: false } },
    ]);
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('refuses a describeConcurrency IoT could never honour, naming the value', () => {
    expect(() => new IotSource({ describeConcurrency: 0 })).toThrow(InvalidWatcherConfigError);
    expect(() => new IotSource({ describeConcurrency: 500 })).toThrow(/from 1 to 64, got 500/);
    expect(() => new IotSource({ describeBudgetSeconds: 1000 })).toThrow(
      /describeBudgetSeconds .* from 1 to 900/,
    );
    // The same rules from a watcher:sources setting, and a budget the Lambda receives.
    expect(() => IotSource.fromSetting({ kind: 'iot', options: { describeConcurrency: 'fast' } })).toThrow(
      InvalidWatcherConfigError,
    );
    const setting = IotSource.fromSetting({ kind: 'iot', options: { describeBudgetSeconds: 600 } });
    const { stack } = watcherStack({ sources: [setting] }, { stackName: 'IotBudget' });
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).toContain('\\"describeBudgetSeconds\\":600');
  });
});

describe('watcher:sources with iot', () => {
  it('maps the kind and its options to the binding', () => {
    const byKinds = parseWatcherContext({ 'watcher:sources': 'acm,iot' }).watcherProps.sources;
    expect(byKinds?.map((s) => s.kind)).toEqual(['acm', 'iot']);
    expect(byKinds?.[1]).toBeInstanceOf(IotSource);
    const bySettings = parseWatcherContext({
      'watcher:sources': '[{"kind":"iot","regions":["us-east-1"],"options":{"describeConcurrency":"12"}}]',
    }).watcherProps.sources;
    const { stack } = watcherStack({ sources: bySettings }, { stackName: 'IotCtx' });
    expect(JSON.parse(inventoryEnv(Template.fromStack(stack)).WATCHER_SOURCES as string)).toEqual([
      { kind: 'iot', regions: ['us-east-1'], options: { describeConcurrency: 12 } },
    ]);
    expect(() =>
      parseWatcherContext({ 'watcher:sources': '[{"kind":"iot","options":{"describeConcurrency":1000}}]' }),
    ).toThrow(InvalidContextError);
  });
});
