import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CertificateExpiryWatcher,
  InvalidWatcherConfigError,
  SecretsSource,
  SsmSource,
  type StoredValueSourceProps,
} from '../../lib';
import { parseWatcherContext } from '../../lib/context';
import { acknowledgments, OPS_OPT_OUT, testApp, watcherStack } from './stacks';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** The scan planner's environment: WATCHER_SOURCES holds every source's setting. */
const inventoryEnv = (template: Template): Record<string, unknown> => {
  const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
    id.startsWith('WatcherScanPlanner'),
  );
  return fn?.[1].Properties.Environment.Variables ?? {};
};

const inventoryPolicies = (template: Template) =>
  // The scan workers' roles: each holds its own source's grants.
  Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) =>
    /^WatcherScan.+Worker/.test(id),
  );

const statements = (template: Template): Statement[] =>
  inventoryPolicies(template).flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

const bySid = (template: Template, sid: string) => statements(template).find((s) => s.Sid === sid);

const KINDS = [
  {
    kind: 'secrets',
    sid: 'Secrets',
    make: (p?: StoredValueSourceProps) => new SecretsSource(p),
    read: 'secretsmanager:GetSecretValue',
    // ListSecrets returns the tags with each secret.
    readActions: ['secretsmanager:GetSecretValue'],
  },
  {
    kind: 'ssm',
    sid: 'Ssm',
    make: (p?: StoredValueSourceProps) => new SsmSource(p),
    read: 'ssm:GetParameters',
    // DescribeParameters gives no tags: they are read per reported parameter (routing to owners).
    readActions: ['ssm:GetParameters', 'ssm:ListTagsForResource'],
  },
] as const;

describe.each(KINDS)('$kind source binding', ({ kind, sid, make, readActions }) => {
  const synth = (props?: StoredValueSourceProps, name = 'Stored') => {
    const { stack } = watcherStack(
      { regions: ['eu-west-1', 'us-east-1'], sources: [make(props)] },
      { stackName: `${name}${sid}` },
    );
    return { stack, template: Template.fromStack(stack) };
  };

  // The default binding, synthesized once: the tests below only read it.
  let base: ReturnType<typeof synth>;
  beforeAll(() => {
    base = synth();
  });

  it('by tag (default): reads only values tagged cert-watch:watch=true, decrypts only through the service', () => {
    const { stack, template } = base;
    expect(JSON.parse(inventoryEnv(template).WATCHER_SOURCES as string)).toEqual([
      {
        kind,
        regions: ['eu-west-1', 'us-east-1'],
        options: { tagKey: 'cert-watch:watch', tagValue: 'true' },
      },
    ]);
    const readValues = bySid(template, `${sid}ReadValues`);
    expect([readValues?.Action].flat()).toEqual(readActions);
    expect(readValues?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/cert-watch:watch': 'true' } });
    expect(JSON.stringify(readValues?.Resource)).toMatch(/:eu-west-1:.*:us-east-1:/);
    const decrypt = bySid(template, `${sid}Decrypt`);
    expect(decrypt?.Action).toBe('kms:Decrypt');
    const via = JSON.stringify(decrypt?.Condition);
    expect(via).toContain('kms:ViaService');
    expect(via).toContain(`${kind === 'secrets' ? 'secretsmanager' : 'ssm'}.eu-west-1.`);
    expect(JSON.stringify(decrypt?.Resource)).toContain(':kms:eu-west-1:');
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('grants read-only actions only: a list, a value read, a decrypt', () => {
    const { template } = base;
    const actions = statements(template)
      .filter((s) => s.Sid?.startsWith(sid))
      .flatMap((s) => [s.Action].flat());
    expect(actions.sort()).toEqual(
      [
        kind === 'secrets' ? 'secretsmanager:ListSecrets' : 'ssm:DescribeParameters',
        ...readActions,
        'kms:Decrypt',
      ].sort(),
    );
    const all = statements(template).flatMap((s) => [s.Action].flat());
    expect(all.filter((a) => /^(secretsmanager|ssm|kms):(?!List|Get|Describe|Decrypt)/.test(a))).toEqual([]);
    expect(all.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('by prefixes: no tag condition, resources narrowed to the names under the prefixes', () => {
    const { stack, template } = synth({ prefixes: ['/certs/', 'tls-'] }, 'Prefixes');
    const readValues = bySid(template, `${sid}ReadValues`);
    expect(readValues?.Condition).toBeUndefined();
    const resources = JSON.stringify(readValues?.Resource);
    const names =
      kind === 'secrets' ? ['secret:/certs/*', 'secret:tls-*'] : ['parameter/certs/*', 'parameter/tls-*'];
    for (const n of names) expect(resources).toContain(n);
    expect(JSON.parse(inventoryEnv(template).WATCHER_SOURCES as string)[0].options).toEqual({
      prefixes: ['/certs/', 'tls-'],
    });
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('with encryptionKeys: kms:Decrypt on those keys only, and one finding fewer to acknowledge', () => {
    const stack = new Stack(testApp(), `Keys${sid}`);
    const key = new kms.Key(stack, 'CertKey', { enableKeyRotation: true });
    new CertificateExpiryWatcher(stack, 'Watcher', {
      regions: ['eu-west-1'],
      sources: [make({ encryptionKeys: [key] })],
      ...OPS_OPT_OUT,
    });
    const decrypt = bySid(Template.fromStack(stack), `${sid}Decrypt`);
    expect(JSON.stringify(decrypt?.Resource)).toContain('CertKey');
    expect(JSON.stringify(decrypt?.Resource)).not.toContain('key/*');
    expect(Object.keys(acknowledgments(stack)).some((k) => k.includes(':kms:'))).toBe(false);
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('acknowledges exactly the findings its grants cause, each with its reason', () => {
    const { stack, template } = base;
    const policies = inventoryPolicies(template);
    const probe = new Stack(undefined, 'Probe');
    policies.forEach(([, p], i) => {
      new iam.CfnPolicy(probe, `Policy${i}`, {
        policyName: `probe${i}`,
        roles: ['probe'],
        policyDocument: p.Properties.PolicyDocument,
      });
    });
    const findings = new AwsSolutionsChecks().validateScope(probe).violations.map((v) => v.ruleName);
    // The sources' own, on the scan worker roles (the alarm reminder acknowledges its own).
    const acks = Object.fromEntries(
      Object.entries(acknowledgments(stack)).filter(([k]) => k.includes('/Scan/')),
    );
    const acknowledged = Object.keys(acks).map((k) => k.slice(k.indexOf(': ') + 2));
    expect([...new Set(findings)].sort()).toEqual([...new Set(acknowledged)].sort());
    const mine = Object.entries(acks).filter(([k]) => !k.includes(':acm:'));
    for (const [id, reason] of mine)
      expect(JSON.parse(reason), id).toMatch(
        /requires Resource "\*"|kms:ViaService|aws:ResourceTag condition/,
      );
  });

  it('refuses tag and prefixes together, wildcard prefixes and an empty key list', () => {
    expect(() => make({ prefixes: ['a/'], tagKey: 'k' })).toThrow(InvalidWatcherConfigError);
    expect(() => make({ prefixes: ['certs/*'] })).toThrow(/prefixes\[0\]/);
    expect(() => make({ prefixes: [] })).toThrow(/at least one/);
    expect(() => make({ tagValue: '' })).toThrow(/tagValue/);
    expect(() => make({ encryptionKeys: [] })).toThrow(/encryptionKeys/);
  });

  it('is enabled from the watcher:sources context key with its options', () => {
    const sources = parseWatcherContext({
      'watcher:sources': JSON.stringify([
        { kind: 'acm' },
        { kind, regions: ['eu-west-1'], options: { prefixes: 'certs/,tls/', base64: 'true' } },
      ]),
    }).watcherProps.sources;
    expect(sources?.map((s) => s.kind)).toEqual(['acm', kind]);
    const { template } = (() => {
      const { stack } = watcherStack({ regions: ['eu-west-1'], sources }, { stackName: `Ctx${sid}` });
      return { template: Template.fromStack(stack) };
    })();
    expect(JSON.parse(inventoryEnv(template).WATCHER_SOURCES as string)[1]).toEqual({
      kind,
      regions: ['eu-west-1'],
      options: { prefixes: ['certs/', 'tls/'], base64: true },
    });
  });
});
