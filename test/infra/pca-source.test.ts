import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { AcmSource, InvalidWatcherConfigError, PcaSource } from '../../lib';
import { parseWatcherContext } from '../../lib/context';
import { acknowledgments, actionsOf, inventorySources, inventoryStatements, watcherStack } from './stacks';

describe('Private CA source (construct side)', () => {
  let template: Template;
  let stack: ReturnType<typeof watcherStack>['stack'];
  beforeAll(() => {
    ({ stack } = watcherStack({
      regions: ['eu-west-1', 'us-east-1'],
      sources: [new AcmSource(), new PcaSource({ criticalDays: 45, issuanceValidityDays: 200 })],
    }));
    template = Template.fromStack(stack);
  });

  it('passes its setting to the inventory: regions and only the options that were given', () => {
    expect(inventorySources(template)).toEqual([
      { kind: 'acm', regions: ['eu-west-1', 'us-east-1'] },
      {
        kind: 'pca',
        regions: ['eu-west-1', 'us-east-1'],
        options: { criticalDays: 45, issuanceValidityDays: 200 },
      },
    ]);
  });

  it("grants the listing, and the CA certificates of this account's CAs in exactly the configured regions", () => {
    const statements = inventoryStatements(template);
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(bySid('PcaListCertificateAuthorities')).toMatchObject({
      Action: 'acm-pca:ListCertificateAuthorities',
      Resource: '*',
    });
    const get = bySid('PcaGetCaCertificates');
    // The CA certificate, and the CA's tags (routing its alert to its owner).
    expect(get?.Action).toEqual(['acm-pca:GetCertificateAuthorityCertificate', 'acm-pca:ListTags']);
    const resources = JSON.stringify(get?.Resource);
    expect(resources).toContain(':acm-pca:eu-west-1:');
    expect(resources).toContain(':acm-pca:us-east-1:');
    expect(resources).toContain(':certificate-authority/*');
    expect(get?.Resource).toHaveLength(2);
  });

  it('grants no write action: every acm-pca action is a List or a Get', () => {
    const mine = actionsOf(inventoryStatements(template)).filter((a) => a.startsWith('acm-pca:'));
    expect(mine.sort()).toEqual([
      'acm-pca:GetCertificateAuthorityCertificate',
      'acm-pca:ListCertificateAuthorities',
      'acm-pca:ListTags',
    ]);
    expect(JSON.stringify(inventoryStatements(template))).not.toMatch(
      /acm-pca:\*|acm-pca:(Issue|Import|Create|Update|Delete|Revoke|Put|Tag|Restore)/,
    );
  });

  it('leaves no cdk-nag finding unacknowledged, and acknowledges its own wildcard with its reason', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
    const own = Object.entries(acknowledgments(stack)).filter(
      ([k]) => k.includes(':acm-pca:') && k.includes(':certificate-authority/*'),
    );
    expect(own).toHaveLength(2);
    for (const [, reason] of own) expect(reason).toMatch(/never a private key/);
  });

  it('without pca, grants no acm-pca action', () => {
    const { stack } = watcherStack({ sources: [new AcmSource()] }, { stackName: 'NoPca' });
    expect(JSON.stringify(inventoryStatements(Template.fromStack(stack)))).not.toContain('acm-pca:');
  });

  it('alone with its own regions: no ACM permission, and the default tiers resolved in the Lambda', () => {
    const { stack } = watcherStack(
      { regions: ['eu-west-1', 'us-east-1'], sources: [new PcaSource({ regions: ['us-east-1'] })] },
      { stackName: 'PcaOnly' },
    );
    const t = Template.fromStack(stack);
    expect(inventorySources(t)).toEqual([{ kind: 'pca', regions: ['us-east-1'] }]);
    const text = JSON.stringify(inventoryStatements(t));
    expect(text).not.toContain('acm:');
    expect(text).not.toContain('eu-west-1');
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('refuses bad props at synth, naming the value', () => {
    expect(() => new PcaSource({ tiersDays: [90, 180] })).toThrow(InvalidWatcherConfigError);
    expect(() => new PcaSource({ tiersDays: [90, 180] })).toThrow(/strictly descending.*\[90, 180\]/);
    expect(() => new PcaSource({ tiersDays: [20, 10] })).toThrow(/criticalDays \(30\) must not exceed/);
    expect(() => new PcaSource({ issuanceValidityDays: -1 })).toThrow(/issuanceValidityDays.*-1/);
    expect(() => new PcaSource({ regions: ['eu-wst-1'] })).toThrow(InvalidWatcherConfigError);
  });

  it('comes from the watcher:sources context key, options as JSON or as strings', () => {
    const sources = parseWatcherContext({
      'watcher:sources': '[{"kind":"pca","options":{"tiersDays":"400,100,30","criticalDays":"30"}}]',
    }).watcherProps.sources;
    expect(sources?.[0]).toBeInstanceOf(PcaSource);
    const { stack } = watcherStack({ regions: ['eu-west-1'], sources }, { stackName: 'FromContext' });
    expect(inventorySources(Template.fromStack(stack))).toEqual([
      { kind: 'pca', regions: ['eu-west-1'], options: { tiersDays: [400, 100, 30], criticalDays: 30 } },
    ]);
    expect(
      parseWatcherContext({ 'watcher:sources': 'acm,pca' }).watcherProps.sources?.map((s) => s.kind),
    ).toEqual(['acm', 'pca']);
    expect(() =>
      parseWatcherContext({ 'watcher:sources': '[{"kind":"pca","options":{"criticalDays":"soon"}}]' }),
    ).toThrow(/Invalid context "watcher:sources".*criticalDays must be a number of days, got "soon"/);
  });
});
