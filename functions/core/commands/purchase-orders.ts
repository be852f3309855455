/**
 * Purchase orders: stock on its way from a supplier. Opening one raises incoming at its location; each
 * receipt moves what arrived from incoming to on-hand; cancelling drops what is still outstanding. Each
 * call is one transaction over the document and every level it moves.
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps';
import { dict, has, mapDict } from '../dict';
import { ConcurrentChangeError, conflict, notFound } from '../errors';
import type { IdempotencyRequest } from '../run-command';
import { runCommand } from '../run-command';
import type { CreatePurchaseOrderBody, PurchaseOrder, ReceiptBody } from '../schemas';
import { deltas, levelUpsert } from '../planned-change';
import type { LevelChange } from '../planned-change';
import type { PurchaseOrderRecord } from '../records';
import { alreadyRecorded, linesFingerprint } from '../rules';
import { purchaseOrderView } from '../views';
import { requireLocation } from './locations';

const retry = () => new ConcurrentChangeError();

/** Creates an open purchase order: incoming rises at once by each line's quantity. */
export async function createPurchaseOrder(deps: Deps, body: CreatePurchaseOrderBody, idempotency?: IdempotencyRequest): Promise<PurchaseOrder> {
  await requireLocation(deps, body.locationId);
  const id = body.purchaseOrderId ?? randomUUID();
  return runCommand(
    deps,
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
      const variants = await deps.store.getVariants(body.lines.map((l) => l.variantId), [body.locationId]);
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
        ...levelUpsert(variants[i], body.locationId),
        eta: body.expectedAt ? { purchaseOrderId: id, expectedAt: body.expectedAt } : undefined,
        movement: { type: 'po_created', reference: `po:${id}`, reason: `ordered from ${body.supplier}` },
        onFail: retry,
      }));
      return {
        change: { levels, records: [{ op: 'put', record: po, expect: 'absent' }] },
        result: purchaseOrderView(po),
      };
    },
    { idempotency },
  );
}

/**
 * Receives stock: on-hand rises by what arrived and incoming falls by it, but never by more than is
 * still outstanding on the line, so an over-receipt adds to on-hand without corrupting incoming.
 * Idempotent by receiptId; a cancelled or fully received order refuses (409 conflict).
 */
export async function receivePurchaseOrder(deps: Deps, id: string, body: ReceiptBody, idempotency?: IdempotencyRequest): Promise<PurchaseOrder> {
  return runCommand(
    deps,
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
      const variants = await deps.store.getVariants(body.lines.map((l) => l.variantId), [po.locationId]);
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
          ...(fromIncoming > 0 ? { expect: { kind: 'guard', atLeast: { incoming: fromIncoming } }, createsVariant: !variants[i].exists } : levelUpsert(variants[i], po.locationId)),
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
    { idempotency },
  );
}

/** Cancels a purchase order: what is still outstanding leaves incoming. Repeating it changes nothing. */
export async function cancelPurchaseOrder(deps: Deps, id: string, idempotency?: IdempotencyRequest): Promise<PurchaseOrder> {
  return runCommand(
    deps,
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
    { idempotency },
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
