/**
 * Runs a command: plan (read, decide), commit atomically, and when the store reports that a version
 * it read has moved on, plan again. Commands are pure planners; this is the one retry loop, and the one
 * place where a command may look further before it gives an answer (`recover`).
 */
import { ConcurrentChangeError, DomainError } from './errors';
import type { Deps } from './deps';
import type { PlannedChange } from './planned-change';

export interface Plan<R> {
  /** null when the command finds nothing to change (e.g. a repeated checkout). */
  change: PlannedChange | null;
  result: R;
}

export interface IdempotencyRequest {
  key: string;
  fingerprint: string;
  statusCode: number;
}

export interface CommandOptions {
  /** Commits the response with the change, under this key: a retry with the key replays it. */
  idempotency?: IdempotencyRequest;
  /**
   * Given an error of planning that is not a lost race: resolve to plan again (having learnt or freed
   * something the plan lacked, e.g. released lapsed holds), or throw the answer. At most
   * MAX_RECOVERIES times per command; past that, the error goes to the caller as it is.
   */
  recover?: (err: unknown) => Promise<void>;
}

export const MAX_ATTEMPTS = 10;
export const MAX_RECOVERIES = 3;

const pause = (attempt: number): Promise<void> =>
  new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));

/** Runs against the store, and counts each lost race it plans again after (ConflictsRetried). */
export async function runCommand<R>(
  { store, metrics }: Pick<Deps, 'store' | 'metrics'>,
  plan: () => Promise<Plan<R>>,
  { idempotency, recover }: CommandOptions = {},
): Promise<R> {
  let recoveries = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; ) {
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
      if (err instanceof ConcurrentChangeError) {
        if (++attempt < MAX_ATTEMPTS) {
          metrics?.count('ConflictsRetried');
          await pause(attempt - 1);
        }
        continue;
      }
      if (!recover || recoveries >= MAX_RECOVERIES) throw err;
      recoveries++;
      await recover(err);
    }
  }
  throw new DomainError('conflict', 'The stock changed too often while this request ran; retry it.', { retryable: true });
}
