/**
 * Stock that arrives and moves: purchase orders (incoming, then on-hand as it is received) and
 * transfers between locations. Each call is one transaction over the document and every level it moves.
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps';
import { dict, has, mapDict } from '../dict';
import { ConcurrentChangeError, conflict, insufficientStock, notFound } from '../errors';
import type { LevelChange, LevelExpectation, PurchaseOrderRecord, TransferRecord, VariantRecord } from '../model';
import { alreadyRecorded, deltas, linesFingerprint } from '../model';
import type { IdempotencyRequest } from '../run-command';
import { runCommand } from '../run-command';
import type { CreatePurchaseOrderBody, CreateTransferBody, PurchaseOrder, ReceiptBody, Transfer } from '../schemas';

/** A level that may not exist yet: created (exactly) if absent, else moved by arithmetic. */
const upsert = (v: VariantRecord, locationId: string): { expect: LevelExpectation; createsVariant: boolean } => ({
  expect: v.levels[locationId] ? { kind: 'guard', atLeast: {} } : { kind: 'exact', version: 0 },
  createsVariant: !v.exists,
});

const retry = () => new ConcurrentChangeError();

async function requireLocation(deps: Deps, locationId: string): Promise<void> {
  if (!(await deps.store.getLocation(locationId))) throw notFound(`Location ${locationId}`);
}

export const purchaseOrderView = (po: PurchaseOrderRecord): PurchaseOrder => ({
  purchaseOrderId: po.purchaseOrderId,
  supplier: po.supplier,
  locationId: po.locationId,
  expectedAt: po.expectedAt,
  status: po.status,
  lines: Object.entries(po.lines)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([variantId, l]) => ({ variantId, ordered: l.ordered, received: l.received, outstanding: Math.max(0, l.ordered - l.received) })),
  receipts: po.receipts.map((r) => r.id),
  createdAt: po.createdAt,
  updatedAt: po.updatedAt,
});

/** Creates an open purchase order: incoming rises at once by each line's quantity. */
export async function createPurchaseOrder(deps: Deps, body: CreatePurchaseOrderBody, idempotency?: IdempotencyRequest): Promise<PurchaseOrder> {
  await requireLocation(deps, body.locationId);
  const id = body.purchaseOrderId ?? randomUUID();
  return runCommand(
    deps.store,
    async () => {
      const existing = await deps.store.getPurchaseOrder(id);
      if (existing) {
        // A retry of the same creation gets the order back; another order under the same id is refused.
        const same =
          existing.supplier === body.supplier &&
          existing.locationId === body.locationId &&
          existing.expectedAt === (body.expectedAt ?? null) &&
          Object.keys(existing.lines).length === body.lines.length &&
          body.lines.every((l) => has(existing.lines, l.variantId) && existing.lines[l.variantId].ordered === l.quantity);
        if (same) return { change: null, result: purchaseOrderView(existing) };
        throw conflict(`Purchase order ${id} already exists with other content.`, { purchaseOrderId: id });
      }
      const now = deps.clock.now().toISOString();
      const variants = await deps.store.getVariants(body.lines.map((l) => l.variantId));
      const po: PurchaseOrderRecord = {
        entity: 'PurchaseOrder',
        purchaseOrderId: id,
        supplier: body.supplier,
        locationId: body.locationId,
        expectedAt: body.expectedAt ?? null,
        status: 'open',
        lines: dict(body.lines.map((l) => [l.variantId, { ordered: l.quantity, received: 0 }])),
        receipts: [],
        createdAt: now,
        updatedAt: now,
        version: 0,
      };
      const levels: LevelChange[] = body.lines.map((l, i) => ({
        variantId: l.variantId,
        locationId: body.locationId,
        deltas: deltas({ incoming: l.quantity }),
        ...upsert(variants[i], body.locationId),
        eta: body.expectedAt ? { purchaseOrderId: id, expectedAt: body.expectedAt } : undefined,
        movement: { type: 'po_created', reference: `po:${id}`, reason: `ordered from ${body.supplier}` },
        onFail: retry,
      }));
      return {
        change: { levels, records: [{ op: 'put', record: po, expect: 'absent' }] },
        result: purchaseOrderView(po),
      };
    },
    idempotency,
  );
}

/**
 * Receives stock: on-hand rises by what arrived and incoming falls by it, but never by more than is
 * still outstanding on the line, so an over-receipt adds to on-hand without corrupting incoming.
 * Idempotent by receiptId; a cancelled or fully received order refuses (409 conflict).
 */
export async function receivePurchaseOrder(deps: Deps, id: string, body: ReceiptBody, idempotency?: IdempotencyRequest): Promise<PurchaseOrder> {
  return runCommand(
    deps.store,
    async () => {
      const po = await deps.store.getPurchaseOrder(id);
      if (!po) throw notFound(`Purchase order ${id}`);
      const fingerprint = linesFingerprint(body.lines);
      if (alreadyRecorded(po.receipts, body.receiptId, fingerprint, 'Receipt')) return { change: null, result: purchaseOrderView(po) };
      if (po.status === 'cancelled' || po.status === 'received') {
        throw conflict(`Purchase order ${id} is ${po.status}; it cannot receive stock.`, { status: po.status });
      }
      const missing = body.lines.filter((l) => !has(po.lines, l.variantId));
      if (missing.length) {
        throw conflict(`Purchase order ${id} has no line for ${missing.map((l) => l.variantId).join(', ')}.`, {
          variantIds: missing.map((l) => l.variantId),
        });
      }
      const variants = await deps.store.getVariants(body.lines.map((l) => l.variantId));
      const lines = mapDict(po.lines, (l) => ({ ...l }));
      for (const l of body.lines) lines[l.variantId].received += l.quantity;
      const status = Object.values(lines).every((l) => l.received >= l.ordered) ? 'received' : 'partially_received';
      const levels: LevelChange[] = body.lines.map((l, i) => {
        const outstanding = Math.max(0, po.lines[l.variantId].ordered - po.lines[l.variantId].received);
        const fromIncoming = Math.min(l.quantity, outstanding);
        const lineDone = lines[l.variantId].received >= lines[l.variantId].ordered;
        return {
          variantId: l.variantId,
          locationId: po.locationId,
          deltas: deltas({ onHand: l.quantity, incoming: -fromIncoming }),
          expect: fromIncoming > 0 ? { kind: 'guard', atLeast: { incoming: fromIncoming } } : upsert(variants[i], po.locationId).expect,
          createsVariant: !variants[i].exists,
          // Lines received in full no longer bring stock: forget their expected date once the order is done.
          eta: lineDone || status === 'received' ? { purchaseOrderId: id, expectedAt: null } : undefined,
          movement: { type: 'po_receipt', reference: `po:${id}/receipt:${body.receiptId}`, reason: `received from ${po.supplier}` },
          onFail: retry,
        };
      });
      const next: PurchaseOrderRecord = {
        ...po,
        lines,
        status,
        receipts: [...po.receipts, { id: body.receiptId, fingerprint }],
        updatedAt: deps.clock.now().toISOString(),
      };
      return {
        change: { levels, records: [{ op: 'put', record: next, expect: { version: po.version } }] },
        result: purchaseOrderView(next),
      };
    },
    idempotency,
  );
}

/** Cancels a purchase order: what is still outstanding leaves incoming. Repeating it changes nothing. */
export async function cancelPurchaseOrder(deps: Deps, id: string, idempotency?: IdempotencyRequest): Promise<PurchaseOrder> {
  return runCommand(
    deps.store,
    async () => {
      const po = await deps.store.getPurchaseOrder(id);
      if (!po) throw notFound(`Purchase order ${id}`);
      if (po.status === 'cancelled') return { change: null, result: purchaseOrderView(po) };
      if (po.status === 'received') throw conflict(`Purchase order ${id} was received in full; it cannot be cancelled.`, { status: po.status });
      // Only lines with something outstanding change a level: a line received in full already left incoming (and its
      // expected date) at its receipt, so it gets no movement. An order still open has at least one such line.
      const levels = Object.entries(po.lines)
        .filter(([, l]) => l.received < l.ordered)
        .map(([variantId, l]): LevelChange => {
          const outstanding = l.ordered - l.received;
          return {
            variantId,
            locationId: po.locationId,
            deltas: deltas({ incoming: -outstanding }),
            expect: { kind: 'guard', atLeast: { incoming: outstanding } },
            eta: { purchaseOrderId: id, expectedAt: null },
            movement: { type: 'po_cancelled', reference: `po:${id}`, reason: 'purchase order cancelled' },
            onFail: retry,
          };
        });
      const next: PurchaseOrderRecord = { ...po, status: 'cancelled', updatedAt: deps.clock.now().toISOString() };
      return {
        change: { levels, records: [{ op: 'put', record: next, expect: { version: po.version } }] },
        result: purchaseOrderView(next),
      };
    },
    idempotency,
  );
}

export async function getPurchaseOrder(deps: Deps, id: string): Promise<PurchaseOrder> {
  const po = await deps.store.getPurchaseOrder(id);
  if (!po) throw notFound(`Purchase order ${id}`);
  return purchaseOrderView(po);
}

export async function listPurchaseOrders(
  deps: Deps,
  query: { status?: string; locationId?: string; cursor?: string; limit?: number },
): Promise<{ purchaseOrders: PurchaseOrder[]; cursor: string | null }> {
  const page = await deps.store.listPurchaseOrders({ ...query, limit: query.limit ?? 50 });
  return { purchaseOrders: page.items.map(purchaseOrderView), cursor: page.cursor };
}

// ------------------------------------------------------------------ transfers

export const transferView = ({ entity: _e, version: _v, ...t }: TransferRecord): Transfer => t;

/** Creates a pending transfer. No stock moves until it is completed (no in-transit state is modelled). */
export async function createTransfer(deps: Deps, body: CreateTransferBody, idempotency?: IdempotencyRequest): Promise<Transfer> {
  await Promise.all([requireLocation(deps, body.fromLocationId), requireLocation(deps, body.toLocationId)]);
  const id = body.transferId ?? randomUUID();
  return runCommand(
    deps.store,
    async () => {
      const existing = await deps.store.getTransfer(id);
      if (existing) {
        const same =
          existing.fromLocationId === body.fromLocationId &&
          existing.toLocationId === body.toLocationId &&
          JSON.stringify(existing.lines) === JSON.stringify(body.lines);
        if (same) return { change: null, result: transferView(existing) };
        throw conflict(`Transfer ${id} already exists with other content.`, { transferId: id });
      }
      const now = deps.clock.now().toISOString();
      const transfer: TransferRecord = {
        entity: 'Transfer',
        transferId: id,
        fromLocationId: body.fromLocationId,
        toLocationId: body.toLocationId,
        lines: body.lines,
        status: 'pending',
        createdAt: now,
        updatedAt: now,
        version: 0,
      };
      return { change: { levels: [], records: [{ op: 'put', record: transfer, expect: 'absent' }] }, result: transferView(transfer) };
    },
    idempotency,
  );
}

/**
 * Completes a transfer: the source's on-hand falls and the destination's rises, in one transaction.
 * The source must have the quantity *available* (reserved stock is never moved), else 409
 * insufficient_stock and nothing changes. Completing it again changes nothing.
 */
export async function completeTransfer(deps: Deps, id: string, idempotency?: IdempotencyRequest): Promise<Transfer> {
  return runCommand(
    deps.store,
    async () => {
      const transfer = await deps.store.getTransfer(id);
      if (!transfer) throw notFound(`Transfer ${id}`);
      if (transfer.status === 'completed') return { change: null, result: transferView(transfer) };
      if (transfer.status === 'cancelled') throw conflict(`Transfer ${id} was cancelled.`, { status: transfer.status });
      const variants = await deps.store.getVariants(transfer.lines.map((l) => l.variantId));
      const reference = `transfer:${id}`;
      // The same refusal whether the read shows the shortage or the transaction's guard finds it.
      const short = (variantId: string, available: number) =>
        insufficientStock(`Only ${Math.max(0, available)} of ${variantId} are available at ${transfer.fromLocationId}.`, Math.max(0, available), {
          variantId,
          locationId: transfer.fromLocationId,
        });
      const levels: LevelChange[] = transfer.lines.flatMap((l, i) => {
        const v = variants[i];
        const available = v.levels[transfer.fromLocationId]?.available ?? 0;
        if (available < l.quantity) throw short(l.variantId, available);
        return [
          {
            variantId: l.variantId,
            locationId: transfer.fromLocationId,
            deltas: deltas({ onHand: -l.quantity }),
            expect: { kind: 'guard', atLeast: { available: l.quantity, onHand: l.quantity } },
            movement: { type: 'transfer_out', reference, reason: `to ${transfer.toLocationId}` },
            onFail: (cur) => short(l.variantId, cur?.available ?? 0),
          },
          {
            variantId: l.variantId,
            locationId: transfer.toLocationId,
            deltas: deltas({ onHand: l.quantity }),
            ...upsert(v, transfer.toLocationId),
            movement: { type: 'transfer_in', reference, reason: `from ${transfer.fromLocationId}` },
            onFail: retry,
          },
        ];
      });
      const next: TransferRecord = { ...transfer, status: 'completed', updatedAt: deps.clock.now().toISOString() };
      return {
        change: { levels, records: [{ op: 'put', record: next, expect: { version: transfer.version } }] },
        result: transferView(next),
      };
    },
    idempotency,
  );
}

export async function cancelTransfer(deps: Deps, id: string, idempotency?: IdempotencyRequest): Promise<Transfer> {
  return runCommand(
    deps.store,
    async () => {
      const transfer = await deps.store.getTransfer(id);
      if (!transfer) throw notFound(`Transfer ${id}`);
      if (transfer.status === 'cancelled') return { change: null, result: transferView(transfer) };
      if (transfer.status === 'completed') throw conflict(`Transfer ${id} was completed; it cannot be cancelled.`, { status: transfer.status });
      const next: TransferRecord = { ...transfer, status: 'cancelled', updatedAt: deps.clock.now().toISOString() };
      return { change: { levels: [], records: [{ op: 'put', record: next, expect: { version: transfer.version } }] }, result: transferView(next) };
    },
    idempotency,
  );
}

export async function getTransfer(deps: Deps, id: string): Promise<Transfer> {
  const t = await deps.store.getTransfer(id);
  if (!t) throw notFound(`Transfer ${id}`);
  return transferView(t);
}

export async function listTransfers(
  deps: Deps,
  query: { status?: string; locationId?: string; cursor?: string; limit?: number },
): Promise<{ transfers: Transfer[]; cursor: string | null }> {
  const page = await deps.store.listTransfers({ ...query, limit: query.limit ?? 50 });
  return { transfers: page.items.map(transferView), cursor: page.cursor };
}
