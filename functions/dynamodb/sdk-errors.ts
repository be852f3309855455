/**
 * What the AWS SDK's failures mean for a caller, once the SDK's own retries are spent: a throttled table is
 * 429 `throttled`, a table or network that does not answer is 503 `service_unavailable`, both `retryable`.
 * Everything else (a bug, a request DynamoDB refused) stays as it is and becomes a logged 500.
 *
 * Safe to retry: a change is one transaction, applied whole or not at all, and every transaction carries a
 * ClientRequestToken, so when a timeout hides a change that was applied, the SDK's retry of it is answered
 * as applied, not applied again; the caller's own retry re-plans from what is there (and POSTs replay by
 * Idempotency-Key).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { serviceUnavailable, throttled } from '../core/errors';

const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'Throttling',
  'TooManyRequestsException',
  'LimitExceededException',
  // The same transaction (ClientRequestToken) is still being applied: the SDK retries it as throttled.
  'TransactionInProgressException',
]);
const UNAVAILABLE = new Set(['ServiceUnavailable', 'ServiceUnavailableException', 'InternalServerError', 'InternalFailure', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

interface SdkError {
  name?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  CancellationReasons?: { Code?: string }[];
}

export function classifySdkError(err: unknown): unknown {
  const e = (err ?? {}) as SdkError;
  const name = e.name ?? '';
  if (THROTTLING.has(name) || e.CancellationReasons?.some((r) => r.Code === 'ThrottlingError' || r.Code === 'ProvisionedThroughputExceeded')) {
    return throttled();
  }
  if (
    UNAVAILABLE.has(name) ||
    NETWORK.has(e.code ?? '') ||
    NETWORK.has(name) ||
    (e.$fault === 'server' && (e.$metadata?.httpStatusCode ?? 500) >= 500)
  ) {
    return serviceUnavailable();
  }
  return err;
}

const MIDDLEWARE = 'inventoryClassifyErrors';

/**
 * Makes every request of the client (the store's reads, its transactions, the paginators) fail as
 * `classifySdkError` says. Outermost in the stack, so it sees failures after the SDK's retries. Once per client.
 */
export function classifyErrors(client: DynamoDBDocumentClient): void {
  if (client.middlewareStack.identify().some((m) => m.startsWith(MIDDLEWARE))) return;
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        throw classifySdkError(err);
      }
    },
    { step: 'initialize', name: MIDDLEWARE, priority: 'high' },
  );
}
