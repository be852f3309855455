/**
 * The domain's records, as the core sees them. The DynamoDB adapter (functions/dynamodb) turns them
 * into items and back; nothing here knows about keys or expressions.
 */
import { createHash } from 'node:crypto';
import { dict, type Dict } from './dict';
import { DomainError } from './errors';
import type { Deltas, Levels, Location, MovementType, VariantConfig, CheckoutResponse } from './schemas';

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

/**
 * The fingerprint of a request's lines, independent of their order (and of how a quantity is split over
 * repeated lines): the same lines give the same fingerprint.
 */
export function linesFingerprint(lines: { variantId: string; locationId?: string; quantity: number }[]): string {
  const sums = new Map<string, number>();
  for (const l of lines) {
    const k = `${l.variantId}#${l.locationId ?? ''}`;
    sums.set(k, (sums.get(k) ?? 0) + l.quantity);
  }
  const canonical = [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/**
 * Whether a request with this id was recorded: undefined if not, true if with the same lines; a request
 * that reuses the id with other lines is refused (422 idempotency_key_reused), as a reused Idempotency-Key is.
 */
export function alreadyRecorded(recorded: RecordedRequest[], id: string, fingerprint: string, what: string): boolean {
  const found = recorded.find((r) => r.id === id);
  if (!found) return false;
  if (found.fingerprint !== fingerprint) throw new DomainError('idempotency_key_reused', `${what} ${id} was already recorded with other lines.`);
  return true;
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

export type StoredRecord = PurchaseOrderRecord | TransferRecord | HoldReleaseRecord | IdempotencyRecord | OrderRecord | LocationRecord | AlertStateRecord | AlertRecord;

export interface MovementInfo {
  type: MovementType;
  reference: string;
  reason: string;
  note?: string;
}

/**
 * What must hold of a level before a change applies, checked atomically by the store.
 * - `exact`: the level is at `version` (read-modify-write); `version: 0` means it does not exist yet.
 * - `guard`: the level exists, each figure in `atLeast` is at least the given value and each in `equals`
 *   is exactly it; used where a change must not race unrelated ones (a cart hold needs
 *   `available >= quantity`, whatever else moved; setting on-hand to a count needs on-hand unchanged,
 *   not the holds).
 */
export type LevelExpectation =
  | { kind: 'exact'; version: number }
  | { kind: 'guard'; atLeast: Partial<Record<keyof Levels, number>>; equals?: Partial<Record<keyof Levels, number>> };

export interface LevelChange {
  variantId: string;
  locationId: string;
  deltas: Deltas;
  expect: LevelExpectation;
  movement: MovementInfo;
  /** Also require that the variant's policy, as it is at commit, allows backorders. */
  requireBackorderPolicy?: boolean;
  /** Records (a date) or forgets (null) a purchase order's expected arrival on the variant's item. */
  eta?: { purchaseOrderId: string; expectedAt: string | null };
  /** True when the variant has no item yet (as read by the command): the store creates it. */
  createsVariant?: boolean;
  /** The error to throw when `expect` does not hold, given the level as it was (undefined if absent). */
  onFail: (current: LevelRecord | undefined) => Error;
}

export type RecordExpectation = 'absent' | 'exists' | { version: number } | { equals: Record<string, string | number | boolean> };

interface RecordWriteBase {
  /**
   * The error to throw when the expectation does not hold, given the record as it was.
   * @default a ConcurrentChangeError: the record moved on since the command read it, so runCommand reads again and re-plans.
   */
  onFail?: (current: StoredRecord | undefined) => Error;
}

/** A whole-record put or delete, conditioned on the record's state. */
export interface RecordPutOrDelete extends RecordWriteBase {
  op: 'put' | 'delete';
  record: StoredRecord;
  expect?: RecordExpectation;
}

/** Asserts, inside the transaction, that a location exists and sells. */
export interface LocationActiveCheck {
  op: 'location-active';
  locationId: string;
  /** Given whether the location exists at all (it is inactive if it does). */
  onFail: (exists: boolean) => Error;
}

/**
 * Changes some lines of a cart in place. A cart's lines are separate attributes of its item, so adding
 * a line needs no read: `attribute_not_exists(line)` proves the line is new, even when the cart is.
 */
export interface CartWrite {
  op: 'cart';
  cartId: string;
  set: Dict<CartLineRecord>;
  remove: string[];
  /** When the cart's live lines lapse; null when it has none left (it leaves the sweeper's index). */
  expiresAt: string | null;
  /** Until when the cart must be kept (DynamoDB's TTL may delete it after). */
  keepUntil: string;
  /** Drawn for a cart that has no hold period yet (see CartRecord.holdId). */
  newHoldId: string;
  /** Either the line is new (the cart may be too), or the cart is as read (its revision), with `lineCount` lines after. */
  expect: { lineAbsent: string; maxLines: number } | { revision: string; lineCount: number };
  onFail: (current: CartRecord | undefined) => Error;
}

export interface CartDelete {
  op: 'cart-delete';
  cartId: string;
  expect: { revision: string };
  onFail: (current: CartRecord | undefined) => Error;
}

export type RecordWrite = RecordPutOrDelete | LocationActiveCheck | CartWrite | CartDelete;

/** Everything one command changes, applied by the store as one atomic transaction, or not at all. */
export interface StockChange {
  levels: LevelChange[];
  records: RecordWrite[];
}

export const key = (variantId: string, locationId: string): string => `${variantId}#${locationId}`;

export const applyDeltas = (level: LevelRecord, d: Deltas): LevelRecord => {
  const onHand = level.onHand + d.onHand;
  const softReserved = level.softReserved + d.softReserved;
  const hardReserved = level.hardReserved + d.hardReserved;
  return {
    onHand,
    softReserved,
    hardReserved,
    incoming: level.incoming + d.incoming,
    available: onHand - softReserved - hardReserved,
    version: level.version + 1,
  };
};

export const deltas = (d: Partial<Deltas>): Deltas => ({
  onHand: d.onHand ?? 0,
  softReserved: d.softReserved ?? 0,
  hardReserved: d.hardReserved ?? 0,
  incoming: d.incoming ?? 0,
});

export const toLevels = ({ version: _v, updatedAt: _u, ...levels }: LevelRecord): Levels => levels;
