/**
 * Error codes as HTTP sees them: the domain's codes plus those only the HTTP layer can produce, and the one
 * table of their statuses. The response writer, the OpenAPI generator and the tests read statuses here.
 */
import { DomainError, type DomainErrorCode } from '../core/errors';

/** Codes that only exist because the request came over HTTP. `internal_error` is the 500 of an unexpected error. */
export type HttpOnlyCode = 'malformed_json' | 'payload_too_large' | 'method_not_allowed' | 'unauthorized' | 'forbidden' | 'internal_error';
export type ErrorCode = DomainErrorCode | HttpOnlyCode;

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  malformed_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  insufficient_stock: 409,
  conflict: 409,
  stale_quantity: 409,
  payload_too_large: 413,
  idempotency_key_reused: 422,
  throttled: 429,
  internal_error: 500,
  service_unavailable: 503,
};

/** Every code a caller can meet in `error.code`, in the order of their statuses (the OpenAPI document's `ErrorCode` enum). */
export const ERROR_CODES = Object.keys(STATUS) as ErrorCode[];

/** The HTTP status of an error code: the only place where codes meet statuses. */
export const statusFor = (code: ErrorCode): number => STATUS[code];

/** An error of the HTTP layer itself (the request could not reach a command), shown as `{error: {code, message, ...details}}`. */
export class HttpError extends Error {
  constructor(
    readonly code: Exclude<HttpOnlyCode, 'internal_error'>,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** What a caller is shown of an error, or undefined for an unexpected one (a 500 whose details are only logged). */
export const shownError = (err: unknown): DomainError | HttpError | undefined =>
  err instanceof DomainError || err instanceof HttpError ? err : undefined;
