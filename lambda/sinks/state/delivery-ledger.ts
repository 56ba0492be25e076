/**
 * Which event ids each destination already received: the delivery paths (fan-out per SNS topic,
 * webhook notifier per webhook, ticket Lambda per ticket target) are idempotent on the event id,
 * so a retry re-sends only to the destinations that failed (issue #9, items 3 and 4).
 *
 * One item per destination and event in the state table, `delivered#<destination>#<eventId>`,
 * written conditionally in the style of Powertools' idempotency persistence layer
 * (`DynamoDBPersistenceLayer`: an INPROGRESS record with an expiry, then COMPLETED, with a TTL):
 *
 *   pk         S  `delivered#<destination>#<eventId>`
 *   status     S  'in-progress' while a delivery holds it, 'delivered' once it succeeded
 *   lockUntil  N  epoch ms: an in-progress claim older than this belongs to a delivery that died
 *   ttl        N  epoch seconds: DynamoDB deletes the item after {@link DELIVERY_TTL_S}
 *
 * A delivery that dies between sending and recording leaves an expired claim: the next delivery
 * sends again (at-least-once); the window is one request. No item has a `scope`, so the
 * lifecycle's scope index never sees them.
 */
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { STATE_TABLE_NAME_ENV } from '../../contracts/env-names';
import { DELIVERY_ITEM_PREFIX, TTL_ATTRIBUTE } from '../../contracts/state-table';
import { isConditionFailure } from './dynamodb-state-store';

/**
 * How long a delivered id is remembered: 14 days, SQS's longest message retention, so a message
 * redriven from a dead-letter queue at the last moment is still recognised.
 */
export const DELIVERY_TTL_S = 14 * 86_400;

/** `claimed`: go ahead and send; `delivered`: skip, it already has it; `busy`: another delivery is sending it now. */
export type DeliveryClaim = 'claimed' | 'delivered' | 'busy';

/** The port the delivery handlers use (DynamoDbDeliveryLedger; tests may use an in-memory one). */
export interface DeliveryLedger {
  /** Claims sending `eventId` to `destination`, unless it was delivered or another live delivery holds it. */
  begin(destination: string, eventId: string): Promise<DeliveryClaim>;
  /** Records the delivery (after the destination accepted it). */
  complete(destination: string, eventId: string): Promise<void>;
  /** Gives the claim up after a failed send, so a retry may claim it at once. */
  abandon(destination: string, eventId: string): Promise<void>;
}

/** The item key: destination names come from configuration, event ids are hex digests. */
export const deliveryItemKey = (destination: string, eventId: string): string =>
  `${DELIVERY_ITEM_PREFIX}${destination}#${eventId}`;

export interface DynamoDbDeliveryLedgerOptions {
  readonly tableName: string;
  /**
   * How long a claim keeps other deliveries off: longer than one delivery can take (the delivery
   * function's timeout). @default 120000
   */
  readonly lockMs?: number;
  /** Wall clock. @default Date.now */
  readonly now?: () => number;
}

export class DynamoDbDeliveryLedger implements DeliveryLedger {
  private readonly now: () => number;
  private readonly lockMs: number;

  constructor(
    private readonly options: DynamoDbDeliveryLedgerOptions,
    private readonly dynamodb = new DynamoDBClient({}),
  ) {
    this.now = options.now ?? Date.now;
    this.lockMs = options.lockMs ?? 120_000;
  }

  private key(destination: string, eventId: string) {
    return { pk: { S: deliveryItemKey(destination, eventId) } };
  }

  async begin(destination: string, eventId: string): Promise<DeliveryClaim> {
    const now = this.now();
    try {
      // UpdateItem creates the item when absent: the delivery Lambdas need only GetItem and UpdateItem.
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: this.key(destination, eventId),
          UpdateExpression: 'SET #s = :busy, lockUntil = :until, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(pk) OR (#s = :busy AND lockUntil < :now)',
          ExpressionAttributeNames: { '#s': 'status', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':busy': { S: 'in-progress' },
            ':now': { N: String(now) },
            ':until': { N: String(now + this.lockMs) },
            ':ttl': { N: String(Math.floor(now / 1000) + DELIVERY_TTL_S) },
          },
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const out = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: this.key(destination, eventId),
        ConsistentRead: true,
      }),
    );
    // Gone between the two calls (TTL): a later attempt claims it.
    return out.Item?.status?.S === 'delivered' ? 'delivered' : 'busy';
  }

  async complete(destination: string, eventId: string): Promise<void> {
    const now = this.now();
    await this.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: this.key(destination, eventId),
        UpdateExpression: 'SET #s = :done, #ttl = :ttl REMOVE lockUntil',
        ExpressionAttributeNames: { '#s': 'status', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':done': { S: 'delivered' },
          ':ttl': { N: String(Math.floor(now / 1000) + DELIVERY_TTL_S) },
        },
      }),
    );
  }

  async abandon(destination: string, eventId: string): Promise<void> {
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: this.key(destination, eventId),
          UpdateExpression: 'SET lockUntil = :zero',
          ConditionExpression: '#s = :busy',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':zero': { N: '0' }, ':busy': { S: 'in-progress' } },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // delivered meanwhile, or expired: nothing to give up
    }
  }
}

/**
 * The ledger of a delivery Lambda: in the state table named by STATE_TABLE_NAME, or none when the
 * variable is unset (a fan-out deployed without the table keeps at-least-once without dedupe).
 */
export const deliveryLedgerFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
): DeliveryLedger | undefined => {
  const tableName = env[STATE_TABLE_NAME_ENV]?.trim();
  return tableName ? new DynamoDbDeliveryLedger({ tableName }) : undefined;
};

/** A delivery is already being made by another invocation: fail this one so it is retried later. */
export class DeliveryInProgressError extends Error {
  override readonly name = 'DeliveryInProgressError';
}

/**
 * Sends to one destination once per event id: skips a destination that has it, claims, sends,
 * records. `send` returns true when the destination accepted the event. Without a ledger it just
 * sends. Throws DeliveryInProgressError when another delivery holds the claim.
 *
 * The ledger never stops an alert: when it cannot be read or written (table throttled, access
 * denied), the event is sent anyway and `onLedgerError` is told (at-least-once, never lost).
 */
export const deliverOnce = async (
  ledger: DeliveryLedger | undefined,
  destination: string,
  eventId: string,
  send: () => Promise<boolean>,
  onLedgerError: (error: unknown) => void = () => {},
): Promise<'sent' | 'skipped' | 'failed'> => {
  if (!ledger || !eventId) return (await send()) ? 'sent' : 'failed';
  let claim: DeliveryClaim;
  try {
    claim = await ledger.begin(destination, eventId);
  } catch (error) {
    onLedgerError(error);
    return (await send()) ? 'sent' : 'failed';
  }
  if (claim === 'delivered') return 'skipped';
  if (claim === 'busy')
    throw new DeliveryInProgressError(
      `event ${eventId} is being delivered to ${destination} by another invocation`,
    );
  let ok = false;
  try {
    ok = await send();
  } finally {
    await (ok ? ledger.complete(destination, eventId) : ledger.abandon(destination, eventId)).catch(
      onLedgerError,
    );
  }
  return ok ? 'sent' : 'failed';
};
