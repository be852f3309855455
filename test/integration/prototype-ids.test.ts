// Proves that ids named like Object.prototype's members (`__proto__`, `constructor`, `toString`, ...) are ids like any other: every
// route serves them without a 5xx, nothing is lost or corrupted, and the ledger still sums to the levels.
import { gatewayEvent } from '../../lib/local/http-server';
import { forgetCachedLocations } from '../../functions/core/commands/locations';
import { testAuth } from '../support/auth';
import { createTestTable, type TestTable } from '../support/table';
import { invokeHttp } from '../support/http';

const auth = testAuth();
let t: TestTable;
beforeAll(async () => {
  t = await createTestTable();
});
afterAll(() => t.drop());
beforeEach(() => forgetCachedLocations());

const call = async (method: string, path: string, body?: unknown) => {
  const e = gatewayEvent({ method, url: path, headers: auth.headerFor(method, path), body: body === undefined ? undefined : JSON.stringify(body) });
  const r = await invokeHttp(t.deps, auth.verifier, e);
  return { status: r.statusCode ?? 0, body: JSON.parse(r.body ?? 'null') };
};
const ok = async (method: string, path: string, body?: unknown) => {
  const r = await call(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/** Each figure of a location, summed over the variant's ledger. */
const ledgerSums = (movements: { locationId: string; deltas: Record<string, number> }[]) => {
  const sums = new Map<string, Record<string, number>>();
  for (const m of movements) {
    const s = sums.get(m.locationId) ?? { onHand: 0, softReserved: 0, hardReserved: 0, incoming: 0 };
    for (const f of Object.keys(s)) s[f] += m.deltas[f];
    sums.set(m.locationId, s);
  }
  return sums;
};

test.each(NAMES)('a location, variant, cart, order and purchase order named %s', async (name) => {
  const other = `${name === '__proto__' ? 'p' : name}-other`;
  await ok('PUT', `/locations/${name}`, { name: 'Odd', type: 'warehouse' });
  await ok('PUT', `/locations/${other}`, { name: 'Other', type: 'retail' });
  // The variant's thresholds are keyed by location id: the odd one must survive validation and storage.
  const variant = await ok('PUT', `/variants/${name}`, { lowStockThreshold: 2, locationThresholds: { [name]: 4, [other]: 1 } });
  expect(variant.locationThresholds).toEqual(JSON.parse(JSON.stringify({ [name]: 4, [other]: 1 })));
  expect(Object.keys(variant.locationThresholds).sort()).toEqual([name, other].sort());

  await ok('POST', '/stock/adjustments', { variantId: name, locationId: name, onHand: 10, reason: 'opening' });
  await ok('POST', '/stock/adjustments', { variantId: name, locationId: other, delta: 3, reason: 'opening' });
  await ok('POST', '/stock/adjustments', { variantId: 'plain', locationId: name, onHand: 5, reason: 'opening' });
  // A cart that already has a line, then a line for the odd variant, then the odd one changed.
  await ok('PUT', `/carts/${name}/lines/plain`, { quantity: 1, locationId: name });
  const line = await ok('PUT', `/carts/${name}/lines/${name}`, { quantity: 2, locationId: name });
  expect(line.allocations).toEqual([{ locationId: name, quantity: 2 }]);
  await ok('PUT', `/carts/${name}/lines/${name}`, { quantity: 4 });
  const cart = await ok('GET', `/carts/${name}`);
  expect(cart.lines.map((l: { variantId: string; quantity: number }) => [l.variantId, l.quantity]).sort()).toEqual([[name, 4], ['plain', 1]].sort());

  const order = await ok('POST', `/carts/${name}/checkout`, { orderId: name });
  expect(order.lines).toHaveLength(2);
  await ok('POST', `/orders/${name}/fulfillments`, { fulfillmentId: name, lines: [{ variantId: 'plain', locationId: name, quantity: 1 }] });
  await ok('POST', `/orders/${name}/cancel`, {});

  const po = await ok('POST', '/purchase-orders', { purchaseOrderId: name, supplier: 'S', locationId: name, expectedAt: '2027-01-01', lines: [{ variantId: name, quantity: 3 }] });
  expect(po.lines).toEqual([expect.objectContaining({ variantId: name, ordered: 3 })]);
  await ok('POST', `/purchase-orders/${name}/receipts`, { receiptId: name, lines: [{ variantId: name, quantity: 1 }] });
  await ok('POST', '/transfers', { transferId: name, fromLocationId: name, toLocationId: other, lines: [{ variantId: name, quantity: 1 }] });
  await ok('POST', `/transfers/${name}/complete`, {});

  const v = await ok('GET', `/variants/${name}`);
  expect(v.locations.map((l: { locationId: string }) => l.locationId).sort()).toEqual([name, other].sort());
  const at = (loc: string) => v.locations.find((l: { locationId: string }) => l.locationId === loc);
  expect(at(name)).toMatchObject({ onHand: 10, softReserved: 0, hardReserved: 0, incoming: 2, available: 10, lowStockThreshold: 4 });
  expect(at(other)).toMatchObject({ onHand: 4, available: 4, lowStockThreshold: 1 });
  const { movements } = await ok('GET', `/variants/${name}/movements`);
  const sums = ledgerSums(movements);
  for (const l of v.locations) expect({ loc: l.locationId, ...sums.get(l.locationId) }).toEqual({ loc: l.locationId, onHand: l.onHand, softReserved: l.softReserved, hardReserved: l.hardReserved, incoming: l.incoming });

  const availability = await ok('GET', `/availability?variantIds=${name},plain&locationId=${name}`);
  expect(availability.variants.map((x: { variantId: string; available: number }) => [x.variantId, x.available])).toEqual([[name, 10], ['plain', 4]]);
  const report = await ok('GET', `/stock?locationId=${name}`);
  expect(report.levels.map((l: { variantId: string }) => l.variantId).sort()).toEqual([name, 'plain'].sort());
});

test.each(NAMES)('%s as a hot location, a channel and a channel’s location: served, figures exact', async (name) => {
  const loc = `${name}`;
  await ok('PUT', `/locations/${loc}`, { name: 'Proto', type: 'warehouse' });
  await ok('POST', '/stock/adjustments', { variantId: `hv-${name}`, locationId: loc, onHand: 9, reason: 'opening' });
  const v = await ok('PUT', `/variants/hv-${name}`, { hotLocations: { [loc]: 3 } });
  expect(Object.entries(v.hotLocations)).toEqual([[loc, 3]]);
  await ok('PUT', `/carts/pc-${name}/lines/hv-${name}`, { quantity: 2, locationId: loc });
  const ch = await ok('PUT', `/channels/${name}`, { name: 'Proto channel', locationIds: [loc] });
  expect(ch).toMatchObject({ channelId: name, locationIds: [loc] });
  const { variants } = await ok('GET', `/availability?variantIds=hv-${name}&channelId=${encodeURIComponent(name)}`);
  expect(variants[0]).toMatchObject({ onHand: 9, softReserved: 2, available: 7 });
  await ok('PUT', `/variants/hv-${name}`, { hotLocations: null });
  expect((await ok('GET', `/variants/hv-${name}`)).locations.find((l: { locationId: string }) => l.locationId === loc)).toMatchObject({ onHand: 9, softReserved: 2 });
});
