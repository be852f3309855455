// Proves that races never leak, double-release or starve: on one cart id (lines set and removed, the cart deleted and re-created,
// checkouts) softReserved stays exactly the sum of live holds and hardReserved the sum of open order lines; adjustments apply under
// heavy cart traffic on the same variant.
import { adjustStock } from '../../functions/core/commands/adjust-stock';
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
  if (!(err instanceof DomainError)) throw err;
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

test('delta adjustments never lose to cart traffic on the same variant: each applies once, none refused', async () => {
  const sku = uid('sku');
  await openingStock(t.deps, sku, 'wh-a', 1_000);
  let carting = true;
  const carts = Array.from({ length: 30 }, (_, i) =>
    (async () => {
      while (carting) {
        await setCartLine(t.deps, `${sku}-cart-${i}`, sku, { quantity: 1 + Math.floor(Math.random() * 3), locationId: 'wh-a' }).catch(expected);
      }
    })(),
  );
  const results = await Promise.allSettled(
    Array.from({ length: 23 }, (_, i) => adjustStock(t.deps, { variantId: sku, locationId: 'wh-a', delta: i % 2 ? 5 : -3, reason: 'recount' }, uid('adj'))),
  );
  carting = false;
  await Promise.all(carts);
  expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual([]);
  const applied = Array.from({ length: 23 }, (_, i) => (i % 2 ? 5 : -3)).reduce((a, b) => a + b, 0);
  expect(await levelAt(t.deps, sku, 'wh-a')).toMatchObject({ onHand: 1_000 + applied });

  // A count (on-hand set to a figure) only has to win against other on-hand changes, not against holds.
  carting = true;
  const more = Array.from({ length: 30 }, (_, i) =>
    (async () => {
      while (carting) await setCartLine(t.deps, `${sku}-cart-${i}`, sku, { quantity: 1 + Math.floor(Math.random() * 3), locationId: 'wh-a' }).catch(expected);
    })(),
  );
  const counted = await adjustStock(t.deps, { variantId: sku, locationId: 'wh-a', onHand: 777, reason: 'stock-take' }, uid('adj'));
  carting = false;
  await Promise.all(more);
  expect(counted.onHand).toBe(777);
  expect(await levelAt(t.deps, sku, 'wh-a')).toMatchObject({ onHand: 777 });
});
