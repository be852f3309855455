/**
 * Runs a command: plan (read, decide), commit atomically, and when the store reports that a version
 * it read has moved on, plan again. Commands are pure planners; this is the one retry loop.
 */
import { ConcurrentChangeError, DomainError } from './errors';
import type { StockChange } from './model';
import type { InventoryStore } from './ports';

export interface Plan<R> {
  /** null when the command finds nothing to change (e.g. a repeated checkout). */
  change: StockChange | null;
  result: R;
}

export interface IdempotencyRequest {
  key: string;
  fingerprint: string;
  statusCode: number;
}

export const MAX_ATTEMPTS = 10;

const pause = (attempt: number): Promise<void> =>
  new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));

export async function runCommand<R>(
  store: InventoryStore,
  plan: () => Promise<Plan<R>>,
  idempotency?: IdempotencyRequest,
): Promise<R> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      const p = await plan();
      const change = p.change ?? { levels: [], records: [] };
      if (change.levels.length === 0 && change.records.length === 0 && !idempotency) return p.result;
      await store.commit(
        change,
        idempotency && {
          key: idempotency.key,
          fingerprint: idempotency.fingerprint,
          statusCode: idempotency.statusCode,
          body: p.result,
        },
      );
      return p.result;
    } catch (err) {
      if (!(err instanceof ConcurrentChangeError)) throw err;
      await pause(attempt);
    }
  }
  throw new DomainError('conflict', 'The stock changed too often while this request ran; retry it.', { retryable: true });
}
