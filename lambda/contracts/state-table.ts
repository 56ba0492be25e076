/**
 * The lifecycle state table's shape, shared by the construct that creates it (lib/state-table.ts)
 * and the adapters that read and write it (lambda/sinks/state). Item layout:
 * lambda/sinks/state/dynamodb-state-store.ts. Pure data only.
 */

/** The GSI listing a scope's locations. */
export const SCOPE_INDEX = 'by-scope';
/** Epoch seconds after which DynamoDB deletes the item (removed certificates, cleared ticket references). */
export const TTL_ATTRIBUTE = 'ttl';
/**
 * Partition key prefix of the ticket channel's items (lambda/sinks/state/ticket-ref-store.ts):
 * no location (an ARN or `host:port@address`) starts with it, and they have no `scope`.
 */
export const TICKET_ITEM_PREFIX = 'ticket#';

/** The table's key schema: CDK creates the table from it, the adapters and tests rely on it. */
export const STATE_TABLE_SCHEMA = {
  partitionKey: { name: 'pk', type: 'S' },
  scopeIndex: {
    indexName: SCOPE_INDEX,
    partitionKey: { name: 'scope', type: 'S' },
    sortKey: { name: 'pk', type: 'S' },
    nonKeyAttributes: ['removedAt', 'outboxPending'],
  },
  timeToLiveAttribute: TTL_ATTRIBUTE,
} as const;
