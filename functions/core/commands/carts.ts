/**
 * Soft reservations. A cart line holds units of a variant at one or more locations; the hold counts in
 * the level's softReserved until the cart is checked out, the line removed, or the hold lapses.
 *
 * The common path (a new line at a given location) is one DynamoDB request and reads nothing: the
 * transaction raises softReserved on the condition `available >= quantity`, sets the line on the
 * condition that it is new, and checks that the location sells. Only when a condition fails does the
 * command read, and then it knows why: the line existed (plan again from the cart as it was), or the
 * stock was short (backorder policy, reclaim expired holds, or refuse with what is available).
 */
import { randomUUID } from 'node:crypto';
import { allocate } from '../allocation';
import { dict, has, mapDict, type Dict } from '../dict';
import type { Deps } from '../deps';
import { ConcurrentChangeError, DomainError, conflict, insufficientStock, notFound } from '../errors';
import { runCommand } from '../run-command';
import type { Cart, CartLine, PutCartLineBody } from '../schemas';
import { cachedLocations } from './locations';
import { requireChannel } from './channels';
import { releaseExpiredCarts } from './expiry';
import { deltas } from '../planned-change';
import type { LevelChange, RecordWrite } from '../planned-change';
import type { CartLineRecord, CartRecord, LevelRecord, VariantRecord } from '../records';
import { expectedDateOf } from '../rules';
import { keepUntil } from '../rules';
import { lineView } from '../views';

/** A cart holds at most this many lines (so that its checkout fits in one transaction). */
export const MAX_CART_LINES = 30;

/** Thrown inside planning when stock is short; the command decides what to do about it. */
export class ShortfallError extends Error {
  constructor(readonly capacity: number) {
    super('short of stock');
  }
}

interface LineState {
  /** The cart as last seen; undefined until a read or a failed condition shows it. */
  cart?: CartRecord;
  variant?: VariantRecord;
}

const liveQuantities = (line: CartLineRecord | undefined): Dict<number> =>
  line && !line.expired ? mapDict(line.allocations, (a) => a.quantity) : dict();

const liveBackordered = (line: CartLineRecord | undefined, loc: string): number =>
  line && !line.expired ? (line.allocations[loc]?.backordered ?? 0) : 0;

/** Sets the cart's hold on a variant to `quantity` (0 removes it) and restarts the cart's hold period. */
export async function setCartLine(deps: Deps, cartId: string, variantId: string, body: PutCartLineBody): Promise<CartLine> {
  if (body.quantity === 0) return removeCartLine(deps, cartId, variantId);
  const state: LineState = {};
  let looked = false;
  let reclaimed = false;
  // Short, as far as the plan knew. First look at the facts (the variant's policy and figures, the cart's
  // own holds, which count for this line) and plan again; then, under `deny`, release expired holds
  // nobody has released yet, once, before refusing.
  const recover = async (err: unknown): Promise<void> => {
    if (!(err instanceof ShortfallError)) throw err;
    const lookAgain = async () => {
      [state.variant, state.cart] = await Promise.all([deps.store.getVariant(variantId, true, readAt(body.locationId)), deps.store.getCart(cartId)]);
    };
    if (!looked) {
      looked = true;
      return lookAgain();
    }
    if (!reclaimed && state.variant?.backorderPolicy === 'deny') {
      reclaimed = true;
      if ((await releaseExpiredCarts(deps, { variantId, by: 'reclaim' })) > 0) return lookAgain();
    }
    const capacity = await capacityFor(deps, state, variantId, body.locationId, body.locationId ? undefined : body.channelId);
    throw insufficientStock(
      `Only ${capacity} of ${variantId} can be held${body.locationId ? ` at ${body.locationId}` : ''}; ${body.quantity} were asked for.`,
      capacity,
    );
  };
  return countedHold(deps, runCommand(deps, () => planSetLine(deps, state, cartId, variantId, body), { recover }));
}

/** The active locations a line may be allocated from: all, or a sales channel's (404 for an unknown channel). */
async function sellingLocations(deps: Deps, channelId: string | undefined) {
  const active = (await cachedLocations(deps)).filter((l) => l.active);
  if (!channelId) return active;
  const channel = new Set((await requireChannel(deps, channelId)).locationIds);
  return active.filter((l) => channel.has(l.locationId));
}

/** The locations a line's plan reads: the one it names, else every location (the service allocates). */
const readAt = (locationId: string | undefined): string[] | undefined => (locationId ? [locationId] : undefined);

/** What this cart's line could hold at most: what is available where it may sell, plus what it holds. */
async function capacityFor(deps: Deps, state: LineState, variantId: string, locationId?: string, channelId?: string): Promise<number> {
  const variant = state.variant ?? (await deps.store.getVariant(variantId, true, readAt(locationId)));
  const current = liveQuantities(state.cart?.lines[variantId]);
  const active = (await sellingLocations(deps, channelId)).map((l) => l.locationId);
  const where = locationId ? active.filter((l) => l === locationId) : active;
  return where.reduce((sum, loc) => sum + Math.max(0, variant.levels[loc]?.available ?? 0) + (current[loc] ?? 0), 0);
}

async function planSetLine(deps: Deps, state: LineState, cartId: string, variantId: string, body: PutCartLineBody) {
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.holdSeconds * 1000).toISOString();
  const existing = state.cart?.lines[variantId];
  const current = liveQuantities(existing);
  const variant = state.variant;
  const backorder = !!variant && variant.backorderPolicy !== 'deny';
  const q = body.quantity;

  let allocations: CartLineRecord['allocations'];
  if (body.locationId) {
    const loc = body.locationId;
    if (variant) {
      const capacity = Math.max(0, variant.levels[loc]?.available ?? 0) + (current[loc] ?? 0);
      const short = Math.max(0, q - capacity);
      if (short > 0 && !backorder) throw new ShortfallError(capacity);
      allocations = dict([[loc, { quantity: q, backordered: short }]]);
    } else {
      allocations = dict([[loc, { quantity: q, backordered: 0 }]]);
    }
  } else {
    state.variant ??= await deps.store.getVariant(variantId);
    const active = await sellingLocations(deps, body.channelId);
    if (active.length === 0) throw conflict(body.channelId ? `No active location of channel ${body.channelId} sells stock.` : 'No active location sells stock.');
    const result = allocate({
      quantity: q,
      current,
      available: dict(active.map((l) => [l.locationId, state.variant!.levels[l.locationId]?.available ?? 0])),
      backorder: state.variant.backorderPolicy !== 'deny',
    });
    if (result.shortfall > 0) throw new ShortfallError(result.capacity);
    allocations = result.allocations;
  }

  const levels: LevelChange[] = [];
  const records: RecordWrite[] = [];
  for (const loc of new Set([...Object.keys(current), ...Object.keys(allocations)])) {
    const delta = (allocations[loc]?.quantity ?? 0) - (current[loc] ?? 0);
    if (delta === 0) continue;
    const level: LevelRecord | undefined = state.variant?.levels[loc];
    if (delta > 0) {
      const newBackorder = Math.max(0, (allocations[loc]?.backordered ?? 0) - liveBackordered(existing, loc));
      const inStock = delta - newBackorder;
      const creates = !!state.variant && !level;
      levels.push({
        variantId,
        locationId: loc,
        deltas: deltas({ softReserved: delta }),
        expect: creates ? { kind: 'exact', version: 0 } : { kind: 'guard', atLeast: inStock > 0 ? { available: inStock } : {} },
        createsVariant: creates && !state.variant!.exists,
        requireBackorderPolicy: newBackorder > 0,
        movement: { type: 'cart_hold', reference: `cart:${cartId}`, reason: 'held by cart' },
        onFail: (l) => new ShortfallError(Math.max(0, l?.available ?? 0) + (current[loc] ?? 0)),
      });
      records.push({
        op: 'location-active',
        locationId: loc,
        onFail: (exists) =>
          exists
            ? insufficientStock(`Location ${loc} does not sell (it is inactive).`, 0, { locationId: loc })
            : notFound(`Location ${loc}`),
      });
    } else {
      levels.push({
        variantId,
        locationId: loc,
        deltas: deltas({ softReserved: delta }),
        expect: { kind: 'guard', atLeast: { softReserved: -delta } },
        movement: { type: 'cart_release', reference: `cart:${cartId}`, reason: 'cart line reduced or moved' },
        onFail: () => new ConcurrentChangeError(),
      });
    }
  }

  const line: CartLineRecord = {
    quantity: q,
    backordered: Object.values(allocations).reduce((s, a) => s + a.backordered, 0),
    allocations,
    expired: false,
    updatedAt: now.toISOString(),
  };
  const cart = state.cart;
  if (cart && !has(cart.lines, variantId) && Object.keys(cart.lines).length >= MAX_CART_LINES) throw cartFull();
  records.push({
    op: 'cart',
    cartId,
    set: dict([[variantId, line]]),
    remove: [],
    expiresAt,
    keepUntil: keepUntil(deps, expiresAt, now),
    newHoldId: randomUUID(),
    expect: cart
      ? { revision: cart.revision, lineCount: Object.keys(cart.lines).length + (has(cart.lines, variantId) ? 0 : 1) }
      : { lineAbsent: variantId, maxLines: MAX_CART_LINES },
    onFail: (seen) => {
      if (seen && !has(seen.lines, variantId) && Object.keys(seen.lines).length >= MAX_CART_LINES) return cartFull();
      state.cart = seen;
      return new ConcurrentChangeError();
    },
  });
  const result = lineView(
    expiresAt,
    cartId,
    variantId,
    line,
    now,
    state.variant ? expectedDateOf(state.variant) : null,
  );
  return { change: { levels, records }, result };
}

const cartFull = () => conflict(`A cart holds at most ${MAX_CART_LINES} lines.`, { maxLines: MAX_CART_LINES });

/** Releases a line's hold at once and removes it from the cart. */
export async function removeCartLine(deps: Deps, cartId: string, variantId: string): Promise<CartLine> {
  return runCommand(deps, async () => {
    const now = deps.clock.now();
    const cart = await deps.store.getCart(cartId);
    const existing = cart?.lines[variantId];
    const result = lineView(null, cartId, variantId, undefined, now, null);
    if (!cart || !existing) return { change: null, result };
    return { change: releaseLines(deps, cart, [variantId], now, 'removed from cart'), result };
  });
}

/** Releases every hold of the cart and deletes it. */
export async function clearCart(deps: Deps, cartId: string): Promise<Cart> {
  return runCommand(deps, async () => {
    const now = deps.clock.now();
    const cart = await deps.store.getCart(cartId);
    const result: Cart = { cartId, lines: [], expiresAt: null };
    if (!cart) return { change: null, result };
    return { change: releaseLines(deps, cart, Object.keys(cart.lines), now, 'cart cleared'), result };
  });
}

/** The change that removes lines from a cart, releasing their live holds; the cart goes when empty. */
function releaseLines(deps: Deps, cart: CartRecord, variantIds: string[], now: Date, reason: string) {
  const levels: LevelChange[] = [];
  for (const variantId of variantIds) {
    for (const [loc, q] of Object.entries(liveQuantities(cart.lines[variantId]))) {
      levels.push({
        variantId,
        locationId: loc,
        deltas: deltas({ softReserved: -q }),
        expect: { kind: 'guard', atLeast: { softReserved: q } },
        movement: { type: 'cart_release', reference: `cart:${cart.cartId}`, reason },
        onFail: () => new ConcurrentChangeError(),
      });
    }
  }
  const remaining = Object.keys(cart.lines).filter((v) => !variantIds.includes(v));
  const anyLive = remaining.some((v) => !cart.lines[v].expired);
  const onFail = () => new ConcurrentChangeError();
  const expiresAt = anyLive ? new Date(now.getTime() + deps.holdSeconds * 1000).toISOString() : null;
  const record: RecordWrite =
    remaining.length === 0
      ? { op: 'cart-delete', cartId: cart.cartId, expect: { revision: cart.revision }, onFail }
      : {
          op: 'cart',
          cartId: cart.cartId,
          set: dict(),
          remove: variantIds,
          expiresAt,
          keepUntil: keepUntil(deps, expiresAt, now),
          newHoldId: randomUUID(),
          expect: { revision: cart.revision, lineCount: remaining.length },
          onFail,
        };
  return { levels, records: [record] };
}

export async function getCart(deps: Deps, cartId: string): Promise<Cart> {
  const now = deps.clock.now();
  const cart = await deps.store.getCart(cartId);
  if (!cart) return { cartId, lines: [], expiresAt: null };
  const entries = Object.entries(cart.lines).sort(([a], [b]) => a.localeCompare(b));
  const backordered = entries.filter(([, l]) => l.backordered > 0).map(([v]) => v);
  const variants = backordered.length ? await deps.store.getVariants(backordered, []) : [];
  const dates = new Map(variants.map((v) => [v.variantId, expectedDateOf(v)]));
  const anyLive = entries.some(([, l]) => !l.expired);
  return {
    cartId,
    lines: entries.map(([v, l]) => lineView(cart.expiresAt, cartId, v, l, now, dates.get(v) ?? null)),
    expiresAt: anyLive ? cart.expiresAt : null,
  };
}

/** A line set is a hold granted (HoldsGranted); an insufficient_stock answer, a hold refused (HoldsRefused). */
async function countedHold(deps: Deps, answer: Promise<CartLine>): Promise<CartLine> {
  try {
    const line = await answer;
    deps.metrics?.count('HoldsGranted');
    return line;
  } catch (err) {
    if (err instanceof DomainError && err.code === 'insufficient_stock') deps.metrics?.count('HoldsRefused');
    throw err;
  }
}
