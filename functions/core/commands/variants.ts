/** Variant configuration (backorder policy, expected date, thresholds) and the variant's levels. */
import type { Deps } from '../deps';
import { runCommand } from '../run-command';
import type { PutVariantBody, Variant } from '../schemas';
import { activeLookup, configOf, variantView } from '../views';

/** Merges the given fields into the configuration: fields left out keep their value, null clears. */
export async function putVariant(deps: Deps, variantId: string, body: PutVariantBody): Promise<Variant> {
  return runCommand(deps, async () => {
    const current = await deps.store.getVariant(variantId);
    const next = { ...configOf(current) };
    if (body.backorderPolicy !== undefined) next.backorderPolicy = body.backorderPolicy;
    if (body.expectedAvailabilityDate !== undefined) next.expectedAvailabilityDate = body.expectedAvailabilityDate;
    if (body.lowStockThreshold !== undefined) next.lowStockThreshold = body.lowStockThreshold;
    if (body.locationThresholds !== undefined) next.locationThresholds = body.locationThresholds;
    const locations = await deps.store.listLocations();
    return {
      change: { levels: [], records: [{ op: 'variant-config', config: next, expect: { configVersion: current.exists ? current.configVersion : null } }] },
      result: variantView({ ...current, ...next }, activeLookup(locations)),
    };
  });
}

export async function getVariant(deps: Deps, variantId: string): Promise<Variant> {
  const [variant, locations] = await Promise.all([deps.store.getVariant(variantId, false), deps.store.listLocations()]);
  return variantView(variant, activeLookup(locations));
}
