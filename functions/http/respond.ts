/** Turning results and errors into HTTP responses: the one place where an error becomes a status. */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import { shownError, statusFor } from './errors';

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

/** A DomainError or HttpError as the contract's `{error: {code, message, ...details}}`; anything else as a bare 500. */
export function errorResponse(err: unknown, logger?: Pick<Logger, 'error'>): APIGatewayProxyStructuredResultV2 {
  const shown = shownError(err);
  if (shown) {
    const headers: Record<string, string> = {};
    if (shown.code === 'method_not_allowed' && Array.isArray(shown.details.allow)) headers.allow = shown.details.allow.join(', ');
    // Every answer a retry can help carries Retry-After (throttled, service_unavailable, and a conflict past every re-plan).
    if (shown.details.retryable === true) headers['retry-after'] = '1';
    return json(statusFor(shown.code), { error: { code: shown.code, message: shown.message, ...shown.details } }, headers);
  }
  logger?.error('Unhandled error', err as Error);
  return json(500, { error: { code: 'internal_error', message: 'Something went wrong on our side; it was logged.' } });
}
