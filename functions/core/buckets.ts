/**
 * Hot locations (flash-sale mode): a variant-location's stock split over N buckets, each a full level of its own
 * (on-hand, holds, reservations, incoming, available) stored in its own partition, so that holds at one location
 * can go past one item's write limit. The location's figures are the sums of its buckets', and its version is the
 * sum of theirs (each only grows, so the sum does too: what orders its changes for the alerts).
 *
 * The rules, all pure, here; the DynamoDB adapter stores the buckets and applies what these decide:
 *  - placement: a change at a hot location goes to one bucket, or is split over several when no single bucket has
 *    enough of the figure its guard needs; a bucket's guard keeps that bucket's figure from going below zero, so
 *    the location's never does (never oversold);
 *  - relayout: turning the mode on or off, changing N, or rebalancing sets every bucket's figures anew, keeping the
 *    location's totals exactly (no unit lost or made), with available spread evenly.
 * A hold is refused only on the location's total (the adapter reads every bucket before it lets a bucket's failed
 * guard stand for the location's), never because one bucket ran dry.
 */
import type { Deltas, Levels } from './schemas';
import { emptyLevels, type LevelRecord } from './records';
import { DELTA_FIELDS, deltas as deltasOf } from './planned-change';

export const MIN_BUCKETS = 2;
export const MAX_BUCKETS = 32;

type Field = keyof Levels;
/** The figures that stay in their bucket through a relayout (available is spread, on-hand follows). */
const KEPT_FIELDS = ['softReserved', 'hardReserved', 'incoming', 'damaged', 'qualityControl', 'safetyStock'] as const;

/** A location's figures: the sums of its buckets' (and of their versions). */
export function sumBuckets(buckets: readonly LevelRecord[]): LevelRecord {
  const total = emptyLevels();
  let updatedAt: string | undefined;
  for (const b of buckets) {
    for (const f of DELTA_FIELDS) total[f] += b[f];
    total.available += b.available;
    total.version += b.version;
    if (b.updatedAt && (!updatedAt || b.updatedAt > updatedAt)) updatedAt = b.updatedAt;
  }
  return updatedAt ? { ...total, updatedAt } : total;
}

/**
 * The figures of each of `to` buckets that replace `buckets` (the location's current ones, bucket 0 first): holds,
 * reservations, incoming and the unsellable figures (damaged, quality control, safety stock) stay in their bucket (a
 * merged bucket's go to bucket `i mod to`), available is spread evenly (a negative total, from backorders or a safety
 * stock larger than the sellable units, stays in bucket 0), and on-hand follows (on-hand = available + the others).
 * Totals are unchanged, unless `adjust` moves them: its figures' deltas are taken from the buckets that have the most of
 * the figure (a rise goes to bucket 0), and available moves by `adjust.available`. Every bucket's version grows by one,
 * and bucket 0's also by the versions of the buckets merged away, so the location's version (their sum) grows.
 */
export function relayout(buckets: readonly LevelRecord[], to: number, adjust?: { deltas: Deltas; available: number }): LevelRecord[] {
  if (buckets.length === 0) throw new Error('relayout needs bucket 0');
  const total = sumBuckets(buckets);
  const out: LevelRecord[] = Array.from({ length: to }, (_, i) => ({ ...emptyLevels(), version: (buckets[i]?.version ?? 0) + 1 }));
  buckets.forEach((b, i) => {
    const target = out[i % to];
    for (const f of KEPT_FIELDS) target[f] += b[f];
    if (i >= to) out[0].version += b.version;
  });
  let available = total.available;
  if (adjust) {
    available += adjust.available;
    for (const f of KEPT_FIELDS) {
      let d = adjust.deltas[f];
      if (d > 0) out[0][f] += d;
      // A fall is taken from the buckets with the most first, so that no bucket goes below zero while another has some.
      for (const b of [...out].sort((x, y) => y[f] - x[f])) {
        if (d >= 0) break;
        const take = Math.min(-d, Math.max(0, b[f]));
        b[f] -= take;
        d += take;
      }
      if (d < 0) out[0][f] += d;
    }
  }
  const share = available >= 0 ? Math.floor(available / to) : 0;
  const extra = available >= 0 ? available - share * to : 0;
  out.forEach((b, i) => {
    b.available = available >= 0 ? share + (i < extra ? 1 : 0) : i === 0 ? available : 0;
    b.onHand = b.available + b.softReserved + b.hardReserved + b.damaged + b.qualityControl + b.safetyStock;
  });
  return out;
}

/** One bucket's part of a change at a hot location. */
export interface BucketPart {
  bucket: number;
  deltas: Deltas;
  /** The guard this part's bucket must meet (the change's guard, scaled to the part). */
  atLeast: Partial<Record<Field, number>>;
}

/**
 * Where a change at a hot location goes, given what is known of each bucket (`hints[i]`, undefined when unknown):
 *  - no guard: one bucket, at random (spreads the writes);
 *  - a guard (e.g. `available >= 3` for a hold of 3): a random bucket among those known or assumed to meet it;
 *    when none does alone but together they do, the change is split over the fewest (largest first), each part
 *    guarded by its share; when even together they do not, the one bucket with the most (its guard fails, and the
 *    adapter then decides on the location's total).
 * The parts' deltas sum to the change's.
 */
export function placeChange(
  deltas: Deltas,
  atLeast: Partial<Record<Field, number>>,
  hints: readonly (LevelRecord | undefined)[],
  random: () => number = Math.random,
  /** 1: never split (a change whose transaction has no room for more parts). */
  maxParts = Infinity,
): BucketPart[] {
  const n = hints.length;
  const pick = <T>(xs: T[]): T => xs[Math.min(xs.length - 1, Math.floor(random() * xs.length))];
  const guards = Object.entries(atLeast).filter(([, m]) => (m as number) > 0) as [Field, number][];
  if (guards.length === 0) return [{ bucket: pick([...Array(n).keys()]), deltas, atLeast }];
  const amount = Math.max(...guards.map(([, m]) => m));
  // What each bucket can take of the change, by its guard's figures (every guard scaled to the amount).
  const capacity = hints.map((h) =>
    h === undefined ? Infinity : Math.max(0, Math.min(...guards.map(([f, m]) => Math.floor((h[f] * amount) / m)))),
  );
  const whole = [...Array(n).keys()].filter((i) => capacity[i] >= amount);
  if (whole.length > 0) return [{ bucket: pick(whole), deltas, atLeast }];
  const proportional = guards.every(([, m]) => m === amount);
  const largestFirst = [...Array(n).keys()].sort((a, b) => capacity[b] - capacity[a] || a - b);
  const sum = capacity.reduce((s, c) => s + c, 0);
  if (!proportional || sum < amount || maxParts <= 1) return [{ bucket: largestFirst[0], deltas, atLeast }];
  const parts: { bucket: number; take: number }[] = [];
  let left = amount;
  for (const i of largestFirst) {
    if (left === 0) break;
    const take = Math.min(left, capacity[i]);
    if (take > 0) parts.push({ bucket: i, take });
    left -= take;
  }
  // Every part but the first moves each figure by its share (with the figure's sign); the first, by the rest.
  const shares = parts.map((p, j) => {
    const d = deltasOf({});
    for (const f of DELTA_FIELDS) if (j > 0 && deltas[f] !== 0) d[f] = Math.sign(deltas[f]) * Math.min(p.take, Math.abs(deltas[f]));
    return d;
  });
  for (const f of DELTA_FIELDS) shares[0][f] = deltas[f] - shares.slice(1).reduce((s, d) => s + d[f], 0);
  return parts.map((p, j) => ({
    bucket: p.bucket,
    deltas: shares[j],
    atLeast: Object.fromEntries(guards.map(([f]) => [f, p.take])) as Partial<Record<Field, number>>,
  }));
}

/** Validates a bucket count: 2 to 32. */
export const validBucketCount = (n: number): boolean => Number.isInteger(n) && n >= MIN_BUCKETS && n <= MAX_BUCKETS;

/** A location's bucket count from a variant's hot locations: 1 when it is not hot. */
export const bucketCount = (hotLocations: Readonly<Record<string, number>> | undefined, locationId: string): number =>
  hotLocations && Object.hasOwn(hotLocations, locationId) ? hotLocations[locationId] : 1;
