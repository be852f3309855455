// Proves soft reservations against DynamoDB Local: holds, changes, removal, allocation, backorder policies, no oversell under concurrency.
import { clearCart, getCart, MAX_CART_LINES, removeCartLine, setCartLine } from '../../functions/core/commands/carts';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { listMovements } from '../../functions/core/commands/read-stock';
import { getVariant, putVariant } from '../../functions/core/commands/variants';
import { levelAt, openingStock, uid } from '../support/fixtures';
import { createTestTable, type TestTable } from '../support/table';

let t: TestTable;

beforeAll(async () => {
  t = await createTestTable();
  await putLocation(t.deps, 'wh-1', { name: 'Warehouse 1', type: 'warehouse' });
  await putLocation(t.deps, 'wh-2', { name: 'Warehouse 2', type: 'warehouse' });
  await putLocation(t.deps, 'closed', { name: 'Closed store', type: 'retail', active: false });
});
afterAll(() => t.drop());
beforeEach(() => forgetCachedLocations());

const stock = (variantId: string, locationId: string, onHand: number) => openingStock(t.deps, variantId, locationId, onHand);
const level = (variantId: string, locationId: string) => levelAt(t.deps, variantId, locationId);

describe('holding stock in a cart', () => {
  it('holds at a location: soft rises, available falls, the hold expires after the hold period', async () => {
    const sku = uid('sku');
    await stock(sku, 'wh-1', 10);
    const line = await setCartLine(t.deps, 'cart-1', sku, { quantity: 3, locationId: 'wh-1' });
    expect(line).toMatchObject({ cartId: 'cart-1', variantId: sku, quantity: 3, allocations: [{ locationId: 'wh-1', quantity: 3 }], backorderedQuantity: 0 });
    const expiresIn = Date.parse(line.expiresAt!) - Date.now();
    expect(expiresIn).toBeGreaterThan(1790_000);
    expect(expiresIn).toBeLessThanOrEqual(1800_000);
    expect(await level(sku, 'wh-1')).toMatchObject({ onHand: 10, softReserved: 3, available: 7 });
  });

  it('changes a line up and down, and removing it releases everything', async () => {
    const sku = uid('sku');
    const cart = uid('cart');
    await stock(sku, 'wh-1', 10);
    await setCartLine(t.deps, cart, sku, { quantity: 2, locationId: 'wh-1' });
    await setCartLine(t.deps, cart, sku, { quantity: 6, locationId: 'wh-1' });
    expect(await level(sku, 'wh-1')).toMatchObject({ softReserved: 6, available: 4 });
    await setCartLine(t.deps, cart, sku, { quantity: 1, locationId: 'wh-1' });
    expect(await level(sku, 'wh-1')).toMatchObject({ softReserved: 1, available: 9 });
    const removed = await setCartLine(t.deps, cart, sku, { quantity: 0 });
    expect(removed).toMatchObject({ quantity: 0, allocations: [] });
    expect(await level(sku, 'wh-1')).toMatchObject({ softReserved: 0, available: 10 });
    expect((await getCart(t.deps, cart)).lines).toEqual([]);
    const { movements } = await listMovements(t.deps, sku, {});
    expect(movements.map((m) => [m.type, m.deltas.softReserved])).toEqual([
      ['adjustment', 0],
      ['cart_hold', 2],
      ['cart_hold', 4],
      ['cart_release', -5],
      ['cart_release', -1],
    ]);
  });

  it('refuses more than is available under deny, keeping the earlier hold as it was', async () => {
    const sku = uid('sku');
    const cart = uid('cart');
    await stock(sku, 'wh-1', 5);
    await setCartLine(t.deps, cart, sku, { quantity: 2, locationId: 'wh-1' });
    await setCartLine(t.deps, uid('other'), sku, { quantity: 2, locationId: 'wh-1' });
    const err = await setCartLine(t.deps, cart, sku, { quantity: 4, locationId: 'wh-1' }).catch((e: unknown) => e);
    // This cart can hold at most its own 2 plus the 1 still available.
    expect(err).toMatchObject({ code: 'insufficient_stock', details: { available: 3 } });
    expect((await getCart(t.deps, cart)).lines[0]).toMatchObject({ quantity: 2 });
    expect(await level(sku, 'wh-1')).toMatchObject({ softReserved: 4, available: 1 });
    // Reducing always succeeds, even with nothing available.
    await setCartLine(t.deps, uid('other'), sku, { quantity: 1, locationId: 'wh-1' });
    expect(await setCartLine(t.deps, cart, sku, { quantity: 1, locationId: 'wh-1' })).toMatchObject({ quantity: 1 });
  });

  it('refuses a variant nobody stocked, and an inactive or unknown location', async () => {
    await expect(setCartLine(t.deps, uid('cart'), uid('sku'), { quantity: 1 })).rejects.toMatchObject({
      code: 'insufficient_stock',
      details: { available: 0 },
    });
    const sku = uid('sku');
    await stock(sku, 'closed', 5);
    await expect(setCartLine(t.deps, uid('cart'), sku, { quantity: 1, locationId: 'closed' })).rejects.toMatchObject({
      code: 'insufficient_stock',
    });
    await expect(setCartLine(t.deps, uid('cart'), sku, { quantity: 1 })).rejects.toMatchObject({ code: 'insufficient_stock' });
    await expect(setCartLine(t.deps, uid('cart'), sku, { quantity: 1, locationId: 'no-such-place' })).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(await level(sku, 'closed')).toMatchObject({ softReserved: 0, available: 5 });
  });

  it('allocates across active locations, most available first, and splits a line when it must', async () => {
    const sku = uid('sku');
    await stock(sku, 'wh-1', 3);
    await stock(sku, 'wh-2', 5);
    await stock(sku, 'closed', 50);
    const one = await setCartLine(t.deps, uid('cart'), sku, { quantity: 4 });
    expect(one.allocations).toEqual([{ locationId: 'wh-2', quantity: 4 }]);
    const split = await setCartLine(t.deps, uid('cart'), sku, { quantity: 4 });
    expect(split.allocations).toEqual([
      { locationId: 'wh-1', quantity: 3 },
      { locationId: 'wh-2', quantity: 1 },
    ]);
    await expect(setCartLine(t.deps, uid('cart'), sku, { quantity: 1 })).rejects.toMatchObject({ code: 'insufficient_stock', details: { available: 0 } });
    expect(await level(sku, 'closed')).toMatchObject({ softReserved: 0 });
  });

  it('keeps what a line holds where it is when the line grows', async () => {
    const sku = uid('sku');
    const cart = uid('cart');
    await stock(sku, 'wh-1', 4);
    await stock(sku, 'wh-2', 6);
    await setCartLine(t.deps, cart, sku, { quantity: 2, locationId: 'wh-1' });
    const grown = await setCartLine(t.deps, cart, sku, { quantity: 5 });
    expect(grown.allocations).toEqual([{ locationId: 'wh-1', quantity: 4 }, { locationId: 'wh-2', quantity: 1 }]);
    expect(await level(sku, 'wh-1')).toMatchObject({ softReserved: 4, available: 0 });
  });

  it('backorders under allow and preorder, with the expected date for preorder', async () => {
    const allow = uid('sku');
    await putVariant(t.deps, allow, { backorderPolicy: 'allow' });
    await stock(allow, 'wh-1', 2);
    const a = await setCartLine(t.deps, uid('cart'), allow, { quantity: 5, locationId: 'wh-1' });
    expect(a).toMatchObject({ quantity: 5, backorderedQuantity: 3, expectedAvailabilityDate: null });
    expect(await level(allow, 'wh-1')).toMatchObject({ softReserved: 5, available: -3 });

    const pre = uid('sku');
    await putVariant(t.deps, pre, { backorderPolicy: 'preorder', expectedAvailabilityDate: '2027-02-01' });
    const p = await setCartLine(t.deps, uid('cart'), pre, { quantity: 2 });
    expect(p).toMatchObject({ quantity: 2, backorderedQuantity: 2, expectedAvailabilityDate: '2027-02-01' });
    expect(p.allocations).toHaveLength(1);
  });

  it('clears a whole cart and deletes a line', async () => {
    const sku1 = uid('sku');
    const sku2 = uid('sku');
    const cart = uid('cart');
    await stock(sku1, 'wh-1', 5);
    await stock(sku2, 'wh-1', 5);
    await setCartLine(t.deps, cart, sku1, { quantity: 1, locationId: 'wh-1' });
    await setCartLine(t.deps, cart, sku2, { quantity: 2, locationId: 'wh-1' });
    expect((await getCart(t.deps, cart)).lines.map((l) => l.variantId)).toEqual([sku1, sku2].sort());
    await removeCartLine(t.deps, cart, sku1);
    expect((await getCart(t.deps, cart)).lines.map((l) => l.variantId)).toEqual([sku2]);
    await clearCart(t.deps, cart);
    expect(await getCart(t.deps, cart)).toEqual({ cartId: cart, lines: [], expiresAt: null });
    expect(await level(sku1, 'wh-1')).toMatchObject({ softReserved: 0 });
    expect(await level(sku2, 'wh-1')).toMatchObject({ softReserved: 0 });
  });

  it(`caps a cart at ${MAX_CART_LINES} lines`, async () => {
    const cart = uid('cart');
    const sku = uid('sku');
    for (let i = 0; i <= MAX_CART_LINES; i++) await stock(`${sku}-${i}`, 'wh-1', 1);
    for (let i = 0; i < MAX_CART_LINES; i++) await setCartLine(t.deps, cart, `${sku}-${i}`, { quantity: 1, locationId: 'wh-1' });
    await expect(setCartLine(t.deps, cart, `${sku}-${MAX_CART_LINES}`, { quantity: 1, locationId: 'wh-1' })).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await level(`${sku}-${MAX_CART_LINES}`, 'wh-1')).toMatchObject({ softReserved: 0 });
  });
});

describe('concurrency', () => {
  it.each([
    ['one location', ['wh-1'], 20],
    ['two locations', ['wh-1', 'wh-2'], 10],
  ])('%s: 60 shoppers racing for 20 units get exactly 20 holds', async (_name, locations, each) => {
    const sku = uid('sku');
    for (const l of locations) await stock(sku, l, each);
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => setCartLine(t.deps, `race-${sku}-${i}`, sku, { quantity: 1 })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(won).toHaveLength(20);
    expect(lost.every((r) => (r.reason as { code?: string }).code === 'insufficient_stock')).toBe(true);
    const v = await getVariant(t.deps, sku);
    expect(v).toMatchObject({ onHand: 20, softReserved: 20, available: 0 });
    expect(v.locations.every((l) => l.available === 0)).toBe(true);
  });

  it('one shopper changing a line many times at once ends consistent with its last state', async () => {
    const sku = uid('sku');
    const cart = uid('cart');
    await stock(sku, 'wh-1', 100);
    await Promise.allSettled(Array.from({ length: 10 }, (_, i) => setCartLine(t.deps, cart, sku, { quantity: i + 1, locationId: 'wh-1' })));
    const held = (await getCart(t.deps, cart)).lines[0].quantity;
    expect(await level(sku, 'wh-1')).toMatchObject({ softReserved: held, available: 100 - held });
  });
});
