/**
 * Item shapes: how the domain's records are stored and read back. Level figures are stored under
 * short names (oh, sr, hr, in, av, v) because a variant's item carries one entry per location and
 * DynamoDB bills writes by item size in 1 KB steps: short names keep a ten-location variant under 1 KB.
 */
import type { CartLineRecord, CartRecord, LevelRecord, StoredRecord, VariantRecord } from '../core/model';
import { defaultConfig } from '../core/model';
import type { Movement } from '../core/schemas';
import * as keys from './keys';
import { INDEXES, TABLE } from './table-schema';

export interface StoredLevel {
  oh: number;
  sr: number;
  hr: number;
  in: number;
  av: number;
  v: number;
}

export const encodeLevel = (l: LevelRecord): StoredLevel => ({
  oh: l.onHand,
  sr: l.softReserved,
  hr: l.hardReserved,
  in: l.incoming,
  av: l.available,
  v: l.version,
});

export const decodeLevel = (s: StoredLevel): LevelRecord => ({
  onHand: s.oh,
  softReserved: s.sr,
  hardReserved: s.hr,
  incoming: s.in,
  available: s.av,
  version: s.v,
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

export const decodeVariant = (variantId: string, item: Item | undefined): VariantRecord => {
  if (!item) return { ...defaultConfig(variantId), exists: false, configVersion: 0, levels: {}, incomingEtas: {} };
  const stored = (item.lv ?? {}) as Record<string, StoredLevel>;
  return {
    variantId,
    backorderPolicy: (item.backorderPolicy as VariantRecord['backorderPolicy']) ?? 'deny',
    expectedAvailabilityDate: (item.expectedAvailabilityDate as string | null) ?? null,
    lowStockThreshold: (item.lowStockThreshold as number | null) ?? null,
    locationThresholds: (item.locationThresholds as Record<string, number>) ?? {},
    exists: true,
    configVersion: (item.configVersion as number) ?? 0,
    levels: Object.fromEntries(Object.entries(stored).map(([loc, s]) => [loc, decodeLevel(s)])),
    incomingEtas: (item.eta as Record<string, string>) ?? {},
  };
};

/** A new variant item: default configuration and the given levels. */
export const newVariantItem = (variantId: string, levels: Record<string, StoredLevel>): Item => ({
  ...keys.variantKey(variantId),
  ...keys.variantListKeys(variantId),
  entity: 'Variant',
  ...defaultConfig(variantId),
  configVersion: 0,
  lv: levels,
  eta: {},
});

export const encodeMovement = (m: Movement): Item => ({
  ...keys.movementKey(m.variantId, m.at, m.movementId),
  entity: 'Movement',
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
      return { ...keys.alertKey(r.alertId), ...keys.alertListKeys(r.status, r.locationId, r.openedAt, r.variantId) };
  }
};

const STRIP = new Set<string>([
  TABLE.partitionKey,
  TABLE.sortKey,
  TABLE.ttlAttribute,
  ...INDEXES.flatMap((i) => [i.partitionKey, i.sortKey]),
]);

/** A stored item back to its record: the item minus its keys. */
export const decodeRecord = <T extends StoredRecord>(item: Item | undefined): T | undefined => {
  if (!item) return undefined;
  return Object.fromEntries(Object.entries(item).filter(([k]) => !STRIP.has(k))) as unknown as T;
};

export const encodeCursor = (lastKey: Item | undefined): string | null =>
  lastKey ? Buffer.from(JSON.stringify(lastKey)).toString('base64url') : null;

/** A cart line's attribute name on the cart item. */
export const cartLineAttribute = (variantId: string): string => `L#${variantId}`;
const LINE_PREFIX = 'L#';

export const decodeCart = (item: Item): CartRecord => ({
  entity: 'Cart',
  cartId: item.cartId as string,
  lines: Object.fromEntries(
    Object.entries(item)
      .filter(([k]) => k.startsWith(LINE_PREFIX))
      .map(([k, v]) => [k.slice(LINE_PREFIX.length), v as CartLineRecord]),
  ),
  expiresAt: (item.expiresAt as string | null) ?? null,
  holdId: (item.holdId as string) ?? '',
  updatedAt: item.updatedAt as string,
  revision: (item.revision as string) ?? '',
});
