/** The reads: the catalog's availability, the stock report and the movement ledger. */
import type { Deps } from '../deps';
import type { Movement, StockLevel, VariantAvailability } from '../schemas';
import { activeLookup, levelsOf, sumLevels } from '../views';
import { cachedLocations } from './locations';
import { requireChannel } from './channels';
import { isLow } from '../rules';
import { expectedDateOf, isPurchasable } from '../rules';

/**
 * The catalog's read, one round trip to the table: for up to 100 variants, one Query each in parallel
 * (their levels everywhere), or one BatchGetItem of their configurations and their levels at the given
 * locations; plus the cached location list. Totals count only locations that sell.
 */
export async function getAvailability(
  deps: Deps,
  variantIds: string[],
  where: { locationId?: string; locationIds?: string[]; channelId?: string } = {},
): Promise<{ variants: VariantAvailability[] }> {
  // Several given: the union (locationId is v1's single-location form of locationIds; a channel names its locations).
  const channel = where.channelId ? await requireChannel(deps, where.channelId) : undefined;
  const named = [...(where.locationIds ?? []), ...(where.locationId ? [where.locationId] : []), ...(channel?.locationIds ?? [])];
  const only = named.length ? [...new Set(named)] : undefined;
  const [variants, locations] = await Promise.all([deps.store.getVariants(variantIds, only), cachedLocations(deps)]);
  const isActive = activeLookup(locations);
  const wanted = only && new Set(only);
  return {
    variants: variants.map((v) => {
      const levels = levelsOf(v, isActive).filter((l) => !wanted || wanted.has(l.locationId));
      const totals = sumLevels(levels.filter((l) => l.active));
      return {
        variantId: v.variantId,
        ...totals,
        backorderPolicy: v.backorderPolicy,
        purchasable: isPurchasable(v, totals.available),
        expectedAvailabilityDate: expectedDateOf(v),
        locations: levels,
      };
    }),
  };
}

/**
 * The stock report: variants in id order, a page of them at a time, one row per location (only the
 * given location when filtered; only rows below their threshold with lowStockOnly).
 */
export async function stockReport(
  deps: Deps,
  query: { locationId?: string; lowStockOnly?: boolean; cursor?: string; limit?: number },
): Promise<{ levels: StockLevel[]; cursor: string | null }> {
  const [page, locations] = await Promise.all([
    deps.store.listVariants(query.cursor, query.limit ?? 50),
    deps.store.listLocations(),
  ]);
  const isActive = activeLookup(locations);
  const levels = page.items.flatMap((v) =>
    levelsOf(v, isActive, query.locationId)
      .map((l) => ({ variantId: v.variantId, ...l }))
      .filter((l) => !query.lowStockOnly || isLow(l.available, l.lowStockThreshold)),
  );
  return { levels, cursor: page.cursor };
}

export async function listMovements(
  deps: Deps,
  variantId: string,
  query: { locationId?: string; cursor?: string; limit?: number },
): Promise<{ movements: Movement[]; cursor: string | null }> {
  const page = await deps.store.listMovements(variantId, { ...query, limit: query.limit ?? 100 });
  return { movements: page.items, cursor: page.cursor };
}
