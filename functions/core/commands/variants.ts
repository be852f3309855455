/** Variant configuration (backorder policy, expected date, thresholds, hot locations, safety stock) and the variant's levels. */
import { bucketCount } from '../buckets';
import { dict } from '../dict';
import type { Deps } from '../deps';
import { ConcurrentChangeError, DomainError, notFound } from '../errors';
import { deltas, type LevelChange, type PlannedChange, type RecordWrite, type RelayoutWrite } from '../planned-change';
import type { VariantRecord } from '../records';
import { safetyStockAt } from '../rules';
import { runCommand } from '../run-command';
import type { PutVariantBody, Variant, VariantConfig } from '../schemas';
import { activeLookup, configOf, variantView } from '../views';

const SAFETY_STOCK_MOVEMENT = (config: VariantConfig, locationId: string) => ({
  type: 'safety_stock' as const,
  reference: `variant:${config.variantId}`,
  reason: `safety stock at ${locationId} set to ${safetyStockAt(config, locationId)}`,
});

/**
 * The changes that bring the stored safety stock of each of `v`'s locations to what `config` gives it (rules.ts
 * safetyStockAt explains why it is stored on the levels). A location that is not hot: its level's ss (and av) by
 * arithmetic, on the condition that ss is as read (two requests bringing it to the same figure apply once), with a
 * `safety_stock` movement. A hot location: a relayout of its buckets with the change (RelayoutWrite.adjust), so no
 * bucket is left below zero available while another has some. Locations listed in `skip` are left out (a relayout
 * the caller makes anyway carries their change).
 */
function safetyStockChanges(v: VariantRecord, config: VariantConfig, skip: ReadonlySet<string> = new Set()): (LevelChange | RelayoutWrite)[] {
  const out: (LevelChange | RelayoutWrite)[] = [];
  for (const [loc, level] of Object.entries(v.levels).sort(([a], [b]) => a.localeCompare(b))) {
    if (skip.has(loc)) continue;
    const d = safetyStockAt(config, loc) - level.safetyStock;
    if (d === 0) continue;
    const movement = SAFETY_STOCK_MOVEMENT(config, loc);
    if (v.buckets[loc]) {
      const n = v.buckets[loc].length;
      out.push({ op: 'relayout', variantId: v.variantId, locationId: loc, from: v.buckets[loc], to: n, adjust: { deltas: deltas({ safetyStock: d }), available: -d, movement } });
    } else {
      out.push({
        variantId: v.variantId,
        locationId: loc,
        deltas: deltas({ safetyStock: d }),
        expect: { kind: 'guard', atLeast: {}, equals: { safetyStock: level.safetyStock } },
        movement,
        onFail: () => new ConcurrentChangeError(),
      });
    }
  }
  return out;
}

const isRelayout = (c: LevelChange | RelayoutWrite): c is RelayoutWrite => 'op' in c;

/** Adds as many of `extra` to `change` as one transaction takes (in order); returns how many it took. */
function fill(deps: Deps, change: PlannedChange, extra: (LevelChange | RelayoutWrite)[], withIdempotency = false): number {
  let taken = 0;
  for (const c of extra) {
    const tried: PlannedChange = isRelayout(c) ? { ...change, records: [...change.records, c] } : { ...change, levels: [...change.levels, c] };
    if (deps.store.actionsFor(tried, withIdempotency) > deps.store.maxActions) break;
    change.levels = tried.levels;
    change.records = tried.records;
    taken++;
  }
  return taken;
}

/**
 * Merges the given fields into the configuration: fields left out keep their value, null clears. `hotLocations`, when
 * given, lays the stock of every location it names, or that was hot before, over its bucket count in the same
 * transaction as the configuration (core/buckets.ts relayout): on, off, another count, or the same count (a
 * rebalance). Each bucket is conditioned on being as read, so the figures never change with it.
 *
 * A safety stock (`safetyStock`, `locationSafetyStock`) is stored on each level it applies to, and kept out of its
 * available (rules.ts safetyStockAt): the levels whose safety stock changes are rewritten in the same transaction as the
 * configuration, as many as one transaction takes (about 45 locations that are not hot); a variant stocked at more
 * locations has the rest rewritten next, in further transactions of the same size, each conditioned on the configuration
 * still being this one (a later configuration takes over the rewriting). Until the last is committed (milliseconds
 * later), those locations hold back their old safety stock. Every write of the configuration also brings any level whose
 * stored safety stock differs from it back to it, so repeating the request finishes a rewrite that was interrupted.
 */
export async function putVariant(deps: Deps, variantId: string, body: PutVariantBody): Promise<Variant> {
  let more = false;
  const view = await runCommand(deps, async () => {
    const [current, locations] = await Promise.all([deps.store.getVariant(variantId), deps.store.listLocations()]);
    const next = { ...configOf(current) };
    if (body.backorderPolicy !== undefined) next.backorderPolicy = body.backorderPolicy;
    if (body.expectedAvailabilityDate !== undefined) next.expectedAvailabilityDate = body.expectedAvailabilityDate;
    if (body.lowStockThreshold !== undefined) next.lowStockThreshold = body.lowStockThreshold;
    if (body.locationThresholds !== undefined) next.locationThresholds = body.locationThresholds;
    if (body.safetyStock !== undefined) next.safetyStock = body.safetyStock;
    if (body.locationSafetyStock !== undefined) next.locationSafetyStock = body.locationSafetyStock;
    const relayouts: RelayoutWrite[] = [];
    if (body.hotLocations !== undefined) {
      next.hotLocations = body.hotLocations ?? dict();
      const known = new Set(locations.map((l) => l.locationId));
      for (const loc of Object.keys(next.hotLocations)) if (!known.has(loc)) throw notFound(`Location ${loc}`);
      for (const loc of new Set([...Object.keys(current.hotLocations), ...Object.keys(next.hotLocations)])) {
        const from = current.buckets[loc] ?? (current.levels[loc] ? [current.levels[loc]] : []);
        // The location's safety stock moves with the layout, when it changes (a location laid out from nothing starts with it).
        const d = safetyStockAt(next, loc) - (current.levels[loc]?.safetyStock ?? 0);
        relayouts.push({
          op: 'relayout',
          variantId,
          locationId: loc,
          from,
          to: bucketCount(next.hotLocations, loc),
          ...(d !== 0 ? { adjust: { deltas: deltas({ safetyStock: d }), available: -d, movement: SAFETY_STOCK_MOVEMENT(next, loc) } } : {}),
        });
      }
    }
    const change: PlannedChange = {
      levels: [],
      records: [
        {
          op: 'variant-config' as const,
          config: next,
          expect: { configVersion: current.exists ? current.configVersion : null, levelEpoch: current.levelEpoch },
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
    const pending = safetyStockChanges(current, next, new Set(relayouts.map((r) => r.locationId)));
    more = fill(deps, change, pending) < pending.length;
    const result = pending.length === 0 && relayouts.every((r) => !r.adjust) ? variantView({ ...current, ...next }, activeLookup(locations)) : undefined;
    return { change, result };
  });
  if (more) await rewriteSafetyStock(deps, variantId);
  return view ?? getVariantNow(deps, variantId);
}

/**
 * Brings every level of the variant to the safety stock its configuration gives it, a transaction at a time, each
 * conditioned on the configuration being the one read (a configuration written meanwhile is then the one followed).
 */
async function rewriteSafetyStock(deps: Deps, variantId: string): Promise<void> {
  for (let done = false; !done; ) {
    done = await runCommand(deps, async () => {
      const v = await deps.store.getVariant(variantId);
      const pending = safetyStockChanges(v, v);
      if (pending.length === 0) return { change: null, result: true };
      const change: PlannedChange = {
        levels: [],
        records: [{ op: 'variant-check', variantId, configVersion: v.configVersion, onFail: () => new ConcurrentChangeError() } satisfies RecordWrite],
      };
      const taken = fill(deps, change, pending);
      if (taken === 0) throw new DomainError('conflict', `The safety stock of ${variantId} at one location takes more writes than one transaction holds.`);
      return { change, result: taken === pending.length };
    });
  }
}

const getVariantNow = async (deps: Deps, variantId: string): Promise<Variant> => {
  const [variant, locations] = await Promise.all([deps.store.getVariant(variantId), deps.store.listLocations()]);
  return variantView(variant, activeLookup(locations));
};

export async function getVariant(deps: Deps, variantId: string): Promise<Variant> {
  const [variant, locations] = await Promise.all([deps.store.getVariant(variantId, false), deps.store.listLocations()]);
  return variantView(variant, activeLookup(locations));
}
