/**
 * `cert-watch ack | unack | status` against moto's DynamoDB, in-process with an injected client
 * (the lead wires the commands into bin/cert-watch.ts; the child-process path is the same code).
 */
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAck, runStatus, runUnack } from '../../bin/cli/ack';
import { UsageError } from '../../bin/cli/exit-codes';
import type { CliIo } from '../../bin/cli/io';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { BusEvent } from '../../lambda/core/events';
import { MS_PER_DAY } from '../../lambda/core/time';
import { lifecycleConfig, MAX_ACK_REASON_CHARS } from '../../lambda/lifecycle/model';
import { processScan } from '../../lambda/lifecycle/run-lifecycle';
import { createStateTable, DynamoDbStateStore } from '../../lambda/sinks/state/dynamodb-state-store';
import { DynamoDbStateAdmin } from '../../lambda/sinks/state/state-admin';
import { type Moto, startMoto } from '../support/moto';
import { testScopeOf } from '../support/scopes';

const REGION = 'eu-west-1';
const NOW = new Date('2026-05-10T08:00:00.000Z');
const at = (days: number) => new Date(NOW.getTime() + days * MS_PER_DAY);
const ARN = `arn:aws:acm:${REGION}:111122223333:certificate/expired-one`;
const OK_ARN = `arn:aws:acm:${REGION}:111122223333:certificate/fine-one`;

const record = (id: string, notAfter: Date): CertificateRecord => ({
  source: 'acm',
  id,
  region: REGION,
  domain: 'legacy.example.com',
  sans: ['legacy.example.com'],
  type: 'IMPORTED',
  notBefore: at(-300),
  notAfter,
});

const capture = () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => {
    text += b.toString();
  });
  return { stream, text: () => text };
};

/** What the scans see: one certificate expired two days ago, one with 200 days left. */
const observationsOf = () =>
  [record(ARN, at(-2)), record(OK_ARN, at(200))].map((r) => ({
    location: r.id,
    scope: testScopeOf(r),
    record: r,
  }));

let moto: Moto;
/** This test's own table: the ack tests change what the status tests read. */
let table: string;
const store = () =>
  new DynamoDbStateStore({ tableName: table }, new DynamoDBClient(moto.clientConfig(REGION)));
const io = (env: Record<string, string> = {}) => {
  const out = capture();
  const err = capture();
  const cliIo: CliIo = {
    stdout: out.stream,
    stderr: err.stream,
    env: { CERT_WATCH_TABLE: table, USER: 'alice', ...env },
    now: () => NOW,
  };
  return { io: cliIo, out: out.text, err: err.text };
};
const options = {
  storeFor: (tableName: string) =>
    new DynamoDbStateAdmin({ tableName }, new DynamoDBClient(moto.clientConfig(REGION))),
};

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => moto?.stop());

beforeEach(async () => {
  table = `cli-state-${randomUUID()}`;
  await createStateTable(new DynamoDBClient(moto.clientConfig(REGION)), table);
  const observations = observationsOf();
  await processScan(
    {
      store: store(),
      publisher: { publish: async (e) => ({ published: e.length }) },
      now: NOW,
      config: lifecycleConfig(),
    },
    { scanId: 's1', observations, completeScopes: [`acm#${REGION}`] },
  );
});

describe('cert-watch status', () => {
  it('lists tracked certificates and exits CRITICAL for an unacknowledged expiry', async () => {
    const { io: cliIo, out } = io();
    expect(await runStatus([], cliIo, options)).toBe(2);
    expect(out()).toContain(ARN);
    expect(out()).toMatch(/EXPIRED\s+expired \(0 reminders\)/);
    expect(out()).toContain('2 tracked, 0 acknowledged, 1 expired');
  });

  it('prints JSON with --json', async () => {
    const { io: cliIo, out } = io();
    await runStatus(['--json'], cliIo, options);
    const parsed = JSON.parse(out()) as {
      certificates: { location: string; state: string; severity: string }[];
    };
    expect(parsed.certificates.find((c) => c.location === ARN)).toMatchObject({
      state: 'expired',
      severity: 'expired',
    });
    expect(parsed.certificates.find((c) => c.location === OK_ARN)).toMatchObject({
      state: 'tracked',
      severity: 'ok',
    });
  });
});

describe('cert-watch ack / unack', () => {
  it('acknowledges until a date, after which status no longer fails on it; unack restores it', async () => {
    const a = io();
    expect(
      await runAck([ARN, '--until', '2026-05-20', '--reason', 'vendor swap booked'], a.io, options),
    ).toBe(0);
    expect(a.out()).toContain('until 2026-05-20T00:00:00.000Z');
    const { state } = (await store().get(ARN))!;
    expect(state.ack).toEqual({
      until: '2026-05-20T00:00:00.000Z',
      reason: 'vendor swap booked',
      by: 'alice',
      at: NOW.toISOString(),
    });
    const s = io();
    expect(await runStatus([], s.io, options)).toBe(0);
    expect(s.out()).toContain('until 2026-05-20: vendor swap booked');

    expect(await runUnack([ARN], io().io, options)).toBe(0);
    expect((await store().get(ARN))?.state.ack).toBeNull();
    expect(await runStatus([], io().io, options)).toBe(2);
  });

  it('exits UNKNOWN for a location that is not tracked', async () => {
    const { io: cliIo, err } = io();
    expect(await runAck(['arn:aws:acm:eu-west-1:1:certificate/nope'], cliIo, options)).toBe(3);
    expect(err()).toContain('no tracked certificate');
  });

  it.each([
    [[], /exactly one location/],
    [[ARN, '--until', 'next tuesday'], /--until must be a date/],
    [[ARN, '--until', '2026-05-01'], /must be in the future/],
  ])('rejects %j as a usage error', async (argv, message) => {
    await expect(runAck(argv, io().io, options)).rejects.toThrow(UsageError);
    await expect(runAck(argv, io().io, options)).rejects.toThrow(message);
  });

  it('requires a table name', async () => {
    await expect(runStatus([], io({ CERT_WATCH_TABLE: '' }).io, options)).rejects.toThrow(/CERT_WATCH_TABLE/);
  });
});

describe('an acknowledgement stored before its limits existed', () => {
  it('a 131,000-character reason: status prints at most 500, the next scan succeeds and stores it cut to 500, unack clears it', async () => {
    const ddb = new DynamoDBClient(moto.clientConfig(REGION));
    // Written by a version without the limit (the CLI and the state admin refuse it now).
    await ddb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: OK_ARN } },
        UpdateExpression: 'SET #a = :a, #v = #v + :one',
        ExpressionAttributeNames: { '#a': 'ack', '#v': 'version' },
        ExpressionAttributeValues: {
          ':a': { M: marshall({ at: NOW.toISOString(), reason: 'r'.repeat(131_000), by: 'old-cli' }) },
          ':one': { N: '1' },
        },
      }),
    );
    const s = io();
    await runStatus([], s.io, options);
    expect(
      Math.max(
        ...s
          .out()
          .split('\n')
          .map((l) => l.length),
      ),
    ).toBeLessThan(1_000);

    const published: BusEvent[] = [];
    const observations = observationsOf();
    await processScan(
      {
        store: store(),
        publisher: {
          publish: async (e) => {
            published.push(...e);
            return { published: e.length };
          },
        },
        // The certificate enters its 30-day tier: announced (marked acked) and its state written.
        now: at(171),
        config: lifecycleConfig(),
      },
      { scanId: 's-later', observations, completeScopes: [`acm#${REGION}`] },
    );
    const entered = published.find(
      (e) => (e.detail as { certificate: { id: string } }).certificate.id === OK_ARN,
    );
    expect(
      (entered?.detail as { lifecycle?: { ackReason?: string } } | undefined)?.lifecycle?.ackReason,
    ).toHaveLength(MAX_ACK_REASON_CHARS);
    expect((await store().get(OK_ARN))?.state.ack?.reason).toHaveLength(MAX_ACK_REASON_CHARS);

    expect(await runUnack([OK_ARN], io().io, options)).toBe(0);
    expect((await store().get(OK_ARN))?.state.ack).toBeNull();
  });
});
