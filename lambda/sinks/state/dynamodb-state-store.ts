/**
 * The lifecycle state table on DynamoDB. One item per location:
 *
 *   pk               S  location (ACM ARN or host:port@address)           table partition key
 *   scope            S  `acm#<region>` | `endpoint#<host:port>`           GSI `by-scope` partition key
 *   version          N  optimistic concurrency: every write is conditional on it
 *   ...TrackedState  the rest of the state as top-level attributes (alert, ack, ticket, certificate, ...)
 *   removedAt        S|NULL  set once 'Certificate Removed' went out       projected into the GSI
 *   ttl              N  epoch seconds, only on removed entries              table TTL attribute
 *   outbox           S  JSON array of events written but not yet confirmed published
 *   outboxOwner      S  run publishing them (absent: handed back, anyone may publish)
 *   outboxClaimedAt  N  epoch ms of the claim (lease)
 *   outboxPending    N  event count, only while an outbox exists           projected into the GSI
 *
 * GSI `by-scope` (pk scope, sk pk, INCLUDE removedAt + outboxPending): one Query per scope lists
 * every location of that scope in about 100 bytes each (10,000 locations ≈ 1 MB ≈ 128 RCU),
 * which finds the tracked locations a complete scan did not see and the leftover outboxes
 * without a Scan of the whole table (a Scan would read every item of every scope in full).
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  type ConsumedCapacity,
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { SCOPE_INDEX, STATE_TABLE_SCHEMA, TTL_ATTRIBUTE } from '../../contracts/state-table';
import type { BusEvent } from '../../core/events';
import type { TrackedState } from '../../lifecycle/model';
import type { LifecycleStore, Outbox, StoredEntry } from '../../lifecycle/run-lifecycle';
import { UNTOUCHED_TRACKING } from '../../lifecycle/tracked-state';

const MAX_BATCH_GET = 100;

export class UnprocessedKeysError extends Error {
  override readonly name = 'UnprocessedKeysError';
}

export interface StoreStats {
  calls: number;
  readCapacityUnits: number;
  writeCapacityUnits: number;
  byOperation: Record<string, number>;
}

export interface StateStoreOptions {
  readonly tableName: string;
  /** BatchGetItem calls in flight. @default 4 */
  readonly readConcurrency?: number;
  /** Attempts for BatchGetItem UnprocessedKeys. @default 8 */
  readonly maxBatchAttempts?: number;
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const OUTBOX_ATTRS = ['outbox', 'outboxOwner', 'outboxClaimedAt', 'outboxPending', TTL_ATTRIBUTE] as const;

export const isConditionFailure = (error: unknown): boolean =>
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

export const stateFromItem = (item: Record<string, unknown>): TrackedState => {
  const raw = { ...item } as Record<string, unknown>;
  for (const a of OUTBOX_ATTRS) delete raw[a];
  const { pk, ...rest } = raw;
  return {
    ...UNTOUCHED_TRACKING,
    lifetimeDays: null,
    fingerprintSha256: null,
    serialNumber: null,
    notAfter: null,
    ...rest,
    location: pk as string,
  } as TrackedState;
};

const outboxFromItem = (item: Record<string, unknown>): Outbox | null => {
  if (typeof item.outbox !== 'string') return null;
  const events = (JSON.parse(item.outbox) as (Omit<BusEvent, 'time'> & { time: string })[]).map((e) => ({
    ...e,
    time: new Date(e.time),
  }));
  return {
    events,
    owner: typeof item.outboxOwner === 'string' ? item.outboxOwner : null,
    claimedAt: typeof item.outboxClaimedAt === 'number' ? item.outboxClaimedAt : 0,
  };
};

export class DynamoDbStateStore implements LifecycleStore {
  readonly stats: StoreStats = { calls: 0, readCapacityUnits: 0, writeCapacityUnits: 0, byOperation: {} };
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly options: StateStoreOptions,
    private readonly dynamodb = new DynamoDBClient({}),
  ) {
    this.sleep = options.sleep ?? defaultSleep;
  }

  get tableName(): string {
    return this.options.tableName;
  }

  private count(op: string, consumed?: ConsumedCapacity | ConsumedCapacity[]) {
    this.stats.calls++;
    this.stats.byOperation[op] = (this.stats.byOperation[op] ?? 0) + 1;
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      this.stats.readCapacityUnits += c.ReadCapacityUnits ?? 0;
      this.stats.writeCapacityUnits += c.WriteCapacityUnits ?? 0;
      // Some implementations report only the total.
      if (c.ReadCapacityUnits === undefined && c.WriteCapacityUnits === undefined) {
        if (op === 'PutItem' || op === 'UpdateItem') this.stats.writeCapacityUnits += c.CapacityUnits ?? 0;
        else this.stats.readCapacityUnits += c.CapacityUnits ?? 0;
      }
    }
  }

  /** Every location key of one scope, with what the GSI projects. */
  async scopeKeys(scope: string): Promise<{ location: string; removed: boolean; outboxPending: boolean }[]> {
    const out: { location: string; removed: boolean; outboxPending: boolean }[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const res = await this.dynamodb.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: SCOPE_INDEX,
          KeyConditionExpression: '#s = :s',
          ExpressionAttributeNames: { '#s': 'scope' },
          ExpressionAttributeValues: { ':s': { S: scope } },
          ExclusiveStartKey: start,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.count('Query', res.ConsumedCapacity);
      for (const item of res.Items ?? []) {
        out.push({
          location: item.pk?.S ?? '',
          removed: item.removedAt?.S !== undefined,
          outboxPending: item.outboxPending?.N !== undefined,
        });
      }
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /**
   * Batched reads (strongly consistent unless asked otherwise): 100 keys a call, `readConcurrency` calls in flight,
   * unprocessed keys retried with exponential backoff and jitter.
   */
  async getMany(
    locations: readonly string[],
    consistent = true,
  ): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    const unique = [...new Set(locations)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += MAX_BATCH_GET) chunks.push(unique.slice(i, i + MAX_BATCH_GET));
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++] ?? [];
        for (const item of await this.getBatch(chunk, consistent)) found.set(item.pk as string, item);
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.options.readConcurrency ?? 4, chunks.length) }, worker),
    );
    return found;
  }

  private async getBatch(
    locations: readonly string[],
    consistent: boolean,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let keys: Record<string, AttributeValue>[] = locations.map((l) => ({ pk: { S: l } }));
    for (let attempt = 1; keys.length > 0; attempt++) {
      const res = await this.dynamodb.send(
        new BatchGetItemCommand({
          RequestItems: { [this.options.tableName]: { Keys: keys, ConsistentRead: consistent } },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.count('BatchGetItem', res.ConsumedCapacity);
      for (const item of res.Responses?.[this.options.tableName] ?? []) items.push(unmarshall(item));
      keys = res.UnprocessedKeys?.[this.options.tableName]?.Keys ?? [];
      if (keys.length === 0) break;
      if (attempt >= (this.options.maxBatchAttempts ?? 8)) {
        throw new UnprocessedKeysError(
          `BatchGetItem left ${keys.length} key(s) unprocessed after ${attempt} attempts`,
        );
      }
      const base = this.options.baseDelayMs ?? 50;
      await this.sleep(Math.min(5_000, base * 2 ** (attempt - 1)) * (0.5 + Math.random()));
    }
    return items;
  }

  async load(
    locations: readonly string[],
    scopes: readonly string[],
    options: { readonly consistent?: boolean } = {},
  ): Promise<Map<string, StoredEntry>> {
    const keys = new Set(locations);
    for (const scope of scopes) {
      for (const k of await this.scopeKeys(scope)) {
        if (!k.removed || k.outboxPending) keys.add(k.location);
      }
    }
    const items = await this.getMany([...keys], options.consistent ?? true);
    const out = new Map<string, StoredEntry>();
    for (const [location, item] of items) {
      out.set(location, { state: stateFromItem(item), outbox: outboxFromItem(item) });
    }
    return out;
  }

  async write(state: TrackedState, previousVersion: number | null, outbox: Outbox | null): Promise<boolean> {
    const { location, ...rest } = state;
    const item: Record<string, unknown> = { pk: location, ...rest };
    if (state.purgeAt) item[TTL_ATTRIBUTE] = Math.floor(Date.parse(state.purgeAt) / 1000);
    if (outbox && outbox.events.length > 0) {
      item.outbox = JSON.stringify(outbox.events);
      if (outbox.owner !== null) item.outboxOwner = outbox.owner;
      item.outboxClaimedAt = outbox.claimedAt;
      item.outboxPending = outbox.events.length;
    }
    try {
      const res = await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: marshall(item, { removeUndefinedValues: true }),
          ConditionExpression: previousVersion === null ? 'attribute_not_exists(pk)' : '#v = :v',
          ExpressionAttributeNames: previousVersion === null ? undefined : { '#v': 'version' },
          ExpressionAttributeValues:
            previousVersion === null ? undefined : { ':v': { N: String(previousVersion) } },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.count('PutItem', res.ConsumedCapacity);
      return true;
    } catch (error) {
      this.count('PutItem');
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async update(
    input: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], 'TableName' | 'ReturnConsumedCapacity'>,
  ): Promise<boolean> {
    try {
      const res = await this.dynamodb.send(
        new UpdateItemCommand({
          ...input,
          TableName: this.options.tableName,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.count('UpdateItem', res.ConsumedCapacity);
      return true;
    } catch (error) {
      this.count('UpdateItem');
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  claimOutbox(location: string, from: Outbox, owner: string, claimedAt: number): Promise<boolean> {
    return this.update({
      Key: { pk: { S: location } },
      UpdateExpression: 'SET outboxOwner = :me, outboxClaimedAt = :at, #v = #v + :one',
      ConditionExpression:
        from.owner === null
          ? 'attribute_exists(outbox) AND attribute_not_exists(outboxOwner)'
          : 'outboxOwner = :prev AND outboxClaimedAt = :prevAt',
      ExpressionAttributeNames: { '#v': 'version' },
      ExpressionAttributeValues: {
        ':one': { N: '1' },
        ':me': { S: owner },
        ':at': { N: String(claimedAt) },
        ...(from.owner === null
          ? {}
          : { ':prev': { S: from.owner }, ':prevAt': { N: String(from.claimedAt) } }),
      },
    });
  }

  clearOutbox(location: string, owner: string): Promise<boolean> {
    return this.update({
      Key: { pk: { S: location } },
      UpdateExpression: 'REMOVE outbox, outboxOwner, outboxClaimedAt, outboxPending SET #v = #v + :one',
      ConditionExpression: 'outboxOwner = :me',
      ExpressionAttributeNames: { '#v': 'version' },
      ExpressionAttributeValues: { ':me': { S: owner }, ':one': { N: '1' } },
    });
  }

  async releaseOutbox(location: string, owner: string): Promise<void> {
    await this.update({
      Key: { pk: { S: location } },
      UpdateExpression: 'REMOVE outboxOwner SET #v = #v + :one',
      ConditionExpression: 'outboxOwner = :me',
      ExpressionAttributeNames: { '#v': 'version' },
      ExpressionAttributeValues: { ':me': { S: owner }, ':one': { N: '1' } },
    });
  }

  /** One location's state (strongly consistent); null when never tracked. */
  async get(location: string): Promise<{ state: TrackedState; outbox: Outbox | null } | null> {
    const res = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { pk: { S: location } },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    this.count('GetItem', res.ConsumedCapacity);
    if (!res.Item) return null;
    const item = unmarshall(res.Item);
    return { state: stateFromItem(item), outbox: outboxFromItem(item) };
  }
}

/** CreateTable input matching STATE_TABLE_SCHEMA (tests, the bench and the demo; CDK defines the real table). */
export const createStateTableInput = (tableName: string): CreateTableCommandInput => {
  const { partitionKey, scopeIndex } = STATE_TABLE_SCHEMA;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey.name, AttributeType: partitionKey.type },
      { AttributeName: scopeIndex.partitionKey.name, AttributeType: scopeIndex.partitionKey.type },
    ],
    KeySchema: [{ AttributeName: partitionKey.name, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: scopeIndex.indexName,
        KeySchema: [
          { AttributeName: scopeIndex.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: scopeIndex.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...scopeIndex.nonKeyAttributes] },
      },
    ],
  };
};

/** Creates the table and enables TTL on it. */
export const createStateTable = async (dynamodb: DynamoDBClient, tableName: string): Promise<void> => {
  await dynamodb.send(new CreateTableCommand(createStateTableInput(tableName)));
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: STATE_TABLE_SCHEMA.timeToLiveAttribute, Enabled: true },
    }),
  );
};
