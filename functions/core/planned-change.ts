/**
 * What a command plans to change, for the store to apply atomically: level changes (each with its
 * movement in the ledger and the condition it needs) and record writes. Planning builds these and
 * writes nothing; `runCommand` hands them to the store's commit.
 */
import type { Dict } from './dict';
import type { CartLineRecord, CartRecord, LevelRecord, StoredRecord, VariantRecord } from './records';
import { availableOf, safetyStockAt } from './rules';
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
  /**
   * Required with `expect: exact version 0` (the change creates the level): the safety stock the level starts with (the
   * effective one in the configuration the command read: rules.ts safetyStockAt), and that configuration's version,
   * which the store checks at commit (a level created with a safety stock the configuration no longer has would be
   * missed by the configuration write that changed it). The level's safety stock gets its own `safety_stock` movement.
   */
  initial?: { safetyStock: number; configVersion: number };
  /**
   * What the ledger records for this change when it is not `deltas` (a reconciliation: the level moves to what it should
   * be, and the ledger by what makes its sum agree with it).
   */
  movementDeltas?: Deltas;
  /** Moves available by this much beyond what `deltas` move it by (a reconciliation of available itself). */
  availableAdjust?: number;
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

/** Asserts, inside the transaction, that a variant's configuration is at this version (a later batch of a configuration change). */
export interface VariantConfigCheck {
  op: 'variant-check';
  variantId: string;
  configVersion: number;
  onFail: () => Error;
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
  /** The configVersion and level epoch read; configVersion null when the variant has no item yet. A lost race re-plans. */
  expect: { configVersion: number | null; levelEpoch: number };
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
  /**
   * Also changes the location's figures (its totals move by `deltas`, available by `available`, then are laid out): a
   * safety stock change or a reconciliation at a hot location, recorded by one movement in the ledger's shard 0.
   */
  adjust?: { deltas: Deltas; available: number; movement: MovementInfo; movementDeltas?: Deltas };
}

export type RecordWrite = RecordPutOrDelete | LocationActiveCheck | CartWrite | CartDelete | VariantConfigWrite | VariantConfigCheck | RelayoutWrite;

/**
 * Everything one command changes (levels with their ledger movements, and records), applied by the
 * store as one atomic transaction, or not at all.
 */
export interface PlannedChange {
  levels: LevelChange[];
  records: RecordWrite[];
}

export const key = (variantId: string, locationId: string): string => `${variantId}#${locationId}`;

/** The stored figures a movement moves (available follows them). */
export const DELTA_FIELDS = ['onHand', 'softReserved', 'hardReserved', 'incoming', 'damaged', 'qualityControl', 'safetyStock'] as const;
export type DeltaField = (typeof DELTA_FIELDS)[number];

/**
 * A level moved by deltas: each figure by its delta, available by what those move it by (it is kept, not recomputed, as
 * the store keeps it: by arithmetic), plus `availableAdjust`.
 */
export const applyDeltas = (level: LevelRecord, d: Deltas, availableAdjust = 0): LevelRecord => {
  const next = { ...level };
  for (const f of DELTA_FIELDS) next[f] = level[f] + d[f];
  return { ...next, available: level.available + availableOf(d) + availableAdjust, version: level.version + 1 };
};

export const deltas = (d: Partial<Deltas>): Deltas => ({
  onHand: d.onHand ?? 0,
  softReserved: d.softReserved ?? 0,
  hardReserved: d.hardReserved ?? 0,
  incoming: d.incoming ?? 0,
  damaged: d.damaged ?? 0,
  qualityControl: d.qualityControl ?? 0,
  safetyStock: d.safetyStock ?? 0,
});

export const isZero = (d: Deltas): boolean => DELTA_FIELDS.every((f) => d[f] === 0);

export const toLevels = ({ version: _v, updatedAt: _u, ...levels }: LevelRecord): Levels => levels;

/** How to create a variant's level at a location (it has none): with the safety stock its configuration gives it there. */
export const newLevel = (v: VariantRecord, locationId: string): Pick<LevelChange, 'expect' | 'createsVariant' | 'initial'> => ({
  expect: { kind: 'exact', version: 0 },
  createsVariant: !v.exists,
  initial: { safetyStock: safetyStockAt(v, locationId), configVersion: v.configVersion },
});

/** How to change a level that may not exist yet: created (exactly) if absent, else moved by arithmetic. */
export const levelUpsert = (v: VariantRecord, locationId: string): Pick<LevelChange, 'expect' | 'createsVariant' | 'initial'> =>
  v.levels[locationId] ? { expect: { kind: 'guard', atLeast: {} }, createsVariant: !v.exists } : newLevel(v, locationId);

/** A level as it is created by a change: empty, with its initial safety stock, moved by the change's deltas. */
export const createdLevel = (c: Pick<LevelChange, 'deltas' | 'initial' | 'availableAdjust'>): LevelRecord => {
  const ss = c.initial?.safetyStock ?? 0;
  const start: LevelRecord = { onHand: 0, softReserved: 0, hardReserved: 0, incoming: 0, damaged: 0, qualityControl: 0, safetyStock: ss, available: -ss, version: 0 };
  return applyDeltas(start, c.deltas, c.availableAdjust ?? 0);
};
