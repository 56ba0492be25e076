import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { CertificateExpiryWatcherProps } from '../../lib';
import { acknowledgments, watcherStack } from './stacks';

const assumeRoleResources = (props: CertificateExpiryWatcherProps, stackName: string) => {
  const { stack } = watcherStack(props, { stackName });
  const statements = Object.entries(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .filter(([id]) => /^WatcherScan.+Worker/.test(id))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as { Sid?: string; Resource: unknown }[]);
  const resources = statements.find((s) => s.Sid === 'AssumeMemberRole')?.Resource;
  return { stack, resources: JSON.stringify(resources) };
};

describe('each grant names exactly what the configuration names', () => {
  it('assumes the member role only in the listed accounts, with nothing to acknowledge', () => {
    const { stack, resources } = assumeRoleResources(
      { accounts: { mode: 'list', accounts: [{ id: '111122223333' }, { id: '444455556666' }] } },
      'Listed',
    );
    expect(resources).toContain(':iam::111122223333:role/cert-expiry-watcher-reader');
    expect(resources).toContain(':iam::444455556666:role/cert-expiry-watcher-reader');
    expect(resources).not.toContain('iam::*:');
    expect(Object.keys(acknowledgments(stack)).some((k) => k.includes(':role/'))).toBe(false);
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('keeps the account wildcard, acknowledged, only for an organization whose accounts change', () => {
    const { stack, resources } = assumeRoleResources({ accounts: { mode: 'organization' } }, 'Org');
    expect(resources).toContain(':iam::*:role/cert-expiry-watcher-reader');
    expect(Object.keys(acknowledgments(stack)).some((k) => k.includes('iam::*:role/'))).toBe(true);
  });
});
