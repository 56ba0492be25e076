/**
 * The CLI's operations on the lifecycle state table (`cert-watch ack | unack | status`): list
 * every tracked location, set or remove an acknowledgement. Apart from DynamoDbStateStore so the
 * Lambda bundles, which only run scans, do not carry them.
 */
import {
  type AttributeValue,
  DynamoDBClient,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { isBookkeepingItem } from '../../contracts/state-table';
import { type Ack, type TrackedState, validateAck } from '../../lifecycle/model';
import { isConditionFailure, stateFromItem } from './dynamodb-state-store';

export class NotTrackedError extends Error {
  override readonly name = 'NotTrackedError';
}

export interface StateAdminOptions {
  readonly tableName: string;
}

export class DynamoDbStateAdmin {
  constructor(
    private readonly options: StateAdminOptions,
    private readonly dynamodb = new DynamoDBClient({}),
  ) {}

  /** Every tracked location (a paginated Scan: for the CLI's `status`, not for the scan path). */
  async list(): Promise<TrackedState[]> {
    const out: TrackedState[] = [];
    for await (const page of this.pages()) out.push(...page);
    return out.sort((a, b) => a.location.localeCompare(b.location));
  }

  /**
   * The tracked locations one Scan page (at most 1 MB of items) at a time, in table order, so a
   * caller that keeps less than the whole state (`cert-watch report`) holds one page at once.
   */
  async *pages(): AsyncIterable<TrackedState[]> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const res = await this.dynamodb.send(
        new ScanCommand({ TableName: this.options.tableName, ExclusiveStartKey: start }),
      );
      yield (res.Items ?? [])
        .filter((item) => !isBookkeepingItem(item.pk?.S ?? '')) // tickets' and coverage's items, not locations
        .map((item) => stateFromItem(unmarshall(item)));
      start = res.LastEvaluatedKey;
    } while (start);
  }

  /**
   * Sets (or with null removes) the acknowledgement. Bumps the version, so a scan that read the
   * item before re-reads it and keeps the acknowledgement. Throws NotTrackedError for unknown locations.
   */
  async setAck(location: string, ack: Ack | null): Promise<void> {
    if (ack) validateAck(ack);
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: location } },
          UpdateExpression: 'SET #ack = :ack, #v = #v + :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#ack': 'ack', '#v': 'version' },
          ExpressionAttributeValues: {
            ':ack': ack === null ? { NULL: true } : { M: marshall(ack, { removeUndefinedValues: true }) },
            ':one': { N: '1' },
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new NotTrackedError(`no tracked certificate at "${location}"`);
      throw error;
    }
  }
}
