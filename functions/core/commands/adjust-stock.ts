/** Stock adjustments: counts, damage, quality control, corrections and opening stock. */
import type { Deps } from '../deps';
import { ConcurrentChangeError, conflict, insufficientStock, notFound, staleQuantity } from '../errors';
import type { IdempotencyRequest } from '../run-command';
import { runCommand } from '../run-command';
import type { AdjustmentBody, StockLevel } from '../schemas';
import { activeLookup, locationLevels } from '../views';
import { applyDeltas, createdLevel, deltas, newLevel, type LevelChange, type LevelExpectation } from '../planned-change';
import { emptyLevels, type LevelRecord } from '../records';
import { safetyStockAt } from '../rules';

/**
 * Moves on-hand by `delta`, or sets it to `onHand`, at one location; on-hand never goes below zero (409
 * conflict). Neither races the holds, checkouts and releases that move the other figures: a delta is
 * applied by arithmetic on the condition that on-hand stays at least zero, and a count on the condition
 * that on-hand is still what was read (only another on-hand change makes it plan again). The response is
 * the levels read plus this change.
 *
 * With `state` (damaged or qualityControl), `delta` moves units between sellable and that state instead, on-hand
 * unchanged: into it on the condition that that many are available (a hold's condition: units held, reserved or kept as
 * safety stock are not moved), back on the condition that the state has them; else 409 insufficient_stock.
 *
 * With `expectedOnHand` (compare-and-set), the change applies only if on-hand is still that figure, checked in the same
 * transaction; else 409 stale_quantity with the current on-hand, and nothing changes.
 */
export async function adjustStock(
  deps: Deps,
  body: AdjustmentBody,
  adjustmentId: string,
  idempotency?: IdempotencyRequest,
): Promise<StockLevel> {
  const location = await deps.store.getLocation(body.locationId);
  if (!location) throw notFound(`Location ${body.locationId}`);
  const cas = body.expectedOnHand;
  const stale = (current: LevelRecord | undefined): boolean => cas !== undefined && (current?.onHand ?? 0) !== cas;
  return runCommand(
    deps,
    async () => {
      const variant = await deps.store.getVariant(body.variantId, true, [body.locationId]);
      const exists = !!variant.levels[body.locationId];
      const level = variant.levels[body.locationId] ?? { ...emptyLevels(), safetyStock: safetyStockAt(variant, body.locationId), available: -safetyStockAt(variant, body.locationId) };
      if (stale(variant.levels[body.locationId])) throw staleQuantity(cas!, level.onHand);
      const equals = cas !== undefined ? { onHand: cas } : undefined;
      let d;
      let expect: LevelExpectation;
      let refusal: (current: LevelRecord | undefined) => Error | undefined;
      if (body.state) {
        const state = body.state;
        const delta = body.delta!;
        const short = (l: LevelRecord | undefined): Error | undefined => {
          const movable = delta > 0 ? Math.max(0, l?.available ?? 0) : (l?.[state] ?? 0);
          if (movable >= Math.abs(delta)) return undefined;
          return insufficientStock(
            delta > 0
              ? `Only ${movable} of ${body.variantId} are available at ${body.locationId} to move into ${state}; ${delta} were asked for.`
              : `Only ${movable} of ${body.variantId} are ${state} at ${body.locationId}; ${-delta} were asked to move back.`,
            movable,
            { state },
          );
        };
        const now = short(variant.levels[body.locationId]);
        if (now) throw now;
        d = deltas({ [state]: delta });
        expect = { kind: 'guard', atLeast: delta > 0 ? { available: delta } : { [state]: -delta }, ...(equals ? { equals } : {}) };
        refusal = short;
      } else {
        const delta = body.delta ?? body.onHand! - level.onHand;
        const below = (l: LevelRecord | undefined) =>
          conflict(`On-hand cannot go below zero: it is ${l?.onHand ?? 0} and the adjustment is ${delta}.`, { onHand: l?.onHand ?? 0 });
        if (level.onHand + delta < 0) throw below(level);
        if (delta === 0) return { change: null, result: view(variant, level) };
        d = deltas({ onHand: delta });
        expect =
          body.onHand !== undefined
            ? { kind: 'guard', atLeast: {}, equals: { onHand: level.onHand } }
            : { kind: 'guard', atLeast: delta < 0 ? { onHand: -delta } : {}, ...(equals ? { equals } : {}) };
        refusal = (current) => (body.delta !== undefined && current && current.onHand + delta < 0 ? below(current) : undefined);
      }
      const change: LevelChange = {
        variantId: body.variantId,
        locationId: body.locationId,
        deltas: d,
        ...(exists ? { expect, createsVariant: !variant.exists } : newLevel(variant, body.locationId)),
        movement: { type: 'adjustment', reference: `adjustment:${adjustmentId}`, reason: body.reason, note: body.note },
        onFail: (current) => (stale(current) ? staleQuantity(cas!, current?.onHand ?? 0) : (refusal(current) ?? new ConcurrentChangeError())),
      };
      const after = exists ? applyDeltas(level, d) : createdLevel(change);
      return { result: view(variant, after), change: { records: [], levels: [change] } };
    },
    { idempotency },
  );

  function view(variant: Parameters<typeof locationLevels>[0], level: LevelRecord): StockLevel {
    return { variantId: body.variantId, ...locationLevels(variant, body.locationId, level, activeLookup([location!])) };
  }
}
