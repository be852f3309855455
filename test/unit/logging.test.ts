// Proves the log lines an on-call engineer correlates: an API request's lines carry its API Gateway request id (correlation_id) and its
// invocation's Lambda request id, also when requests interleave in one process (npm start); a cold start is the process's first
// invocation only; a failed stream record is logged at ERROR with its sequence number; a published event with its eventId.
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import type { Deps } from '../../functions/core/deps';
import type { PublishedEvent } from '../../functions/core/ports';
import { createHttpHandler } from '../../functions/http/handler';
import { createSweeper } from '../../functions/schedule/sweeper';
import { createStreamBatchHandler } from '../../functions/streams/handler';
import type { StreamDeps } from '../../functions/streams/on-table-change';
import { gatewayEvent, lambdaContext } from '../../lib/local/http-server';
import { TerminalLogger } from '../../lib/local/terminal-logger';
import { testAuth } from '../support/auth';

type Line = Record<string, unknown> & { level: string; message: string };

/** A ServiceLogger whose JSON lines (exactly Powertools' attributes) are kept. */
function capture(level: 'INFO' | 'DEBUG' = 'INFO') {
  const lines: Line[] = [];
  const logger = new TerminalLogger({ serviceName: 'inventory', logLevel: level }, { format: 'json', write: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const auth = testAuth();
const deferred = () => {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  return { promise, release };
};

describe('an API request’s log lines', () => {
  it('carry correlation_id (the API Gateway request id) and function_request_id (the invocation’s), each its own when requests interleave', async () => {
    const { logger, lines } = capture();
    // Request A's store call fails only after request B has started and failed: with keys on one shared logger, A's line would carry B's ids.
    const bFailed = deferred();
    const store = {
      getLocation: async (id: string) => {
        if (id === 'loc-a') await bFailed.promise;
        throw new Error(`store down for ${id}`);
      },
    };
    const deps = { store, clock: { now: () => new Date() }, holdSeconds: 1800 } as unknown as Deps;
    const handler = createHttpHandler(deps, auth.verifier, logger);
    const request = (id: string) => gatewayEvent({ method: 'GET', url: `/locations/${id}`, headers: auth.headerFor('GET', `/locations/${id}`) });
    const a = request('loc-a');
    const b = request('loc-b');
    const answerA = handler(a, lambdaContext('lambda-a'));
    const answerB = handler(b, lambdaContext('lambda-b'));
    expect((await answerB).statusCode).toBe(500);
    bFailed.release();
    expect((await answerA).statusCode).toBe(500);

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      message: 'Unhandled error',
      service: 'inventory',
      correlation_id: b.requestContext.requestId,
      function_request_id: 'lambda-b',
      function_name: 'inventory-http-api-local',
      error: { message: 'store down for loc-b' },
    });
    expect(lines[1]).toMatchObject({ correlation_id: a.requestContext.requestId, function_request_id: 'lambda-a', error: { message: 'store down for loc-a' } });
    expect(a.requestContext.requestId).not.toBe(b.requestContext.requestId);
  });

  it('write nothing for a request that succeeds or is refused', async () => {
    const { logger, lines } = capture('DEBUG');
    const deps = { store: { getLocation: async () => undefined }, clock: { now: () => new Date() }, holdSeconds: 1800 } as unknown as Deps;
    const handler = createHttpHandler(deps, auth.verifier, logger);
    expect((await handler(gatewayEvent({ method: 'GET', url: '/locations/x', headers: auth.headerFor('GET', '/locations/x') }), lambdaContext('l1'))).statusCode).toBe(404);
    expect((await handler(gatewayEvent({ method: 'GET', url: '/locations/x', headers: {} }), lambdaContext('l2'))).statusCode).toBe(401);
    expect(lines).toEqual([]);
  });
});

describe('cold_start', () => {
  const saved = process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
  beforeAll(() => (process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand'));
  afterAll(() => (saved === undefined ? delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE : (process.env.AWS_LAMBDA_INITIALIZATION_TYPE = saved)));

  it('is true on the process’s first invocation only, though every invocation logs through a logger of its own', async () => {
    const { logger, lines } = capture();
    const deps = { store: { listExpiredCarts: async () => [] }, clock: { now: () => new Date() }, holdSeconds: 1800 } as unknown as Deps;
    const sweeper = createSweeper(deps, { passes: 1, passSeconds: 0 }, logger);
    const first = logger.forInvocation(lambdaContext('one', 'inventory-sweeper'));
    const second = logger.forInvocation(lambdaContext('two', 'inventory-sweeper'));
    second.info('second');
    first.info('first');
    expect(lines.map((l) => [l.message, l.function_request_id, l.cold_start])).toEqual([
      ['second', 'two', false],
      ['first', 'one', true],
    ]);
    // The sweeper's handler runs with one too (it logs only when it released something: here nothing).
    await expect(sweeper.handler({}, lambdaContext('three', 'inventory-sweeper'))).resolves.toEqual({ released: 0 });
  });
});

describe('the stream processor’s log lines', () => {
  const alertImage = (alertId: string) =>
    marshall({ entity: 'Alert', alertId, variantId: 'sku-1', locationId: 'wh-1', status: 'open', available: 1, threshold: 3, openedAt: '2026-11-26T17:00:00.000Z', clearedAt: null, version: 0 });
  const alertOpened = (alertId: string, sequenceNumber: string): DynamoDBRecord =>
    ({ eventID: `e-${sequenceNumber}`, eventName: 'INSERT', eventSource: 'aws:dynamodb', dynamodb: { SequenceNumber: sequenceNumber, NewImage: alertImage(alertId) } }) as unknown as DynamoDBRecord;

  it('name the event published, and log a failed record at ERROR with its sequence number and error; the records after it are not handled', async () => {
    const { logger, lines } = capture();
    const published: PublishedEvent[] = [];
    const publisher = {
      publish: async (events: PublishedEvent[]) => {
        if (events[0].id.startsWith('bad')) throw new Error('PutEvents failed for bad:opened (InternalFailure: try again)');
        published.push(...events);
      },
    };
    const handle = createStreamBatchHandler({ publisher, clock: { now: () => new Date() }, holdSeconds: 1800 } as unknown as StreamDeps, { logger });
    const out = await handle({ Records: [alertOpened('good', '100'), alertOpened('bad', '200'), alertOpened('later', '300')] }, lambdaContext('batch-1', 'inventory-stream-processor') as Context);

    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }, { itemIdentifier: '300' }] });
    expect(published.map((e) => e.id)).toEqual(['good:opened']);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      message: 'Published LowStockAlertOpened',
      eventId: 'good:opened',
      alertId: 'good',
      sequenceNumber: '100',
      function_request_id: 'batch-1',
    });
    expect(lines[1]).toMatchObject({
      level: 'ERROR',
      message: expect.stringContaining('Stream record failed'),
      sequenceNumber: '200',
      function_request_id: 'batch-1',
      error: { message: expect.stringContaining('PutEvents failed for bad:opened') },
    });
    expect(lines[1]).not.toHaveProperty('correlation_id');
  });
});
