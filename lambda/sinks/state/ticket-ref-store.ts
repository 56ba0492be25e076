/**
 * Where the ticket channel remembers the ticket of each location's current lifecycle: the state
 * table's item for the location (lambda/sinks/state/dynamodb-state-store.ts). Each connector keeps
 * its record in attribute `ticket_<name>`; the first connector also mirrors the plain reference
 * `{system, key, url}` into `ticket` (the lifecycle's TicketRef, copied into its events, whose
 * schema allows only those fields). Writes are conditional on the record read (its `rev`), so two
 * deliveries of one alert cannot both claim the lifecycle; every write also bumps the item's
 * `version`, so a lifecycle run that read the item before writes again from a fresh read instead
 * of overwriting the reference.
 */
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { TicketRef } from '../../lifecycle/model';

/** What the ticket channel stores per location and connector. */
export interface TicketRecord extends TicketRef {
  /** Connector name (configuration). */
  readonly connector: string;
  /** The lifecycle this ticket belongs to (lambda/channels/tickets/content.ts dedupKeyOf). */
  readonly dedupKey: string;
  /** Standing the ticket last reported: a worse one is an escalation (comment). */
  readonly severity: string;
  readonly tierDays: number | null;
  /**
   * Set while a delivery is opening the ticket (`key` is then empty): other deliveries back off
   * until `since + lease`, then take over (and find the ticket by its dedup key if it was opened).
   */
  readonly pending?: { readonly owner: string; readonly since: number };
  /** Changes on every write: the optimistic-concurrency token. */
  readonly rev: string;
}

export interface TicketRefStore {
  get(location: string): Promise<TicketRecord | null>;
  /** Writes `ref` (null clears) on condition the stored record is still `expected`; false when it is not. */
  put(location: string, ref: TicketRecord | null, expected: TicketRecord | null): Promise<boolean>;
}

/** The location has no item in the state table (never tracked, or purged). */
export class TicketLocationNotTrackedError extends Error {
  override readonly name = 'TicketLocationNotTrackedError';
}

export class InMemoryTicketRefStore implements TicketRefStore {
  readonly items = new Map<string, TicketRecord | null>();

  constructor(
    locations: readonly string[] = [],
    readonly requireTracked = false,
  ) {
    for (const l of locations) this.items.set(l, null);
  }

  async get(location: string): Promise<TicketRecord | null> {
    return this.items.get(location) ?? null;
  }

  async put(location: string, ref: TicketRecord | null, expected: TicketRecord | null): Promise<boolean> {
    if (this.requireTracked && !this.items.has(location))
      throw new TicketLocationNotTrackedError(`no tracked certificate at "${location}"`);
    const current = this.items.get(location) ?? null;
    if ((current?.rev ?? null) !== (expected?.rev ?? null)) return false;
    this.items.set(location, ref);
    return true;
  }
}

/** The attribute holding a connector's record: `ticket_<name>`, dashes as underscores. */
export const recordAttributeFor = (connectorName: string): string =>
  `ticket_${connectorName.replace(/-/g, '_')}`;

export interface DynamoDbTicketRefStoreOptions {
  readonly tableName: string;
  /** Connector name: the record lives in `ticket_<name>`. */
  readonly connector: string;
  /** Also keep the plain reference in `ticket` (the lifecycle's field). @default false */
  readonly mirrorTicket?: boolean;
}

/** The reference the lifecycle sees: only a recorded ticket, never a claim. */
const plainRef = (r: TicketRecord | null): TicketRef | null =>
  r && !r.pending && r.key ? { system: r.system, key: r.key, ...(r.url ? { url: r.url } : {}) } : null;

const isConditionFailure = (error: unknown): boolean =>
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

export class DynamoDbTicketRefStore implements TicketRefStore {
  private readonly attribute: string;

  constructor(
    private readonly options: DynamoDbTicketRefStoreOptions,
    private readonly dynamodb = new DynamoDBClient({}),
  ) {
    this.attribute = recordAttributeFor(options.connector);
  }

  async get(location: string): Promise<TicketRecord | null> {
    const out = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { pk: { S: location } },
        ProjectionExpression: '#t',
        ExpressionAttributeNames: { '#t': this.attribute },
        ConsistentRead: true,
      }),
    );
    const value = out.Item?.[this.attribute];
    if (!value || value.NULL || !value.M) return null;
    const rec = unmarshall(value.M) as Partial<TicketRecord>;
    // A reference written by someone else (the CLI, an older version) without our fields: not ours to trust.
    return typeof rec.rev === 'string' && typeof rec.dedupKey === 'string' ? (rec as TicketRecord) : null;
  }

  async put(location: string, ref: TicketRecord | null, expected: TicketRecord | null): Promise<boolean> {
    const values: Record<string, AttributeValue> = {
      ':ref': ref ? { M: marshall(ref, { removeUndefinedValues: true }) } : { NULL: true },
      ':one': { N: '1' },
      ':zero': { N: '0' },
    };
    const names: Record<string, string> = { '#t': this.attribute, '#v': 'version' };
    let update = 'SET #t = :ref, #v = if_not_exists(#v, :zero) + :one';
    if (this.options.mirrorTicket) {
      const plain = plainRef(ref);
      names['#plain'] = 'ticket';
      values[':plain'] = plain ? { M: marshall(plain) } : { NULL: true };
      update += ', #plain = :plain';
    }
    let condition: string;
    if (expected) {
      condition = 'attribute_exists(pk) AND #t.#rev = :rev';
      names['#rev'] = 'rev';
      values[':rev'] = { S: expected.rev };
    } else {
      // No record, a null one, or one without our fields (see get).
      condition =
        'attribute_exists(pk) AND (attribute_not_exists(#t) OR attribute_type(#t, :nullType) OR attribute_not_exists(#t.#rev))';
      names['#rev'] = 'rev';
      values[':nullType'] = { S: 'NULL' };
    }
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: location } },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const exists = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { pk: { S: location } },
        ProjectionExpression: 'pk',
        ConsistentRead: true,
      }),
    );
    if (!exists.Item) throw new TicketLocationNotTrackedError(`no tracked certificate at "${location}"`);
    return false;
  }
}
