/** Stock adjustments: counts, damage, corrections and opening stock. */
import type { Deps } from '../deps';
import { ConcurrentChangeError, conflict, notFound } from '../errors';
import type { IdempotencyRequest } from '../run-command';
import { runCommand } from '../run-command';
import type { AdjustmentBody, StockLevel } from '../schemas';
import { activeLookup, locationLevels } from '../views';
import { applyDeltas, deltas } from '../planned-change';
import { emptyLevels } from '../records';

/**
 * Moves on-hand by `delta`, or sets it to `onHand`, at one location; on-hand never goes below zero (409
 * conflict). Neither races the holds, checkouts and releases that move the other figures: a delta is
 * applied by arithmetic on the condition that on-hand stays at least zero, and a count on the condition
 * that on-hand is still what was read (only another on-hand change makes it plan again). The response is
 * the levels read plus this change.
 */
export async function adjustStock(
  deps: Deps,
  body: AdjustmentBody,
  adjustmentId: string,
  idempotency?: IdempotencyRequest,
): Promise<StockLevel> {
  const location = await deps.store.getLocation(body.locationId);
  if (!location) throw notFound(`Location ${body.locationId}`);
  return runCommand(
    deps,
    async () => {
      const variant = await deps.store.getVariant(body.variantId, true, [body.locationId]);
      const level = variant.levels[body.locationId] ?? emptyLevels();
      const delta = body.delta ?? body.onHand! - level.onHand;
      if (level.onHand + delta < 0) {
        throw conflict(`On-hand cannot go below zero: it is ${level.onHand} and the adjustment is ${delta}.`, {
          onHand: level.onHand,
        });
      }
      const d = deltas({ onHand: delta });
      const after = applyDeltas(level, d);
      const result: StockLevel = {
        variantId: body.variantId,
        ...locationLevels(variant, body.locationId, after, activeLookup([location])),
      };
      if (delta === 0) return { change: null, result };
      return {
        result,
        change: {
          records: [],
          levels: [
            {
              variantId: body.variantId,
              locationId: body.locationId,
              deltas: d,
              expect:
                level.version === 0
                  ? { kind: 'exact', version: 0 }
                  : body.onHand !== undefined
                    ? { kind: 'guard', atLeast: {}, equals: { onHand: level.onHand } }
                    : { kind: 'guard', atLeast: delta < 0 ? { onHand: -delta } : {} },
              createsVariant: !variant.exists,
              movement: { type: 'adjustment', reference: `adjustment:${adjustmentId}`, reason: body.reason, note: body.note },
              onFail: (current) =>
                body.delta !== undefined && current && current.onHand + delta < 0
                  ? conflict(`On-hand cannot go below zero: it is ${current.onHand} and the adjustment is ${delta}.`, { onHand: current.onHand })
                  : new ConcurrentChangeError(),
            },
          ],
        },
      };
    },
    { idempotency },
  );
}
