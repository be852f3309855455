// Proves unsellable stock (damaged, quality control), safety stock and compare-and-set on adjustments against DynamoDB Local:
// available = onHand − softReserved − hardReserved − damaged − qualityControl − safetyStock wherever it is shown or held
// against; state moves refused when the units are not there; a safety stock reaches every level (one transaction, or
// several past its size, and hot locations through a relayout), levels created later start with it, a level created
// while it changes is never missed; a stale expectedOnHand changes nothing; and the audit finds the ledger in agreement.
import { auditStock } from '../../functions/core/audit';
import { adjustStock } from '../../functions/core/commands/adjust-stock';
import { setCartLine } from '../../functions/core/commands/carts';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { createPurchaseOrder, receivePurchaseOrder } from '../../functions/core/commands/purchase-orders';
import { getAvailability, listMovements, stockReport } from '../../functions/core/commands/read-stock';
import { getVariant, putVariant } from '../../functions/core/commands/variants';
import { levelAt, openingStock, uid } from '../support/fixtures';
import { createTestTable, type TestTable } from '../support/table';

jest.setTimeout(180_000);

let t: TestTable;
const MANY = Array.from({ length: 60 }, (_, i) => `loc-${String(i).padStart(2, '0')}`);

beforeAll(async () => {
  t = await createTestTable();
  for (const l of ['wh-1', 'wh-2', 'hot', ...MANY]) await putLocation(t.deps, l, { name: l, type: 'warehouse' });
  forgetCachedLocations();
});
afterAll(() => t.drop());

const adjust = (variantId: string, locationId: string, extra: Record<string, unknown>) =>
  adjustStock(t.deps, { variantId, locationId, reason: 'test', ...extra } as Parameters<typeof adjustStock>[1], uid('adj'));

/** No finding for the variant (the stream is not running here: alert findings are left out). */
const clean = async (variantId: string) =>
  expect((await auditStock(t.deps.store, { alerts: false })).findings.filter((f) => f.variantId === variantId)).toEqual([]);

describe('damaged and quality control', () => {
  it('move units out of available and back, on-hand unchanged, each in the ledger; refused when the units are not there', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 10);
    await setCartLine(t.deps, uid('cart'), sku, { quantity: 3, locationId: 'wh-1' });
    expect(await adjust(sku, 'wh-1', { delta: 2, state: 'damaged' })).toMatchObject({ onHand: 10, softReserved: 3, damaged: 2, available: 5 });
    expect(await adjust(sku, 'wh-1', { delta: 4, state: 'qualityControl' })).toMatchObject({ qualityControl: 4, available: 1 });
    // Held units are not moved: only the 1 available is.
    await expect(adjust(sku, 'wh-1', { delta: 2, state: 'damaged' })).rejects.toMatchObject({ code: 'insufficient_stock', details: { available: 1, state: 'damaged' } });
    await expect(adjust(sku, 'wh-1', { delta: -3, state: 'damaged' })).rejects.toMatchObject({ code: 'insufficient_stock', details: { available: 2 } });
    // A hold sees the same available.
    await expect(setCartLine(t.deps, uid('cart'), sku, { quantity: 2, locationId: 'wh-1' })).rejects.toMatchObject({ code: 'insufficient_stock', details: { available: 1 } });
    expect(await adjust(sku, 'wh-1', { delta: -3, state: 'qualityControl' })).toMatchObject({ qualityControl: 1, available: 4 });
    const [a] = (await getAvailability(t.deps, [sku])).variants;
    expect(a).toMatchObject({ onHand: 10, damaged: 2, qualityControl: 1, safetyStock: 0, available: 4 });
    const { movements } = await listMovements(t.deps, sku, {});
    expect(movements.filter((m) => m.type === 'adjustment').map((m) => [m.deltas.onHand, m.deltas.damaged, m.deltas.qualityControl])).toEqual([
      [10, 0, 0],
      [0, 2, 0],
      [0, 0, 4],
      [0, 0, -3],
    ]);
    await clean(sku);
  });

  it('cannot move units that a location does not have', async () => {
    const sku = uid('sku');
    await expect(adjust(sku, 'wh-1', { delta: 1, state: 'damaged' })).rejects.toMatchObject({ code: 'insufficient_stock', details: { available: 0 } });
  });

  it('work at a hot location: the move lands on the buckets, the sums stay exact', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'hot', 20);
    await putVariant(t.deps, sku, { hotLocations: { hot: 4 } });
    expect(await adjust(sku, 'hot', { delta: 7, state: 'damaged' })).toMatchObject({ damaged: 7, available: 13 });
    expect(await levelAt(t.deps, sku, 'hot')).toMatchObject({ onHand: 20, damaged: 7, available: 13 });
    await clean(sku);
  });
});

describe('safety stock', () => {
  it('keeps units back from every hold, availability and report, per variant and per location', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 10);
    await openingStock(t.deps, sku, 'wh-2', 10);
    const v = await putVariant(t.deps, sku, { safetyStock: 3, locationSafetyStock: { 'wh-2': 8 } });
    expect(v).toMatchObject({ safetyStock: 3, locationSafetyStock: { 'wh-2': 8 }, safetyStockTotal: 11, available: 9 });
    expect(v.locations).toEqual([
      expect.objectContaining({ locationId: 'wh-1', safetyStock: 3, available: 7 }),
      expect.objectContaining({ locationId: 'wh-2', safetyStock: 8, available: 2 }),
    ]);
    expect((await getVariant(t.deps, sku)).locations.map((l) => l.available)).toEqual([7, 2]);
    await expect(setCartLine(t.deps, uid('cart'), sku, { quantity: 3, locationId: 'wh-2' })).rejects.toMatchObject({ code: 'insufficient_stock', details: { available: 2 } });
    // Without a location, the allocation sees the same: 9 can be held, 10 cannot.
    await expect(setCartLine(t.deps, uid('cart'), sku, { quantity: 10 })).rejects.toMatchObject({ code: 'insufficient_stock', details: { available: 9 } });
    await setCartLine(t.deps, uid('cart'), sku, { quantity: 9 });
    expect((await getAvailability(t.deps, [sku])).variants[0]).toMatchObject({ available: 0, purchasable: false });
    const report = await stockReport(t.deps, { locationId: 'wh-2' });
    expect(report.levels.find((l) => l.variantId === sku)).toMatchObject({ safetyStock: 8, available: 0 });
    // Lowering it gives the units back; clearing the variant's leaves wh-2's override.
    expect(await putVariant(t.deps, sku, { safetyStock: null })).toMatchObject({ safetyStock: null, safetyStockTotal: 8, available: 3 });
    const { movements } = await listMovements(t.deps, sku, {});
    const safety = movements.filter((m) => m.type === 'safety_stock').map((m) => [m.locationId, m.deltas.safetyStock]);
    // The first two were written in one transaction (one time, either order).
    expect(safety.slice(0, 2).sort()).toEqual([
      ['wh-1', 3],
      ['wh-2', 8],
    ]);
    expect(safety[2]).toEqual(['wh-1', -3]);
    await clean(sku);
  });

  it('is the starting safety stock of a level created later (a receipt at a new location), with its own movement', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 1);
    await putVariant(t.deps, sku, { safetyStock: 2 });
    const po = await createPurchaseOrder(t.deps, { supplier: 'S', locationId: 'wh-2', lines: [{ variantId: sku, quantity: 5 }] });
    expect(await levelAt(t.deps, sku, 'wh-2')).toMatchObject({ onHand: 0, incoming: 5, safetyStock: 2, available: -2 });
    await receivePurchaseOrder(t.deps, po.purchaseOrderId, { receiptId: 'r1', lines: [{ variantId: sku, quantity: 5 }] });
    expect(await levelAt(t.deps, sku, 'wh-2')).toMatchObject({ onHand: 5, safetyStock: 2, available: 3 });
    const created = (await listMovements(t.deps, sku, { locationId: 'wh-2' })).movements.map((m) => m.type);
    // The level's creation wrote two movements in one transaction (same time, in either order).
    expect(created.slice(0, 2).sort()).toEqual(['po_created', 'safety_stock']);
    expect(created[2]).toBe('po_receipt');
    await clean(sku);
  });

  it('a variant stocked at more locations than one transaction holds: every level is rewritten, in batches', async () => {
    const sku = uid('sku');
    for (const l of MANY) await openingStock(t.deps, sku, l, 5);
    const v = await putVariant(t.deps, sku, { safetyStock: 2 });
    expect(v.locations).toHaveLength(MANY.length);
    expect(v.locations.every((l) => l.safetyStock === 2 && l.available === 3)).toBe(true);
    expect(v).toMatchObject({ safetyStock: 2, safetyStockTotal: 2 * MANY.length, available: 3 * MANY.length });
    await clean(sku);
  });

  it('at a hot location, through a relayout that keeps no bucket short while another has units', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'hot', 12);
    await putVariant(t.deps, sku, { hotLocations: { hot: 3 } });
    expect(await putVariant(t.deps, sku, { safetyStock: 9 })).toMatchObject({ safetyStock: 9, safetyStockTotal: 9, available: 3 });
    // 3 holds of 1 each pass (on whichever bucket), a fourth is refused on the location's total.
    for (let i = 0; i < 3; i++) await setCartLine(t.deps, uid('cart'), sku, { quantity: 1, locationId: 'hot' });
    await expect(setCartLine(t.deps, uid('cart'), sku, { quantity: 1, locationId: 'hot' })).rejects.toMatchObject({ code: 'insufficient_stock' });
    // Turned on with a safety stock already configured: kept whole through the layout.
    await putVariant(t.deps, sku, { hotLocations: { hot: 5 } });
    expect(await levelAt(t.deps, sku, 'hot')).toMatchObject({ onHand: 12, softReserved: 3, safetyStock: 9, available: 0 });
    await putVariant(t.deps, sku, { hotLocations: null });
    expect(await levelAt(t.deps, sku, 'hot')).toMatchObject({ onHand: 12, softReserved: 3, safetyStock: 9, available: 0 });
    await clean(sku);
  });

  it('levels created while the safety stock changes all end with the new one (neither write misses the other)', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 5);
    const fresh = MANY.slice(0, 12);
    await Promise.all([
      ...fresh.map((l) => openingStock(t.deps, sku, l, 4)),
      putVariant(t.deps, sku, { safetyStock: 1 }),
      putVariant(t.deps, sku, { locationSafetyStock: { [fresh[3]]: 2 } }),
    ]);
    const v = await getVariant(t.deps, sku);
    const config = { safetyStock: v.safetyStock, location: v.locationSafetyStock };
    for (const l of v.locations) expect({ l: l.locationId, ss: l.safetyStock }).toEqual({ l: l.locationId, ss: config.location[l.locationId] ?? 1 });
    await clean(sku);
  });
});

describe('compare-and-set (expectedOnHand)', () => {
  it('applies while on-hand is the figure expected, else 409 stale_quantity with the current on-hand and nothing changes', async () => {
    const sku = uid('sku');
    await adjust(sku, 'wh-1', { onHand: 10, expectedOnHand: 0 });
    expect(await adjust(sku, 'wh-1', { delta: -2, expectedOnHand: 10 })).toMatchObject({ onHand: 8 });
    await expect(adjust(sku, 'wh-1', { delta: -2, expectedOnHand: 10 })).rejects.toMatchObject({ code: 'stale_quantity', details: { onHand: 8 } });
    await expect(adjust(sku, 'wh-1', { onHand: 3, expectedOnHand: 9 })).rejects.toMatchObject({ code: 'stale_quantity', details: { onHand: 8 } });
    await expect(adjust(uid('sku'), 'wh-1', { delta: 1, expectedOnHand: 4 })).rejects.toMatchObject({ code: 'stale_quantity', details: { onHand: 0 } });
    expect(await levelAt(t.deps, sku, 'wh-1')).toMatchObject({ onHand: 8 });
    expect((await listMovements(t.deps, sku, {})).movements).toHaveLength(2);
  });

  it('of two concurrent changes expecting the same on-hand, exactly one applies', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 10);
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => adjust(sku, 'wh-1', { delta: 1, expectedOnHand: 10 })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'stale_quantity', details: { onHand: 11 } });
    expect(await levelAt(t.deps, sku, 'wh-1')).toMatchObject({ onHand: 11 });
  });
});
