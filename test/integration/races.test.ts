// Proves that races on one cart id (lines set and removed, the cart deleted and re-created, checkouts) never leak or double-release
// stock: afterwards softReserved is exactly the sum of live holds and hardReserved the sum of open order lines.
import { clearCart, getCart, removeCartLine, setCartLine } from '../../functions/core/commands/carts';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { checkout, getOrder } from '../../functions/core/commands/orders';
import { DomainError } from '../../functions/core/errors';
import { levelAt, openingStock, uid } from '../support/fixtures';
import { createTestTable, type TestTable } from '../support/table';

jest.setTimeout(180_000);

let t: TestTable;

beforeAll(async () => {
  t = await createTestTable();
  await putLocation(t.deps, 'wh-a', { name: 'A', type: 'warehouse' });
  forgetCachedLocations();
});
afterAll(() => t.drop());

/** Refusals and conflicts are answers a client can get; anything else fails the test. */
const expected = (err: unknown) => {
  if (!(err instanceof DomainError) || err.code === 'internal_error') throw err;
};

test('a cart deleted and re-created mid-request: stale plans never apply to the new cart', async () => {
  const sku = uid('sku');
  await openingStock(t.deps, sku, 'wh-a', 10_000);
  const other = uid('other');
  await setCartLine(t.deps, other, sku, { quantity: 500, locationId: 'wh-a' });
  const cart = uid('cart');
  const orders: string[] = [];
  for (let round = 0; round < 60; round++) {
    const orderId = uid('order');
    orders.push(orderId);
    const ops: Promise<unknown>[] = [
      ...Array.from({ length: 4 }, () => setCartLine(t.deps, cart, sku, { quantity: 1 + Math.floor(Math.random() * 5), locationId: 'wh-a' })),
      ...Array.from({ length: 3 }, () => clearCart(t.deps, cart)),
      ...Array.from({ length: 2 }, () => removeCartLine(t.deps, cart, sku)),
      checkout(t.deps, cart, orderId),
    ];
    await Promise.all(ops.map((p) => p.catch(expected)));
  }
  const live = (await getCart(t.deps, cart)).lines.filter((l) => !l.expired).reduce((s, l) => s + l.quantity, 0);
  let hard = 0;
  for (const o of orders) {
    const order = await getOrder(t.deps, o).catch(() => undefined);
    hard += order?.lines.reduce((s, l) => s + l.reserved, 0) ?? 0;
  }
  expect(await levelAt(t.deps, sku, 'wh-a')).toMatchObject({ softReserved: 500 + live, hardReserved: hard });
});
