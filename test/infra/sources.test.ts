import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import {
  AcmSource,
  IamSource,
  InvalidWatcherConfigError,
  IotSource,
  PcaSource,
  SecretsSource,
  SsmSource,
} from '../../lib';
import { InvalidContextError, parseWatcherContext } from '../../lib/context';
import { TEST_SOURCE_KIND, TestSourceBinding } from '../support/test-source';
import { acknowledgments, inventoryStatements, type Statement, watcherStack } from './stacks';

/** The scan planner's environment: WATCHER_SOURCES holds every source's setting. */
const inventoryEnv = (template: Template): Record<string, unknown> => {
  const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
    id.startsWith('WatcherScanPlanner'),
  );
  return fn?.[1].Properties.Environment.Variables ?? {};
};

/** The construct id of a kind's scan worker (`acm` → AcmWorker, `vault-test` → VaultTestWorker). */
const workerOf = (kind: string) =>
  `${kind
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('')}Worker`;

describe('sources as plugins (construct side)', () => {
  it('accepts a source binding defined outside lib/: its grants and its setting reach the inventory', () => {
    const { stack } = watcherStack({
      regions: ['eu-west-1'],
      sources: [new AcmSource(), new TestSourceBinding()],
    });
    const template = Template.fromStack(stack);
    expect(JSON.parse(inventoryEnv(template).WATCHER_SOURCES as string)).toEqual([
      { kind: 'acm', regions: ['eu-west-1'] },
      { kind: TEST_SOURCE_KIND, regions: ['eu-west-1'], options: { index: '/vault-test/index' } },
    ]);
    const actions = inventoryStatements(template).map((s) => s.Action);
    expect(actions).toContain('ssm:GetParameter');
    expect(actions).toContain('acm:ListCertificates');
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('grants only the source that is configured: without ACM, no ACM permission at all', () => {
    const { stack } = watcherStack({ sources: [new TestSourceBinding()] }, { stackName: 'NoAcm' });
    const text = JSON.stringify(inventoryStatements(Template.fromStack(stack)));
    expect(text).not.toContain('acm:');
  });

  it('narrows ACM to its own regions, each granted exactly', () => {
    const { stack } = watcherStack(
      { regions: ['eu-west-1', 'us-east-1'], sources: [new AcmSource({ regions: ['us-east-1'] })] },
      { stackName: 'Narrow' },
    );
    const template = Template.fromStack(stack);
    expect(JSON.parse(inventoryEnv(template).WATCHER_SOURCES as string)).toEqual([
      { kind: 'acm', regions: ['us-east-1'] },
    ]);
    const describe = inventoryStatements(template).find((s) => s.Sid === 'AcmDescribeCertificates');
    expect(JSON.stringify(describe?.Resource)).toContain(':acm:us-east-1:');
    expect(JSON.stringify(describe?.Resource)).not.toContain('eu-west-1');
  });

  it('grants the inventory exactly the statements each binding states in readAccess, and acknowledges its findings', () => {
    const regions = ['eu-west-1', 'us-east-1'];
    const sources = [
      new AcmSource(),
      new IamSource(),
      new PcaSource({ regions: ['eu-west-1'] }),
      new SecretsSource(),
      new SsmSource({ prefixes: ['/certs/'] }),
      new IotSource(),
    ];
    const { stack } = watcherStack({ regions, sources }, { stackName: 'AsData' });
    // The synthesized policy sorts a statement's actions.
    const sorted = (s: Statement) => ({ ...s, Action: [s.Action].flat().sort() });
    const stated = sources.flatMap((s) =>
      s
        .readAccess({ regions })
        .grants.map((g) => sorted(stack.resolve(new iam.PolicyStatement(g).toStatementJson()))),
    );
    const granted = inventoryStatements(Template.fromStack(stack));
    // The role's own statements (logs, the bus, the state table) carry no Sid; every Sid is a source's.
    expect(granted.filter((s) => s.Sid).map(sorted)).toEqual(stated);
    const acks = acknowledgments(stack);
    for (const source of sources)
      for (const { id } of source.readAccess({ regions }).acknowledgments)
        expect(acks[`AsData/Watcher/Scan/${workerOf(source.kind)}Role: ${id}`]).toBeDefined();
  });

  it('refuses a kind twice and an empty list, naming the problem', () => {
    expect(() =>
      watcherStack({ sources: [new AcmSource(), new AcmSource()] }, { stackName: 'Twice' }),
    ).toThrow(/sources lists 'acm' twice/);
    expect(() => watcherStack({ sources: [] }, { stackName: 'None' })).toThrow(InvalidWatcherConfigError);
  });
});

describe('watcher:sources context key', () => {
  it('takes kinds or settings and maps each kind to its binding', () => {
    const byKinds = parseWatcherContext({ 'watcher:sources': 'acm' }).watcherProps.sources;
    expect(byKinds?.map((s) => s.kind)).toEqual(['acm']);
    const bySettings = parseWatcherContext({
      'watcher:sources': '[{"kind":"acm","regions":["us-east-1"]}]',
    }).watcherProps.sources;
    expect(bySettings?.[0]).toBeInstanceOf(AcmSource);
  });

  it('refuses a misspelled option, or an option outside "options", naming what is known', () => {
    expect(() =>
      parseWatcherContext({ 'watcher:sources': [{ kind: 'secrets', options: { prefix: ['tls/'] } }] }),
    ).toThrow(/watcher:sources\[0\]: secrets has no option "prefix" \(known: tagKey, tagValue, prefixes/);
    expect(() =>
      parseWatcherContext({ 'watcher:sources': [{ kind: 'secrets', prefixes: ['tls/'] }] }),
    ).toThrow(/has "prefixes": a source setting has only kind, regions and options/);
    expect(() => parseWatcherContext({ 'watcher:sources': [{ kind: 'acm', options: { foo: 1 } }] })).toThrow(
      /acm has no option "foo" \(it takes no options\)/,
    );
  });

  it('names the key and the known kinds for an unknown kind, and the bad region for a bad region', () => {
    expect(() => parseWatcherContext({ 'watcher:sources': 'acm,nosuch' })).toThrow(
      /Invalid context "watcher:sources": item 1: unknown source kind "nosuch"; known kinds are acm/,
    );
    expect(() =>
      parseWatcherContext({ 'watcher:sources': [{ kind: 'acm', regions: ['eu-wst-1'] }] }),
    ).toThrow(InvalidContextError);
  });
});
