// Proves locations, variant configuration, adjustments, availability, the stock report and the ledger against DynamoDB Local.
import { adjustStock } from '../../functions/core/commands/adjust-stock';
import { forgetCachedLocations, getLocation, listLocations, putLocation } from '../../functions/core/commands/locations';
import { getAvailability, listMovements, stockReport } from '../../functions/core/commands/read-stock';
import { getVariant, putVariant } from '../../functions/core/commands/variants';
import { DomainError } from '../../functions/core/errors';
import { createTestTable, type TestTable } from '../support/table';

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable();
  await putLocation(t.deps, 'wh-1', { name: 'Main warehouse', type: 'warehouse' });
  await putLocation(t.deps, 'store-1', { name: 'High street', type: 'retail' });
});
afterAll(() => t.drop());
beforeEach(() => forgetCachedLocations());

const adjust = (variantId: string, locationId: string, change: { delta?: number; onHand?: number }, reason = 'count') =>
  adjustStock(t.deps, { variantId, locationId, reason, ...change }, `adj-${Math.random()}`);

describe('locations', () => {
  it('creates, reads, lists and deactivates a location, keeping its creation time', async () => {
    const created = await getLocation(t.deps, 'wh-1');
    expect(created).toMatchObject({ locationId: 'wh-1', name: 'Main warehouse', type: 'warehouse', active: true });
    const updated = await putLocation(t.deps, 'wh-2', { name: 'Overflow', type: 'warehouse', active: false });
    expect(updated.active).toBe(false);
    const renamed = await putLocation(t.deps, 'wh-2', { name: 'Overflow B', type: 'fulfilment_centre' });
    expect(renamed).toMatchObject({ name: 'Overflow B', type: 'fulfilment_centre', active: false, createdAt: updated.createdAt });
    const { locations } = await listLocations(t.deps);
    expect(locations.map((l) => l.locationId)).toEqual(['store-1', 'wh-1', 'wh-2']);
  });

  it('is 404 for an unknown location', async () => {
    await expect(getLocation(t.deps, 'nowhere')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('adjustments', () => {
  it('sets opening stock, moves it by deltas, and never below zero', async () => {
    const first = await adjust('sku-a', 'wh-1', { onHand: 10 }, 'opening stock');
    expect(first).toMatchObject({ variantId: 'sku-a', locationId: 'wh-1', onHand: 10, available: 10, softReserved: 0 });
    const second = await adjust('sku-a', 'wh-1', { delta: -3 }, 'damaged');
    expect(second.onHand).toBe(7);
    const err = await adjust('sku-a', 'wh-1', { delta: -8 }, 'damaged').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'conflict', details: { onHand: 7 } });
    const variant = await getVariant(t.deps, 'sku-a');
    expect(variant).toMatchObject({ onHand: 7, available: 7, backorderPolicy: 'deny', locations: [{ locationId: 'wh-1', onHand: 7 }] });
  });

  it('refuses an unknown location with 404 and changes nothing', async () => {
    await expect(adjust('sku-a', 'nowhere', { delta: 1 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('records every change in the ledger, whose deltas sum to the levels', async () => {
    await adjust('sku-l', 'wh-1', { onHand: 5 });
    await adjust('sku-l', 'store-1', { onHand: 2 });
    await adjust('sku-l', 'wh-1', { delta: 4 });
    const { movements } = await listMovements(t.deps, 'sku-l', {});
    expect(movements).toHaveLength(3);
    expect(movements.every((m) => m.type === 'adjustment' && m.reference.startsWith('adjustment:'))).toBe(true);
    const atWh = await listMovements(t.deps, 'sku-l', { locationId: 'wh-1' });
    expect(atWh.movements.reduce((s, m) => s + m.deltas.onHand, 0)).toBe(9);
    const variant = await getVariant(t.deps, 'sku-l');
    expect(variant.locations.find((l) => l.locationId === 'wh-1')!.onHand).toBe(9);
    expect(variant.onHand).toBe(11);
  });

  it('pages the ledger with a cursor', async () => {
    for (let i = 0; i < 5; i++) await adjust('sku-p', 'wh-1', { delta: 1 });
    const page1 = await listMovements(t.deps, 'sku-p', { limit: 2 });
    expect(page1.movements).toHaveLength(2);
    expect(page1.cursor).toEqual(expect.any(String));
    const page2 = await listMovements(t.deps, 'sku-p', { limit: 10, cursor: page1.cursor! });
    expect(page2.movements).toHaveLength(3);
    expect(new Set([...page1.movements, ...page2.movements].map((m) => m.movementId)).size).toBe(5);
  });
});

describe('variants and availability', () => {
  it('merges configuration: left-out fields keep their value, null clears', async () => {
    await putVariant(t.deps, 'sku-c', { backorderPolicy: 'preorder', expectedAvailabilityDate: '2026-12-24', lowStockThreshold: 5 });
    const v = await putVariant(t.deps, 'sku-c', { locationThresholds: { 'wh-1': 2 } });
    expect(v).toMatchObject({ backorderPolicy: 'preorder', expectedAvailabilityDate: '2026-12-24', lowStockThreshold: 5, locationThresholds: { 'wh-1': 2 } });
    const cleared = await putVariant(t.deps, 'sku-c', { lowStockThreshold: null });
    expect(cleared.lowStockThreshold).toBeNull();
  });

  it('reports availability for many variants, purchasable by stock or policy, totals over selling locations', async () => {
    await adjust('sku-av1', 'wh-1', { onHand: 3 });
    await adjust('sku-av1', 'store-1', { onHand: 2 });
    await putVariant(t.deps, 'sku-av2', { backorderPolicy: 'preorder', expectedAvailabilityDate: '2027-01-10' });
    await putLocation(t.deps, 'store-1', { name: 'High street', type: 'retail', active: false });
    forgetCachedLocations();
    const { variants } = await getAvailability(t.deps, ['sku-av1', 'sku-av2', 'sku-never']);
    expect(variants[0]).toMatchObject({ variantId: 'sku-av1', onHand: 3, available: 3, purchasable: true });
    expect(variants[0].locations).toEqual([
      expect.objectContaining({ locationId: 'store-1', active: false, onHand: 2 }),
      expect.objectContaining({ locationId: 'wh-1', active: true, onHand: 3 }),
    ]);
    expect(variants[1]).toMatchObject({ available: 0, purchasable: true, backorderPolicy: 'preorder', expectedAvailabilityDate: '2027-01-10' });
    expect(variants[2]).toMatchObject({ variantId: 'sku-never', available: 0, purchasable: false, backorderPolicy: 'deny', locations: [] });
    await putLocation(t.deps, 'store-1', { name: 'High street', type: 'retail', active: true });
  });

  it('refreshes the cached location list with one read, however many requests find it expired', async () => {
    const reads = jest.spyOn(t.deps.store, 'listLocations');
    try {
      const lists = await Promise.all(Array.from({ length: 8 }, () => getAvailability(t.deps, ['sku-av1'])));
      expect(reads).toHaveBeenCalledTimes(1);
      expect(lists.every((l) => l.variants[0].locations.length === 2)).toBe(true);
      // A failed read is not kept: the next request reads again, and its answer is cached.
      forgetCachedLocations();
      reads.mockRejectedValueOnce(new Error('throttled'));
      await expect(getAvailability(t.deps, ['sku-av1'])).rejects.toThrow('throttled');
      await getAvailability(t.deps, ['sku-av1']);
      await getAvailability(t.deps, ['sku-av1']);
      expect(reads).toHaveBeenCalledTimes(3);
    } finally {
      reads.mockRestore();
    }
  });

  it('reports stock by location and low stock only', async () => {
    await putVariant(t.deps, 'sku-r1', { lowStockThreshold: 5 });
    await adjust('sku-r1', 'wh-1', { onHand: 3 });
    await adjust('sku-r1', 'store-1', { onHand: 8 });
    const low = await stockReport(t.deps, { lowStockOnly: true, limit: 100 });
    expect(low.levels.filter((l) => l.variantId === 'sku-r1')).toEqual([
      expect.objectContaining({ locationId: 'wh-1', available: 3, lowStockThreshold: 5 }),
    ]);
    const atStore = await stockReport(t.deps, { locationId: 'store-1', limit: 100 });
    expect(atStore.levels.every((l) => l.locationId === 'store-1')).toBe(true);
    expect(atStore.levels.find((l) => l.variantId === 'sku-r1')).toMatchObject({ onHand: 8 });
  });

  it('rejects a cursor it did not issue', async () => {
    await expect(stockReport(t.deps, { cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
