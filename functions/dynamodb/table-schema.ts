/**
 * The table's physical shape, declared once: the CDK construct (lib/constructs/inventory-table.ts) and
 * the local assembly (lib/local/dynamodb-local.ts) both build the table from this, so the two cannot
 * differ. Key *values* are built in keys.ts; this file only names the attributes and indexes.
 */
export const TABLE = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /** DynamoDB TTL attribute (epoch seconds). Set on holds, idempotency records and release markers. */
  ttlAttribute: 'ttl',
  indexes: {
    /**
     * GSI1, projection ALL, overloaded for low-write listings: locations, purchase orders, transfers,
     * alerts, and live holds by expiry (the sweeper's work list).
     */
    byCollection: { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK', projection: 'ALL' },
    /**
     * GSI2, KEYS_ONLY: every variant, in id order, for the stock report, and alerts by location. A
     * variant's keys are written once when its item is created and never change, so the counters that
     * every reservation updates never cost an index write; a list fetches the items it names in batches.
     */
    keysOnly: { name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK', projection: 'KEYS_ONLY' },
  },
} as const;

export type IndexDefinition = (typeof TABLE.indexes)[keyof typeof TABLE.indexes];
export const INDEXES: readonly IndexDefinition[] = Object.values(TABLE.indexes);
