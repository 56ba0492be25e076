import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateExpiryWatcher } from '../../lib';
import { acknowledgments, CDK_JSON_CONTEXT, watcherStack } from './stacks';

const ROOT = path.resolve(__dirname, '../..');

describe('cdk-nag AwsSolutions', () => {
  // One watcher with default props, synthesized once: the checks below only read it.
  let stack: Stack;
  let template: Template;
  let annotations: Annotations;
  beforeAll(() => {
    ({ stack } = watcherStack());
    template = Template.fromStack(stack);
    annotations = Annotations.fromStack(stack);
  });

  it('finds nothing unacknowledged in a watcher with default props', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('finds nothing unacknowledged with a topic of your own and email subscriptions', () => {
    const { stack } = watcherStack({}, { stackName: 'Byo' });
    const topic = sns.Topic.fromTopicArn(stack, 'Existing', 'arn:aws:sns:eu-west-1:111122223333:ops');
    new CertificateExpiryWatcher(stack, 'Second', {
      opsTopic: topic,
      opsEmailAddresses: ['ops@example.com'],
    });
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it("acknowledges only the two wildcard resources ACM forces, the reminder state machine's logging and tracing, and the scheduled report's dated prefix and log bucket, each with a reason", () => {
    const acks = acknowledgments(stack);
    expect(Object.keys(acks).sort()).toEqual([
      'TestStack/Watcher/AlarmReminder/StateMachine: AwsSolutions-SF1',
      'TestStack/Watcher/AlarmReminder/StateMachine: AwsSolutions-SF2',
      'TestStack/Watcher/Report/AccessLogs: AwsSolutions-S1',
      expect.stringMatching(
        /^TestStack\/Watcher\/Report\/FunctionRole: AwsSolutions-IAM5\[Resource::<WatcherReportBucket[0-9A-F]+\.Arn>\/reports\/\*\]$/,
      ),
      'TestStack/Watcher/Scan/AcmWorkerRole: AwsSolutions-IAM5[Resource::*]',
      'TestStack/Watcher/Scan/AcmWorkerRole: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:acm:<AWS::Region>:<AWS::AccountId>:certificate/*]',
    ]);
    const reasons: [RegExp, RegExp][] = [
      [/AcmWorkerRole/, /acm:(List|Describe)Certificate/],
      [/StateMachine/, /execution history/],
      [/AccessLogs/, /server access logs/],
      [/Report\/FunctionRole/, /dated folder/],
    ];
    for (const [id, reason] of Object.entries(acks))
      expect(reason).toMatch(reasons.find(([where]) => where.test(id))?.[1] ?? /^$/);
  });

  it('acknowledges findings that really occur: the same policy without acknowledgments reports exactly them', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes('acm:'),
    );
    expect(policies).toHaveLength(1);
    const probe = new Stack(undefined, 'Probe');
    new iam.CfnPolicy(probe, 'Policy', {
      policyName: 'probe',
      roles: ['probe'],
      policyDocument: policies[0]?.Properties.PolicyDocument,
    });
    const findings = new AwsSolutionsChecks().validateScope(probe).violations.map((v) => v.ruleName);
    const acknowledged = Object.keys(acknowledgments(stack))
      .filter((k) => k.includes('AcmWorkerRole'))
      .map((k) => k.slice(k.indexOf(': ') + 2));
    expect(findings.sort()).toEqual(acknowledged.sort());
  });

  it('leaves no error annotation, and only the warning of the explicit ops opt-out', () => {
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    const warnings = annotations.findWarning('*', Match.anyValue());
    expect(warnings.map((w) => String(w.entry.data))).toEqual([
      expect.stringMatching(/^The ops topic has no subscriber/),
    ]);
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });
});

describe('bin/app.ts', () => {
  let outdir: string;

  beforeAll(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'cert-watcher-app-'));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  // What `cdk synth` does: run the app with the context and an output directory in the environment.
  // Asynchronously: a synchronous spawn blocks the test worker, and on a busy machine long enough
  // for vitest's worker RPC to time out ("Timeout calling onTaskUpdate") although every test passed.
  const runApp = (context: Record<string, unknown>): Promise<{ status: number | null; stderr: string }> => {
    const { CDK_DEFAULT_ACCOUNT: _account, CDK_DEFAULT_REGION: _region, ...env } = process.env;
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'bin/app.ts'], {
      cwd: ROOT,
      env: { ...env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, stderr }));
    });
  };

  it('synthesizes the cdk.json configuration with the AwsSolutions checks registered, environment-agnostic', async () => {
    const result = await runApp({ ...CDK_JSON_CONTEXT, 'watcher:regions': 'eu-west-1,us-east-1' });
    expect(result.stderr).not.toMatch(/AwsSolutions-/);
    expect(result.status).toBe(0);
    const template = JSON.parse(
      readFileSync(path.join(outdir, 'CertificateExpiryWatcher.template.json'), 'utf8'),
    );
    Template.fromJSON(template).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          WATCHER_SOURCES: '[{"kind":"acm","regions":["eu-west-1","us-east-1"]}]',
        }),
      },
    });
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts.CertificateExpiryWatcher.environment).toBe(
      'aws://unknown-account/unknown-region',
    );
    // cdk.json opts out of the ops subscriber check explicitly, so synth says so.
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    const violations = report.pluginReports.flatMap(
      (r: { violations: { ruleName: string }[] }) => r.violations,
    );
    expect(violations.map((v: { ruleName: string }) => v.ruleName)).toEqual([
      'Annotation::cert-expiry-watcher:opsTopicWithoutSubscriber',
    ]);
  });

  it('exits 1 naming the context keys when the ops topic would have no subscriber', async () => {
    const { 'watcher:opsAlarmsAcknowledgeNoSubscriber': _optOut, ...context } = CDK_JSON_CONTEXT;
    const result = await runApp(context);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('ops topic has no subscriber');
    expect(result.stderr).toContain('watcher:opsEmailAddresses');
    expect(result.stderr).toContain('watcher:opsAlarmsAcknowledgeNoSubscriber');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('exits 1 with the offending context key when the configuration is invalid', async () => {
    const result = await runApp({ ...CDK_JSON_CONTEXT, 'watcher:tiersDays': '7,14' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'Invalid context "watcher:tiersDays": tiersDays must be strictly descending (e.g. [30, 14, 7]), got [7, 14]',
    );
  });
});
