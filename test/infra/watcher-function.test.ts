import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { WatcherFunction } from '../../lib';
import { testApp } from './stacks';

describe('WatcherFunction', () => {
  let template: Template;
  let fn: WatcherFunction;

  beforeAll(() => {
    const stack = new Stack(testApp(), 'FunctionStack');
    fn = new WatcherFunction(stack, 'Prober', {
      entry: 'lambda/handlers/inventory.ts',
      environment: { PROBE_TIMEOUT_MS: '5000' },
    });
    new WatcherFunction(stack, 'Tuned', {
      entry: 'lambda/handlers/inventory.ts',
      timeout: Duration.minutes(1),
      memorySizeMb: 1024,
    });
    template = Template.fromStack(stack);
  });

  it('applies the project defaults: Node.js 24, arm64, 30 s, 256 MB, source maps', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 30,
      MemorySize: 256,
      Environment: { Variables: { PROBE_TIMEOUT_MS: '5000', NODE_OPTIONS: '--enable-source-maps' } },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^ProberLogGroup') }, LogFormat: 'Text' },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
  });

  it('takes timeout and memory from props', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 60, MemorySize: 1024 });
  });

  it('gives each function its own log group and a role that can only write to it', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProberLogGroup'), 'Arn'] },
          },
        ],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^ProberRole') }],
    });
    expect(fn.function.role).toBe(fn.role);
  });
});
