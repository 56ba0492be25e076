/**
 * Which scopes of the state table still track a location: the endpoint dispatcher retires the
 * endpoint scopes the configuration no longer names (docs/lifecycle.md, "Removal").
 */
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { SCOPE_INDEX } from '../../contracts/state-table';

/**
 * Scopes whose key starts with `prefix` with a location not removed: one Scan of the `by-scope`
 * index, projecting the scope and `removedAt` only (about 100 bytes a location, eventually
 * consistent: ≈ 128 RCU for 10,000 locations). IAM: `dynamodb:Scan` on the index.
 */
export const trackedScopes = async (
  tableName: string,
  prefix: string,
  dynamodb = new DynamoDBClient({}),
): Promise<string[]> => {
  const scopes = new Set<string>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const res = await dynamodb.send(
      new ScanCommand({
        TableName: tableName,
        IndexName: SCOPE_INDEX,
        ProjectionExpression: '#s, removedAt',
        FilterExpression: 'begins_with(#s, :p)',
        ExpressionAttributeNames: { '#s': 'scope' },
        ExpressionAttributeValues: { ':p': { S: prefix } },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of res.Items ?? []) {
      if (item.scope?.S && item.removedAt?.S === undefined) scopes.add(item.scope.S);
    }
    start = res.LastEvaluatedKey;
  } while (start);
  return [...scopes].sort();
};
