// Proves stock counts against DynamoDB Local: expected on-hand taken when the count opens, observations that add up and
// apply once, the variance applied as a delta (sales and receipts since the opening kept), one stock_count movement per
// changed line, all or nothing in one transaction or, past its size, every line exactly once however often it is
// applied (concurrently too); applying twice changes nothing, cancelling stops it, and the audit stays clean.
import { auditStock } from '../../functions/core/audit';
import { setCartLine } from '../../functions/core/commands/carts';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { checkout, fulfil } from '../../functions/core/commands/orders';
import { createPurchaseOrder, receivePurchaseOrder } from '../../functions/core/commands/purchase-orders';
import { listMovements } from '../../functions/core/commands/read-stock';
import {
  applyStockCount,
  cancelStockCount,
  createStockCount,
  getStockCount,
  listStockCounts,
  recordObservation,
} from '../../functions/core/commands/stock-counts';
import { putVariant } from '../../functions/core/commands/variants';
import { levelAt, openingStock, uid } from '../support/fixtures';
import { createTestTable, type TestTable } from '../support/table';

jest.setTimeout(180_000);

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable();
  for (const l of ['wh-1', 'wh-2', 'shop', 'hot']) await putLocation(t.deps, l, { name: l, type: 'warehouse' });
  forgetCachedLocations();
});
afterAll(() => t.drop());

const onHand = async (sku: string, loc = 'wh-1') => (await levelAt(t.deps, sku, loc))?.onHand ?? 0;
const clean = async (skus: string[]) =>
  expect((await auditStock(t.deps.store, { alerts: false })).findings.filter((f) => skus.includes(f.variantId))).toEqual([]);

test('a count expects the on-hand at opening, adds observations up once each, and applies its variance as a delta', async () => {
  const [a, b, c] = [uid('sku'), uid('sku'), uid('sku')];
  await openingStock(t.deps, a, 'wh-1', 10);
  await openingStock(t.deps, b, 'wh-1', 5);
  await openingStock(t.deps, c, 'wh-1', 7);
  const id = uid('count');
  const opened = await createStockCount(t.deps, { stockCountId: id, locationId: 'wh-1', variantIds: [a, b, c] });
  expect(opened).toMatchObject({ status: 'open', appliedAt: null });
  expect(opened.lines).toEqual([
    { variantId: a, expectedOnHand: 10, counted: null, variance: null, applied: null },
    { variantId: b, expectedOnHand: 5, counted: null, variance: null, applied: null },
    { variantId: c, expectedOnHand: 7, counted: null, variance: null, applied: null },
  ]);
  // The same creation again returns it; another count under the id is refused.
  expect(await createStockCount(t.deps, { stockCountId: id, locationId: 'wh-1', variantIds: [a, b, c] })).toEqual(opened);
  await expect(createStockCount(t.deps, { stockCountId: id, locationId: 'wh-2' })).rejects.toMatchObject({ code: 'conflict' });

  // Two people count two shelves.
  await recordObservation(t.deps, id, { observationId: 'shelf-1', lines: [{ variantId: a, counted: 6 }, { variantId: b, counted: 5 }] });
  await recordObservation(t.deps, id, { observationId: 'shelf-2', lines: [{ variantId: a, counted: 2 }] });
  // shelf-1 again changes nothing; with other lines it is refused.
  await recordObservation(t.deps, id, { observationId: 'shelf-1', lines: [{ variantId: b, counted: 5 }, { variantId: a, counted: 6 }] });
  await expect(recordObservation(t.deps, id, { observationId: 'shelf-1', lines: [{ variantId: a, counted: 7 }] })).rejects.toMatchObject({ code: 'idempotency_key_reused' });
  const counted = await getStockCount(t.deps, id);
  expect(counted.lines.map((l) => [l.variantId, l.counted, l.variance])).toEqual([
    [a, 8, -2],
    [b, 5, 0],
    [c, null, null],
  ]);
  expect(counted.observations).toEqual(['shelf-1', 'shelf-2']);

  // Since the count opened: 3 of a shipped, 4 of a received.
  const cart = uid('cart');
  await setCartLine(t.deps, cart, a, { quantity: 3, locationId: 'wh-1' });
  const order = uid('order');
  await checkout(t.deps, cart, order);
  await fulfil(t.deps, order, { fulfillmentId: 'f', lines: [{ variantId: a, locationId: 'wh-1', quantity: 3 }] });
  const po = await createPurchaseOrder(t.deps, { supplier: 'S', locationId: 'wh-1', lines: [{ variantId: a, quantity: 4 }] });
  await receivePurchaseOrder(t.deps, po.purchaseOrderId, { receiptId: 'r', lines: [{ variantId: a, quantity: 4 }] });
  expect(await onHand(a)).toBe(11);

  const applied = await applyStockCount(t.deps, id);
  expect(applied).toMatchObject({ status: 'applied' });
  expect(applied.lines.map((l) => [l.variantId, l.applied])).toEqual([
    [a, -2],
    [b, 0],
    [c, null],
  ]);
  // 10 − 3 + 4, and the count's −2: the sale and the receipt are kept.
  expect(await onHand(a)).toBe(9);
  expect([await onHand(b), await onHand(c)]).toEqual([5, 7]);
  const moves = (await listMovements(t.deps, a, {})).movements.filter((m) => m.type === 'stock_count');
  expect(moves).toEqual([expect.objectContaining({ reference: `stock-count:${id}`, deltas: expect.objectContaining({ onHand: -2 }) })]);
  expect((await listMovements(t.deps, b, {})).movements.filter((m) => m.type === 'stock_count')).toEqual([]);

  // Applying twice changes nothing; an applied count takes no observation and cannot be cancelled.
  expect(await applyStockCount(t.deps, id)).toEqual(applied);
  expect(await onHand(a)).toBe(9);
  await expect(recordObservation(t.deps, id, { observationId: 'late', lines: [{ variantId: c, counted: 1 }] })).rejects.toMatchObject({ code: 'conflict', details: { status: 'applied' } });
  await expect(cancelStockCount(t.deps, id)).rejects.toMatchObject({ code: 'conflict' });
  await clean([a, b, c]);
});

test('without variantIds a count lists what is stocked there; an unlisted variant found on the shelf joins it; a cancelled count cannot be applied', async () => {
  const loc = 'shop';
  const [a, b, stray] = [uid('sku'), uid('sku'), uid('sku')];
  await openingStock(t.deps, a, loc, 2);
  // b is stocked there with nothing on hand yet (a purchase order brings it).
  await createPurchaseOrder(t.deps, { supplier: 'S', locationId: loc, lines: [{ variantId: b, quantity: 5 }] });
  await openingStock(t.deps, stray, 'wh-2', 3);
  const count = await createStockCount(t.deps, { locationId: loc });
  expect(count.lines.map((l) => l.variantId)).toEqual(expect.arrayContaining([a, b]));
  expect(count.lines.map((l) => l.variantId)).not.toContain(stray);
  const found = await recordObservation(t.deps, count.stockCountId, { observationId: 'o1', lines: [{ variantId: stray, counted: 1 }] });
  expect(found.lines.find((l) => l.variantId === stray)).toEqual({ variantId: stray, expectedOnHand: 0, counted: 1, variance: 1, applied: null });
  expect(await cancelStockCount(t.deps, count.stockCountId)).toMatchObject({ status: 'cancelled' });
  expect(await cancelStockCount(t.deps, count.stockCountId)).toMatchObject({ status: 'cancelled' });
  await expect(applyStockCount(t.deps, count.stockCountId)).rejects.toMatchObject({ code: 'conflict', details: { status: 'cancelled' } });
  expect(await onHand(stray, loc)).toBe(0);
  const open = await listStockCounts(t.deps, { locationId: loc, status: 'cancelled' });
  expect(open.stockCounts.map((c) => c.stockCountId)).toContain(count.stockCountId);
});

test('a line never takes on-hand below zero: more shipped since the opening than the count found brings it to 0', async () => {
  const sku = uid('sku');
  await openingStock(t.deps, sku, 'wh-1', 5);
  const count = await createStockCount(t.deps, { locationId: 'wh-1', variantIds: [sku] });
  await recordObservation(t.deps, count.stockCountId, { observationId: 'o', lines: [{ variantId: sku, counted: 1 }] });
  const cart = uid('cart');
  await setCartLine(t.deps, cart, sku, { quantity: 3, locationId: 'wh-1' });
  const order = uid('order');
  await checkout(t.deps, cart, order);
  await fulfil(t.deps, order, { fulfillmentId: 'f', lines: [{ variantId: sku, locationId: 'wh-1', quantity: 3 }] });
  const applied = await applyStockCount(t.deps, count.stockCountId);
  expect(applied.lines[0]).toMatchObject({ variance: -4, applied: -2 });
  expect(await onHand(sku)).toBe(0);
  const [m] = (await listMovements(t.deps, sku, {})).movements.filter((x) => x.type === 'stock_count');
  expect(m.note).toMatch(/went to 0/);
});

test('a count too large for one transaction applies every line exactly once, also when applied concurrently', async () => {
  const skus = Array.from({ length: 70 }, () => uid('sku'));
  await Promise.all(skus.map((s) => openingStock(t.deps, s, 'wh-2', 10)));
  const count = await createStockCount(t.deps, { locationId: 'wh-2', variantIds: skus });
  // Every line off by one, some up and some down.
  for (let i = 0; i < skus.length; i += 35) {
    await recordObservation(t.deps, count.stockCountId, {
      observationId: `o${i}`,
      lines: skus.slice(i, i + 35).map((variantId, j) => ({ variantId, counted: (i + j) % 2 ? 11 : 9 })),
    });
  }
  const results = await Promise.all([applyStockCount(t.deps, count.stockCountId), applyStockCount(t.deps, count.stockCountId), applyStockCount(t.deps, count.stockCountId)]);
  for (const r of results) expect(r.status).toBe('applied');
  const levels = await Promise.all(skus.map((s) => onHand(s, 'wh-2')));
  expect(levels).toEqual(skus.map((_, i) => (i % 2 ? 11 : 9)));
  const moves = await Promise.all(skus.map(async (s) => (await listMovements(t.deps, s, {})).movements.filter((m) => m.type === 'stock_count').length));
  expect(moves.every((n) => n === 1)).toBe(true);
  await clean(skus);
});

test('counts at a hot location and with a safety stock keep the figures exact', async () => {
  const sku = uid('sku');
  await openingStock(t.deps, sku, 'hot', 30);
  await putVariant(t.deps, sku, { hotLocations: { hot: 4 }, safetyStock: 2 });
  const count = await createStockCount(t.deps, { locationId: 'hot', variantIds: [sku] });
  await recordObservation(t.deps, count.stockCountId, { observationId: 'o', lines: [{ variantId: sku, counted: 26 }] });
  await applyStockCount(t.deps, count.stockCountId);
  expect(await levelAt(t.deps, sku, 'hot')).toMatchObject({ onHand: 26, safetyStock: 2, available: 24 });
  await clean([sku]);
});
