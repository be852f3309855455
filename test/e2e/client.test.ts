// Proves the typed client against `npm start`: the storefront recipe of docs/api.md (clients/typescript/examples/storefront.ts, the
// same code) shows availability, holds stock, is told "short" with what is available, reads and abandons the cart; lists travel
// comma-joined as before; and the order service's checkout through the client is replayed under its Idempotency-Key.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { abandonCart, connect, setQuantity, showAvailability, showCart } from '../../clients/typescript/examples/storefront';
import { clientFor, http, must, startLocalService, type LocalService } from '../support/local-service';

jest.setTimeout(120_000);

let s: LocalService;

beforeAll(async () => {
  s = await startLocalService();
  const backoffice = clientFor(s, 'backoffice');
  await must(backoffice.PUT('/locations/{locationId}', { params: { path: { locationId: 'wh-1' } }, body: { name: 'Main warehouse', type: 'warehouse' } }));
  await must(backoffice.POST('/stock/adjustments', { body: { variantId: 'sku-123', locationId: 'wh-1', onHand: 5, reason: 'opening stock' } }));
  await must(backoffice.PUT('/variants/{variantId}', { params: { path: { variantId: 'sku-456' } }, body: { backorderPolicy: 'preorder', expectedAvailabilityDate: '2026-12-24' } }));
});

afterAll(async () => {
  await s?.stop();
});

test('docs/api.md shows the storefront example exactly as it is in clients/typescript/examples/storefront.ts', () => {
  const root = path.join(__dirname, '..', '..');
  const example = readFileSync(path.join(root, 'clients', 'typescript', 'examples', 'storefront.ts'), 'utf8');
  expect(readFileSync(path.join(root, 'docs', 'api.md'), 'utf8')).toContain(`\`\`\`ts\n${example}\`\`\``);
});

test('the storefront recipe: availability, a hold, a refusal with what is available, the cart, abandoning it', async () => {
  const inventory = connect(s.url, () => s.tokens.storefront);
  expect(await showAvailability(inventory, ['sku-123', 'sku-456'])).toEqual([
    { variantId: 'sku-123', label: '5 in stock' },
    { variantId: 'sku-456', label: 'pre-order: expected 2026-12-24' },
  ]);
  const held = await setQuantity(inventory, 'cart-8f2c', 'sku-123', 2);
  expect(held).toMatchObject({ held: { quantity: 2, allocations: [{ locationId: 'wh-1', quantity: 2 }] } });
  // available: the most this line can hold, its own 2 included.
  expect(await setQuantity(inventory, 'cart-8f2c', 'sku-123', 9)).toEqual({ short: { available: 5 } });
  expect(await showCart(inventory, 'cart-8f2c')).toMatchObject({ heldUntil: expect.any(String), lines: [{ variantId: 'sku-123', quantity: 2, expired: false }] });
  await abandonCart(inventory, 'cart-8f2c');
  expect(await showAvailability(inventory, ['sku-123'])).toEqual([{ variantId: 'sku-123', label: '5 in stock' }]);
});

test('lists go comma-joined, as a hand-written request sends them, and get the same answer', async () => {
  const typed = await must(clientFor(s, 'storefront').GET('/availability', { params: { query: { variantIds: ['sku-123', 'sku-456'], locationIds: ['wh-1'] } } }));
  const raw = await http(`${s.url}/availability?variantIds=sku-123,sku-456&locationIds=wh-1`, 'GET', undefined, { authorization: `Bearer ${s.tokens.storefront}` });
  expect(raw.status).toBe(200);
  expect(typed).toEqual(raw.body);
});

test('checkout through the client carries the Idempotency-Key: the retry is a replay', async () => {
  const storefront = connect(s.url, () => s.tokens.storefront);
  await setQuantity(storefront, 'cart-9', 'sku-123', 1);
  const orders = clientFor(s, 'orders');
  const checkout = () =>
    orders.POST('/carts/{cartId}/checkout', { params: { path: { cartId: 'cart-9' }, header: { 'Idempotency-Key': 'checkout-order-9' } }, body: { orderId: 'order-9' } });
  const first = await checkout();
  const again = await checkout();
  expect(first.data).toMatchObject({ orderId: 'order-9', lines: [{ variantId: 'sku-123', quantity: 1 }] });
  expect(again.data).toEqual(first.data);
  expect(again.response.headers.get('idempotent-replayed')).toBe('true');
});
