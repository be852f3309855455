// Proves the HTTP error model before any storage is touched: 404, 405, malformed JSON, 413, validation issues, bad Idempotency-Key.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Deps } from '../../functions/core/deps';
import { dispatch, MAX_BODY_BYTES } from '../../functions/http/dispatch';
import { errorResponse } from '../../functions/http/respond';
import { gatewayEvent } from '../../lib/local/http-server';
import { testAuth } from '../support/auth';

const auth = testAuth();

// No call here may reach the store but the health check's ping: any other use fails the test.
const storeWith = (ping: () => Promise<void>) =>
  new Proxy({}, { get: (_t, p) => (p === 'ping' ? ping : () => Promise.reject(new Error(`store.${String(p)} was called`))) });
const deps = { store: storeWith(async () => undefined), clock: { now: () => new Date() }, holdSeconds: 1800 } as unknown as Deps;

const event = (method: string, path: string, body?: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 =>
  gatewayEvent({ method, url: path, headers: { ...auth.headerFor(method, path), ...headers }, body });

const call = async (e: APIGatewayProxyEventV2) => {
  try {
    const r = await dispatch(deps, e, auth.verifier);
    return { status: r.statusCode, body: JSON.parse(r.body ?? 'null'), headers: r.headers };
  } catch (err) {
    const r = errorResponse(err);
    return { status: r.statusCode, body: JSON.parse(r.body ?? 'null'), headers: r.headers };
  }
};

describe('dispatch', () => {
  it('serves health (a ping of the table) and the OpenAPI document without reading data', async () => {
    expect(await call(event('GET', '/health'))).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect((await call(event('GET', '/openapi.json'))).body).toMatchObject({ openapi: '3.0.3' });
  });

  it('health tells the truth: 503 service_unavailable, retryable, when the table does not answer; one ping per couple of seconds', async () => {
    let pings = 0;
    const down = { ...deps, store: storeWith(async () => { pings++; throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }); }) } as unknown as Deps;
    const answers = await Promise.all(Array.from({ length: 5 }, async () => {
      try {
        return await dispatch(down, event('GET', '/health'), auth.verifier);
      } catch (err) {
        return errorResponse(err);
      }
    }));
    for (const r of answers) {
      expect(r.statusCode).toBe(503);
      expect(JSON.parse(r.body ?? '')).toMatchObject({ error: { code: 'service_unavailable', retryable: true } });
      expect(r.headers?.['retry-after']).toBe('1');
    }
    expect(pings).toBe(1);
  });

  it('answers unknown paths 404 and wrong methods 405 with Allow', async () => {
    expect(await call(event('GET', '/nope'))).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const r = await call(event('DELETE', '/stock'));
    expect(r).toMatchObject({ status: 405, body: { error: { code: 'method_not_allowed' } } });
    expect(r.headers?.allow).toBe('GET');
  });

  it('refuses malformed JSON and oversized bodies', async () => {
    expect(await call(event('POST', '/stock/adjustments', '{"variantId":'))).toMatchObject({ status: 400, body: { error: { code: 'malformed_json' } } });
    const big = JSON.stringify({ note: 'x'.repeat(MAX_BODY_BYTES) });
    expect(await call(event('POST', '/stock/adjustments', big))).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
  });

  it('lists every validation issue with its path', async () => {
    const r = await call(event('POST', '/stock/adjustments', JSON.stringify({ variantId: 'bad id!', locationId: 'wh', delta: 1, onHand: 3, extra: 1 })));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('validation_failed');
    const paths = (r.body.error.issues as { path: string }[]).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['body.variantId', 'body.reason']));
    const params = await call(event('PUT', `/locations/${'x'.repeat(129)}`, JSON.stringify({ name: 'n', type: 'warehouse' })));
    expect(params.body.error.issues[0].path).toBe('params.locationId');
    const query = await call(event('GET', '/availability'));
    expect(query).toMatchObject({ status: 400, body: { error: { issues: [{ path: 'query.variantIds' }] } } });
  });

  it('refuses an Idempotency-Key that is not 1-255 visible characters', async () => {
    const r = await call(
      event('POST', '/stock/adjustments', JSON.stringify({ variantId: 'a', locationId: 'b', delta: 1, reason: 'r' }), { 'idempotency-key': 'has space' }),
    );
    expect(r).toMatchObject({ status: 400, body: { error: { code: 'validation_failed', issues: [{ path: 'headers.idempotency-key' }] } } });
  });

  it('turns an unexpected error into a 500 that reveals nothing', async () => {
    const r = await call(event('GET', '/locations/wh-1'));
    expect(r).toEqual({ status: 500, body: { error: { code: 'internal_error', message: expect.any(String) } }, headers: expect.anything() });
    expect(JSON.stringify(r.body)).not.toContain('store.');
  });
});
