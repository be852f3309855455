// Proves the Lambda entries' tracing: the handler's subsegment is opened before and closed after every invocation, marked as an
// error only when the invocation failed (a 4xx the HTTP handler answered is not one), responses are not recorded, and SDK
// clients are instrumented by the Tracer. The Tracer here is a stand-in with the calls the Powertools middleware makes.
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceLogger } from '../../functions/commons/logger';
import type { Tracing } from '../../functions/commons/runtime';
import type { Deps } from '../../functions/core/deps';
import { DomainError } from '../../functions/core/errors';
import { createHttpHandler } from '../../functions/http/handler';
import { createSweeper } from '../../functions/schedule/sweeper';
import { gatewayEvent, lambdaContext } from '../../lib/local/http-server';

// Loading the X-Ray SDK in automatic mode would start its async hook for the rest of this worker's tests.
process.env.AWS_XRAY_MANUAL_MODE = '1';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- after the variable above
const { lambdaTracing } = require('../../functions/commons/tracing') as typeof import('../../functions/commons/tracing');

const quiet = new ServiceLogger({ serviceName: 'inventory-test', logLevel: 'SILENT' });

function stubTracer() {
  const subsegment = { close: jest.fn() };
  const segment = { addNewSubsegment: jest.fn(() => subsegment) };
  const tracer = {
    isTracingEnabled: () => true,
    getSegment: jest.fn(() => segment),
    setSegment: jest.fn(),
    annotateColdStart: jest.fn(),
    addServiceNameAnnotation: jest.fn(),
    addErrorAsMetadata: jest.fn(),
    addResponseAsMetadata: jest.fn(),
    captureAWSv3Client: jest.fn(<C>(c: C) => c),
  };
  return { tracer, segment, subsegment, tracing: lambdaTracing(tracer as unknown as Tracer) };
}

/** Deps whose store has only `ping` (GET /health's one read). */
const depsWith = (tracing: Tracing, ping: () => Promise<void>): Deps & { tracing: Tracing } =>
  ({ store: { ping }, clock: { now: () => new Date() }, holdSeconds: 1800, tracing }) as unknown as Deps & { tracing: Tracing };

const get = (path: string): APIGatewayProxyEventV2 => gatewayEvent({ method: 'GET', url: path, headers: {} });

describe('the handler’s subsegment', () => {
  it('is opened and closed around a request answered 2xx or 4xx, with no error and no response recorded', async () => {
    const { tracer, subsegment, tracing } = stubTracer();
    const handler = createHttpHandler(depsWith(tracing, async () => undefined), { verify: async () => ({}) } as never, quiet);
    expect((await handler(get('/health'), lambdaContext('r0'))).statusCode).toBe(200);
    expect(subsegment.close).toHaveBeenCalledTimes(1);
    const notFound = await handler(get('/no/such/route'), lambdaContext('r1'));
    expect(notFound.statusCode).toBe(404);
    expect(tracer.getSegment).toHaveBeenCalled();
    expect(subsegment.close).toHaveBeenCalledTimes(2);
    expect(tracer.annotateColdStart).toHaveBeenCalled();
    expect(tracer.addErrorAsMetadata).not.toHaveBeenCalled();
    expect(tracer.addResponseAsMetadata).not.toHaveBeenCalled();
  });

  it('records the error of a request answered 500 (the handler failed)', async () => {
    const { tracer, subsegment, tracing } = stubTracer();
    const boom = new Error('DynamoDB is down');
    // A store that throws instead of rejecting: an unexpected error, answered 500 (a rejected ping is a 503).
    const handler = createHttpHandler(depsWith(tracing, () => { throw boom; }), { verify: async () => ({}) } as never, quiet);
    const r = await handler(get('/health'), lambdaContext('r2'));
    expect(r.statusCode).toBe(500);
    expect(tracer.addErrorAsMetadata).toHaveBeenCalledWith(boom);
    expect(subsegment.close).toHaveBeenCalledTimes(1);
  });

  it('records the error of a sweeper run that threw', async () => {
    const { tracer, subsegment, tracing } = stubTracer();
    const failing = new DomainError('service_unavailable', 'injected');
    const deps = { store: { listExpiredCarts: () => Promise.reject(failing) }, clock: { now: () => new Date() }, holdSeconds: 1800, tracing } as unknown as Deps & { tracing: Tracing };
    await expect(createSweeper(deps, { passes: 1, passSeconds: 0 }, quiet).handler({}, lambdaContext('r3'))).rejects.toBe(failing);
    expect(tracer.addErrorAsMetadata).toHaveBeenCalledWith(failing);
    expect(subsegment.close).toHaveBeenCalledTimes(1);
  });
});

it('instruments the SDK clients it is given', () => {
  const { tracer, tracing } = stubTracer();
  const client = { send: () => undefined };
  expect(tracing.client(client)).toBe(client);
  expect(tracer.captureAWSv3Client).toHaveBeenCalledWith(client);
});
