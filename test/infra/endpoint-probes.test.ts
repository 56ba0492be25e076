import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateExpiryWatcher, proberTimeoutFor, validateEndpoints } from '../../lib';
import { LAMBDA_ENTRY_FILE } from '../../lib/lambda-bundling';
import { CDK_JSON_CONTEXT, OPS_OPT_OUT, testApp, watcherStack } from './stacks';

const ENDPOINTS = [
  { host: 'example.com' },
  { host: 'mail.example.com', port: 587, starttls: 'smtp' as const, labels: { team: 'mail' } },
  { host: '10.0.0.5', port: 5432 },
];

describe('endpoint probes in the template', () => {
  let template: Template;
  let stack: Stack;

  beforeAll(() => {
    ({ stack } = watcherStack({
      endpoints: ENDPOINTS,
      endpointProbes: {
        targetsPerBatch: 50,
        maxConcurrency: 20,
        probeTimeout: Duration.seconds(5),
        socketsPerFunction: 25,
      },
    }));
    template = Template.fromStack(stack);
  });

  it('creates a dispatcher and a prober besides the scan functions, on Node.js 24 arm64', () => {
    // + the scan planner, the ACM worker, the alert fan-out and the scheduled report
    template.resourceCountIs('AWS::Lambda::Function', 6);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({ PROBE_BATCH_SIZE: '50', PROBE_QUEUE_URL: Match.anyValue() }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      // 2 waves of 25 sockets x (DNS + two probe deadlines of 5 s: the dual-certificate look) + 30 s margin.
      Timeout: 60,
      Environment: {
        Variables: Match.objectLike({
          PROBE_TIMEOUT_MS: '5000',
          PROBE_CONCURRENCY: '25',
          EVENT_BUS_NAME: Match.anyValue(),
          TIERS_DAYS: '30,14,7,3,1',
        }),
      },
    });
  });

  it('feeds the prober from an encrypted queue with a dead-letter queue, partial batch responses and bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 20 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360, // 6 x the 60 s function timeout
      RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: Match.anyValue() },
    });
  });

  it('schedules the dispatcher on the watcher interval', () => {
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: { ScheduleExpression: 'rate(6 hours)' },
    });
    expect(Object.keys(rules)).toHaveLength(2);
  });

  it('alarms to the ops topic when no endpoint batch completes in 1.5 periods, on errors and on dead letters', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'EndpointBatchesCompleted',
      Namespace: 'CertExpiryWatcher',
      Period: 32400,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('OpsTopic') }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'dispatcher + prober' })]),
      AlarmActions: [{ Ref: Match.stringLikeRegexp('OpsTopic') }],
    });
    // The watcher's 11 and the probes' heartbeat, errors, dead letters, EndpointsFailed,
    // EndpointTargetsRejected and queue age.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 17);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'EndpointsFailed',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('OpsTopic') }],
    });
  });

  it('grants the prober PutEvents on the bus and the dispatcher SendMessage on the queue, no wildcard actions', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) =>
        (
          p as {
            Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
          }
        ).Properties.PolicyDocument.Statement,
    );
    for (const s of statements) for (const a of [s.Action].flat()) expect(a).not.toMatch(/^\*$|:\*$/);
    expect(statements.some((s) => [s.Action].flat().includes('events:PutEvents'))).toBe(true);
    expect(statements.some((s) => [s.Action].flat().includes('sqs:SendMessage'))).toBe(true);
  });

  it('fetches missing issuers only when asked: endpointProbes.fetchMissingIssuers sets FETCH_MISSING_ISSUERS=true', () => {
    const prober = (t: Template) =>
      Object.values(t.findResources('AWS::Lambda::Function')).find(
        (f) =>
          (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties
            .Environment?.Variables?.PROBE_TIMEOUT_MS !== undefined,
      ) as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(prober(template).Properties.Environment.Variables).not.toHaveProperty('FETCH_MISSING_ISSUERS');
    const { stack: withAia } = watcherStack({
      endpoints: ENDPOINTS,
      endpointProbes: { fetchMissingIssuers: true },
    });
    expect(prober(Template.fromStack(withAia)).Properties.Environment.Variables.FETCH_MISSING_ISSUERS).toBe(
      'true',
    );
  });

  it('looks for dual certificates by default; endpointProbes.dualCertificates: false turns it off and shortens the timeout', () => {
    const { stack: single } = watcherStack({
      endpoints: ENDPOINTS,
      endpointProbes: {
        targetsPerBatch: 50,
        socketsPerFunction: 25,
        probeTimeout: Duration.seconds(5),
        dualCertificates: false,
      },
    });
    const t = Template.fromStack(single);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 50,
      Environment: { Variables: Match.objectLike({ PROBE_DUAL_CERTIFICATES: 'false' }) },
    });
    const vars = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f) =>
        (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties
          .Environment?.Variables ?? {},
    );
    expect(vars.some((v) => 'PROBE_DUAL_CERTIFICATES' in v)).toBe(false);
  });

  it('passes cdk-nag AwsSolutions with nothing new to acknowledge', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });
});

describe('endpoint configuration errors fail at synth', () => {
  it.each([
    [[{ host: 'bad host!' }], /endpoints\[0\]\.host is not a host name/],
    [[{ host: 'a.example.com', port: 70000 }], /endpoints\[0\]\.port must be an integer from 1 to 65535/],
    [[{ host: 'a.example.com', starttls: 'smtps' }], /starttls must be 'none' or one of smtp/],
    [
      [{ host: 'a.example.com' }, { host: 'A.example.com', port: 443 }],
      /endpoints\[1\] repeats A\.example\.com:443/,
    ],
    [
      [{ host: 'a.example.com', labels: { team: 'x'.repeat(131_000) } }],
      /endpoints\[0\]: label 'team' must be at most 256/,
    ],
    [
      [{ host: 'a.example.com', owner: 'o'.repeat(300) }],
      /endpoints\[0\]: 'owner' must be at most 256 characters/,
    ],
  ])('%j', (endpoints, message) => {
    expect(() => validateEndpoints(endpoints as never)).toThrow(message);
  });

  it('accepts internationalised names with the runtime parser (it refused them), one name in either form', () => {
    expect(
      validateEndpoints([{ host: 'bücher.example' }, { host: 'xn--bcher-kva.example', port: 8443 }]),
    ).toEqual([
      { host: 'bücher.example', port: 443 },
      { host: 'xn--bcher-kva.example', port: 8443 },
    ]);
    expect(() => validateEndpoints([{ host: 'bücher.example' }, { host: 'XN--BCHER-KVA.example' }])).toThrow(
      /endpoints\[1\] repeats XN--BCHER-KVA\.example:443/,
    );
    expect(() => validateEndpoints([{ host: 'example.com:8443' }])).toThrow(
      /endpoints\[0\]\.host is not a host name/,
    );
    expect(() => validateEndpoints([{ host: '[::1]' }])).toThrow(/endpoints\[0\]\.host is not a host name/);
    expect(validateEndpoints([{ host: '2001:db8::1' }])).toEqual([{ host: '2001:db8::1', port: 443 }]);
  });

  it('refuses the instance metadata address and link-local targets unless explicitly allowed', () => {
    expect(() => validateEndpoints([{ host: '169.254.169.254', port: 80 }])).toThrow(
      /endpoints\[0\]\.host 169\.254\.169\.254 is a link-local address .* set endpointProbes\.allowLinkLocal/,
    );
    expect(() => validateEndpoints([{ host: 'fe80::1' }])).toThrow(/link-local/);
    expect(validateEndpoints([{ host: '169.254.10.20' }], true)).toEqual([
      { host: '169.254.10.20', port: 443 },
    ]);
  });

  it('refuses other spellings of the metadata address at synth (IPv4-mapped, numeric, IMDS IPv6 long form)', () => {
    for (const host of ['::ffff:169.254.169.254', '2852039166', 'fd00:ec2:0::254'])
      expect(() => validateEndpoints([{ host, port: 80 }])).toThrow(/is a link-local address/);
  });

  it('endpointProbes.allowLinkLocal also lets the prober connect to names resolving there (ALLOW_LINK_LOCAL)', () => {
    const prober = (allow?: boolean) => {
      const { stack } = watcherStack({
        endpoints: [{ host: '169.254.10.20' }],
        endpointProbes: allow === undefined ? {} : { allowLinkLocal: allow },
      });
      return Template.fromStack(stack).findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { PROBE_CONCURRENCY: Match.anyValue() } } },
      });
    };
    expect(() => prober()).toThrow(/link-local/);
    const vars = Object.values(prober(true)).map(
      (f) =>
        (f as { Properties: { Environment: { Variables: Record<string, string> } } }).Properties.Environment
          .Variables,
    );
    expect(vars).toHaveLength(1);
    expect(vars[0]!.ALLOW_LINK_LOCAL).toBe('true');
  });

  it('synthesises a watcher whose endpoint has an internationalised name', () => {
    const { stack } = watcherStack({ endpoints: [{ host: 'bücher.example' }] });
    Template.fromStack(stack).resourceCountIs('AWS::SQS::Queue', 4);
  });

  it('refuses a batch that could outlast Lambda', () => {
    const stack = new Stack(testApp(), 'TooSlow');
    expect(
      () =>
        new CertificateExpiryWatcher(stack, 'W', {
          endpoints: [{ host: 'example.com' }],
          endpointProbes: { targetsPerBatch: 500, socketsPerFunction: 1, probeTimeout: Duration.seconds(30) },
        }),
    ).toThrow(/above Lambda's 15 minutes/);
    expect(proberTimeoutFor(25, 32, Duration.seconds(10)).toSeconds()).toBe(60);
    expect(proberTimeoutFor(25, 32, Duration.seconds(10), 1).toSeconds()).toBe(50);
  });
});

describe('bundled dispatcher', () => {
  it('ships the validated endpoint list next to the handler', () => {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'Bundled');
    new CertificateExpiryWatcher(stack, 'W', { endpoints: ENDPOINTS, ...OPS_OPT_OUT });
    const assembly = app.synth();
    const template = assembly.getStackByName('Bundled').template as {
      Resources: Record<
        string,
        {
          Type: string;
          Metadata?: Record<string, string>;
          Properties: { Environment?: { Variables?: Record<string, unknown> } };
        }
      >;
    };
    const dispatcher = Object.values(template.Resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        r.Properties.Environment?.Variables?.PROBE_BATCH_SIZE !== undefined,
    );
    const assetDir = path.join(assembly.directory, dispatcher?.Metadata?.['aws:asset:path'] ?? 'missing');
    expect(existsSync(path.join(assetDir, LAMBDA_ENTRY_FILE))).toBe(true);
    const configured = [
      { host: 'example.com', port: 443 },
      { host: 'mail.example.com', port: 587, starttls: 'smtp', labels: { team: 'mail' } },
      { host: '10.0.0.5', port: 5432 },
    ];
    expect(JSON.parse(readFileSync(path.join(assetDir, 'endpoints.json'), 'utf8'))).toEqual(configured);
    // The prober carries the same list and probes nothing else a queue message names.
    const prober = Object.values(template.Resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        r.Properties.Environment?.Variables?.PROBE_CONCURRENCY !== undefined,
    );
    const proberDir = path.join(assembly.directory, prober?.Metadata?.['aws:asset:path'] ?? 'missing');
    expect(JSON.parse(readFileSync(path.join(proberDir, 'endpoints.json'), 'utf8'))).toEqual(configured);
  });
});
