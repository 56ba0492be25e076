/**
 * Where the ticket channel remembers the ticket of each location's current lifecycle: one item
 * per connector and location in the state table, `ticket#<connector>#<location>`, beside (never
 * inside) the lifecycle's item. Claims and records live only there, so every delivery of an alert
 * contends on one item whether or not the lifecycle tracks the location yet, and the lifecycle's
 * scope index never sees them (no `scope` attribute). Writes are conditional on the record read
 * (its `rev`), so two deliveries cannot both claim a lifecycle.
 *
 * The first connector also mirrors the plain reference `{system, key, url}` into the lifecycle
 * item's `ticket` (copied into its events, whose schema allows only those fields) when that item
 * exists, bumping its `version` so a lifecycle run that read the item before writes again from a
 * fresh read instead of overwriting the reference. The mirror follows the record; a crash between
 * the two leaves events without the link until the ticket's next write.
 *
 * Items expire through the table's TTL: 90 days after the last write (a later alert finds the
 * ticket again by its dedup key), 7 days after the lifecycle's ticket was resolved.
 */
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { TICKET_ITEM_PREFIX, TTL_ATTRIBUTE } from '../../contracts/state-table';
import type { TicketRef } from '../../lifecycle/model';

export { TICKET_ITEM_PREFIX };

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
   * until the lease and the connector's search lag have passed (lambda/channels/tickets/ticket-lifecycle.ts).
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

/** The item holding a connector's record for a location. */
export const ticketItemKey = (connector: string, location: string): string =>
  `${TICKET_ITEM_PREFIX}${connector}#${location}`;

const DAY_S = 86_400;
const TTL_OPEN_S = 90 * DAY_S;
const TTL_CLEARED_S = 7 * DAY_S;

export interface DynamoDbTicketRefStoreOptions {
  readonly tableName: string;
  /** Connector name: the record lives in item `ticket#<name>#<location>`. */
  readonly connector: string;
  /** Also keep the plain reference in the lifecycle item's `ticket`. @default false */
  readonly mirrorTicket?: boolean;
  /** Wall clock for the TTL. @default Date.now */
  readonly now?: () => number;
}

/** The reference the lifecycle sees: only a recorded ticket, never a claim. */
const plainRef = (r: TicketRecord | null): TicketRef | null =>
  r && !r.pending && r.key ? { system: r.system, key: r.key, ...(r.url ? { url: r.url } : {}) } : null;

const isConditionFailure = (error: unknown): boolean =>
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

export class DynamoDbTicketRefStore implements TicketRefStore {
  constructor(
    private readonly options: DynamoDbTicketRefStoreOptions,
    private readonly dynamodb = new DynamoDBClient({}),
  ) {}

  async get(location: string): Promise<TicketRecord | null> {
    const out = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { pk: { S: ticketItemKey(this.options.connector, location) } },
        ConsistentRead: true,
      }),
    );
    const value = out.Item?.record;
    if (!value?.M) return null;
    const rec = unmarshall(value.M) as Partial<TicketRecord>;
    // Not written by this version (no rev / dedup key): not ours to trust.
    return typeof rec.rev === 'string' && typeof rec.dedupKey === 'string' ? (rec as TicketRecord) : null;
  }

  async put(location: string, ref: TicketRecord | null, expected: TicketRecord | null): Promise<boolean> {
    const nowS = Math.floor((this.options.now ?? Date.now)() / 1000);
    const names: Record<string, string> = {
      '#r': 'record',
      '#loc': 'location',
      '#ttl': TTL_ATTRIBUTE,
      '#rev': 'rev',
    };
    const values: Record<string, AttributeValue> = {
      ':ref': ref ? { M: marshall(ref, { removeUndefinedValues: true }) } : { NULL: true },
      ':loc': { S: location },
      ':ttl': { N: String(nowS + (ref ? TTL_OPEN_S : TTL_CLEARED_S)) },
    };
    let condition: string;
    if (expected) {
      condition = '#r.#rev = :rev';
      values[':rev'] = { S: expected.rev };
    } else {
      condition =
        'attribute_not_exists(#r) OR attribute_type(#r, :nullType) OR attribute_not_exists(#r.#rev)';
      values[':nullType'] = { S: 'NULL' };
    }
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: ticketItemKey(this.options.connector, location) } },
          UpdateExpression: 'SET #r = :ref, #loc = :loc, #ttl = :ttl',
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    if (this.options.mirrorTicket) await this.mirror(location, plainRef(ref));
    return true;
  }

  /** Copies the plain reference into the lifecycle's item, when the lifecycle tracks the location. */
  private async mirror(location: string, plain: TicketRef | null): Promise<void> {
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: location } },
          UpdateExpression: 'SET #plain = :plain, #v = if_not_exists(#v, :zero) + :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#plain': 'ticket', '#v': 'version' },
          ExpressionAttributeValues: {
            ':plain': plain ? { M: marshall(plain) } : { NULL: true },
            ':one': { N: '1' },
            ':zero': { N: '0' },
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // not tracked (yet): nothing to mirror into
    }
  }
}
