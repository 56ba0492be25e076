/**
 * The endpoint dispatcher retires endpoints removed from the configuration (issue #9, item 8): it
 * reads which scopes the state table still tracks, with a Scan of the scope index and nothing more.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { watcherStack } from './stacks';

describe('endpoint retirement in the template', () => {
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(watcherStack({ endpoints: [{ host: 'example.com' }] }).stack);
  });

  it('gives the dispatcher the state table name and dynamodb:Scan on the by-scope index only', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const dispatcher = Object.values(functions).find((f) => JSON.stringify(f).includes('PROBE_BATCH_SIZE'))!;
    expect(dispatcher.Properties.Environment.Variables.STATE_TABLE_NAME).toBeDefined();
    const role = JSON.stringify(dispatcher.Properties.Role);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes(JSON.parse(role)['Fn::GetAtt'][0]),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const dynamodb = statements.filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(dynamodb).toHaveLength(1);
    expect(dynamodb[0].Action).toBe('dynamodb:Scan');
    expect(JSON.stringify(dynamodb[0].Resource)).toMatch(/\/index\/by-scope/);
  });
});
