import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TrackedState } from '../../lambda/lifecycle/model';
import { DynamoDbStateStore, UnprocessedKeysError } from '../../lambda/sinks/state/dynamodb-state-store';

const ddb = mockClient(DynamoDBClient);
const store = (maxBatchAttempts = 8) =>
  new DynamoDbStateStore({ tableName: 't', sleep: async () => {}, maxBatchAttempts }, new DynamoDBClient({}));
const key = (l: string) => ({ pk: { S: l } });

const state: TrackedState = {
  location: 'a',
  scope: 'acm#eu-west-1',
  source: 'acm',
  certificate: { source: 'acm', id: 'a', domain: 'a', sans: [], sanCount: 0, type: 'IMPORTED' },
  fingerprintSha256: null,
  serialNumber: null,
  notAfter: null,
  lifetimeDays: null,
  alert: {
    tierDays: null,
    expired: false,
    lastTransition: null,
    lastEmittedAt: null,
    reminderCount: 0,
    risk: null,
  },
  firstSeenAt: '2026-01-01T00:00:00.000Z',
  lastSeenAt: '2026-01-01T00:00:00.000Z',
  missingScans: 0,
  missingScanId: null,
  removedAt: null,
  purgeAt: null,
  ack: null,
  ticket: null,
  backendsDiffer: false,
  version: 3,
};

beforeEach(() => ddb.reset());

describe('DynamoDbStateStore', () => {
  it('reads 100 keys a call and retries unprocessed keys', async () => {
    const answered = new Set<string>();
    ddb
      .on(BatchGetItemCommand)
      .callsFake((input: { RequestItems: Record<string, { Keys: { pk: { S: string } }[] }> }) => {
        const keys = input.RequestItems.t?.Keys ?? [];
        const first = keys[0]?.pk.S ?? '';
        // The first answer for a full batch leaves its last 10 keys unprocessed.
        if (keys.length === 100 && !answered.has(first)) {
          answered.add(first);
          return { Responses: { t: [] }, UnprocessedKeys: { t: { Keys: keys.slice(90) } } };
        }
        return { Responses: { t: [] } };
      });
    const locations = Array.from({ length: 250 }, (_, i) => `loc-${i}`);
    const s = store();
    await s.getMany(locations);
    const sizes = ddb
      .commandCalls(BatchGetItemCommand)
      .map((c) => c.args[0].input.RequestItems?.t?.Keys?.length);
    expect(sizes.filter((n) => n === 100)).toHaveLength(2);
    expect(sizes).toContain(50);
    expect(sizes.filter((n) => n === 10)).toHaveLength(2);
    expect(
      ddb.commandCalls(BatchGetItemCommand).every((c) => c.args[0].input.RequestItems?.t?.ConsistentRead),
    ).toBe(true);
  });

  it('gives up with UnprocessedKeysError when keys stay unprocessed', async () => {
    ddb
      .on(BatchGetItemCommand)
      .resolves({ Responses: { t: [] }, UnprocessedKeys: { t: { Keys: [key('a')] } } });
    await expect(store(3).getMany(['a'])).rejects.toThrow(UnprocessedKeysError);
    expect(ddb.commandCalls(BatchGetItemCommand)).toHaveLength(3);
  });

  it('loads tracked and outbox-pending locations of a scope, skipping removed ones', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        { pk: { S: 'seen' } },
        { pk: { S: 'removed' }, removedAt: { S: '2026-01-01T00:00:00Z' } },
        { pk: { S: 'removed-pending' }, removedAt: { S: '2026-01-01T00:00:00Z' }, outboxPending: { N: '1' } },
      ],
    });
    ddb.on(BatchGetItemCommand).resolves({
      Responses: {
        t: [marshall({ ...state, location: undefined, pk: 'seen' }, { removeUndefinedValues: true })],
      },
    });
    const loaded = await store().load(['observed'], ['acm#eu-west-1']);
    const asked = ddb
      .commandCalls(BatchGetItemCommand)[0]
      ?.args[0].input.RequestItems?.t?.Keys?.map((k) => k.pk?.S);
    expect(asked?.sort()).toEqual(['observed', 'removed-pending', 'seen']);
    expect(loaded.get('seen')?.state).toMatchObject({ location: 'seen', version: 3 });
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input.IndexName).toBe('by-scope');
  });

  it('writes conditionally on the version read and reports a lost race as false', async () => {
    ddb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    expect(await store().write({ ...state, version: 4 }, 3, null)).toBe(false);
    const input = ddb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('#v = :v');
    expect(input?.ExpressionAttributeValues).toEqual({ ':v': { N: '3' } });
    ddb.reset();
    ddb.on(PutItemCommand).resolves({});
    expect(await store().write(state, null, null)).toBe(true);
    expect(ddb.commandCalls(PutItemCommand)[0]?.args[0].input.ConditionExpression).toBe(
      'attribute_not_exists(pk)',
    );
  });

  it('stores a TTL only on removed entries and the outbox with its owner', async () => {
    ddb.on(PutItemCommand).resolves({});
    const removed = { ...state, removedAt: '2026-02-01T00:00:00.000Z', purgeAt: '2026-03-03T00:00:00.000Z' };
    const event = {
      detailType: 'Certificate Removed' as const,
      detail: { eventId: 'x' },
      resources: [],
      time: new Date(0),
    };
    await store().write(removed, 3, { events: [event], owner: 'run-1', claimedAt: 42 });
    const item = ddb.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
    expect(item?.ttl).toEqual({ N: String(Date.parse('2026-03-03T00:00:00.000Z') / 1000) });
    expect(item?.outboxOwner).toEqual({ S: 'run-1' });
    expect(item?.outboxPending).toEqual({ N: '1' });
    expect(JSON.parse(item?.outbox?.S ?? '[]')).toEqual([{ ...event, time: '1970-01-01T00:00:00.000Z' }]);
  });
});
