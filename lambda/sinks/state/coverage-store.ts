/**
 * Coverage bookkeeping in the state table, beside the lifecycle's items:
 *
 *   pk `coverage#<scope key>`  one per scope ever expected; `scope` = `coverage#` (GSI by-scope)
 *     kind, account, accountName, region   what the scope is
 *     expectedScanId           the latest period that expected it
 *     lastScanId, status, reason, code, message, counts, eventsPublished, lastAttemptAt
 *     lastScannedAt            the last successful scan (absent: never)
 *     missed                   consecutive periods without a successful scan
 *     ttl                      30 days after it was last expected (retired scopes disappear)
 *   pk `period#<scan id>`      one per period: scanAt, kinds, expected, remaining, finalizedAt, ttl
 *   pk `period#current`        { scanId } of the latest period
 *
 * Every outcome write is conditional on `lastScanId <> :scanId`, so a redelivered unit neither
 * counts twice nor decrements the period's `remaining` twice; `finalizedAt` is claimed with a
 * condition, so one finalizer publishes a period's heartbeats.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  type KeysAndAttributes,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CoverageReason } from '../../contracts/organization';
import {
  COVERAGE_INDEX_SCOPE,
  COVERAGE_ITEM_PREFIX,
  PERIOD_ITEM_PREFIX,
  SCOPE_INDEX,
  TTL_ATTRIBUTE,
} from '../../contracts/state-table';
import { type ScopeOutcome, ZERO_COUNTS } from '../../core/coverage';
import type { SeverityCounts } from '../../core/events';
import { mapLimit } from '../../core/scan';

const chunks = <T>(list: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

const RETAIN_SECONDS = 30 * 86_400;
const CURRENT_PERIOD = `${PERIOD_ITEM_PREFIX}current`;

/** A scope a period expects, as the planner writes it. */
export interface ExpectedScope {
  readonly scope: string;
  readonly kind: string;
  readonly account: string;
  readonly accountName?: string;
  readonly region?: string;
}

export interface PeriodRecord {
  readonly scanId: string;
  readonly scanAt: string;
  readonly startedAt: string;
  readonly kinds: readonly string[];
  readonly expected: number;
  readonly remaining: number;
  readonly finalizedAt?: string;
}

/** A scope's coverage item. */
export interface CoverageRecord extends ExpectedScope {
  readonly expectedScanId?: string;
  readonly lastScanId?: string;
  readonly status?: ScopeOutcome['status'];
  readonly reason?: CoverageReason;
  readonly code?: string;
  readonly message?: string;
  readonly counts?: SeverityCounts;
  readonly eventsPublished?: number;
  readonly lastAttemptAt?: string;
  readonly lastScannedAt?: string;
  readonly missed?: number;
}

export const outcomeOf = (r: CoverageRecord): ScopeOutcome => ({
  scope: r.scope,
  kind: r.kind,
  account: r.account,
  ...(r.accountName ? { accountName: r.accountName } : {}),
  ...(r.region ? { region: r.region } : {}),
  status: r.status ?? 'failed',
  ...(r.reason ? { reason: r.reason } : {}),
  ...(r.code ? { code: r.code } : {}),
  ...(r.message ? { message: r.message } : {}),
  counts: r.counts ?? ZERO_COUNTS,
  eventsPublished: r.eventsPublished ?? 0,
});

export interface CoverageStoreOptions {
  readonly tableName: string;
  /** Coverage item writes in flight when a period starts. @default 16 */
  readonly writeConcurrency?: number;
}

const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

export class DynamoDbCoverageStore {
  constructor(
    private readonly options: CoverageStoreOptions,
    private readonly client = new DynamoDBClient({ retryMode: 'adaptive', maxAttempts: 6 }),
  ) {}

  private get table(): string {
    return this.options.tableName;
  }

  /** The latest period, or null before the first one. */
  async currentPeriod(): Promise<PeriodRecord | null> {
    const pointer = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: marshall({ pk: CURRENT_PERIOD }),
        ConsistentRead: true,
      }),
    );
    const scanId = pointer.Item ? (unmarshall(pointer.Item).scanId as string | undefined) : undefined;
    return scanId ? this.period(scanId) : null;
  }

  async period(scanId: string): Promise<PeriodRecord | null> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: marshall({ pk: PERIOD_ITEM_PREFIX + scanId }),
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return null;
    const { scanId: id, scanAt, startedAt, kinds, expected, remaining, finalizedAt } = unmarshall(out.Item);
    return {
      scanId: id,
      scanAt,
      startedAt,
      kinds,
      expected,
      remaining,
      ...(finalizedAt ? { finalizedAt } : {}),
    };
  }

  /**
   * Records a new period and the scopes it expects, then makes it current. Idempotent for a
   * retried planner: an existing period item is kept as it is.
   */
  async startPeriod(
    period: { readonly scanId: string; readonly scanAt: string; readonly kinds: readonly string[] },
    expected: readonly ExpectedScope[],
    now: Date,
  ): Promise<void> {
    const ttl = Math.floor(now.getTime() / 1000) + RETAIN_SECONDS;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall({
            pk: PERIOD_ITEM_PREFIX + period.scanId,
            scanId: period.scanId,
            scanAt: period.scanAt,
            startedAt: now.toISOString(),
            kinds: [...period.kinds],
            expected: expected.length,
            remaining: expected.length,
            [TTL_ATTRIBUTE]: ttl,
          }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    await mapLimit(expected, this.options.writeConcurrency ?? 16, async (s) => {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: marshall({ pk: COVERAGE_ITEM_PREFIX + s.scope }),
          UpdateExpression:
            'SET #scope = :index, expectedScanId = :scanId, kind = :kind, account = :account, #ttl = :ttl' +
            (s.region ? ', #region = :region' : '') +
            (s.accountName ? ', accountName = :accountName' : ''),
          ExpressionAttributeNames: {
            '#scope': 'scope',
            '#ttl': TTL_ATTRIBUTE,
            ...(s.region ? { '#region': 'region' } : {}),
          },
          ExpressionAttributeValues: marshall({
            ':index': COVERAGE_INDEX_SCOPE,
            ':scanId': period.scanId,
            ':kind': s.kind,
            ':account': s.account,
            ':ttl': ttl,
            ...(s.region ? { ':region': s.region } : {}),
            ...(s.accountName ? { ':accountName': s.accountName } : {}),
          }),
        }),
      );
    });
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: marshall({ pk: CURRENT_PERIOD, scanId: period.scanId }),
      }),
    );
  }

  /**
   * Writes a scope's outcome for `scanId`. Returns false when the outcome of this period was
   * already written (a redelivered unit): the caller must not count it again.
   */
  async recordOutcome(scanId: string, outcome: ScopeOutcome, at: Date): Promise<boolean> {
    const scanned = outcome.status === 'scanned';
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ':scanId': scanId,
      ':status': outcome.status,
      ':counts': outcome.counts,
      ':events': outcome.eventsPublished,
      ':at': at.toISOString(),
      ':kind': outcome.kind,
      ':account': outcome.account,
      ':index': COVERAGE_INDEX_SCOPE,
    };
    const set = [
      '#scope = :index',
      'kind = :kind',
      'account = :account',
      'lastScanId = :scanId',
      '#status = :status',
      'counts = :counts',
      'eventsPublished = :events',
      'lastAttemptAt = :at',
    ];
    names['#scope'] = 'scope';
    const remove: string[] = [];
    if (scanned) {
      set.push('lastScannedAt = :at', 'missed = :zero');
      values[':zero'] = 0;
      remove.push('reason', 'code', 'message');
    } else {
      set.push('reason = :reason', 'code = :code', 'message = :message');
      values[':reason'] = outcome.reason ?? 'OTHER';
      values[':code'] = outcome.code ?? outcome.reason ?? 'OTHER';
      values[':message'] = (outcome.message ?? '').slice(0, 1024);
      if (outcome.status === 'failed') {
        set.push('missed = if_not_exists(missed, :zero) + :one');
        values[':one'] = 1;
      } else set.push('missed = :zero');
      values[':zero'] = 0;
    }
    if (outcome.region) {
      set.push('#region = :region');
      names['#region'] = 'region';
      values[':region'] = outcome.region;
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: marshall({ pk: COVERAGE_ITEM_PREFIX + outcome.scope }),
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_not_exists(lastScanId) OR lastScanId <> :scanId',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Counts one unit of the period done; returns the units still outstanding. */
  async completeUnit(scanId: string): Promise<number> {
    const out = await this.client
      .send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: marshall({ pk: PERIOD_ITEM_PREFIX + scanId }),
          UpdateExpression: 'ADD remaining :minusOne',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: marshall({ ':minusOne': -1 }),
          ReturnValues: 'UPDATED_NEW',
        }),
      )
      .catch((error: unknown) => {
        // A unit of a period the table no longer knows (expired): nothing to count.
        if (isConditionFailure(error)) return { Attributes: undefined };
        throw error;
      });
    return out.Attributes ? Number(unmarshall(out.Attributes).remaining) : Number.POSITIVE_INFINITY;
  }

  /** Claims the right to publish the period's summary; false when another finalizer has it. */
  async claimFinalize(scanId: string, at: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: marshall({ pk: PERIOD_ITEM_PREFIX + scanId }),
          UpdateExpression: 'SET finalizedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(finalizedAt)',
          ExpressionAttributeValues: marshall({ ':at': at.toISOString() }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Gives the claim back after a failed publish, so the next planner run finalizes the period. */
  async releaseFinalize(scanId: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: marshall({ pk: PERIOD_ITEM_PREFIX + scanId }),
        UpdateExpression: 'REMOVE finalizedAt',
      }),
    );
  }

  /** Every coverage item (GSI by-scope, partition `coverage#`, then the items themselves). */
  async listCoverage(): Promise<CoverageRecord[]> {
    const records: CoverageRecord[] = [];
    let start: Record<string, AttributeValue> | undefined;
    const keys: string[] = [];
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: SCOPE_INDEX,
          KeyConditionExpression: '#scope = :index',
          ExpressionAttributeNames: { '#scope': 'scope' },
          ExpressionAttributeValues: marshall({ ':index': COVERAGE_INDEX_SCOPE }),
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) keys.push(String(unmarshall(item).pk));
      start = page.LastEvaluatedKey;
    } while (start);
    // BatchGetItem, 100 keys a call; keys DynamoDB leaves unprocessed are asked again with backoff.
    await mapLimit(chunks(keys, 100), 4, async (chunk) => {
      let request: Record<string, KeysAndAttributes> | undefined = {
        [this.table]: { Keys: chunk.map((pk) => marshall({ pk })), ConsistentRead: true },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt >= 8)
          throw new Error(`coverage items still unprocessed after ${attempt} BatchGetItem calls`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(2_000, 50 * 2 ** attempt)));
        const out: BatchGetItemCommandOutput = await this.client.send(
          new BatchGetItemCommand({ RequestItems: request }),
        );
        for (const item of out.Responses?.[this.table] ?? []) {
          const value = unmarshall(item);
          records.push({
            ...value,
            scope: String(value.pk).slice(COVERAGE_ITEM_PREFIX.length),
          } as CoverageRecord);
        }
        request = out.UnprocessedKeys;
      }
    });
    return records.sort((a, b) => a.scope.localeCompare(b.scope));
  }
}
