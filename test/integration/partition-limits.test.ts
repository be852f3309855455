// Proves the service under DynamoDB's per-partition limits, simulated on the store's own SDK client against DynamoDB Local
// (lib/local/partition-limits.ts): shoppers holding one hot variant faster than its partition takes writes are each
// granted, or answered 429 with `retryable` (and granted when they retry after Retry-After); nothing is ever half-applied:
// the level's softReserved is exactly what the carts hold, and the ledger agrees.
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { listMovements } from '../../functions/core/commands/read-stock';
import { limitPartitions, type PartitionLimits } from '../../lib/local/partition-limits';
import { gatewayEvent } from '../../lib/local/http-server';
import { testAuth } from '../support/auth';
import { openingStock, uid } from '../support/fixtures';
import { invokeHttp } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

jest.setTimeout(120_000);

const auth = testAuth();
let t: TestTable;
let limits: PartitionLimits;

beforeAll(async () => {
  t = await createTestTable();
  await putLocation(t.deps, 'wh-1', { name: 'Warehouse', type: 'warehouse' });
  forgetCachedLocations();
  // On the store's client, inside the SDK's retry loop; paused while the test sets up and checks.
  limits = limitPartitions(t.doc, { enabled: false });
});
afterAll(async () => {
  limits.close();
  await t.drop();
});

const call = async (method: string, path: string, body?: unknown) => {
  const e = gatewayEvent({ method, url: path, headers: auth.headerFor(method, path), body: body === undefined ? undefined : JSON.stringify(body) });
  const r = await invokeHttp(t.deps, auth.verifier, e);
  return { status: r.statusCode, body: JSON.parse(r.body ?? 'null'), retryAfter: r.headers?.['retry-after'] };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('holds on a hot variant past its partition’s write limit: each granted, or 429 retryable with nothing applied; softReserved is what the carts hold', async () => {
  const sku = uid('sku-hot');
  const cold = uid('sku-cold');
  await openingStock(t.deps, sku, 'wh-1', 200);
  await openingStock(t.deps, cold, 'wh-1', 10);
  // 8 write units a second, no burst: a hold writes its level item and a movement on the variant's partitions,
  // 2 units each in its transaction, so about 4 holds a second get through.
  Object.assign(limits.settings, { enabled: true, writeUnitsPerSecond: 8, readUnitsPerSecond: 300, burst: false });
  limits.reset();

  const carts = Array.from({ length: 24 }, () => uid('cart'));
  const quantity = (i: number) => 1 + (i % 3);
  const answers: Awaited<ReturnType<typeof call>>[] = [];
  const retried: string[] = [];
  const granted = new Map<string, number>();
  const started = Date.now();
  // Each shopper holds at once; on a retryable answer it waits as Retry-After says (with jitter) and tries again.
  await Promise.all(
    carts.map(async (cart, i) => {
      for (let attempt = 0; attempt < 10; attempt++) {
        const r = await call('PUT', `/carts/${cart}/lines/${sku}`, { quantity: quantity(i), locationId: 'wh-1' });
        answers.push(r);
        if (r.status === 200) {
          granted.set(cart, quantity(i));
          if (attempt > 0) retried.push(cart);
          return;
        }
        expect(r).toMatchObject({ status: 429, body: { error: { code: 'throttled', retryable: true } }, retryAfter: '1' });
        await sleep(1000 * Number(r.retryAfter) * (0.5 + Math.random()));
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  // Meanwhile the hot partition's neighbours were never throttled: another variant is held at once.
  expect(await call('PUT', `/carts/${uid('cart')}/lines/${cold}`, { quantity: 1, locationId: 'wh-1' })).toMatchObject({ status: 200 });
  limits.settings.enabled = false;

  const counters = limits.counters();
  const throttled = answers.filter((a) => a.status === 429).length;
  expect(throttled).toBeGreaterThan(0);
  expect(counters.throttledRequests).toBeGreaterThanOrEqual(throttled);
  expect(counters.throttledByOperation).toMatchObject({ TransactWriteItems: expect.any(Number) });
  // Refused holds were granted when their shoppers came back.
  expect(retried.length).toBeGreaterThan(0);
  // The throttled partitions are the variant's: its level items' and its ledger's.
  const hot = counters.partitions.filter((p) => p.throttled > 0).map((p) => p.partition);
  expect(hot.length).toBeGreaterThan(0);
  expect(hot.every((p) => p === `VARIANT#${sku}` || p === `MOVEMENTS#${sku}`)).toBe(true);
  // The variant's partitions took no more than their limit allows over the run: one second's worth, then 8 a second.
  for (const p of counters.partitions.filter((x) => x.partition.endsWith(`#${sku}`))) expect(p.writeUnits).toBeLessThanOrEqual(8 + 8 * seconds);

  // Never half-applied: the level's softReserved is the sum of what the carts record, and the ledger's moves sum to it.
  let held = 0;
  for (const cart of carts) {
    const record = await t.deps.store.getCart(cart);
    const line = record?.lines[sku];
    if (line && !line.expired) held += Object.values(line.allocations).reduce((s, a) => s + a.quantity, 0);
  }
  expect(held).toBe([...granted.values()].reduce((s, q) => s + q, 0));
  const level = (await t.deps.store.getVariant(sku)).levels['wh-1'];
  expect(level.softReserved).toBe(held);
  expect(level.available).toBe(200 - held);
  const moves = (await listMovements(t.deps, sku, { limit: 200 })).movements;
  expect(moves.reduce((s, m) => s + m.deltas.softReserved, 0)).toBe(held);
  expect(moves.filter((m) => m.deltas.softReserved > 0)).toHaveLength(granted.size);
});
