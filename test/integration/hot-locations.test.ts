// Hot locations (flash-sale mode): a variant-location's stock split over buckets in their own partitions. Proves that
// turning the mode on, changing the count and turning it off keep every figure and the ledger; that holds spread over the
// buckets and are refused only when the location's total is short (never because one bucket ran dry); that reads show
// exact sums; and that the ledger spreads over shards and reads back whole, in order.
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { adjustStock } from '../../functions/core/commands/adjust-stock';
import { setCartLine, clearCart } from '../../functions/core/commands/carts';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { checkout, fulfil } from '../../functions/core/commands/orders';
import { getAvailability, listMovements } from '../../functions/core/commands/read-stock';
import { getVariant, putVariant } from '../../functions/core/commands/variants';
import { auditStock } from '../../functions/core/audit';
import { DomainError } from '../../functions/core/errors';
import { openingStock, uid } from '../support/fixtures';
import { createTestTable, type TestTable } from '../support/table';

jest.setTimeout(120_000);

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable({ holdSeconds: 600 });
  await putLocation(t.deps, 'wh', { name: 'Warehouse', type: 'warehouse' });
  await putLocation(t.deps, 'shop', { name: 'Shop', type: 'retail' });
  forgetCachedLocations();
});
afterAll(() => t.drop());

const levelItems = async (sku: string) =>
  ((await t.doc.send(new ScanCommand({ TableName: t.tableName, FilterExpression: 'variantId = :v AND entity = :e', ExpressionAttributeValues: { ':v': sku, ':e': 'Level' } }))).Items ?? []).filter(
    (i) => i.locationId === 'wh',
  );

const figures = async (sku: string) => {
  const v = await getVariant(t.deps, sku);
  const { locationId: _l, active: _a, lowStockThreshold: _t, ...f } = v.locations.find((l) => l.locationId === 'wh')!;
  return f;
};

const ledgerSum = async (sku: string) => {
  const sums = { onHand: 0, softReserved: 0, hardReserved: 0, incoming: 0 };
  let cursor: string | undefined;
  const seen: string[] = [];
  do {
    const page = await listMovements(t.deps, sku, { locationId: 'wh', cursor, limit: 7 });
    for (const m of page.movements) {
      seen.push(`${m.at}#${m.movementId}`);
      for (const f of Object.keys(sums) as (keyof typeof sums)[]) sums[f] += m.deltas[f];
    }
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return { sums, seen };
};

test('turning the mode on, changing the count and turning it off keep every figure; buckets live in their own partitions', async () => {
  const sku = uid('sku');
  await openingStock(t.deps, sku, 'wh', 101);
  await setCartLine(t.deps, uid('cart'), sku, { quantity: 3, locationId: 'wh' });
  const before = await figures(sku);
  expect(before).toMatchObject({ onHand: 101, softReserved: 3, available: 98 });

  const on = await putVariant(t.deps, sku, { hotLocations: { wh: 10 } });
  expect(on.hotLocations).toEqual({ wh: 10 });
  expect(await figures(sku)).toEqual(before);
  const items = await levelItems(sku);
  expect(items).toHaveLength(10);
  expect(new Set(items.map((i) => i.PK)).size).toBe(10);
  // Available spread evenly: 98 over 10 buckets is 9 or 10 each.
  expect(items.map((i) => i.av).sort()).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 9, 9].sort());

  await putVariant(t.deps, sku, { hotLocations: { wh: 3 } });
  expect(await figures(sku)).toEqual(before);
  expect(await levelItems(sku)).toHaveLength(3);

  await putVariant(t.deps, sku, { hotLocations: null });
  expect(await figures(sku)).toEqual(before);
  expect(await levelItems(sku)).toHaveLength(1);
  expect((await getVariant(t.deps, sku)).hotLocations).toEqual({});
});

test('holds spread over the buckets, are never refused while the location has units, and reads show exact sums', async () => {
  const sku = uid('sku');
  await openingStock(t.deps, sku, 'wh', 40);
  await putVariant(t.deps, sku, { hotLocations: { wh: 8 } });
  // 40 units over 8 buckets (5 each): holds of 3 leave 2 in a bucket, and a later hold of 4 needs two buckets.
  const carts = Array.from({ length: 13 }, () => uid('cart'));
  const results = await Promise.allSettled(carts.map((c) => setCartLine(t.deps, c, sku, { quantity: 3, locationId: 'wh' })));
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(13);
  expect(await figures(sku)).toMatchObject({ onHand: 40, softReserved: 39, available: 1 });
  const written = new Set((await levelItems(sku)).filter((i) => i.sr > 0).map((i) => i.PK));
  expect(written.size).toBeGreaterThan(1);
  // One unit left, in some bucket: a hold of 2 is refused with the location's total, a hold of 1 is granted.
  const refused = await setCartLine(t.deps, uid('cart'), sku, { quantity: 2, locationId: 'wh' }).catch((e) => e);
  expect(refused).toBeInstanceOf(DomainError);
  expect(refused).toMatchObject({ code: 'insufficient_stock', details: { available: 1 } });
  await setCartLine(t.deps, uid('cart'), sku, { quantity: 1, locationId: 'wh' });
  expect(await figures(sku)).toMatchObject({ softReserved: 40, available: 0 });

  // Checkout, fulfilment and a release at the hot location keep the sums exact.
  const order = await checkout(t.deps, carts[0], uid('order'));
  await fulfil(t.deps, order.orderId, { fulfillmentId: uid('f'), lines: [{ variantId: sku, locationId: 'wh', quantity: 3 }] });
  await clearCart(t.deps, carts[1]);
  expect(await figures(sku)).toMatchObject({ onHand: 37, softReserved: 34, hardReserved: 0, available: 3 });
  const [avail] = (await getAvailability(t.deps, [sku])).variants;
  expect(avail).toMatchObject({ onHand: 37, available: 3 });

  // The ledger is spread over shards, reads back whole and in order, and sums to the figures.
  const shards = new Set<string>();
  for (let s = 0; s < 8; s++) {
    const pk = s === 0 ? `MOVEMENTS#${sku}` : `MOVEMENTS#${sku}#${s}`;
    const { Count } = await t.doc.send(new QueryCommand({ TableName: t.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk }, Select: 'COUNT' }));
    if (Count) shards.add(pk);
  }
  expect(shards.size).toBeGreaterThan(1);
  const { sums, seen } = await ledgerSum(sku);
  expect(seen).toEqual([...seen].sort());
  expect(new Set(seen).size).toBe(seen.length);
  expect(sums).toEqual({ onHand: 37, softReserved: 34, hardReserved: 0, incoming: 0 });
  const audit = await auditStock(t.deps.store);
  expect(audit.findings.filter((f) => f.variantId === sku)).toEqual([]);
});

test('a count at a hot location sets the location’s on-hand, not a bucket’s', async () => {
  const sku = uid('sku');
  await openingStock(t.deps, sku, 'wh', 20);
  await putVariant(t.deps, sku, { hotLocations: { wh: 4 } });
  await setCartLine(t.deps, uid('cart'), sku, { quantity: 2, locationId: 'wh' });
  await adjustStock(t.deps, { variantId: sku, locationId: 'wh', onHand: 25, reason: 'count' }, uid('adj'));
  expect(await figures(sku)).toMatchObject({ onHand: 25, softReserved: 2, available: 23 });
  await adjustStock(t.deps, { variantId: sku, locationId: 'wh', delta: -24, reason: 'damaged' }, uid('adj'));
  expect(await figures(sku)).toMatchObject({ onHand: 1, available: -1 });
});

test('hotLocations must name known locations, 2 to 32 buckets', async () => {
  const sku = uid('sku');
  await expect(putVariant(t.deps, sku, { hotLocations: { nowhere: 4 } })).rejects.toMatchObject({ code: 'not_found' });
});

test('a hot location that does not sell takes no holds', async () => {
  const sku = uid('sku');
  await putLocation(t.deps, 'popup', { name: 'Pop-up', type: 'retail' });
  await openingStock(t.deps, sku, 'popup', 10);
  await putVariant(t.deps, sku, { hotLocations: { popup: 2 } });
  await putLocation(t.deps, 'popup', { name: 'Pop-up', type: 'retail', active: false });
  await expect(setCartLine(t.deps, uid('cart'), sku, { quantity: 1, locationId: 'popup' })).rejects.toMatchObject({ code: 'insufficient_stock' });
});

test('a checkout of many lines at hot locations of 32 buckets fits one transaction (a change is split only where there is room)', async () => {
  const skus = Array.from({ length: 12 }, () => uid('sku'));
  const cartId = uid('cart');
  for (const sku of skus) {
    await openingStock(t.deps, sku, 'wh', 64);
    await putVariant(t.deps, sku, { hotLocations: { wh: 32 } });
    await setCartLine(t.deps, cartId, sku, { quantity: 2, locationId: 'wh' });
  }
  const order = await checkout(t.deps, cartId, uid('order'));
  expect(order.lines).toHaveLength(12);
  for (const sku of skus) expect(await figures(sku)).toMatchObject({ onHand: 64, softReserved: 0, hardReserved: 2, available: 62 });
});
