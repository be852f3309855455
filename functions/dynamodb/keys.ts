/**
 * The one module that knows the table's keys. Every access pattern has a named function here, with a
 * comment on the key design it relies on. Ids never contain '#' (the contract's id pattern), so '#'
 * separates the parts of a key safely.
 */
type Key = { PK: string; SK: string };

/**
 * A variant's item collection (partition `VARIANT#<variantId>`) holds its configuration and one level item
 * per location. A change at one location writes that location's level item only (about 150 bytes, so one
 * write unit, two in a transaction, whether the variant is stocked at 1 location or 500), and holds at two
 * locations never conflict. Access patterns:
 *  - the configuration alone (the stream processor judging a level against its threshold): GetItem;
 *  - a variant with its levels everywhere (planning a hold, the variant's page, availability): one Query of
 *    the partition, read units growing with the locations it is stocked at;
 *  - a variant at a few locations (availability for a sales channel's locations): BatchGetItem of the
 *    configuration and those level items.
 */
export const variantKey = (variantId: string): Key => ({ PK: variantPartition(variantId), SK: VARIANT_CONFIG_SK });
export const variantPartition = (variantId: string): string => `VARIANT#${variantId}`;
export const VARIANT_CONFIG_SK = 'VARIANT';
/** A variant's level at one location: in the variant's partition, sorted after its configuration. */
export const levelKey = (variantId: string, locationId: string): Key => ({ PK: variantPartition(variantId), SK: `${LEVEL_SK_PREFIX}${locationId}` });
export const LEVEL_SK_PREFIX = 'LEVEL#';

/**
 * A hot location's buckets (core/buckets.ts): bucket 0 is the level item above; bucket b (1 to N-1) has a partition
 * of its own, so N buckets are N partitions and holds there go past one item's write limit. Access patterns: a
 * change at the location updates one bucket (by key); reading the location's exact figures reads bucket 0 to N-1
 * in one TransactGetItems (a snapshot: a change that moves units between buckets is never seen half done). The
 * variant's configuration says which locations are hot and with how many buckets.
 */
export const bucketKey = (variantId: string, locationId: string, bucket: number): Key =>
  bucket === 0 ? levelKey(variantId, locationId) : { PK: `HOTLEVEL#${variantId}#${locationId}#${bucket}`, SK: 'LEVEL' };

/** GSI2 (keys only) lists every variant in id order (written once, on its configuration item, when that is created). */
export const variantListKeys = (variantId: string) => ({ GSI2PK: 'VARIANTS', GSI2SK: variantId });
export const VARIANT_LIST_PARTITION = 'VARIANTS';

/** Sales channels are few: one item each, listed through GSI1's `CHANNELS` partition. */
export const channelKey = (channelId: string): Key => ({ PK: `CHANNEL#${channelId}`, SK: 'CHANNEL' });
export const channelListKeys = (channelId: string) => ({ GSI1PK: 'CHANNELS', GSI1SK: channelId });
export const CHANNEL_LIST_PARTITION = 'CHANNELS';

/**
 * Catalog events (core/commands/catalog-events.ts): per variant, one item saying which of its scopes are in stock
 * (read and written only when a location's stock crosses zero, so never on the hot path); one item per published
 * event (its INSERT's stream record publishes it; kept 7 days); and per location, one item per variant in stock
 * there (`INSTOCK#<locationId>`, sorted by variant): the variants a change of the location's `active` flag or of a
 * channel's locations can move in or out of stock, one Query away.
 */
export const stockStateKey = (variantId: string): Key => ({ PK: `STOCKSTATE#${variantId}`, SK: 'STOCKSTATE' });
export const stockEventKey = (eventId: string): Key => ({ PK: `STOCKEVENT#${eventId}`, SK: 'STOCKEVENT' });
export const inStockPartition = (locationId: string): string => `INSTOCK#${locationId}`;
export const inStockKey = (locationId: string, variantId: string): Key => ({ PK: inStockPartition(locationId), SK: variantId });

/** Locations are few: one item each, listed through GSI1's `LOCATIONS` partition. */
export const locationKey = (locationId: string): Key => ({ PK: `LOCATION#${locationId}`, SK: 'LOCATION' });
export const locationListKeys = (locationId: string) => ({ GSI1PK: 'LOCATIONS', GSI1SK: locationId });
export const LOCATION_LIST_PARTITION = 'LOCATIONS';

/**
 * The movement ledger lives apart from the variant's items, so that reading levels never reads history. The sort
 * key starts with the time, so a query returns it in order. A variant's ledger is shard 0 (`MOVEMENTS#<variantId>`)
 * unless it has hot locations: a change to bucket b of a hot location records its movement in shard b, so the
 * ledger spreads over as many partitions as the stock does (a time-ordered key never splits for heat). Reading the
 * ledger queries shards 0 to S-1 (S: the most buckets any location of the variant ever had, kept on its
 * configuration) from the same sort key and merges them: every shard orders by the same key.
 */
export const movementPartition = (variantId: string, shard = 0): string => (shard === 0 ? `MOVEMENTS#${variantId}` : `MOVEMENTS#${variantId}#${shard}`);
export const movementKey = (variantId: string, at: string, movementId: string, shard = 0): Key => ({
  PK: movementPartition(variantId, shard),
  SK: `${at}#${movementId}`,
});

/** A cart is one item: a line change is one update, a checkout one delete. */
export const cartKey = (cartId: string): Key => ({ PK: `CART#${cartId}`, SK: 'CART' });

/**
 * Carts with live holds are indexed by expiry in GSI1 under HOLD_EXPIRY_SHARDS partitions (by a hash
 * of the cart id), so the sweeper reads "expired before now" as a few range queries, never a scan,
 * and no single index partition takes every cart's writes.
 */
export const HOLD_EXPIRY_SHARDS = 8;
export const holdExpiryPartition = (shard: number): string => `HOLDEXP#${shard}`;
export const holdExpiryShard = (cartId: string): number => {
  let h = 2166136261; // FNV-1a
  for (let i = 0; i < cartId.length; i++) {
    h ^= cartId.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h % HOLD_EXPIRY_SHARDS;
};
export const holdExpiryKeys = (cartId: string, expiresAt: string) => ({
  GSI1PK: holdExpiryPartition(holdExpiryShard(cartId)),
  GSI1SK: expiresAt,
});

/** One marker per released hold placement: its conditional put is what makes an expiry release happen once. */
export const holdReleaseKey = (holdId: string): Key => ({ PK: `HOLDRELEASE#${holdId}`, SK: 'HOLDRELEASE' });

/**
 * Local assembly only: the TTL stand-in's note that it deleted an item (its key, and for a cart its revision),
 * written in the same transaction as the delete. The stream poller reads it to tell the stand-in's deletes
 * from the service's own, and it survives a crash at any point. In AWS, the stream record itself says so.
 */
export const ttlDeleteNoteKey = (pk: string, sk: string, revision: string): Key => ({ PK: `TTLDELETE#${pk}#${sk}`, SK: revision });

/** An item that never exists: health checks read it (half a read unit, and no data). */
export const healthKey = (): Key => ({ PK: 'HEALTH', SK: 'HEALTH' });

/** Idempotency records: one item per key, written in the same transaction as the change it guards. */
export const idempotencyKey = (key: string): Key => ({ PK: `IDEMPOTENCY#${key}`, SK: 'IDEMPOTENCY' });

/** An order is one item (its lines in a map), so fulfilment and cancellation serialise on its version. */
export const orderKey = (orderId: string): Key => ({ PK: `ORDER#${orderId}`, SK: 'ORDER' });


/** Per variant-location, the alert that is open (if any): the item every transition is conditioned on. */
export const alertStateKey = (variantId: string, locationId: string): Key => ({
  PK: `ALERTSTATE#${variantId}#${locationId}`,
  SK: 'ALERTSTATE',
});

/**
 * Alerts are listed newest first by status: through GSI1 (`ALERTS#<status>`, sorted by opening time) for all
 * locations, and through GSI2 (`ALERTS#<status>#<locationId>`, the same order) for one location, so each list is
 * one range query that pages with a cursor. An alert's status moves it between partitions, so a clearing is
 * one put of the alert (its index entries move with it).
 */
export const alertKey = (alertId: string): Key => ({ PK: `ALERT#${alertId}`, SK: 'ALERT' });
export const alertListPartition = (status: 'open' | 'cleared'): string => `ALERTS#${status}`;
export const alertLocationPartition = (status: 'open' | 'cleared', locationId: string): string => `ALERTS#${status}#${locationId}`;
export const alertListKeys = (status: 'open' | 'cleared', locationId: string, openedAt: string, alertId: string) => ({
  GSI1PK: alertListPartition(status),
  GSI1SK: `${openedAt}#${alertId}`,
  GSI2PK: alertLocationPartition(status, locationId),
  GSI2SK: `${openedAt}#${alertId}`,
});

/**
 * Purchase orders: one item each, listed through GSI1's `POS` partition by creation time (status and
 * location are filters: back-office volumes).
 */
export const purchaseOrderKey = (id: string): Key => ({ PK: `PO#${id}`, SK: 'PO' });
export const PURCHASE_ORDER_LIST_PARTITION = 'POS';
export const purchaseOrderListKeys = (createdAt: string, id: string) => ({ GSI1PK: PURCHASE_ORDER_LIST_PARTITION, GSI1SK: `${createdAt}#${id}` });

/** Transfers: one item each, listed like purchase orders through GSI1's `TRANSFERS` partition. */
export const transferKey = (id: string): Key => ({ PK: `TRANSFER#${id}`, SK: 'TRANSFER' });
export const TRANSFER_LIST_PARTITION = 'TRANSFERS';
export const transferListKeys = (createdAt: string, id: string) => ({ GSI1PK: TRANSFER_LIST_PARTITION, GSI1SK: `${createdAt}#${id}` });
