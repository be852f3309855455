/**
 * The allocation rule for a cart line without a location (documented in README, "Allocation"):
 *  1. Units the line already holds stay where they are, largest holding first.
 *  2. More units come from the other active locations, the one with the most available first
 *     (ties by location id): the fewest locations, the least splitting.
 *  3. What no location has is backordered, on the line's first location, if the policy allows;
 *     otherwise it is the shortfall and the line is refused.
 * Pure: the command supplies the figures it read; the transaction's conditions make them true.
 */
import { dict, type Dict } from './dict';

export interface AllocationInput {
  quantity: number;
  /** What the line holds now, per location (live holds only). */
  current: Dict<number>;
  /** Available now at each active location (the line's own holds not added back). */
  available: Dict<number>;
  backorder: boolean;
}

export interface AllocationResult {
  allocations: Dict<{ quantity: number; backordered: number }>;
  /** Units that could not be placed (only without backorder). */
  shortfall: number;
  /** What the line could hold at most from stock: its holds plus what is available. */
  capacity: number;
}

export function allocate(input: AllocationInput): AllocationResult {
  const locations = Object.keys(input.available);
  const capacityAt = (loc: string) => Math.max(0, input.available[loc] ?? 0) + (input.current[loc] ?? 0);
  const ordered = [...locations].sort((a, b) => {
    const held = (input.current[b] ?? 0) - (input.current[a] ?? 0);
    if (held !== 0) return held;
    const cap = capacityAt(b) - capacityAt(a);
    return cap !== 0 ? cap : a.localeCompare(b);
  });
  const allocations: AllocationResult['allocations'] = dict();
  let remaining = input.quantity;
  for (const loc of ordered) {
    if (remaining === 0) break;
    const take = Math.min(remaining, capacityAt(loc));
    if (take > 0) {
      allocations[loc] = { quantity: take, backordered: 0 };
      remaining -= take;
    }
  }
  const capacity = ordered.reduce((sum, loc) => sum + capacityAt(loc), 0);
  if (remaining > 0 && input.backorder && ordered.length > 0) {
    const first = Object.keys(allocations)[0] ?? ordered[0];
    const a = allocations[first] ?? { quantity: 0, backordered: 0 };
    allocations[first] = { quantity: a.quantity + remaining, backordered: a.backordered + remaining };
    remaining = 0;
  }
  return { allocations, shortfall: remaining, capacity };
}
