/**
 * What a command plans to change, for the store to apply atomically: level changes (each with its
 * movement in the ledger and the condition it needs) and record writes. Planning builds these and
 * writes nothing; `runCommand` hands them to the store's commit.
 */
import type { Dict } from './dict';
import type { CartLineRecord, CartRecord, LevelRecord, StoredRecord, VariantRecord } from './records';
import type { Deltas, Levels, MovementType, VariantConfig } from './schemas';

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

/** Replaces a variant's configuration (its levels are untouched), read-modify-write on its configVersion. */
export interface VariantConfigWrite {
  op: 'variant-config';
  config: VariantConfig;
  /** The configVersion read; null when the variant has no item yet. A lost race re-plans. */
  expect: { configVersion: number | null };
  /** The ledger shards the variant's movements may be in from now on (it never shrinks: see keys.movementPartition). */
  ledgerShards: number;
}

/**
 * Lays a variant-location's stock anew over `to` buckets (core/buckets.ts): turning the flash-sale mode on or off,
 * changing its bucket count, or rebalancing. Every bucket is set to its new figures on the condition that it is as
 * read (`from`, bucket 0 first; empty when the location has no level yet), so the totals cannot change under it.
 */
export interface RelayoutWrite {
  op: 'relayout';
  variantId: string;
  locationId: string;
  from: LevelRecord[];
  to: number;
}

export type RecordWrite = RecordPutOrDelete | LocationActiveCheck | CartWrite | CartDelete | VariantConfigWrite | RelayoutWrite;

/**
 * Everything one command changes (levels with their ledger movements, and records), applied by the
 * store as one atomic transaction, or not at all.
 */
export interface PlannedChange {
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

/** How to change a level that may not exist yet: created (exactly) if absent, else moved by arithmetic. */
export const levelUpsert = (v: VariantRecord, locationId: string): { expect: LevelExpectation; createsVariant: boolean } => ({
  expect: v.levels[locationId] ? { kind: 'guard', atLeast: {} } : { kind: 'exact', version: 0 },
  createsVariant: !v.exists,
});
