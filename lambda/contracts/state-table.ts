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
/**
 * Partition key prefix of the delivery ledger's items (lambda/sinks/state/delivery-ledger.ts):
 * `delivered#<destination>#<eventId>`, no `scope`, expiring through the TTL.
 */
export const DELIVERY_ITEM_PREFIX = 'delivered#';
/**
 * Partition key prefixes of the coverage items (lambda/sinks/state/coverage-store.ts): one
 * `coverage#<scope key>` per scope ever expected (GSI partition {@link COVERAGE_INDEX_SCOPE}) and
 * one `period#<scan id>` per scan period, with `period#current` naming the latest.
 */
export const COVERAGE_ITEM_PREFIX = 'coverage#';
export const PERIOD_ITEM_PREFIX = 'period#';
/** The `scope` attribute of every coverage item: one GSI Query lists them all. */
export const COVERAGE_INDEX_SCOPE = 'coverage#';

/** Items of the table that are not certificate locations (the CLI's `status` skips them). */
export const isBookkeepingItem = (pk: string): boolean =>
  pk.startsWith(TICKET_ITEM_PREFIX) ||
  pk.startsWith(DELIVERY_ITEM_PREFIX) ||
  pk.startsWith(COVERAGE_ITEM_PREFIX) ||
  pk.startsWith(PERIOD_ITEM_PREFIX);

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
