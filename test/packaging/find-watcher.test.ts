/**
 * The deployed watcher found by its stack, end to end: the construct's SSM parameter and stack
 * outputs (synthesized), the parameter as CloudFormation would write it (its Fn::Join resolved with
 * logical ids as names) put on moto's SSM, and `cert-watch status | coverage` finding the table
 * through it without --table.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cert-watch';
import { findWatcher } from '../../bin/cli/find-watcher';
import { configParameterName, parseWatcherConfig } from '../../lambda/contracts/watcher-config';
import { createStateTable } from '../../lambda/sinks/state/dynamodb-state-store';
import { CertificateExpiryWatcher } from '../../lib';
import { captureCliIo } from '../support/cli-io';
import { type Moto, startMoto } from '../support/moto';

const REGION = 'eu-west-1';

const synth = (stackName: string, ids: string[]): Template => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, stackName, { env: { region: REGION, account: '111122223333' } });
  for (const id of ids) new CertificateExpiryWatcher(stack, id, { opsEmailAddresses: ['ops@example.com'] });
  return Template.fromStack(stack);
};

/** A template value as CloudFormation resolves it, with each resource's logical id as its name. */
const resolve = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(resolve).join(sep);
  }
  if ('Ref' in v) return v.Ref === 'AWS::Region' ? REGION : String(v.Ref);
  if ('Fn::GetAtt' in v) return `arn:aws:test:${REGION}:111122223333:${(v['Fn::GetAtt'] as string[])[0]}`;
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
};

const parameterOf = (template: Template): { name: string; value: string } => {
  const params = Object.values(template.findResources('AWS::SSM::Parameter')) as {
    Properties: { Name: string; Value: unknown; Type: string };
  }[];
  expect(params).toHaveLength(1);
  return { name: params[0]!.Properties.Name, value: resolve(params[0]!.Properties.Value) };
};

describe('the watcher publishes where it is', () => {
  it('writes /cert-expiry-watcher/<stack>/<path>/config and outputs its table, bus and topics', () => {
    const template = synth('Certs', ['Watcher']);
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/cert-expiry-watcher/Certs/Watcher/config',
      Type: 'String',
      Tier: 'Standard',
    });
    const outputs = Object.keys(template.findOutputs('*'));
    for (const name of [
      'StateTableName',
      'EventBusName',
      'OpsTopicArn',
      'ChatTopicArn',
      'SmsTopicArn',
      'TicketsTopicArn',
      'ConfigParameterName',
    ])
      expect(outputs.some((o) => o.startsWith(`Watcher${name}`))).toBe(true);
    const { name, value } = parameterOf(template);
    const config = parseWatcherConfig(name, value);
    const table = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0];
    expect(config).toMatchObject({
      version: 1,
      watcherId: 'Certs/Watcher',
      region: REGION,
      stateTableName: table,
    });
    expect(config.eventBusName).toMatch(/^WatcherBus/);
  });

  it('names each watcher of a stack apart', () => {
    expect(configParameterName('Certs', 'Team A/Watcher')).toBe(
      '/cert-expiry-watcher/Certs/Team-A/Watcher/config',
    );
  });

  it('refuses a parameter of a newer shape or without its table, naming the parameter', () => {
    expect(() => parseWatcherConfig('/p', '{"version":2}')).toThrow('/p has version 2');
    expect(() => parseWatcherConfig('/p', 'nope')).toThrow('/p is not JSON');
    expect(() => parseWatcherConfig('/p', '{"version":1}')).toThrow('/p has no watcherId');
  });
});

describe('cert-watch finds the deployed watcher by its stack (moto)', () => {
  let moto: Moto;
  let env: Record<string, string>;

  beforeAll(async () => {
    moto = await startMoto();
    env = { ...moto.env(REGION), AWS_REGION: REGION };
    // The commands' SDK clients read credentials and the endpoint from the process environment.
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
    const ssm = new SSMClient(moto.clientConfig(REGION));
    const dynamodb = new DynamoDBClient(moto.clientConfig(REGION));
    for (const [stackName, ids] of [
      ['CertificateExpiryWatcher', ['Watcher']],
      ['Custom', ['Watcher']],
      ['Twice', ['A', 'B']],
    ] as const) {
      const template = synth(stackName, [...ids]);
      const params = Object.values(template.findResources('AWS::SSM::Parameter')) as {
        Properties: { Name: string; Value: unknown };
      }[];
      for (const p of params)
        await ssm.send(
          new PutParameterCommand({
            Name: p.Properties.Name,
            Value: resolve(p.Properties.Value),
            Type: 'String',
          }),
        );
      if (stackName !== 'Twice') {
        const { name, value } = parameterOf(template);
        await createStateTable(dynamodb, `${stackName}-${parseWatcherConfig(name, value).stateTableName}`);
      }
    }
    // The tables' names as CloudFormation would give them differ per stack; point each parameter at its own.
    for (const stackName of ['CertificateExpiryWatcher', 'Custom']) {
      const template = synth(stackName, ['Watcher']);
      const { name, value } = parameterOf(template);
      const config = parseWatcherConfig(name, value);
      await ssm.send(
        new PutParameterCommand({
          Name: name,
          Value: JSON.stringify({ ...config, stateTableName: `${stackName}-${config.stateTableName}` }),
          Type: 'String',
          Overwrite: true,
        }),
      );
    }
    ssm.destroy();
    dynamodb.destroy();
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await moto?.stop();
  });

  const run = async (argv: string[], extra: Record<string, string> = {}) => {
    const t = captureCliIo({ ...env, ...extra });
    const code = await main(argv, t.io);
    return { code, out: t.out(), err: t.err() };
  };

  it("status without --table reads the default stack's parameter and lists its (empty) table", async () => {
    const r = await run(['status', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ certificates: [] });
  });

  it('--stack and CERT_WATCH_STACK pick another stack; coverage finds it the same way', async () => {
    const table = (await findWatcher(captureCliIo(env).io, 'Custom')).stateTableName;
    expect(table).toMatch(/^Custom-/);
    const byFlag = await run(['coverage', '--stack', 'Custom']);
    expect(byFlag.err).not.toContain('no watcher found');
    expect(byFlag.out).toContain(`No scan period recorded in ${table} yet.`);
    const byEnv = await run(['coverage'], { CERT_WATCH_STACK: 'Custom' });
    expect(byEnv.out).toContain(`No scan period recorded in ${table} yet.`);
  });

  it('says which stack and region had no watcher, and how to name one', async () => {
    const r = await run(['status', '--stack', 'Nope']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('no watcher found in stack "Nope"');
    expect(r.err).toContain('/cert-expiry-watcher/Nope/');
    expect(r.err).toContain(REGION);
    expect(r.err).toContain('--table');
  });

  it('without a region says AWS is out of reach and how to point at it (--table alone would not help)', async () => {
    const io = captureCliIo({ PATH: process.env.PATH ?? '' }).io;
    const lister = async () => {
      throw Object.assign(new Error('Region is missing'), { name: 'Error' });
    };
    await expect(findWatcher(io, 'Any', lister)).rejects.toThrow(/cannot reach AWS to find the watcher/);
    await expect(findWatcher(io, 'Any', lister)).rejects.toThrow(/AWS_REGION to the watcher's region/);
    await expect(findWatcher(io, 'Any', lister)).rejects.toThrow(/need the same credentials and region/);
  });

  it('asks for --table when a stack has two watchers, naming their parameters', async () => {
    const r = await run(['ack', 'x', '--stack', 'Twice']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('stack "Twice" has 2 watchers');
    expect(r.err).toContain('/cert-expiry-watcher/Twice/A/config');
    expect(r.err).toContain('/cert-expiry-watcher/Twice/B/config');
  });

  it('--table and CERT_WATCH_TABLE still win without any lookup', async () => {
    const noSsm = async () => {
      throw new Error('looked up');
    };
    const io = captureCliIo({ CERT_WATCH_TABLE: 't1' }).io;
    const { stateTableOf } = await import('../../bin/cli/find-watcher');
    expect(await stateTableOf(io, {}, noSsm)).toBe('t1');
    expect(await stateTableOf(io, { table: 't2' }, noSsm)).toBe('t2');
  });
});
