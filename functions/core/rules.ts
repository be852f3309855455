/**
 * The business rules that commands and reads share, each in one place: whether a line's hold lapsed and
 * how long a cart is kept, what a shopper is told of a variant (purchasable, expected date), when a level
 * is low, and when a request id repeats a request or reuses its id for another.
 */
import { createHash } from 'node:crypto';
import type { Deps } from './deps';
import { DomainError } from './errors';
import type { CartLineRecord, RecordedRequest, VariantRecord } from './records';
import type { VariantConfig } from './schemas';

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

/** True when a cart line's hold has lapsed (the cart's hold ends at `expiresAt`), whether or not the sweeper has released it yet. */
export const lineExpired = (expiresAt: string | null, line: CartLineRecord, now: Date): boolean =>
  line.expired || (expiresAt !== null && Date.parse(expiresAt) <= now.getTime());

export const DEFAULT_CART_RETENTION_SECONDS = 86_400;

/**
 * Until when a cart is kept: its retention period after its hold lapses (or after now, when nothing in it is
 * live). DynamoDB's TTL deletes it only after that, so what a shopper can check out never depends on which
 * path released a lapsed hold, nor on when TTL gets round to it.
 */
export const keepUntil = (deps: Deps, expiresAt: string | null, now: Date): string =>
  new Date((expiresAt ? Date.parse(expiresAt) : now.getTime()) + (deps.cartRetentionSeconds ?? DEFAULT_CART_RETENTION_SECONDS) * 1000).toISOString();

/**
 * The date a shopper is shown, only for preorder: the configured date, else the earliest expected
 * date of the open purchase orders that bring the variant.
 */
export const expectedDateOf = (v: VariantRecord): string | null => {
  if (v.backorderPolicy !== 'preorder') return null;
  if (v.expectedAvailabilityDate) return v.expectedAvailabilityDate;
  const dates = Object.values(v.incomingEtas).sort();
  return dates[0] ?? null;
};

export const isPurchasable = (v: VariantRecord, available: number): boolean =>
  available > 0 || v.backorderPolicy !== 'deny';

/** A location's threshold: its override, else the variant's, else none. */
export const thresholdAt = (config: VariantConfig, locationId: string): number | null =>
  config.locationThresholds[locationId] ?? config.lowStockThreshold ?? null;

export const isLow = (available: number, threshold: number | null): boolean =>
  threshold !== null && available < threshold;

/**
 * A location's safety stock: its override, else the variant's, else none (0).
 *
 * How it reaches a hold's condition: the level item of each variant-location stores its safety stock (`ss`) and keeps it
 * out of `av` (available = onHand − softReserved − hardReserved − damaged − qualityControl − safetyStock), so a hold is
 * still the one condition `av >= q` on the one item it writes, with no read of the configuration on the fast path. The
 * price is paid when the safety stock changes, which is rare: PUT /variants rewrites the level of every location whose
 * safety stock changes (ss and av by arithmetic, a `safety_stock` movement each; a hot location through a relayout), in
 * the same transaction as the configuration as far as one transaction goes (about 45 locations), the rest in further
 * transactions of that size, each atomic and conditioned on the configuration being unchanged (commands/variants.ts).
 * The other ways were worse: reading the configuration in every hold's transaction (a ConditionCheck cannot add it to
 * the guard, and a read before it races the change anyway) or a per-hold read (one more round trip and read unit on
 * the hottest path). A level created later starts with the safety stock of the configuration its command read, and its
 * creation is conditioned on that configuration's version, while the configuration write is conditioned on the
 * variant's level epoch (VariantRecord.levelEpoch): neither can miss the other. The audit checks every level's safety
 * stock against the configuration, and its repair brings a stray one back.
 */
export const safetyStockAt = (config: VariantConfig, locationId: string): number =>
  config.locationSafetyStock[locationId] ?? config.safetyStock ?? 0;

/** Available from the stored figures: what the level item's `av` is kept equal to. */
export const availableOf = (l: { onHand: number; softReserved: number; hardReserved: number; damaged: number; qualityControl: number; safetyStock: number }): number =>
  l.onHand - l.softReserved - l.hardReserved - l.damaged - l.qualityControl - l.safetyStock;
