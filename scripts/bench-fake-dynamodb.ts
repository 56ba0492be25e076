/**
 * DynamoDB answered in-process for the organization bench, at the HTTP layer (the real SDK client
 * serializes, signs and parses): the state table (`pk`, GSI `by-scope` on `scope` + `pk` with
 * INCLUDE projection) and the operations and expression forms the coverage and lifecycle stores
 * use: GetItem, PutItem, UpdateItem, Query on the GSI (1 MB pages), BatchGetItem, with the
 * expressions of bench-fake-dynamodb-expressions.ts. Not the whole language: an expression
 * outside it throws, so the bench cannot silently measure something else.
 *
 * Consumed capacity follows the on-demand rules in the DynamoDB Developer Guide ("Read/write
 * capacity mode", "Item sizes and formats", "Global secondary indexes: provisioned throughput
 * considerations"): a write costs 1 WRU per KB of the larger of the old and new item (a failed
 * condition still costs the write); a GSI entry written, replaced or deleted costs 1 WRU per KB of
 * the entry (keys + projected attributes + 100 bytes), twice when its key changes, nothing when
 * neither the index key nor a projected attribute changed; a read costs 1 RRU per 4 KB, half when
 * eventually consistent (GSI queries always are), a Query's items summed before rounding.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  applyUpdate,
  type Ctx,
  ctxOf,
  type ExprInput,
  type Item,
  parser,
  same,
} from './bench-fake-dynamodb-expressions';

export interface DynamoCapacity {
  readUnits: number;
  writeUnits: number;
  /** Of writeUnits, those spent on the GSI. */
  indexWriteUnits: number;
}

export class ConditionalCheckFailed extends Error {
  override readonly name = 'ConditionalCheckFailedException';
}

const ceilDiv = (n: number, d: number) => Math.max(1, Math.ceil(n / d));

/** Item size as the Developer Guide counts it: names + values; numbers ~ 1 byte per 2 digits + 1. */
export const valueSize = (v: AttributeValue): number => {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(v.N.replace(/^-|\.|^0+/g, '').length / 2) + 1;
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.L) return 3 + v.L.reduce((n, e) => n + 1 + valueSize(e), 0);
  if (v.M)
    return 3 + Object.entries(v.M).reduce((n, [k, e]) => n + 1 + Buffer.byteLength(k) + valueSize(e), 0);
  if (v.SS) return v.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (v.NS) return v.NS.reduce((n, s) => n + valueSize({ N: s }), 0);
  return 0;
};
export const itemSize = (item: Item | undefined): number =>
  item ? Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + valueSize(v), 0) : 0;

export interface IndexSchema {
  readonly name: string;
  readonly hashKey: string;
  readonly rangeKey: string;
  readonly projected: readonly string[];
}

const PAGE_BYTES = 1024 * 1024;

/** One table with a hash key and one GSI. */
export class FakeDynamoTable {
  private readonly items = new Map<string, Item>();
  /** GSI hash value → table keys. */
  private readonly index = new Map<string, Set<string>>();
  readonly capacity: DynamoCapacity = { readUnits: 0, writeUnits: 0, indexWriteUnits: 0 };

  constructor(
    readonly name: string,
    private readonly hashKey: string,
    private readonly gsi: IndexSchema,
  ) {}

  get size(): number {
    return this.items.size;
  }

  /** Stored bytes as DynamoDB bills storage: each item's size plus 100 bytes of overhead. */
  storageBytes(): number {
    let n = 0;
    for (const item of this.items.values()) n += itemSize(item) + 100;
    return n;
  }

  private keyOf(key: Item): string {
    const v = key[this.hashKey]?.S;
    if (v === undefined) throw new Error(`fake DynamoDB: key without ${this.hashKey}`);
    return v;
  }

  private entry(item: Item | undefined): Item | undefined {
    if (!item?.[this.gsi.hashKey] || !item[this.gsi.rangeKey]) return undefined;
    const e: Item = {};
    for (const k of [this.hashKey, this.gsi.hashKey, this.gsi.rangeKey, ...this.gsi.projected])
      if (item[k] !== undefined) e[k] = item[k];
    return e;
  }

  /** Stores `next` (or deletes on undefined), keeping the GSI and the write capacity. */
  private put(key: string, prev: Item | undefined, next: Item) {
    this.capacity.writeUnits += ceilDiv(Math.max(itemSize(prev), itemSize(next)), 1024);
    const [a, b] = [this.entry(prev), this.entry(next)];
    if (!same(a ? { M: a } : undefined, b ? { M: b } : undefined)) {
      const keyChanged = a && b && !same(a[this.gsi.hashKey], b[this.gsi.hashKey]);
      const units = (e: Item | undefined) => (e ? ceilDiv(itemSize(e) + 100, 1024) : 0);
      const w = keyChanged ? units(a) + units(b) : Math.max(units(a), units(b));
      this.capacity.writeUnits += w;
      this.capacity.indexWriteUnits += w;
    }
    const oldHash = prev?.[this.gsi.hashKey]?.S;
    if (oldHash !== undefined) this.index.get(oldHash)?.delete(key);
    const newHash = next[this.gsi.hashKey]?.S;
    if (newHash !== undefined) {
      const set = this.index.get(newHash) ?? new Set<string>();
      this.index.set(newHash, set);
      set.add(key);
    }
    this.items.set(key, next);
  }

  private read(item: Item | undefined, consistent: boolean) {
    this.capacity.readUnits += ceilDiv(itemSize(item), 4096) * (consistent ? 1 : 0.5);
  }

  private checkCondition(expr: string | undefined, ctx: Ctx, item: Item | undefined) {
    if (!expr) return;
    if (!parser(expr, ctx).condition(item ?? {})) {
      this.capacity.writeUnits += ceilDiv(itemSize(item), 1024);
      throw new ConditionalCheckFailed('The conditional request failed');
    }
  }

  getItem(input: { Key: Item; ConsistentRead?: boolean }) {
    const item = this.items.get(this.keyOf(input.Key));
    this.read(item, input.ConsistentRead === true);
    return item ? { Item: item } : {};
  }

  putItem(input: { Item: Item; ConditionExpression?: string } & Partial<ExprInput>) {
    const key = this.keyOf(input.Item);
    const prev = this.items.get(key);
    this.checkCondition(input.ConditionExpression, ctxOf(input), prev);
    this.put(key, prev, { ...input.Item });
    return {};
  }

  updateItem(
    input: {
      Key: Item;
      UpdateExpression: string;
      ConditionExpression?: string;
      ReturnValues?: string;
    } & Partial<ExprInput>,
  ) {
    const key = this.keyOf(input.Key);
    const prev = this.items.get(key);
    const ctx = ctxOf(input);
    this.checkCondition(input.ConditionExpression, ctx, prev);
    const next: Item = { ...(prev ?? input.Key) };
    const touched = applyUpdate(input.UpdateExpression, ctx, next);
    this.put(key, prev, next);
    if (input.ReturnValues === 'UPDATED_NEW')
      return { Attributes: Object.fromEntries(touched.map((k) => [k, next[k] as AttributeValue])) };
    if (input.ReturnValues === 'ALL_NEW') return { Attributes: next };
    if (input.ReturnValues === 'ALL_OLD') return prev ? { Attributes: prev } : {};
    return {};
  }

  /** GSI queries only (the stores use no other): `hash = :v`, pages of at most 1 MB, sorted by the range key. */
  query(
    input: {
      IndexName?: string;
      KeyConditionExpression: string;
      ExclusiveStartKey?: Item;
    } & Partial<ExprInput>,
  ) {
    if (input.IndexName !== this.gsi.name) throw new Error(`fake DynamoDB: Query on ${input.IndexName}`);
    const m = /^\s*(#?\w+)\s*=\s*(:\w+)\s*$/.exec(input.KeyConditionExpression);
    const ctx = ctxOf(input);
    if (!m?.[1] || !m[2]) throw new Error(`fake DynamoDB: key condition ${input.KeyConditionExpression}`);
    const p = parser('', ctx);
    if (p.name(m[1]) !== this.gsi.hashKey) throw new Error('fake DynamoDB: Query on a non-key attribute');
    const hash = ctx.values[m[2]]?.S ?? '';
    const keys = [...(this.index.get(hash) ?? [])].sort();
    const after = input.ExclusiveStartKey?.[this.hashKey]?.S;
    let start = after === undefined ? 0 : keys.findIndex((k) => k > after);
    if (start < 0) start = keys.length;
    const out: Item[] = [];
    let bytes = 0;
    let i = start;
    for (; i < keys.length && bytes < PAGE_BYTES; i++) {
      const e = this.entry(this.items.get(keys[i] ?? ''));
      if (!e) continue;
      out.push(e);
      bytes += itemSize(e);
    }
    this.capacity.readUnits += ceilDiv(bytes, 4096) * 0.5;
    const last = out[out.length - 1];
    return {
      Items: out,
      Count: out.length,
      ...(i < keys.length && last
        ? { LastEvaluatedKey: { [this.hashKey]: last[this.hashKey] as AttributeValue } }
        : {}),
    };
  }

  batchGet(keys: readonly Item[], consistent: boolean): Item[] {
    if (keys.length > 100) throw new Error('fake DynamoDB: BatchGetItem of more than 100 keys');
    const found: Item[] = [];
    for (const k of keys) {
      const item = this.items.get(this.keyOf(k));
      this.read(item, consistent);
      if (item) found.push(item);
    }
    return found;
  }
}

/** DynamoDB_20120810 operations for one table; the router passes the decoded JSON body. */
export const dynamoOperation = (
  table: FakeDynamoTable,
  op: string,
  input: Record<string, unknown>,
): unknown => {
  // biome-ignore lint/suspicious/noExplicitAny: the decoded request of the operation named by `op`
  const i = input as any;
  if (op !== 'BatchGetItem' && i.TableName !== table.name)
    throw new Error(`fake DynamoDB: table ${i.TableName}`);
  switch (op) {
    case 'GetItem':
      return table.getItem(i);
    case 'PutItem':
      return table.putItem(i);
    case 'UpdateItem':
      return table.updateItem(i);
    case 'Query':
      return table.query(i);
    case 'BatchGetItem': {
      const req = i.RequestItems?.[table.name];
      return {
        Responses: { [table.name]: table.batchGet(req?.Keys ?? [], req?.ConsistentRead === true) },
        UnprocessedKeys: {},
      };
    }
    default:
      throw new Error(`fake DynamoDB: unsupported operation ${op}`);
  }
};
