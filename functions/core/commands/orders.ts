/**
 * Hard reservations. Checkout turns every hold of a cart into the order's reservation, all or nothing;
 * fulfilment consumes on-hand and hard-reserved together; cancellation releases what is unfulfilled.
 * The order is one item, so fulfilments and cancellations of one order serialise on its version.
 */
import type { Deps } from '../deps';
import { dict, mapDict, type Dict } from '../dict';
import { ConcurrentChangeError, conflict, insufficientStock, notFound } from '../errors';
import type { IdempotencyRequest } from '../run-command';
import { runCommand } from '../run-command';
import type { CheckoutResponse, Order } from '../schemas';
import { releaseExpiredCarts } from './expiry';
import { cachedLocations } from './locations';
import { deltas, key, newLevel } from '../planned-change';
import type { LevelChange, RecordWrite } from '../planned-change';
import type { OrderLineRecord, OrderRecord, VariantRecord } from '../records';
import { alreadyRecorded, linesFingerprint } from '../rules';
import { allocationsView } from '../views';
import { orderView } from '../views';

class ReReserveShortError extends Error {
  constructor(
    readonly variantId: string,
    readonly locationId: string,
    readonly available: number,
  ) {
    super('short');
  }
}

/**
 * Checkout: live holds move from softReserved to hardReserved; a line whose hold lapsed and was
 * released is reserved again if the stock is still there (else 409 insufficient_stock, nothing
 * changed). Repeating it with the same orderId returns the first result.
 */
export async function checkout(
  deps: Deps,
  cartId: string,
  orderId: string,
  idempotency?: IdempotencyRequest,
): Promise<CheckoutResponse> {
  let reclaimed = false;
  // A lapsed hold that cannot be re-reserved: release expired holds of that variant nobody has released
  // yet, once, and plan again; else refuse with what is available.
  const recover = async (err: unknown): Promise<void> => {
    if (!(err instanceof ReReserveShortError)) throw err;
    if (!reclaimed) {
      reclaimed = true;
      if ((await releaseExpiredCarts(deps, { variantId: err.variantId, by: 'reclaim' })) > 0) return;
    }
    throw insufficientStock(
      `The hold on ${err.variantId} at ${err.locationId} lapsed and only ${err.available} are available now.`,
      err.available,
      { variantId: err.variantId, locationId: err.locationId },
    );
  };
  // Counted when the plan committed placed the order: not when it found the order placed already (a repeat).
  let placed = false;
  const response = await runCommand(deps, () => planCheckout(deps, cartId, orderId).then((p) => ((placed = p.change !== null), p)), { idempotency, recover });
  if (placed) deps.metrics?.count('Checkouts');
  return response;
}

async function planCheckout(deps: Deps, cartId: string, orderId: string) {
  const [first, cart] = await Promise.all([deps.store.getOrder(orderId), deps.store.getCart(cartId)]);
  // A concurrent checkout of this order may have committed between the two reads (the cart gone, the
  // order not seen yet): before calling the cart empty, look at the order again.
  const existing = first ?? (!cart ? await deps.store.getOrder(orderId) : undefined);
  if (existing) {
    if (existing.cartId !== cartId) throw conflict(`Order ${orderId} was checked out from another cart.`);
    return { change: null, result: existing.checkout };
  }
  if (!cart || Object.keys(cart.lines).length === 0) throw conflict(`Cart ${cartId} has nothing to check out.`);

  const lapsed = Object.entries(cart.lines).filter(([, l]) => l.expired).map(([v]) => v);
  const variants = new Map<string, VariantRecord>(
    lapsed.length ? (await deps.store.getVariants(lapsed, [...new Set(lapsed.flatMap((v) => Object.keys(cart.lines[v].allocations)))])).map((v) => [v.variantId, v]) : [],
  );
  const active = new Set((await cachedLocations(deps)).filter((l) => l.active).map((l) => l.locationId));
  const levels: LevelChange[] = [];
  const records: RecordWrite[] = [];
  const orderLines = dict<OrderLineRecord>();
  const response: CheckoutResponse = { orderId, cartId, lines: [] };
  const reference = `order:${orderId}`;

  for (const [variantId, line] of Object.entries(cart.lines).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [loc, a] of Object.entries(line.allocations)) {
      if (!line.expired) {
        levels.push({
          variantId,
          locationId: loc,
          deltas: deltas({ softReserved: -a.quantity, hardReserved: a.quantity }),
          expect: { kind: 'guard', atLeast: { softReserved: a.quantity } },
          movement: { type: 'checkout', reference, reason: `checked out from cart:${cartId}` },
          onFail: () => new ConcurrentChangeError(),
        });
      } else {
        // Re-reserve a lapsed line where it was held, if that location still sells and has the stock.
        const variant = variants.get(variantId)!;
        const available = variant.levels[loc]?.available ?? 0;
        const backorder = variant.backorderPolicy !== 'deny';
        const inStock = backorder ? Math.min(a.quantity, Math.max(0, available)) : a.quantity;
        if (!active.has(loc) || (!backorder && available < a.quantity)) {
          throw new ReReserveShortError(variantId, loc, active.has(loc) ? Math.max(0, available) : 0);
        }
        const creates = !variant.levels[loc];
        levels.push({
          variantId,
          locationId: loc,
          deltas: deltas({ hardReserved: a.quantity }),
          ...(creates ? newLevel(variant, loc) : { expect: { kind: 'guard', atLeast: inStock > 0 ? { available: inStock } : {} } }),
          requireBackorderPolicy: inStock < a.quantity,
          movement: { type: 'checkout', reference, reason: `re-reserved at checkout from cart:${cartId} after its hold lapsed` },
          onFail: (l) => new ReReserveShortError(variantId, loc, Math.max(0, l?.available ?? 0)),
        });
        records.push({ op: 'location-active', locationId: loc, onFail: () => new ReReserveShortError(variantId, loc, 0) });
      }
      orderLines[key(variantId, loc)] = {
        variantId,
        locationId: loc,
        reserved: a.quantity,
        fulfilled: 0,
        cancelled: 0,
        backordered: a.backordered,
      };
    }
    response.lines.push({
      variantId,
      quantity: line.quantity,
      allocations: allocationsView(line.allocations),
    });
  }

  const order: OrderRecord = {
    entity: 'Order',
    orderId,
    cartId,
    createdAt: deps.clock.now().toISOString(),
    lines: orderLines,
    checkout: response,
    fulfillments: [],
    version: 0,
  };
  records.push(
    { op: 'cart-delete', cartId, expect: { revision: cart.revision }, onFail: () => new ConcurrentChangeError() },
    { op: 'put', record: order, expect: 'absent' },
  );
  const change = { levels, records };
  const actions = deps.store.actionsFor(change, true);
  if (actions > deps.store.maxActions) {
    throw conflict(
      `This cart needs ${actions} writes to check out; one atomic checkout takes at most ${deps.store.maxActions}. Split it into smaller carts.`,
    );
  }
  return { change, result: response };
}

type LineQuantity = { variantId: string; locationId: string; quantity: number };

const sumLines = (lines: LineQuantity[]): Map<string, LineQuantity> => {
  const out = new Map<string, LineQuantity>();
  for (const l of lines) {
    const k = key(l.variantId, l.locationId);
    out.set(k, { ...l, quantity: (out.get(k)?.quantity ?? 0) + l.quantity });
  }
  return out;
};

/**
 * Moves quantities of an order's lines from reserved to fulfilled or cancelled; none may take more
 * than is still reserved (409 conflict). Returns the lines as they will be.
 */
function takeReserved(order: OrderRecord, wanted: Map<string, LineQuantity>, into: 'fulfilled' | 'cancelled'): Dict<OrderLineRecord> {
  const lines = mapDict(order.lines, (l) => ({ ...l }));
  for (const [k, l] of wanted) {
    const line = lines[k];
    if (!line || line.reserved < l.quantity) {
      throw conflict(
        `Order ${order.orderId} has ${line?.reserved ?? 0} of ${l.variantId} reserved at ${l.locationId}; ${l.quantity} cannot be ${into}.`,
        { variantId: l.variantId, locationId: l.locationId, reserved: line?.reserved ?? 0 },
      );
    }
    line.reserved -= l.quantity;
    line[into] += l.quantity;
  }
  return lines;
}

/** Fulfilment: on-hand and hard-reserved both fall. Idempotent by fulfillmentId. */
export async function fulfil(
  deps: Deps,
  orderId: string,
  body: { fulfillmentId: string; lines: LineQuantity[] },
  idempotency?: IdempotencyRequest,
): Promise<Order> {
  return runCommand(
    deps,
    async () => {
      const order = await deps.store.getOrder(orderId);
      if (!order) throw notFound(`Order ${orderId}`);
      const fingerprint = linesFingerprint(body.lines);
      if (alreadyRecorded(order.fulfillments, body.fulfillmentId, fingerprint, 'Fulfilment')) return { change: null, result: orderView(order) };
      const wanted = sumLines(body.lines);
      const lines = takeReserved(order, wanted, 'fulfilled');
      const levels: LevelChange[] = [...wanted.values()].map((l) => ({
        variantId: l.variantId,
        locationId: l.locationId,
        deltas: deltas({ onHand: -l.quantity, hardReserved: -l.quantity }),
        expect: { kind: 'guard', atLeast: { hardReserved: l.quantity, onHand: l.quantity } },
        movement: { type: 'fulfillment', reference: `order:${orderId}/fulfillment:${body.fulfillmentId}`, reason: 'fulfilled' },
        onFail: (lv) =>
          conflict(`Only ${lv?.onHand ?? 0} of ${l.variantId} are on hand at ${l.locationId}; the order's backordered units cannot ship yet.`, {
            onHand: lv?.onHand ?? 0,
          }),
      }));
      const next: OrderRecord = { ...order, lines, fulfillments: [...order.fulfillments, { id: body.fulfillmentId, fingerprint }] };
      return {
        change: { levels, records: [{ op: 'put', record: next, expect: { version: order.version } }] },
        result: orderView(next),
      };
    },
    { idempotency },
  );
}

/** Cancellation: releases the given (default: all unfulfilled) hard reservations back to available. */
export async function cancelOrder(
  deps: Deps,
  orderId: string,
  body: { lines?: LineQuantity[] },
  idempotency?: IdempotencyRequest,
): Promise<Order> {
  return runCommand(
    deps,
    async () => {
      const order = await deps.store.getOrder(orderId);
      if (!order) throw notFound(`Order ${orderId}`);
      const wanted = body.lines
        ? sumLines(body.lines)
        : new Map(
            Object.entries(order.lines)
              .filter(([, l]) => l.reserved > 0)
              .map(([k, l]) => [k, { variantId: l.variantId, locationId: l.locationId, quantity: l.reserved }]),
          );
      const lines = takeReserved(order, wanted, 'cancelled');
      const levels: LevelChange[] = [...wanted.values()].map((l) => ({
        variantId: l.variantId,
        locationId: l.locationId,
        deltas: deltas({ hardReserved: -l.quantity }),
        expect: { kind: 'guard', atLeast: { hardReserved: l.quantity } },
        movement: { type: 'order_cancel', reference: `order:${orderId}`, reason: 'order cancelled' },
        onFail: () => new ConcurrentChangeError(),
      }));
      const next: OrderRecord = { ...order, lines };
      if (levels.length === 0) return { change: null, result: orderView(order) };
      return {
        change: { levels, records: [{ op: 'put', record: next, expect: { version: order.version } }] },
        result: orderView(next),
      };
    },
    { idempotency },
  );
}

export async function getOrder(deps: Deps, orderId: string): Promise<Order> {
  const order = await deps.store.getOrder(orderId);
  if (!order) throw notFound(`Order ${orderId}`);
  return orderView(order);
}
