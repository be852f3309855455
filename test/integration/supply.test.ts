// Proves purchase orders (partial, over and concurrent receipts, cancellation) and transfers (atomic, never moving reserved stock)
// against DynamoDB Local, every call retried, every change in the ledger.
import { adjustStock } from '../../functions/core/commands/adjust-stock';
import { setCartLine } from '../../functions/core/commands/carts';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { getAvailability, listMovements } from '../../functions/core/commands/read-stock';
import { cancelPurchaseOrder, createPurchaseOrder, getPurchaseOrder, listPurchaseOrders, receivePurchaseOrder } from '../../functions/core/commands/purchase-orders';
import { cancelTransfer, completeTransfer, createTransfer, listTransfers } from '../../functions/core/commands/transfers';
import { getVariant, putVariant } from '../../functions/core/commands/variants';
import { levelAt, uid } from '../support/fixtures';
import { createTestTable, type TestTable } from '../support/table';

let t: TestTable;

beforeAll(async () => {
  t = await createTestTable();
  for (const l of ['wh-1', 'wh-2', 'store-1']) await putLocation(t.deps, l, { name: l, type: 'warehouse' });
  forgetCachedLocations();
});
afterAll(() => t.drop());

const level = (variantId: string, locationId: string) => levelAt(t.deps, variantId, locationId);

/** The ledger, summed per location, equals the levels. */
async function ledgerMatches(variantId: string) {
  const v = await getVariant(t.deps, variantId);
  const { movements } = await listMovements(t.deps, variantId, { limit: 100 });
  for (const l of v.locations) {
    const mine = movements.filter((m) => m.locationId === l.locationId);
    const sum = (f: 'onHand' | 'softReserved' | 'hardReserved' | 'incoming') => mine.reduce((s, m) => s + m.deltas[f], 0);
    expect({ loc: l.locationId, onHand: sum('onHand'), soft: sum('softReserved'), hard: sum('hardReserved'), incoming: sum('incoming') }).toEqual({
      loc: l.locationId,
      onHand: l.onHand,
      soft: l.softReserved,
      hard: l.hardReserved,
      incoming: l.incoming,
    });
  }
}

describe('purchase orders', () => {
  it('raise incoming, receive in parts and over, and end received; incoming never below what is outstanding', async () => {
    const a = uid('sku');
    const b = uid('sku');
    const po = await createPurchaseOrder(t.deps, { supplier: 'Acme', locationId: 'wh-1', expectedAt: '2027-01-15', lines: [{ variantId: a, quantity: 10 }, { variantId: b, quantity: 5 }] });
    expect(po).toMatchObject({ status: 'open', expectedAt: '2027-01-15' });
    expect(await level(a, 'wh-1')).toMatchObject({ onHand: 0, incoming: 10, available: 0 });

    const r1 = await receivePurchaseOrder(t.deps, po.purchaseOrderId, { receiptId: 'r1', lines: [{ variantId: a, quantity: 4 }] });
    expect(r1.status).toBe('partially_received');
    expect(r1.lines.find((l) => l.variantId === a)).toEqual({ variantId: a, ordered: 10, received: 4, outstanding: 6 });
    expect(await level(a, 'wh-1')).toMatchObject({ onHand: 4, incoming: 6, available: 4 });
    // The same receipt again changes nothing.
    await receivePurchaseOrder(t.deps, po.purchaseOrderId, { receiptId: 'r1', lines: [{ variantId: a, quantity: 4 }] });
    expect(await level(a, 'wh-1')).toMatchObject({ onHand: 4, incoming: 6 });
    // The same receiptId with other lines is refused (422), and changes nothing either.
    for (const lines of [[{ variantId: a, quantity: 5 }], [{ variantId: a, quantity: 4 }, { variantId: b, quantity: 1 }]]) {
      await expect(receivePurchaseOrder(t.deps, po.purchaseOrderId, { receiptId: 'r1', lines })).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    }
    expect(await level(a, 'wh-1')).toMatchObject({ onHand: 4, incoming: 6 });

    // Over-receipt: 8 arrive where 6 were outstanding.
    const r2 = await receivePurchaseOrder(t.deps, po.purchaseOrderId, { receiptId: 'r2', lines: [{ variantId: a, quantity: 8 }, { variantId: b, quantity: 5 }] });
    expect(r2.status).toBe('received');
    expect(await level(a, 'wh-1')).toMatchObject({ onHand: 12, incoming: 0, available: 12 });
    expect(await level(b, 'wh-1')).toMatchObject({ onHand: 5, incoming: 0 });
    await expect(receivePurchaseOrder(t.deps, po.purchaseOrderId, { receiptId: 'r3', lines: [{ variantId: a, quantity: 1 }] })).rejects.toMatchObject({
      code: 'conflict',
    });
    const moves = (await listMovements(t.deps, a, {})).movements;
    expect(moves.map((m) => [m.type, m.reference])).toEqual([
      ['po_created', `po:${po.purchaseOrderId}`],
      ['po_receipt', `po:${po.purchaseOrderId}/receipt:r1`],
      ['po_receipt', `po:${po.purchaseOrderId}/receipt:r2`],
    ]);
    await ledgerMatches(a);
  });

  it('refuses lines not on the order, unknown orders and locations, and a duplicate id', async () => {
    const a = uid('sku');
    const po = await createPurchaseOrder(t.deps, { purchaseOrderId: uid('po'), supplier: 'Acme', locationId: 'wh-1', lines: [{ variantId: a, quantity: 1 }] });
    await expect(receivePurchaseOrder(t.deps, po.purchaseOrderId, { receiptId: 'x', lines: [{ variantId: 'other', quantity: 1 }] })).rejects.toMatchObject({ code: 'conflict' });
    await expect(receivePurchaseOrder(t.deps, 'nope', { receiptId: 'x', lines: [{ variantId: a, quantity: 1 }] })).rejects.toMatchObject({ code: 'not_found' });
    await expect(createPurchaseOrder(t.deps, { supplier: 'Acme', locationId: 'nowhere', lines: [{ variantId: a, quantity: 1 }] })).rejects.toMatchObject({ code: 'not_found' });
    // A retried creation returns the order; another order under the same id is refused.
    expect(
      await createPurchaseOrder(t.deps, { purchaseOrderId: po.purchaseOrderId, supplier: 'Acme', locationId: 'wh-1', lines: [{ variantId: a, quantity: 1 }] }),
    ).toEqual(po);
    await expect(
      createPurchaseOrder(t.deps, { purchaseOrderId: po.purchaseOrderId, supplier: 'Acme', locationId: 'wh-1', lines: [{ variantId: a, quantity: 2 }] }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await level(a, 'wh-1')).toMatchObject({ incoming: 1 });
  });

  it('cancellation takes what is outstanding out of incoming, once; a cancelled order cannot receive', async () => {
    const a = uid('sku');
    const po = await createPurchaseOrder(t.deps, { supplier: 'Acme', locationId: 'wh-2', lines: [{ variantId: a, quantity: 10 }] });
    await receivePurchaseOrder(t.deps, po.purchaseOrderId, { receiptId: 'r1', lines: [{ variantId: a, quantity: 3 }] });
    const cancelled = await cancelPurchaseOrder(t.deps, po.purchaseOrderId);
    expect(cancelled.status).toBe('cancelled');
    await cancelPurchaseOrder(t.deps, po.purchaseOrderId);
    expect(await level(a, 'wh-2')).toMatchObject({ onHand: 3, incoming: 0 });
    await expect(receivePurchaseOrder(t.deps, po.purchaseOrderId, { receiptId: 'r2', lines: [{ variantId: a, quantity: 1 }] })).rejects.toMatchObject({
      code: 'conflict',
      details: { status: 'cancelled' },
    });
    await ledgerMatches(a);
  });

  it('cancellation records a movement only for lines with something outstanding', async () => {
    const [full, part] = [uid('sku'), uid('sku')];
    const po = await createPurchaseOrder(t.deps, {
      supplier: 'Acme',
      locationId: 'wh-1',
      lines: [
        { variantId: full, quantity: 2 },
        { variantId: part, quantity: 5 },
      ],
    });
    await receivePurchaseOrder(t.deps, po.purchaseOrderId, {
      receiptId: 'r1',
      lines: [
        { variantId: full, quantity: 2 },
        { variantId: part, quantity: 1 },
      ],
    });
    await cancelPurchaseOrder(t.deps, po.purchaseOrderId);
    const types = async (variantId: string) =>
      (await listMovements(t.deps, variantId, {})).movements.map((m) => [m.type, m.deltas.onHand, m.deltas.incoming]);
    expect((await types(full)).sort()).toEqual([
      ['po_created', 0, 2],
      ['po_receipt', 2, -2],
    ].sort());
    expect((await types(part)).sort()).toEqual([
      ['po_cancelled', 0, -4],
      ['po_created', 0, 5],
      ['po_receipt', 1, -1],
    ].sort());
    expect(await level(full, 'wh-1')).toMatchObject({ onHand: 2, incoming: 0 });
    expect(await level(part, 'wh-1')).toMatchObject({ onHand: 1, incoming: 0 });
    await ledgerMatches(full);
    await ledgerMatches(part);
  });

  it('concurrent receipts of one order all apply, each once', async () => {
    const a = uid('sku');
    const po = await createPurchaseOrder(t.deps, { supplier: 'Acme', locationId: 'wh-1', lines: [{ variantId: a, quantity: 20 }] });
    const receipts = Array.from({ length: 8 }, (_, i) => ({ receiptId: `r${i % 5}`, lines: [{ variantId: a, quantity: 2 }] }));
    await Promise.all(receipts.map((r) => receivePurchaseOrder(t.deps, po.purchaseOrderId, r)));
    const after = await getPurchaseOrder(t.deps, po.purchaseOrderId);
    expect(after.receipts.sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(after.lines[0]).toMatchObject({ received: 10, outstanding: 10 });
    expect(await level(a, 'wh-1')).toMatchObject({ onHand: 10, incoming: 10 });
    await ledgerMatches(a);
  });

  it('give a preorder variant without a date the earliest expected date of its open orders', async () => {
    const a = uid('sku');
    await putVariant(t.deps, a, { backorderPolicy: 'preorder' });
    const late = await createPurchaseOrder(t.deps, { supplier: 'Acme', locationId: 'wh-1', expectedAt: '2027-03-01', lines: [{ variantId: a, quantity: 1 }] });
    const early = await createPurchaseOrder(t.deps, { supplier: 'Acme', locationId: 'wh-2', expectedAt: '2027-02-01', lines: [{ variantId: a, quantity: 1 }] });
    const date = async () => (await getAvailability(t.deps, [a])).variants[0].expectedAvailabilityDate;
    expect(await date()).toBe('2027-02-01');
    await cancelPurchaseOrder(t.deps, early.purchaseOrderId);
    expect(await date()).toBe('2027-03-01');
    await receivePurchaseOrder(t.deps, late.purchaseOrderId, { receiptId: 'all', lines: [{ variantId: a, quantity: 1 }] });
    expect(await date()).toBeNull();
    await putVariant(t.deps, a, { expectedAvailabilityDate: '2027-06-01' });
    expect(await date()).toBe('2027-06-01');
  });

  it('list by status and location, newest first, with a cursor', async () => {
    const loc = 'store-1';
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createPurchaseOrder(t.deps, { supplier: `S${i}`, locationId: loc, lines: [{ variantId: uid('sku'), quantity: 1 }] })).purchaseOrderId);
    await cancelPurchaseOrder(t.deps, ids[0]);
    const open = await listPurchaseOrders(t.deps, { status: 'open', locationId: loc, limit: 100 });
    expect(open.purchaseOrders.map((p) => p.purchaseOrderId)).toEqual([ids[2], ids[1]]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listPurchaseOrders(t.deps, { locationId: loc, limit: 2, cursor });
      seen.push(...page.purchaseOrders.map((p) => p.purchaseOrderId));
      cursor = page.cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([ids[2], ids[1], ids[0]]);
  });
});

describe('transfers', () => {
  it('move on-hand from source to destination atomically when completed; repeating changes nothing', async () => {
    const a = uid('sku');
    await adjustStock(t.deps, { variantId: a, locationId: 'wh-1', onHand: 10, reason: 'opening' }, uid('adj'));
    const tr = await createTransfer(t.deps, { fromLocationId: 'wh-1', toLocationId: 'store-1', lines: [{ variantId: a, quantity: 4 }] });
    expect(tr.status).toBe('pending');
    expect(await createTransfer(t.deps, { transferId: tr.transferId, fromLocationId: 'wh-1', toLocationId: 'store-1', lines: [{ variantId: a, quantity: 4 }] })).toEqual(tr);
    expect(await level(a, 'wh-1')).toMatchObject({ onHand: 10 });
    const done = await completeTransfer(t.deps, tr.transferId);
    expect(done.status).toBe('completed');
    await completeTransfer(t.deps, tr.transferId);
    expect(await level(a, 'wh-1')).toMatchObject({ onHand: 6, available: 6 });
    expect(await level(a, 'store-1')).toMatchObject({ onHand: 4, available: 4 });
    await expect(cancelTransfer(t.deps, tr.transferId)).rejects.toMatchObject({ code: 'conflict' });
    const types = (await listMovements(t.deps, a, {})).movements.map((m) => [m.type, m.locationId, m.deltas.onHand]);
    expect(types).toEqual(expect.arrayContaining([['transfer_out', 'wh-1', -4], ['transfer_in', 'store-1', 4]]));
    await ledgerMatches(a);
  });

  it('never moves reserved stock: 409 insufficient_stock and nothing changed', async () => {
    const a = uid('sku');
    const b = uid('sku');
    await adjustStock(t.deps, { variantId: a, locationId: 'wh-1', onHand: 5, reason: 'opening' }, uid('adj'));
    await adjustStock(t.deps, { variantId: b, locationId: 'wh-1', onHand: 5, reason: 'opening' }, uid('adj'));
    await setCartLine(t.deps, uid('cart'), a, { quantity: 3, locationId: 'wh-1' });
    const tr = await createTransfer(t.deps, { fromLocationId: 'wh-1', toLocationId: 'wh-2', lines: [{ variantId: b, quantity: 5 }, { variantId: a, quantity: 3 }] });
    await expect(completeTransfer(t.deps, tr.transferId)).rejects.toMatchObject({ code: 'insufficient_stock', details: { available: 2, variantId: a } });
    expect(await level(b, 'wh-1')).toMatchObject({ onHand: 5 });
    expect(await level(b, 'wh-2')).toBeUndefined();
    const cancelled = await cancelTransfer(t.deps, tr.transferId);
    expect(cancelled.status).toBe('cancelled');
    await expect(completeTransfer(t.deps, tr.transferId)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('a transfer racing cart holds for the last units: never both', async () => {
    for (let round = 0; round < 5; round++) {
      const a = uid('sku');
      await adjustStock(t.deps, { variantId: a, locationId: 'wh-1', onHand: 3, reason: 'opening' }, uid('adj'));
      const tr = await createTransfer(t.deps, { fromLocationId: 'wh-1', toLocationId: 'wh-2', lines: [{ variantId: a, quantity: 3 }] });
      const [transfer, ...holds] = await Promise.allSettled([
        completeTransfer(t.deps, tr.transferId),
        ...Array.from({ length: 3 }, () => setCartLine(t.deps, uid('cart'), a, { quantity: 1, locationId: 'wh-1' })),
      ]);
      const held = holds.filter((h) => h.status === 'fulfilled').length;
      const src = await level(a, 'wh-1');
      expect(src!.available).toBeGreaterThanOrEqual(0);
      if (transfer.status === 'fulfilled') {
        expect(held).toBe(0);
        expect(src).toMatchObject({ onHand: 0, softReserved: 0 });
        expect(await level(a, 'wh-2')).toMatchObject({ onHand: 3 });
      } else {
        expect(transfer.reason).toMatchObject({ code: 'insufficient_stock' });
        expect(held).toBeGreaterThan(0);
        expect(src).toMatchObject({ onHand: 3, softReserved: held });
      }
      await ledgerMatches(a);
    }
  });

  it('are listed newest first, filtered by status and by either end', async () => {
    const a = uid('sku');
    const t1 = await createTransfer(t.deps, { fromLocationId: 'wh-2', toLocationId: 'store-1', lines: [{ variantId: a, quantity: 1 }] });
    const t2 = await createTransfer(t.deps, { fromLocationId: 'store-1', toLocationId: 'wh-2', lines: [{ variantId: a, quantity: 1 }] });
    await cancelTransfer(t.deps, t1.transferId);
    const pending = await listTransfers(t.deps, { status: 'pending', locationId: 'wh-2', limit: 100 });
    expect(pending.transfers.map((x) => x.transferId)).toContain(t2.transferId);
    expect(pending.transfers.map((x) => x.transferId)).not.toContain(t1.transferId);
    const all = await listTransfers(t.deps, { locationId: 'wh-2', limit: 100 });
    expect(all.transfers.map((x) => x.transferId).slice(0, 2)).toEqual([t2.transferId, t1.transferId]);
  });

  it('refuses the same location twice and unknown locations', async () => {
    await expect(createTransfer(t.deps, { fromLocationId: 'wh-1', toLocationId: 'nowhere', lines: [{ variantId: 'x', quantity: 1 }] })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
