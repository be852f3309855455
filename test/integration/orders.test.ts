// Proves checkout, fulfilment and cancellation against DynamoDB Local: all or nothing, idempotent, safe under concurrency.
import { adjustStock } from '../../functions/core/commands/adjust-stock';
import { getCart, setCartLine } from '../../functions/core/commands/carts';
import { releaseExpiredCarts } from '../../functions/core/commands/expiry';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { cancelOrder, checkout, fulfil, getOrder } from '../../functions/core/commands/orders';
import { listMovements } from '../../functions/core/commands/read-stock';
import { getVariant, putVariant } from '../../functions/core/commands/variants';
import { levelAt, openingStock, uid } from '../support/fixtures';
import { createTestTable, type TestTable } from '../support/table';

let t: TestTable;

beforeAll(async () => {
  t = await createTestTable();
  await putLocation(t.deps, 'wh-1', { name: 'Warehouse 1', type: 'warehouse' });
  await putLocation(t.deps, 'wh-2', { name: 'Warehouse 2', type: 'warehouse' });
});
afterAll(() => t.drop());
beforeEach(() => forgetCachedLocations());

const stock = (variantId: string, locationId: string, onHand: number) => openingStock(t.deps, variantId, locationId, onHand);
const level = async (variantId: string, locationId: string) => (await levelAt(t.deps, variantId, locationId))!;

async function cartWith(lines: [string, number, string?][]): Promise<string> {
  const cart = uid('cart');
  for (const [sku, q, loc] of lines) await setCartLine(t.deps, cart, sku, { quantity: q, ...(loc ? { locationId: loc } : {}) });
  return cart;
}

describe('checkout', () => {
  it('turns every hold into a hard reservation, empties the cart, and repeats with the same result', async () => {
    const a = uid('sku');
    const b = uid('sku');
    await stock(a, 'wh-1', 5);
    await stock(b, 'wh-1', 2);
    await stock(b, 'wh-2', 2);
    const cart = await cartWith([[a, 2, 'wh-1'], [b, 3]]);
    const order = uid('order');
    const result = await checkout(t.deps, cart, order);
    expect(result.lines).toEqual([
      { variantId: a, quantity: 2, allocations: [{ locationId: 'wh-1', quantity: 2 }] },
      { variantId: b, quantity: 3, allocations: [{ locationId: 'wh-1', quantity: 2 }, { locationId: 'wh-2', quantity: 1 }] },
    ].sort((x, y) => x.variantId.localeCompare(y.variantId)));
    expect(await level(a, 'wh-1')).toMatchObject({ softReserved: 0, hardReserved: 2, available: 3 });
    expect((await getVariant(t.deps, b))).toMatchObject({ softReserved: 0, hardReserved: 3, available: 1 });
    expect((await getCart(t.deps, cart)).lines).toEqual([]);
    expect(await checkout(t.deps, cart, order)).toEqual(result);
    expect((await getVariant(t.deps, b)).hardReserved).toBe(3);
    const view = await getOrder(t.deps, order);
    expect(view).toMatchObject({ orderId: order, cartId: cart, status: 'open' });
    expect(view.lines).toContainEqual({ variantId: a, locationId: 'wh-1', reserved: 2, fulfilled: 0, cancelled: 0, backordered: 0 });
  });

  it('refuses an empty cart, and an orderId already used by another cart', async () => {
    await expect(checkout(t.deps, uid('cart'), uid('order'))).rejects.toMatchObject({ code: 'conflict' });
    const sku = uid('sku');
    await stock(sku, 'wh-1', 5);
    const order = uid('order');
    await checkout(t.deps, await cartWith([[sku, 1, 'wh-1']]), order);
    await expect(checkout(t.deps, await cartWith([[sku, 1, 'wh-1']]), order)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('re-reserves a lapsed hold if stock allows, else refuses all of it and changes nothing', async () => {
    const sku = uid('sku');
    const other = uid('sku');
    await stock(sku, 'wh-1', 3);
    await stock(other, 'wh-1', 3);
    const cart = await cartWith([[sku, 2, 'wh-1'], [other, 1, 'wh-1']]);
    t.deps.clock.advance(1801);
    try {
      expect(await releaseExpiredCarts(t.deps, { by: 'sweeper' })).toBeGreaterThanOrEqual(1);
      expect(await level(sku, 'wh-1')).toMatchObject({ softReserved: 0, available: 3 });
      // Someone else takes two of the three.
      await setCartLine(t.deps, uid('cart'), sku, { quantity: 2, locationId: 'wh-1' });
      const err = await checkout(t.deps, cart, uid('order')).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'insufficient_stock', details: { available: 1, variantId: sku } });
      expect(await level(other, 'wh-1')).toMatchObject({ softReserved: 0, hardReserved: 0 });
      expect((await getCart(t.deps, cart)).lines.every((l) => l.expired)).toBe(true);
      // With stock back, the same cart checks out.
      await adjustStock(t.deps, { variantId: sku, locationId: 'wh-1', delta: 5, reason: 'delivery' }, uid('adj'));
      const ok = await checkout(t.deps, cart, uid('order'));
      expect(ok.lines).toHaveLength(2);
      expect(await level(sku, 'wh-1')).toMatchObject({ hardReserved: 2, softReserved: 2, onHand: 8, available: 4 });
    } finally {
      t.deps.clock.advance(-1801);
    }
  });

  it('concurrent checkouts of one cart with one orderId reserve once', async () => {
    const sku = uid('sku');
    await stock(sku, 'wh-1', 5);
    const cart = await cartWith([[sku, 3, 'wh-1']]);
    const order = uid('order');
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => checkout(t.deps, cart, order)));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await level(sku, 'wh-1')).toMatchObject({ softReserved: 0, hardReserved: 3, available: 2 });
  });
});

describe('fulfilment and cancellation', () => {
  async function orderOf(sku: string, q: number) {
    const order = uid('order');
    await checkout(t.deps, await cartWith([[sku, q, 'wh-1']]), order);
    return order;
  }

  it('fulfilment consumes on-hand and hard-reserved; repeating a fulfillmentId does nothing', async () => {
    const sku = uid('sku');
    await stock(sku, 'wh-1', 10);
    const order = await orderOf(sku, 4);
    const f = await fulfil(t.deps, order, { fulfillmentId: 'f-1', lines: [{ variantId: sku, locationId: 'wh-1', quantity: 3 }] });
    expect(f.lines[0]).toMatchObject({ reserved: 1, fulfilled: 3 });
    await fulfil(t.deps, order, { fulfillmentId: 'f-1', lines: [{ variantId: sku, locationId: 'wh-1', quantity: 3 }] });
    expect(await level(sku, 'wh-1')).toMatchObject({ onHand: 7, hardReserved: 1, available: 6 });
    // The same fulfillmentId with other lines is not the same fulfilment: refused, as a reused Idempotency-Key is.
    await expect(
      fulfil(t.deps, order, { fulfillmentId: 'f-1', lines: [{ variantId: sku, locationId: 'wh-1', quantity: 1 }] }),
    ).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    expect(await level(sku, 'wh-1')).toMatchObject({ onHand: 7, hardReserved: 1, available: 6 });
    await expect(
      fulfil(t.deps, order, { fulfillmentId: 'f-2', lines: [{ variantId: sku, locationId: 'wh-1', quantity: 2 }] }),
    ).rejects.toMatchObject({ code: 'conflict', details: { reserved: 1 } });
    const { movements } = await listMovements(t.deps, sku, {});
    expect(movements.filter((m) => m.type === 'fulfillment')).toEqual([
      expect.objectContaining({ reference: `order:${order}/fulfillment:f-1`, deltas: { onHand: -3, softReserved: 0, hardReserved: -3, incoming: 0, damaged: 0, qualityControl: 0, safetyStock: 0 } }),
    ]);
  });

  it('cancellation releases the given lines, or all unfulfilled by default', async () => {
    const sku = uid('sku');
    await stock(sku, 'wh-1', 10);
    const order = await orderOf(sku, 5);
    await fulfil(t.deps, order, { fulfillmentId: 'f', lines: [{ variantId: sku, locationId: 'wh-1', quantity: 1 }] });
    const part = await cancelOrder(t.deps, order, { lines: [{ variantId: sku, locationId: 'wh-1', quantity: 2 }] });
    expect(part.lines[0]).toMatchObject({ reserved: 2, fulfilled: 1, cancelled: 2 });
    const rest = await cancelOrder(t.deps, order, {});
    expect(rest).toMatchObject({ status: 'closed' });
    expect(rest.lines[0]).toMatchObject({ reserved: 0, fulfilled: 1, cancelled: 4 });
    expect(await level(sku, 'wh-1')).toMatchObject({ onHand: 9, hardReserved: 0, available: 9 });
    await expect(cancelOrder(t.deps, order, { lines: [{ variantId: sku, locationId: 'wh-1', quantity: 1 }] })).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(getOrder(t.deps, uid('order'))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('concurrent fulfilments and cancellations never release or consume more than reserved', async () => {
    const sku = uid('sku');
    await stock(sku, 'wh-1', 20);
    const order = await orderOf(sku, 10);
    const ops = [
      ...Array.from({ length: 6 }, (_, i) =>
        fulfil(t.deps, order, { fulfillmentId: `f-${i}`, lines: [{ variantId: sku, locationId: 'wh-1', quantity: 2 }] }),
      ),
      ...Array.from({ length: 4 }, () => cancelOrder(t.deps, order, { lines: [{ variantId: sku, locationId: 'wh-1', quantity: 2 }] })),
    ];
    await Promise.allSettled(ops);
    const view = await getOrder(t.deps, order);
    const line = view.lines[0];
    expect(line.reserved + line.fulfilled + line.cancelled).toBe(10);
    expect(line.reserved).toBe(0);
    expect(await level(sku, 'wh-1')).toMatchObject({ onHand: 20 - line.fulfilled, hardReserved: 0, available: 20 - line.fulfilled });
  });

  it('a backordered unit cannot ship before stock arrives', async () => {
    const sku = uid('sku');
    await putVariant(t.deps, sku, { backorderPolicy: 'allow' });
    await stock(sku, 'wh-1', 1);
    const order = await orderOf(sku, 3);
    expect((await getOrder(t.deps, order)).lines[0]).toMatchObject({ reserved: 3, backordered: 2 });
    await expect(
      fulfil(t.deps, order, { fulfillmentId: 'f', lines: [{ variantId: sku, locationId: 'wh-1', quantity: 3 }] }),
    ).rejects.toMatchObject({ code: 'conflict', details: { onHand: 1 } });
    await adjustStock(t.deps, { variantId: sku, locationId: 'wh-1', delta: 2, reason: 'delivery' }, uid('adj'));
    await fulfil(t.deps, order, { fulfillmentId: 'f', lines: [{ variantId: sku, locationId: 'wh-1', quantity: 3 }] });
    expect(await level(sku, 'wh-1')).toMatchObject({ onHand: 0, hardReserved: 0, available: 0 });
  });
});
