/** Stock locations: warehouses, retail stores, fulfilment centres and virtual locations. */
import type { Deps } from '../deps';
import { notFound } from '../errors';
import { runCommand } from '../run-command';
import type { Location } from '../schemas';
import { PutLocationBody } from '../schemas';
import type * as z from 'zod';
import type { LocationRecord } from '../records';
import { locationView } from '../views';

/** Creates or replaces a location. Leaving `active` out keeps it as it was (new locations start active). */
export async function putLocation(deps: Deps, locationId: string, body: z.infer<typeof PutLocationBody>): Promise<Location> {
  const result = await runCommand(deps, async () => {
    const current = await deps.store.getLocation(locationId);
    const now = deps.clock.now().toISOString();
    const next: LocationRecord = {
      entity: 'Location',
      locationId,
      name: body.name,
      type: body.type,
      active: body.active ?? current?.active ?? true,
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
      version: current?.version ?? 0,
    };
    return { change: { levels: [], records: [{ op: 'put', record: next, expect: { version: next.version } }] }, result: locationView(next) };
  });
  forgetCachedLocations();
  return result;
}

/** Throws 404 unless the location exists (active or not). */
export async function requireLocation(deps: Deps, locationId: string): Promise<void> {
  if (!(await deps.store.getLocation(locationId))) throw notFound(`Location ${locationId}`);
}

export async function getLocation(deps: Deps, locationId: string): Promise<Location> {
  const found = await deps.store.getLocation(locationId);
  if (!found) throw notFound(`Location ${locationId}`);
  return locationView(found);
}

export async function listLocations(deps: Deps): Promise<{ locations: Location[] }> {
  const all = await deps.store.listLocations();
  return { locations: all.map(locationView).sort((a, b) => a.locationId.localeCompare(b.locationId)) };
}

/**
 * The location list, cached for a few seconds per process: allocation reads it on every cart change.
 * A stale entry cannot sell from an inactive location: every hold's transaction re-checks the
 * location's `active` flag on its item. One read is in flight at a time: requests that find the entry
 * expired while another is refreshing it wait for that read instead of sending their own, and a read
 * that fails is not kept, so the next request tries again.
 */
let locationCache: { at: number; locations: Promise<LocationRecord[]> } | undefined;
export const LOCATION_CACHE_MS = 5_000;

export function cachedLocations(deps: Deps): Promise<LocationRecord[]> {
  const now = Date.now();
  if (!locationCache || now - locationCache.at > LOCATION_CACHE_MS) {
    const entry = { at: now, locations: deps.store.listLocations() };
    locationCache = entry;
    entry.locations.catch(() => {
      if (locationCache === entry) locationCache = undefined;
    });
  }
  return locationCache.locations;
}

export const forgetCachedLocations = (): void => {
  locationCache = undefined;
};
