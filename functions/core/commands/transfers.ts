/**
 * Transfers: stock moved between two locations. Creating one moves nothing (no in-transit state is
 * modelled); completing it moves on-hand from the source to the destination in one transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps';
import { ConcurrentChangeError, conflict, insufficientStock, notFound } from '../errors';
import type { IdempotencyRequest } from '../run-command';
import { runCommand } from '../run-command';
import type { CreateTransferBody, Transfer } from '../schemas';
import { deltas, levelUpsert } from '../planned-change';
import type { LevelChange } from '../planned-change';
import type { TransferRecord } from '../records';
import { transferView } from '../views';
import { requireLocation } from './locations';

const retry = () => new ConcurrentChangeError();

/** Creates a pending transfer. No stock moves until it is completed (no in-transit state is modelled). */
export async function createTransfer(deps: Deps, body: CreateTransferBody, idempotency?: IdempotencyRequest): Promise<Transfer> {
  await Promise.all([requireLocation(deps, body.fromLocationId), requireLocation(deps, body.toLocationId)]);
  const id = body.transferId ?? randomUUID();
  return runCommand(
    deps,
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
    { idempotency },
  );
}

/**
 * Completes a transfer: the source's on-hand falls and the destination's rises, in one transaction.
 * The source must have the quantity *available* (reserved stock is never moved), else 409
 * insufficient_stock and nothing changes. Completing it again changes nothing.
 */
export async function completeTransfer(deps: Deps, id: string, idempotency?: IdempotencyRequest): Promise<Transfer> {
  return runCommand(
    deps,
    async () => {
      const transfer = await deps.store.getTransfer(id);
      if (!transfer) throw notFound(`Transfer ${id}`);
      if (transfer.status === 'completed') return { change: null, result: transferView(transfer) };
      if (transfer.status === 'cancelled') throw conflict(`Transfer ${id} was cancelled.`, { status: transfer.status });
      const variants = await deps.store.getVariants(transfer.lines.map((l) => l.variantId), [transfer.fromLocationId, transfer.toLocationId]);
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
            ...levelUpsert(v, transfer.toLocationId),
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
    { idempotency },
  );
}

export async function cancelTransfer(deps: Deps, id: string, idempotency?: IdempotencyRequest): Promise<Transfer> {
  return runCommand(
    deps,
    async () => {
      const transfer = await deps.store.getTransfer(id);
      if (!transfer) throw notFound(`Transfer ${id}`);
      if (transfer.status === 'cancelled') return { change: null, result: transferView(transfer) };
      if (transfer.status === 'completed') throw conflict(`Transfer ${id} was completed; it cannot be cancelled.`, { status: transfer.status });
      const next: TransferRecord = { ...transfer, status: 'cancelled', updatedAt: deps.clock.now().toISOString() };
      return { change: { levels: [], records: [{ op: 'put', record: next, expect: { version: transfer.version } }] }, result: transferView(next) };
    },
    { idempotency },
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
