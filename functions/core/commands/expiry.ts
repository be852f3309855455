/**
 * Lapsed holds come back to available, exactly once, by three paths:
 *  - the sweeper (every minute in AWS) and reclaim-on-contention both call `releaseExpiredCarts`: each
 *    cart is released in a transaction conditioned on the cart's revision, so of two racing releases
 *    one wins and the other finds nothing left to do;
 *  - TTL may delete a cart before the sweeper got to it: the stream processor sees the deleted item
 *    and calls `releaseDeletedCart`, whose transaction writes a marker keyed by the cart's hold period,
 *    so a redelivered stream record releases nothing twice.
 */
import type { Deps } from '../deps';
import { dict } from '../dict';
import { ConcurrentChangeError } from '../errors';
import { runCommand } from '../run-command';
import { deltas } from '../planned-change';
import type { LevelChange, PlannedChange } from '../planned-change';
import type { CartLineRecord, CartRecord } from '../records';
import { keepUntil } from '../rules';

/**
 * Live lines and their level changes, in chunks that each fit one transaction (as the store counts it)
 * with the one record written beside them (the cart's update, or the release marker). The chunks depend
 * only on the cart, so a redelivered release cuts them the same way.
 */
function releaseChanges(deps: Deps, cart: CartRecord, reason: string): { lines: string[]; levels: LevelChange[] }[] {
  const fits = (levels: LevelChange[]) => deps.store.actionsFor({ levels, records: [] }) + 1 <= deps.store.maxActions;
  const chunks: { lines: string[]; levels: LevelChange[] }[] = [];
  let chunk: { lines: string[]; levels: LevelChange[] } = { lines: [], levels: [] };
  for (const [variantId, line] of Object.entries(cart.lines)) {
    if (line.expired) continue;
    const levels: LevelChange[] = Object.entries(line.allocations).map(([loc, a]) => ({
      variantId,
      locationId: loc,
      deltas: deltas({ softReserved: -a.quantity }),
      expect: { kind: 'guard', atLeast: { softReserved: a.quantity } },
      movement: { type: 'hold_expired', reference: `cart:${cart.cartId}`, reason },
      // An invariant breach, not a caller's error: a 500, logged, and the stream record retried then dead-lettered.
      onFail: () => new Error(`softReserved of ${variantId} at ${loc} is below the cart's hold`),
    }));
    if (chunk.lines.length > 0 && !fits([...chunk.levels, ...levels])) {
      chunks.push(chunk);
      chunk = { lines: [], levels: [] };
    }
    chunk.lines.push(variantId);
    chunk.levels.push(...levels);
  }
  if (chunk.lines.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * Releases one cart whose hold lapsed, if it still has: its live lines are marked expired (kept, so
 * checkout can re-reserve them) and their softReserved released. Returns whether it released anything.
 */
export async function releaseCart(deps: Deps, cartId: string, by: 'sweeper' | 'reclaim'): Promise<boolean> {
  let released = false;
  let lines = 0;
  for (;;) {
    const more = await runCommand(deps, async () => {
      const cart = await deps.store.getCart(cartId);
      const now = deps.clock.now();
      if (!cart || !cart.expiresAt || Date.parse(cart.expiresAt) > now.getTime()) return { change: null, result: false };
      const [chunk] = releaseChanges(deps, cart, by === 'sweeper' ? 'cart hold expired' : 'expired hold reclaimed for another cart');
      if (!chunk) return { change: null, result: false };
      lines = chunk.lines.length;
      const expiredLines = dict<CartLineRecord>();
      for (const v of chunk.lines) expiredLines[v] = { ...cart.lines[v], expired: true };
      const liveLeft = Object.entries(cart.lines).some(([v, l]) => !l.expired && !chunk.lines.includes(v));
      const change: PlannedChange = {
        levels: chunk.levels,
        records: [
          {
            op: 'cart',
            cartId,
            set: expiredLines,
            remove: [],
            // While live lines remain (a cart larger than one transaction), it stays in the index.
            expiresAt: liveLeft ? cart.expiresAt : null,
            keepUntil: keepUntil(deps, liveLeft ? cart.expiresAt : null, now),
            newHoldId: cart.holdId,
            expect: { revision: cart.revision, lineCount: Object.keys(cart.lines).length },
            onFail: () => new ConcurrentChangeError(),
          },
        ],
      };
      return { change, result: true };
    });
    if (!more) return released;
    released = true;
    deps.metrics?.count('HoldsReleased', lines, { path: by });
  }
}

/** Releases every cart whose hold lapsed (with a variant: only carts holding it). Returns how many. */
export async function releaseExpiredCarts(
  deps: Deps,
  options: { variantId?: string; by: 'sweeper' | 'reclaim'; limit?: number },
): Promise<number> {
  const carts = await deps.store.listExpiredCarts(deps.clock.now().toISOString(), {
    variantId: options.variantId,
    limit: options.limit,
  });
  let released = 0;
  const queue = [...carts];
  // A few at a time: carts are independent, and the sweeper has a minute.
  await Promise.all(
    Array.from({ length: Math.min(8, queue.length) }, async () => {
      for (let cart = queue.shift(); cart; cart = queue.shift()) {
        if (await releaseCart(deps, cart.cartId, options.by)) released++;
      }
    }),
  );
  return released;
}

/**
 * TTL deleted a cart (its hold had lapsed). Whatever of it was still live is released here, once: the
 * marker keyed by the cart's hold period (and chunk) is put on the condition that it is new.
 */
export async function releaseDeletedCart(deps: Deps, cart: CartRecord): Promise<number> {
  if (!cart.holdId) return 0;
  const chunks = releaseChanges(deps, cart, 'cart hold expired (deleted by TTL)');
  let released = 0;
  for (const [i, chunk] of chunks.entries()) {
    const holdId = i === 0 ? cart.holdId : `${cart.holdId}#${i}`;
    const done = await runCommand(deps, async () => ({
      result: true,
      change: {
        levels: chunk.levels,
        records: [
          {
            op: 'put',
            record: { entity: 'HoldRelease', holdId, releasedAt: deps.clock.now().toISOString(), by: 'ttl', version: 0 },
            expect: 'absent',
            onFail: () => new AlreadyReleasedError(),
          },
        ],
      },
    })).catch((err: unknown) => {
      if (err instanceof AlreadyReleasedError) return false;
      throw err;
    });
    if (done) released += chunk.lines.length;
  }
  if (released > 0) deps.metrics?.count('HoldsReleased', released, { path: 'ttl' });
  return released;
}

class AlreadyReleasedError extends Error {}
