/**
 * The one error type of the service. Adapters and commands throw it; the HTTP layer maps its code to a
 * status in exactly one place (`statusFor`). Anything that is not a DomainError is a 500 whose details
 * are logged, never shown.
 */
export type ErrorCode =
  | 'validation_failed'
  | 'malformed_json'
  | 'payload_too_large'
  | 'not_found'
  | 'method_not_allowed'
  | 'insufficient_stock'
  | 'conflict'
  | 'idempotency_key_reused'
  | 'unauthorized'
  | 'forbidden'
  | 'throttled'
  | 'service_unavailable'
  | 'internal_error';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  malformed_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  insufficient_stock: 409,
  conflict: 409,
  payload_too_large: 413,
  idempotency_key_reused: 422,
  throttled: 429,
  internal_error: 500,
  service_unavailable: 503,
};

/** The HTTP status of an error code: the only place where codes meet statuses. */
export const statusFor = (code: ErrorCode): number => STATUS[code];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
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
