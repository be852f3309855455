/**
 * How stored records are shown: per-location levels with their thresholds and whether the location
 * sells, and totals as sums over locations.
 */
import type { LevelRecord, LocationRecord, VariantRecord } from './model';
import { toLevels } from './model';
import type { Levels, LocationLevels, Variant, VariantConfig } from './schemas';

/** A location's threshold: its override, else the variant's, else none. */
export const thresholdAt = (config: VariantConfig, locationId: string): number | null =>
  config.locationThresholds[locationId] ?? config.lowStockThreshold ?? null;

export const isLow = (available: number, threshold: number | null): boolean =>
  threshold !== null && available < threshold;

export const sumLevels = (levels: Levels[]): Levels =>
  levels.reduce(
    (t, l) => ({
      onHand: t.onHand + l.onHand,
      softReserved: t.softReserved + l.softReserved,
      hardReserved: t.hardReserved + l.hardReserved,
      incoming: t.incoming + l.incoming,
      available: t.available + l.available,
    }),
    { onHand: 0, softReserved: 0, hardReserved: 0, incoming: 0, available: 0 },
  );

export type ActiveLookup = (locationId: string) => boolean;

export const activeLookup = (locations: LocationRecord[]): ActiveLookup => {
  const active = new Set(locations.filter((l) => l.active).map((l) => l.locationId));
  return (id) => active.has(id);
};

export const locationLevels = (
  v: VariantRecord,
  locationId: string,
  level: LevelRecord,
  isActive: ActiveLookup,
): LocationLevels => ({
  locationId,
  ...toLevels(level),
  active: isActive(locationId),
  lowStockThreshold: thresholdAt(v, locationId),
});

export const configOf = (v: VariantRecord): VariantConfig => ({
  variantId: v.variantId,
  backorderPolicy: v.backorderPolicy,
  expectedAvailabilityDate: v.expectedAvailabilityDate,
  lowStockThreshold: v.lowStockThreshold,
  locationThresholds: v.locationThresholds,
});

/** A variant's levels per location, in location order; only `locationId`'s when given. */
export const levelsOf = (v: VariantRecord, isActive: ActiveLookup, locationId?: string): LocationLevels[] =>
  Object.entries(v.levels)
    .filter(([loc]) => locationId === undefined || loc === locationId)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([loc, level]) => locationLevels(v, loc, level, isActive));

export const variantView = (v: VariantRecord, isActive: ActiveLookup): Variant => {
  const locations = levelsOf(v, isActive);
  return { ...configOf(v), ...sumLevels(locations), locations };
};
