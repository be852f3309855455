// Proves Idempotency-Key on state-changing POSTs against DynamoDB Local: replay returns the first response, changes nothing; another body is 422.
import { putLocation } from '../../functions/core/commands/locations';
import { getVariant } from '../../functions/core/commands/variants';
import { gatewayEvent } from '../../lib/local/http-server';
import { testAuth } from '../support/auth';
import { createTestTable, type TestTable } from '../support/table';
import { invokeHttp } from '../support/http';

const auth = testAuth();

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable();
  await putLocation(t.deps, 'wh-1', { name: 'Warehouse', type: 'warehouse' });
});
afterAll(() => t.drop());

const post = async (path: string, body: unknown, key?: string) => {
  const e = gatewayEvent({
    method: 'POST',
    url: path,
    headers: { ...auth.headerFor('POST', path), ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });
  const r = await invokeHttp(t.deps, auth.verifier, e);
  return { status: r.statusCode, body: JSON.parse(r.body ?? 'null'), replayed: r.headers?.['idempotent-replayed'] === 'true' };
};

describe('Idempotency-Key', () => {
  const adjustment = { variantId: 'sku-i', locationId: 'wh-1', delta: 5, reason: 'delivery' };

  it('replays the first response and changes nothing the second time', async () => {
    const first = await post('/stock/adjustments', adjustment, 'key-1');
    expect(first).toMatchObject({ status: 200, replayed: false, body: { onHand: 5 } });
    const again = await post('/stock/adjustments', adjustment, 'key-1');
    expect(again).toEqual({ ...first, replayed: true });
    expect((await getVariant(t.deps, 'sku-i')).onHand).toBe(5);
  });

  it('is 422 with a different body, and changes nothing', async () => {
    const r = await post('/stock/adjustments', { ...adjustment, delta: 7 }, 'key-1');
    expect(r).toMatchObject({ status: 422, body: { error: { code: 'idempotency_key_reused' } } });
    expect((await getVariant(t.deps, 'sku-i')).onHand).toBe(5);
  });

  it('applies a change once when the same request races itself', async () => {
    const body = { variantId: 'sku-race', locationId: 'wh-1', delta: 1, reason: 'count' };
    const results = await Promise.all(Array.from({ length: 8 }, () => post('/stock/adjustments', body, 'race-key')));
    expect(results.every((r) => r.status === 200 && r.body.onHand === 1)).toBe(true);
    expect((await getVariant(t.deps, 'sku-race')).onHand).toBe(1);
  });

  it('does not record refusals: a retry after the cause is fixed succeeds', async () => {
    const bad = await post('/stock/adjustments', { variantId: 'sku-x', locationId: 'wh-1', delta: -1, reason: 'damage' }, 'key-2');
    expect(bad.status).toBe(409);
    await post('/stock/adjustments', { variantId: 'sku-x', locationId: 'wh-1', delta: 3, reason: 'delivery' });
    const retry = await post('/stock/adjustments', { variantId: 'sku-x', locationId: 'wh-1', delta: -1, reason: 'damage' }, 'key-2');
    expect(retry).toMatchObject({ status: 200, body: { onHand: 2 } });
  });

  it('without a key, each adjustment applies', async () => {
    await post('/stock/adjustments', { variantId: 'sku-n', locationId: 'wh-1', delta: 1, reason: 'count' });
    await post('/stock/adjustments', { variantId: 'sku-n', locationId: 'wh-1', delta: 1, reason: 'count' });
    expect((await getVariant(t.deps, 'sku-n')).onHand).toBe(2);
  });
});
