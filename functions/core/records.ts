/**
 * The domain's records, as the core sees them. The DynamoDB adapter (functions/dynamodb) turns them
 * into items and back; nothing here knows about keys or expressions.
 */
import { dict, type Dict } from './dict';
import type { Levels, Location, VariantConfig, CheckoutResponse } from './schemas';

/** One location's figures for one variant, with a counter that moves on every change to them. */
export interface LevelRecord extends Levels {
  version: number;
  /** When the last change to these figures was committed. */
  updatedAt?: string;
}

/** A variant: its configuration and its levels at every location that ever held it. */
export interface VariantRecord extends VariantConfig {
  /** false when no item exists yet: a variant never configured behaves as `deny` with no threshold. */
  exists: boolean;
  /** Moves on every configuration write (not on level changes): PUT /variants is read-modify-write. */
  configVersion: number;
  /** When the configuration was last written. */
  configUpdatedAt?: string;
  levels: Dict<LevelRecord>;
  /**
   * At each hot location read (core/buckets.ts), its buckets' own figures, bucket 0 first; `levels` holds their sums.
   * What a change that sets every bucket anew (a relayout) is conditioned on.
   */
  buckets: Dict<LevelRecord[]>;
  /** How many ledger partitions the variant's movements may be in: the most buckets any of its locations ever had (1 if none). */
  ledgerShards: number;
  /** Expected arrival dates of open purchase orders that bring this variant, by purchase order id. */
  incomingEtas: Dict<string>;
}

export const emptyLevels = (): LevelRecord => ({
  onHand: 0,
  softReserved: 0,
  hardReserved: 0,
  incoming: 0,
  available: 0,
  version: 0,
});

export const defaultConfig = (variantId: string): VariantConfig => ({
  variantId,
  backorderPolicy: 'deny',
  expectedAvailabilityDate: null,
  lowStockThreshold: null,
  locationThresholds: dict(),
  hotLocations: dict(),
});

/** One cart line: how many units of a variant the cart holds, and where. */
export interface CartLineRecord {
  quantity: number;
  /** Of `quantity`, how many were not in stock when held (allow/preorder policies). */
  backordered: number;
  /** Units per location; their sum is `quantity`. */
  allocations: Dict<{ quantity: number; backordered: number }>;
  /** true once the line's hold lapsed and was released: it no longer counts in softReserved. */
  expired: boolean;
  updatedAt: string;
}

/**
 * A cart: its soft reservations, one line per variant, in one item. The hold period belongs to the
 * cart: every change restarts it for all the cart's live lines, and the sweeper releases them together.
 */
export interface CartRecord {
  entity: 'Cart';
  cartId: string;
  lines: Dict<CartLineRecord>;
  /** When the live lines lapse; null when the cart holds nothing live. */
  expiresAt: string | null;
  /**
   * Names the cart's current hold period: a release by TTL writes a marker keyed by it, so a
   * duplicate stream delivery releases nothing twice. A new one is drawn when a cart with no live
   * lines gets one.
   */
  holdId: string;
  updatedAt: string;
  /**
   * What every conditional write of the cart is guarded on: a new random value on every write, so it never
   * repeats, not even after the cart is deleted and re-created under the same id (a counter would start
   * again at 1, and a plan made against the old cart would pass its guard against the new one).
   */
  revision: string;
}

/** Marks that the hold placement `holdId` was released by expiry, so a duplicate delivery does nothing. */
export interface HoldReleaseRecord {
  entity: 'HoldRelease';
  holdId: string;
  releasedAt: string;
  by: 'sweeper' | 'ttl' | 'reclaim';
  version: number;
}

export interface IdempotencyRecord {
  entity: 'Idempotency';
  key: string;
  fingerprint: string;
  statusCode: number;
  body: unknown;
  createdAt: string;
  version: number;
}

/** A request an id names once (a fulfilment, a receipt): the id and a fingerprint of its lines. */
export interface RecordedRequest {
  id: string;
  fingerprint: string;
}

export interface OrderLineRecord {
  variantId: string;
  locationId: string;
  reserved: number;
  fulfilled: number;
  cancelled: number;
  backordered: number;
}

export interface OrderRecord {
  entity: 'Order';
  orderId: string;
  cartId: string;
  createdAt: string;
  /** Keyed `${variantId}#${locationId}`. */
  lines: Dict<OrderLineRecord>;
  checkout: CheckoutResponse;
  /** Each fulfilment recorded, with what it shipped (so a reused fulfillmentId with other lines is refused). */
  fulfillments: RecordedRequest[];
  version: number;
}

export interface LocationRecord extends Location {
  entity: 'Location';
  version: number;
}

/**
 * Which alert, if any, is open for a variant at a location, and the newest change it has judged: transitions are
 * conditioned on it, so each happens once, and a change older than one already judged (a redelivered stream
 * record) is ignored.
 */
export interface AlertStateRecord {
  entity: 'AlertState';
  variantId: string;
  locationId: string;
  openAlertId: string | null;
  /** The level's version and the configuration's version of the newest change judged. */
  seenLevelVersion: number;
  seenConfigVersion: number;
  version: number;
}

/** One low-stock episode: opened when available fell below the threshold, cleared when it rose back. */
export interface AlertRecord {
  entity: 'Alert';
  alertId: string;
  variantId: string;
  locationId: string;
  status: 'open' | 'cleared';
  /** Available and threshold at the last transition. */
  available: number;
  threshold: number;
  openedAt: string;
  clearedAt: string | null;
  version: number;
}

export type PurchaseOrderStatus = 'open' | 'partially_received' | 'received' | 'cancelled';

export interface PurchaseOrderRecord {
  entity: 'PurchaseOrder';
  purchaseOrderId: string;
  supplier: string;
  locationId: string;
  expectedAt: string | null;
  status: PurchaseOrderStatus;
  /** By variant id. */
  lines: Dict<{ ordered: number; received: number }>;
  /** Each receipt recorded, with what it brought (so a reused receiptId with other lines is refused). */
  receipts: RecordedRequest[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

export type TransferStatus = 'pending' | 'completed' | 'cancelled';

export interface TransferRecord {
  entity: 'Transfer';
  transferId: string;
  fromLocationId: string;
  toLocationId: string;
  lines: { variantId: string; quantity: number }[];
  status: TransferStatus;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** A sales channel (web, app, a marketplace): the locations it sells from. */
export interface ChannelRecord {
  entity: 'Channel';
  channelId: string;
  name: string;
  locationIds: string[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

/**
 * Which of a variant's scopes are in stock, as the stream has judged them (core/commands/catalog-events.ts): each
 * location's (with the level version of its last transition, so an older record is ignored), and over all active
 * locations and each channel's. Written only on a transition, with the events it causes.
 */
export interface StockStateRecord {
  entity: 'StockState';
  variantId: string;
  /** By location: in stock (available > 0) or not, as of the level version `v`. */
  locations: Dict<{ inStock: boolean; v: number }>;
  /** Over all active locations. */
  all: boolean;
  /** By channel, over its active locations. */
  channels: Dict<boolean>;
  version: number;
}

/** One catalog event, written with the transition it reports; its stream record publishes it (an outbox). */
export interface StockEventRecord {
  entity: 'StockEvent';
  eventId: string;
  detailType: 'VariantOutOfStock' | 'VariantBackInStock';
  variantId: string;
  scope: 'location' | 'channel' | 'all';
  locationId?: string;
  channelId?: string;
  available: number;
  at: string;
  version: number;
}

/** Marks that a variant is in stock at a location (an index: the variants a location's change of scope can affect). */
export interface InStockRecord {
  entity: 'InStock';
  variantId: string;
  locationId: string;
  version: number;
}

export type StoredRecord =
  | PurchaseOrderRecord
  | TransferRecord
  | HoldReleaseRecord
  | IdempotencyRecord
  | OrderRecord
  | LocationRecord
  | AlertStateRecord
  | AlertRecord
  | ChannelRecord
  | StockStateRecord
  | StockEventRecord
  | InStockRecord;
