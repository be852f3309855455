/** Variant configuration (backorder policy, expected date, thresholds, hot locations) and the variant's levels. */
import { bucketCount } from '../buckets';
import { dict } from '../dict';
import type { Deps } from '../deps';
import { DomainError, notFound } from '../errors';
import type { RecordWrite } from '../planned-change';
import { runCommand } from '../run-command';
import type { PutVariantBody, Variant } from '../schemas';
import { activeLookup, configOf, variantView } from '../views';

/**
 * Merges the given fields into the configuration: fields left out keep their value, null clears. `hotLocations`, when
 * given, lays the stock of every location it names, or that was hot before, over its bucket count in the same
 * transaction as the configuration (core/buckets.ts relayout): on, off, another count, or the same count (a
 * rebalance). Each bucket is conditioned on being as read, so the figures never change with it.
 */
export async function putVariant(deps: Deps, variantId: string, body: PutVariantBody): Promise<Variant> {
  return runCommand(deps, async () => {
    const [current, locations] = await Promise.all([deps.store.getVariant(variantId), deps.store.listLocations()]);
    const next = { ...configOf(current) };
    if (body.backorderPolicy !== undefined) next.backorderPolicy = body.backorderPolicy;
    if (body.expectedAvailabilityDate !== undefined) next.expectedAvailabilityDate = body.expectedAvailabilityDate;
    if (body.lowStockThreshold !== undefined) next.lowStockThreshold = body.lowStockThreshold;
    if (body.locationThresholds !== undefined) next.locationThresholds = body.locationThresholds;
    const relayouts: RecordWrite[] = [];
    if (body.hotLocations !== undefined) {
      next.hotLocations = body.hotLocations ?? dict();
      const known = new Set(locations.map((l) => l.locationId));
      for (const loc of Object.keys(next.hotLocations)) if (!known.has(loc)) throw notFound(`Location ${loc}`);
      for (const loc of new Set([...Object.keys(current.hotLocations), ...Object.keys(next.hotLocations)])) {
        const from = current.buckets[loc] ?? (current.levels[loc] ? [current.levels[loc]] : []);
        relayouts.push({ op: 'relayout', variantId, locationId: loc, from, to: bucketCount(next.hotLocations, loc) });
      }
    }
    const change = {
      levels: [],
      records: [
        {
          op: 'variant-config' as const,
          config: next,
          expect: { configVersion: current.exists ? current.configVersion : null },
          ledgerShards: Math.max(current.ledgerShards, 1, ...Object.values(next.hotLocations)),
        },
        ...relayouts,
      ],
    };
    const needed = deps.store.actionsFor(change);
    if (needed > deps.store.maxActions) {
      throw new DomainError(
        'validation_failed',
        `Laying out these hot locations takes ${needed} writes; one change takes at most ${deps.store.maxActions}. Change fewer locations at once.`,
      );
    }
    return { change, result: variantView({ ...current, ...next }, activeLookup(locations)) };
  });
}

export async function getVariant(deps: Deps, variantId: string): Promise<Variant> {
  const [variant, locations] = await Promise.all([deps.store.getVariant(variantId, false), deps.store.listLocations()]);
  return variantView(variant, activeLookup(locations));
}
