// Proves how the SDK's failures reach a caller: throttling is 429 throttled, an unreachable or failing table is 503
// service_unavailable, both retryable with Retry-After; anything else stays an error that becomes a logged 500.
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { classifySdkError } from '../../functions/dynamodb/sdk-errors';
import { errorResponse } from '../../functions/http/respond';
import { conflict, DomainError } from '../../functions/core/errors';

const sdk = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, ...extra });
const respond = (err: unknown) => {
  const r = errorResponse(classifySdkError(err));
  return { status: r.statusCode, code: JSON.parse(r.body ?? '{}').error.code, retryable: JSON.parse(r.body ?? '{}').error.retryable, retryAfter: r.headers?.['retry-after'] };
};

it.each([
  ['ThrottlingException', sdk('ThrottlingException', { $fault: 'client', $metadata: { httpStatusCode: 400 } })],
  ['ProvisionedThroughputExceededException', sdk('ProvisionedThroughputExceededException', { $fault: 'client', $metadata: { httpStatusCode: 400 } })],
  ['RequestLimitExceeded', sdk('RequestLimitExceeded')],
  [
    'a transaction cancelled for throttling',
    new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }] }),
  ],
])('%s → 429 throttled, retryable', (_name, err) => {
  expect(respond(err)).toEqual({ status: 429, code: 'throttled', retryable: true, retryAfter: '1' });
});

it.each([
  ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' })],
  ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ['a timeout', sdk('TimeoutError')],
  ['InternalServerError', sdk('InternalServerError', { $fault: 'server', $metadata: { httpStatusCode: 500 } })],
  ['ServiceUnavailable', sdk('ServiceUnavailable', { $fault: 'server', $metadata: { httpStatusCode: 503 } })],
])('%s → 503 service_unavailable, retryable', (_name, err) => {
  expect(respond(err)).toEqual({ status: 503, code: 'service_unavailable', retryable: true, retryAfter: '1' });
});

it('leaves other failures as they are: a 500 whose details are logged, never shown', () => {
  for (const err of [
    new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }),
    sdk('ValidationException', { $fault: 'client', $metadata: { httpStatusCode: 400 } }),
    new TypeError('x is undefined'),
  ]) {
    expect(classifySdkError(err)).toBe(err);
    expect(respond(err)).toMatchObject({ status: 500, code: 'internal_error' });
  }
});

it('gives Retry-After to every answer a retry can help, and to no other', () => {
  const header = (err: unknown) => errorResponse(err).headers?.['retry-after'];
  expect(header(new DomainError('conflict', 'changed too often', { retryable: true }))).toBe('1');
  expect(header(conflict('A cart holds at most 30 lines.'))).toBeUndefined();
  expect(header(new DomainError('insufficient_stock', 'short', { available: 1 }))).toBeUndefined();
});
