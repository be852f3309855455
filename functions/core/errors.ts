/**
 * The errors the service's commands and adapters report, whatever carries them to the caller. Their HTTP
 * statuses, and the codes only HTTP has (a malformed body, a missing token, …), belong to the HTTP layer
 * (functions/http/errors.ts). Anything that is not a DomainError is a bug: a 500 whose details are logged,
 * never shown.
 */
export type DomainErrorCode =
  | 'validation_failed'
  | 'not_found'
  | 'insufficient_stock'
  | 'conflict'
  | 'stale_quantity'
  | 'idempotency_key_reused'
  | 'throttled'
  | 'service_unavailable';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Extra fields shown to the caller beside code and message (e.g. `available`, `issues`). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string): DomainError => new DomainError('not_found', `${what} was not found.`);
export const conflict = (message: string, details: Record<string, unknown> = {}): DomainError =>
  new DomainError('conflict', message, details);
export const insufficientStock = (
  message: string,
  available: number,
  details: Record<string, unknown> = {},
): DomainError => new DomainError('insufficient_stock', message, { available, ...details });

/** A compare-and-set found the figure moved on: nothing changed; `onHand` is the figure now. */
export const staleQuantity = (expected: number, onHand: number): DomainError =>
  new DomainError('stale_quantity', `On-hand is ${onHand}, not the ${expected} this change expected; nothing was changed.`, { onHand, expectedOnHand: expected });

/**
 * Thrown by the store when an optimistic write lost a race (the version it read has moved on, or
 * DynamoDB reported a transaction conflict). Never shown to callers: `runCommand` plans again.
 */
export class ConcurrentChangeError extends Error {
  constructor(message = 'The item changed while the command ran.') {
    super(message);
    this.name = 'ConcurrentChangeError';
  }
}

/** The table is throttling requests (past the SDK's own retries): the caller may retry shortly. */
export const throttled = (): DomainError =>
  new DomainError('throttled', 'The inventory store is busy; retry shortly.', { retryable: true });

/** The table (or the network to it) is not answering: nothing was changed that a retry could repeat harmfully. */
export const serviceUnavailable = (): DomainError =>
  new DomainError('service_unavailable', 'The inventory store is not available; retry shortly.', { retryable: true });

/** Another request with the same Idempotency-Key committed first: the HTTP layer replays its response. */
export class IdempotencyRaceError extends Error {
  constructor(readonly key: string) {
    super(`Idempotency key ${key} was used concurrently`);
    this.name = 'IdempotencyRaceError';
  }
}
