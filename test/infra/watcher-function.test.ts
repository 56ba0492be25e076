import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatcherFunction } from '../../lib';
import { CDK_JSON_CONTEXT, testApp } from './stacks';

describe('WatcherFunction', () => {
  let template: Template;
  let fn: WatcherFunction;

  beforeAll(() => {
    const stack = new Stack(testApp(), 'FunctionStack');
    fn = new WatcherFunction(stack, 'Prober', {
      entry: 'lambda/handlers/plan-scan.ts',
      environment: { PROBE_TIMEOUT_MS: '5000' },
    });
    new WatcherFunction(stack, 'Tuned', {
      entry: 'lambda/handlers/plan-scan.ts',
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
    expect(fn).toBeInstanceOf(nodejs.NodejsFunction);
    expect(fn.role?.node.id).toBe('ProberRole');
  });
});

describe('WatcherFunction synthesis', () => {
  let tmp: string;
  let outdir: string;
  const savedTmpdir = process.env.TMPDIR;

  beforeAll(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'cew-synth-out-'));
    // A private TMPDIR: the test worker's own temp files are counted, no other worker's.
    tmp = mkdtempSync(path.join(tmpdir(), 'cew-synth-tmp-'));
    process.env.TMPDIR = tmp;
  });
  afterAll(() => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    rmSync(tmp, { recursive: true, force: true });
    rmSync(outdir, { recursive: true, force: true });
  });

  it('leaves nothing in the temp directory and puts the extra files in the bundle', () => {
    expect(tmpdir()).toBe(tmp);
    const before = readdirSync(tmpdir());
    const app = new App({ outdir, context: CDK_JSON_CONTEXT });
    const stack = new Stack(app, 'SynthStack');
    new WatcherFunction(stack, 'Dispatcher', {
      entry: 'lambda/handlers/dispatch-endpoints.ts',
      extraFiles: { 'endpoints.json': '[{"host":"example.com","port":443}]', 'ca-bundle.pem': 'PEM' },
    });
    const assembly = app.synth();

    expect(readdirSync(tmpdir())).toEqual(before);
    const assetDirs = readdirSync(assembly.directory).filter((d) => d.startsWith('asset.'));
    expect(assetDirs).toHaveLength(1);
    const bundle = path.join(assembly.directory, assetDirs[0]!);
    expect(readFileSync(path.join(bundle, 'endpoints.json'), 'utf8')).toBe(
      '[{"host":"example.com","port":443}]',
    );
    expect(readFileSync(path.join(bundle, 'ca-bundle.pem'), 'utf8')).toBe('PEM');
  });

  it('refuses an extra file name that is a path', () => {
    const stack = new Stack(testApp(), 'BadStack');
    expect(
      () =>
        new WatcherFunction(stack, 'Bad', {
          entry: 'lambda/handlers/dispatch-endpoints.ts',
          extraFiles: { '../escape.json': '[]' },
        }),
    ).toThrow(/plain file name, got '..\/escape.json'/);
  });
});
