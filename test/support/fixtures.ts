/** Small helpers the integration tests share: unique ids, opening stock, and one location's levels. */
import { adjustStock } from '../../functions/core/commands/adjust-stock';
import { getVariant } from '../../functions/core/commands/variants';
import type { Deps } from '../../functions/core/deps';

let n = 0;
/** A fresh id with a readable prefix, unique within the test process. */
export const uid = (prefix: string): string => `${prefix}-${++n}`;

/** Sets a variant's on-hand at a location (an adjustment with reason "opening stock"). */
export const openingStock = (deps: Deps, variantId: string, locationId: string, onHand: number) =>
  adjustStock(deps, { variantId, locationId, onHand, reason: 'opening stock' }, uid('adj'));

/** A variant's levels at one location, as GET /variants shows them (undefined if it never held stock there). */
export const levelAt = async (deps: Deps, variantId: string, locationId: string) =>
  (await getVariant(deps, variantId)).locations.find((l) => l.locationId === locationId);
