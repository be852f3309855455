/**
 * Catalog events: `VariantOutOfStock` when a variant's available drops from > 0 to ≤ 0, `VariantBackInStock` when it
 * rises back, per location, per sales channel (over its active locations) and over all active locations; exactly one
 * event (one eventId) per transition, through the same outbox as the low-stock alerts: a transition writes the
 * variant's stock state and an event record in one transaction, conditioned on the state as read, and the event
 * record's own stream record publishes it. A redelivered stream record finds its transition made and writes nothing.
 *
 * What is judged:
 *  - a location, from each change to its level in the stream's order: a transition when the level's available
 *    crosses zero (a hot location, whose buckets change in no common order, from the sum read after a change);
 *  - a channel, and all locations, from the locations' judged states: in stock while any of its active locations is.
 *    So its `available` is what can be sold from stock there: the sum of its in-stock locations' available (a
 *    location's backorders never hide another's units). A channel's or the whole variant's state changes only when a
 *    location's does, or when a location joins or leaves the scope (a channel's locations changed, a location made
 *    active or inactive): those are judged from the variants in stock at the locations concerned.
 */
import { randomUUID } from 'node:crypto';
import { dict, type Dict } from '../dict';
import type { Deps } from '../deps';
import type { PublishedEvent } from '../ports';
import type { RecordWrite } from '../planned-change';
import type { ChannelRecord, LocationRecord, StockEventRecord, StockStateRecord } from '../records';
import { runCommand } from '../run-command';

/** One change of a location's level, as the stream sees it. */
export interface LocationStock {
  variantId: string;
  locationId: string;
  available: number;
  /** The level's version (a hot location's: the sum of its buckets'), which orders its changes. */
  levelVersion: number;
  /** When the change was made: the event's `at`. */
  at: string;
}

const emptyState = (variantId: string): StockStateRecord => ({ entity: 'StockState', variantId, locations: dict(), all: false, channels: dict(), version: 0 });

/** Which scopes are in stock, given each location's judged state, the active locations and the channels. */
function scopes(locations: StockStateRecord['locations'], active: Set<string>, channels: ChannelRecord[]): { all: boolean; channels: Dict<boolean> } {
  const inStock = (loc: string) => active.has(loc) && locations[loc]?.inStock === true;
  return {
    all: Object.keys(locations).some(inStock),
    channels: dict(channels.map((c) => [c.channelId, c.locationIds.some(inStock)])),
  };
}

/**
 * The change that records `next` (the state after a transition) over `current`, with one event per scope whose state
 * differs: a location's (when `location` is given) and every channel's and all locations' that moved with it.
 * `availableIn` gives a scope's available when it comes back in stock.
 */
function transitions(
  current: StockStateRecord,
  next: StockStateRecord,
  at: string,
  availableIn: (locationIds: string[]) => number,
  active: Set<string>,
  channels: ChannelRecord[],
  location?: { locationId: string; available: number },
): { records: RecordWrite[]; events: number } {
  const events: StockEventRecord[] = [];
  const event = (inStock: boolean, scope: StockEventRecord['scope'], available: number, where: { locationId?: string; channelId?: string } = {}) =>
    events.push({
      entity: 'StockEvent',
      eventId: randomUUID(),
      detailType: inStock ? 'VariantBackInStock' : 'VariantOutOfStock',
      variantId: next.variantId,
      scope,
      ...where,
      available,
      at,
      version: 1,
    });
  const inStockHere = (ids: string[]) => ids.filter((l) => active.has(l) && next.locations[l]?.inStock);
  if (location) event(next.locations[location.locationId].inStock, 'location', location.available, { locationId: location.locationId });
  if (next.all !== current.all) event(next.all, 'all', next.all ? availableIn(inStockHere(Object.keys(next.locations))) : 0);
  for (const c of channels) {
    const now = next.channels[c.channelId] ?? false;
    if (now !== (current.channels[c.channelId] ?? false)) event(now, 'channel', now ? availableIn(inStockHere(c.locationIds)) : 0, { channelId: c.channelId });
  }
  const records: RecordWrite[] = [
    { op: 'put', record: next, expect: { version: current.version } },
    ...events.map((record): RecordWrite => ({ op: 'put', record, expect: 'absent' })),
  ];
  if (location) {
    const marker = { entity: 'InStock' as const, variantId: next.variantId, locationId: location.locationId, version: 1 };
    records.push({ op: next.locations[location.locationId].inStock ? 'put' : 'delete', record: marker });
  }
  return { records, events: events.length };
}

const activeSet = (locations: LocationRecord[]) => new Set(locations.filter((l) => l.active).map((l) => l.locationId));

/**
 * Judges one change of a location's level: when its available crossed zero (as of a level version newer than the
 * last transition's), records the location's transition and those of the channels and of all locations that it moves.
 * Returns how many events it wrote (0 for a change that crosses nothing, or one already judged).
 */
export async function judgeLocationStock(deps: Deps, j: LocationStock): Promise<number> {
  return runCommand(deps, async () => {
    const [state, locations, channels] = await Promise.all([deps.store.getStockState(j.variantId), deps.store.listLocations(), deps.store.listChannels()]);
    const current = state ?? emptyState(j.variantId);
    const seen = current.locations[j.locationId];
    const inStock = j.available > 0;
    if ((seen && j.levelVersion <= seen.v) || (seen?.inStock ?? false) === inStock) return { change: null, result: 0 };
    const active = activeSet(locations);
    const judged = dict(Object.entries(current.locations));
    judged[j.locationId] = { inStock, v: j.levelVersion };
    const next: StockStateRecord = { ...current, locations: judged, ...scopes(judged, active, channels), version: current.version + 1 };
    // Coming back in stock on a channel or everywhere by this location alone: the others there are out of stock.
    const { records, events } = transitions(current, next, j.at, () => Math.max(0, j.available), active, channels, { locationId: j.locationId, available: j.available });
    return { change: { levels: [], records }, result: events };
  });
}

/**
 * Judges a variant's channels and all locations again as they are now (a location made active or inactive, a
 * channel's locations changed): one event per scope that moved. Returns how many events it wrote.
 */
export async function judgeScopes(deps: Deps, variantId: string, at: string): Promise<number> {
  return runCommand(deps, async () => {
    const [state, locations, channels] = await Promise.all([deps.store.getStockState(variantId), deps.store.listLocations(), deps.store.listChannels()]);
    if (!state) return { change: null, result: 0 };
    const active = activeSet(locations);
    const next: StockStateRecord = { ...state, ...scopes(state.locations, active, channels), version: state.version + 1 };
    const moved = next.all !== state.all || channels.some((c) => (next.channels[c.channelId] ?? false) !== (state.channels[c.channelId] ?? false));
    if (!moved) return { change: null, result: 0 };
    const inStock = Object.keys(state.locations).filter((l) => state.locations[l].inStock);
    const { levels } = await deps.store.getVariant(variantId, true, inStock);
    const availableIn = (ids: string[]) => ids.reduce((sum, l) => sum + Math.max(0, levels[l]?.available ?? 0), 0);
    const { records, events } = transitions(state, next, at, availableIn, active, channels);
    return { change: { levels: [], records }, result: events };
  });
}

/** The variants whose channel or all-locations state a change of these locations' scope can move: those in stock there. */
export async function judgeScopesAt(deps: Deps, locationIds: string[], at: string): Promise<number> {
  const variants = new Set((await Promise.all(locationIds.map((l) => deps.store.listInStock(l)))).flat());
  let events = 0;
  for (const v of [...variants].sort()) events += await judgeScopes(deps, v, at);
  return events;
}

/** The event a catalog event record publishes. */
export function stockEvent(r: StockEventRecord): PublishedEvent {
  return {
    id: r.eventId,
    detailType: r.detailType,
    detail: {
      eventId: r.eventId,
      version: r.version,
      variantId: r.variantId,
      scope: r.scope,
      ...(r.locationId !== undefined ? { locationId: r.locationId } : {}),
      ...(r.channelId !== undefined ? { channelId: r.channelId } : {}),
      available: r.available,
      at: r.at,
    },
  };
}
