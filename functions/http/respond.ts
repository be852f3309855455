/** Turning results and errors into HTTP responses: the one place where an error becomes a status. */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import { DomainError, statusFor } from '../core/errors';

const HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

export const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { ...HEADERS, ...headers },
  body: JSON.stringify(body),
});

/** A DomainError as the contract's `{error: {code, message, ...details}}`; anything else as a bare 500. */
export function errorResponse(err: unknown, logger?: Pick<Logger, 'error'>): APIGatewayProxyStructuredResultV2 {
  if (err instanceof DomainError) {
    const headers: Record<string, string> = {};
    if (err.code === 'method_not_allowed' && Array.isArray(err.details.allow)) headers.allow = err.details.allow.join(', ');
    if (err.code === 'throttled' || err.code === 'service_unavailable') headers['retry-after'] = '1';
    return json(statusFor(err.code), { error: { code: err.code, message: err.message, ...err.details } }, headers);
  }
  logger?.error('Unhandled error', err as Error);
  return json(500, { error: { code: 'internal_error', message: 'Something went wrong on our side; it was logged.' } });
}
