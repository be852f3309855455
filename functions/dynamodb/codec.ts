/**
 * Item shapes: how the domain's records are stored and read back. Every item carries the schema version
 * it was written with (`sv`), so that a later change of shape can migrate what is stored. Level figures are
 * stored under short names (oh, sr, hr, in, av, v): a level item is written on every hold, and DynamoDB
 * bills a write by the item's size in 1 KB steps.
 */
import { dict, type Dict } from '../core/dict';
import type { Movement } from '../core/schemas';
import * as keys from './keys';
import { INDEXES, TABLE } from './table-schema';
import { defaultConfig } from '../core/records';
import { sumBuckets } from '../core/buckets';
import type { CartLineRecord, CartRecord, LevelRecord, StoredRecord, VariantRecord } from '../core/records';

/** The shape items are written in; a reader meets no other yet (nothing was deployed before it). */
export const SCHEMA_VERSION = 1;
export const SCHEMA_ATTRIBUTE = 'sv';

export interface StoredLevel {
  oh: number;
  sr: number;
  hr: number;
  in: number;
  av: number;
  v: number;
  at?: string;
}

export const encodeLevel = (l: LevelRecord): StoredLevel => ({
  oh: l.onHand,
  sr: l.softReserved,
  hr: l.hardReserved,
  in: l.incoming,
  av: l.available,
  v: l.version,
  ...(l.updatedAt ? { at: l.updatedAt } : {}),
});

export const decodeLevel = (s: StoredLevel): LevelRecord => ({
  onHand: s.oh,
  softReserved: s.sr,
  hardReserved: s.hr,
  incoming: s.in,
  available: s.av,
  version: s.v,
  ...(s.at ? { updatedAt: s.at } : {}),
});

/** The short stored name of each level figure. */
export const LEVEL_FIELD = {
  onHand: 'oh',
  softReserved: 'sr',
  hardReserved: 'hr',
  incoming: 'in',
  available: 'av',
} as const;

export type Item = Record<string, unknown>;

/**
 * The name an id is stored under as a map key: prefixed, so that no stored key is ever an Object.prototype
 * name. The SDK's marshall drops an own `__proto__` key, takes a map with an own `constructor` key for a
 * class instance and refuses it, and its unmarshall turns a `__proto__` key into the object's prototype.
 */
export const storedId = (id: string): string => `@${id}`;
const idOf = (stored: string): string => stored.slice(1);

/** A Dict as a plain map the SDK can marshall (values mapped by `f`). */
export const encodeDict = <T, U = T>(d: Dict<T>, f: (v: T) => U = (v) => v as unknown as U): Record<string, U> =>
  Object.fromEntries(Object.entries(d).map(([k, v]) => [storedId(k), f(v)]));

/** A stored map back to a Dict (values mapped by `f`). */
export const decodeDict = <T, U = T>(m: unknown, f: (v: T) => U = (v) => v as unknown as U): Dict<U> =>
  dict(Object.entries((m ?? {}) as Record<string, T>).map(([k, v]) => [idOf(k), f(v)]));

/**
 * A variant from its configuration item (undefined: never configured, so `deny` and no threshold) and
 * its level items, as a Query of its partition or a BatchGetItem returns them.
 */
export const decodeVariant = (variantId: string, item: Item | undefined, levelItems: Item[] = []): VariantRecord => {
  // A hot location's buckets come as several level items (bucket 0 first once sorted): its level is their sum.
  const byLocation = new Map<string, Item[]>();
  for (const l of levelItems) byLocation.set(l.locationId as string, [...(byLocation.get(l.locationId as string) ?? []), l]);
  const levels = dict<LevelRecord>();
  const buckets = dict<LevelRecord[]>();
  for (const [loc, items] of byLocation) {
    const sorted = items.sort((a, b) => bucketOf(a) - bucketOf(b)).map((l) => decodeLevel(l as unknown as StoredLevel));
    if (items.length > 1 || (items[0].nb as number) > 1) buckets[loc] = sorted;
    levels[loc] = sorted.length === 1 ? sorted[0] : sumBuckets(sorted);
  }
  if (!item) return { ...defaultConfig(variantId), exists: false, configVersion: 0, levels, buckets, ledgerShards: 1, incomingEtas: dict() };
  return {
    variantId,
    backorderPolicy: (item.backorderPolicy as VariantRecord['backorderPolicy']) ?? 'deny',
    expectedAvailabilityDate: (item.expectedAvailabilityDate as string | null) ?? null,
    lowStockThreshold: (item.lowStockThreshold as number | null) ?? null,
    locationThresholds: decodeDict<number>(item.locationThresholds),
    hotLocations: decodeDict<number>(item.hot),
    exists: true,
    configVersion: (item.configVersion as number) ?? 0,
    ...(item.configUpdatedAt ? { configUpdatedAt: item.configUpdatedAt as string } : {}),
    levels,
    buckets,
    ledgerShards: (item.ledgerShards as number) ?? 1,
    incomingEtas: decodeDict<string>(item.eta),
  };
};

/** Which bucket of its location a level item is (0: the level item itself, or a location that is not hot). */
export const bucketOf = (item: Item): number => (item.bucket as number) ?? 0;

/**
 * A level item: one variant at one location, or one bucket of a hot location (`bucket`, and `nb`: how many buckets
 * the location has, on each of them, so that a reader of any one knows it is not the whole).
 */
export const levelItem = (variantId: string, locationId: string, level: LevelRecord, bucket = 0, buckets = 1): Item => ({
  ...keys.bucketKey(variantId, locationId, bucket),
  entity: 'Level',
  [SCHEMA_ATTRIBUTE]: SCHEMA_VERSION,
  variantId,
  locationId,
  ...(bucket > 0 ? { bucket } : {}),
  ...(buckets > 1 ? { nb: buckets } : {}),
  ...encodeLevel(level),
});

export const isLevelItem = (item: Item): boolean => item.entity === 'Level';

/** A new variant's configuration item: the default configuration, and the expected dates of purchase orders by id. */
export const newVariantItem = (variantId: string, etas: Dict<string>): Item => {
  const config = defaultConfig(variantId);
  return {
    ...keys.variantKey(variantId),
    ...keys.variantListKeys(variantId),
    entity: 'Variant',
    [SCHEMA_ATTRIBUTE]: SCHEMA_VERSION,
    ...config,
    locationThresholds: encodeDict(config.locationThresholds),
    hot: {},
    configVersion: 0,
    eta: encodeDict(etas),
  };
};

/** A movement, in the ledger shard of the bucket its change was applied to (keys.ts). */
export const encodeMovement = (m: Movement, shard = 0): Item => ({
  ...keys.movementKey(m.variantId, m.at, m.movementId, shard),
  entity: 'Movement',
  [SCHEMA_ATTRIBUTE]: SCHEMA_VERSION,
  ...m,
});

export const decodeMovement = (item: Item): Movement => ({
  movementId: item.movementId as string,
  at: item.at as string,
  type: item.type as Movement['type'],
  variantId: item.variantId as string,
  locationId: item.locationId as string,
  deltas: item.deltas as Movement['deltas'],
  reference: item.reference as string,
  reason: item.reason as string,
  ...(item.note ? { note: item.note as string } : {}),
});

const epochSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);
const DAY = 86_400;


/** Keys, index keys and TTL of a stored record. */
export const recordKeys = (r: StoredRecord): Item => {
  switch (r.entity) {
    case 'HoldRelease':
      return { ...keys.holdReleaseKey(r.holdId), [TABLE.ttlAttribute]: epochSeconds(r.releasedAt) + 7 * DAY };
    case 'Idempotency':
      return { ...keys.idempotencyKey(r.key), [TABLE.ttlAttribute]: epochSeconds(r.createdAt) + DAY };
    case 'Order':
      return keys.orderKey(r.orderId);
    case 'Location':
      return { ...keys.locationKey(r.locationId), ...keys.locationListKeys(r.locationId) };
    case 'PurchaseOrder':
      return { ...keys.purchaseOrderKey(r.purchaseOrderId), ...keys.purchaseOrderListKeys(r.createdAt, r.purchaseOrderId) };
    case 'Transfer':
      return { ...keys.transferKey(r.transferId), ...keys.transferListKeys(r.createdAt, r.transferId) };
    case 'AlertState':
      return keys.alertStateKey(r.variantId, r.locationId);
    case 'Alert':
      return { ...keys.alertKey(r.alertId), ...keys.alertListKeys(r.status, r.locationId, r.openedAt, r.alertId) };
    case 'Channel':
      return { ...keys.channelKey(r.channelId), ...keys.channelListKeys(r.channelId) };
    case 'StockState':
      return keys.stockStateKey(r.variantId);
    case 'StockEvent':
      return { ...keys.stockEventKey(r.eventId), [TABLE.ttlAttribute]: epochSeconds(r.at) + 7 * DAY };
    case 'InStock':
      return keys.inStockKey(r.locationId, r.variantId);
  }
};

const STRIP = new Set<string>([
  TABLE.partitionKey,
  TABLE.sortKey,
  TABLE.ttlAttribute,
  SCHEMA_ATTRIBUTE,
  ...INDEXES.flatMap((i) => [i.partitionKey, i.sortKey]),
]);

/** A record's attributes as stored (without its keys): maps keyed by ids made storable; an idempotent response kept as JSON. */
export const encodeRecord = (r: StoredRecord): Item => {
  switch (r.entity) {
    case 'PurchaseOrder':
    case 'Order':
      return { ...r, lines: encodeDict<unknown>(r.lines) };
    case 'StockState':
      return { ...r, locations: encodeDict(r.locations), channels: encodeDict(r.channels) };
    case 'Idempotency': {
      // The response is opaque to the store: kept as its JSON text, exactly as it was sent.
      const { body, ...rest } = r;
      return { ...rest, body: JSON.stringify(body) };
    }
    default:
      return { ...r };
  }
};

/** A stored item back to its record: the item minus its keys, its maps keyed by ids as Dicts. */
export const decodeRecord = <T extends StoredRecord>(item: Item | undefined): T | undefined => {
  if (!item) return undefined;
  const r = Object.fromEntries(Object.entries(item).filter(([k]) => !STRIP.has(k))) as unknown as StoredRecord;
  switch (r.entity) {
    case 'PurchaseOrder':
    case 'Order':
      return { ...r, lines: decodeDict(r.lines) } as T;
    case 'StockState':
      return { ...r, locations: decodeDict(r.locations), channels: decodeDict(r.channels) } as T;
    case 'Idempotency':
      return { ...r, body: typeof r.body === 'string' ? JSON.parse(r.body) : r.body } as T;
    default:
      return r as T;
  }
};


/** A cart line's attribute name on the cart item. */
export const cartLineAttribute = (variantId: string): string => `L#${variantId}`;
const LINE_PREFIX = 'L#';

/** A cart line as stored: its allocations keyed by storable location ids. */
export const encodeCartLine = (line: CartLineRecord): Item => ({ ...line, allocations: encodeDict(line.allocations) });
const decodeCartLine = (stored: Item): CartLineRecord => ({ ...(stored as unknown as CartLineRecord), allocations: decodeDict(stored.allocations) });

export const decodeCart = (item: Item): CartRecord => ({
  entity: 'Cart',
  cartId: item.cartId as string,
  lines: dict(
    Object.entries(item)
      .filter(([k]) => k.startsWith(LINE_PREFIX))
      .map(([k, v]) => [k.slice(LINE_PREFIX.length), decodeCartLine(v as Item)]),
  ),
  expiresAt: (item.expiresAt as string | null) ?? null,
  holdId: (item.holdId as string) ?? '',
  updatedAt: item.updatedAt as string,
  revision: (item.revision as string) ?? '',
});
