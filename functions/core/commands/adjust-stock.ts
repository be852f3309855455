/** Stock adjustments: counts, damage, corrections and opening stock. */
import type { Deps } from '../deps';
import { ConcurrentChangeError, conflict, notFound } from '../errors';
import { applyDeltas, deltas, emptyLevels } from '../model';
import type { IdempotencyRequest } from '../run-command';
import { runCommand } from '../run-command';
import type { AdjustmentBody, StockLevel } from '../schemas';
import { activeLookup, locationLevels } from '../views';

/**
 * Moves on-hand by `delta`, or sets it to `onHand`, at one location. A read-modify-write on the
 * level's version, so the response's levels are exactly those the change produced; on-hand never
 * goes below zero (409 conflict).
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
    deps.store,
    async () => {
      const variant = await deps.store.getVariant(body.variantId);
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
              expect: { kind: 'exact', version: level.version },
              createsVariant: !variant.exists,
              movement: { type: 'adjustment', reference: `adjustment:${adjustmentId}`, reason: body.reason, note: body.note },
              onFail: () => new ConcurrentChangeError(),
            },
          ],
        },
      };
    },
    idempotency,
  );
}
