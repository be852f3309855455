// Proves the service under the faults AWS produces and DynamoDB Local never does (injected into the real SDK client): what the
// client sees is a 409, 429 or 503 with a stable code and `retryable`, never a 500; nothing applies twice or half; the stream
// handler and the event publisher recover from partial failures and crashes.
import type { Context } from 'aws-lambda';
import { FaultInjector, injectedFaults, type FaultKind } from '../../functions/commons/faults';
import { EventBridgePublisher } from '../../functions/eventbridge/event-bridge-publisher';
import { listAlerts } from '../../functions/core/commands/alerts';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { listMovements } from '../../functions/core/commands/read-stock';
import { putVariant } from '../../functions/core/commands/variants';
import type { PublishedEvent } from '../../functions/core/ports';
import { createStreamBatchHandler } from '../../functions/streams/handler';
import { gatewayEvent } from '../../lib/local/http-server';
import { StreamPoller } from '../../lib/local/stream-poller';
import { testAuth } from '../support/auth';
import { levelAt, openingStock, uid } from '../support/fixtures';
import { createTestTable, type TestTable } from '../support/table';
import { invokeHttp } from '../support/http';

jest.setTimeout(120_000);

const auth = testAuth();
const faults = new FaultInjector({ rates: {}, seed: 42 });
const inject = (rates: Partial<Record<FaultKind, number>>) => {
  faults.plan.rates = rates;
};
let t: TestTable;

beforeAll(async () => {
  t = await createTestTable({ faults });
  await putLocation(t.deps, 'wh-1', { name: 'Warehouse', type: 'warehouse' });
  forgetCachedLocations();
});
afterEach(() => inject({}));
afterAll(() => t.drop());

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const e = gatewayEvent({ method, url: path, headers: { ...auth.headerFor(method, path), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const r = await invokeHttp(t.deps, auth.verifier, e);
  return { status: r.statusCode, body: JSON.parse(r.body ?? 'null'), retryAfter: r.headers?.['retry-after'] };
};
const movementsOf = async (variantId: string) => (await listMovements(t.deps, variantId, {})).movements;

describe('what a client sees', () => {
  it('transaction conflicts: retried by re-planning; when they never stop, 409 conflict with retryable, and nothing changed', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 10);
    inject({ conflict: 0.5 });
    expect(await call('PUT', `/carts/${uid('cart')}/lines/${sku}`, { quantity: 2, locationId: 'wh-1' })).toMatchObject({ status: 200 });
    inject({ conflict: 1 });
    const refused = await call('PUT', `/carts/${uid('cart')}/lines/${sku}`, { quantity: 3, locationId: 'wh-1' });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'conflict', retryable: true } }, retryAfter: '1' });
    inject({});
    expect(await levelAt(t.deps, sku, 'wh-1')).toMatchObject({ softReserved: 2, available: 8 });
  });

  it('throttling past the SDK’s retries: 429 throttled with retryable and Retry-After, nothing changed', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 10);
    for (const kind of ['throttle', 'provisioned'] as const) {
      inject({ [kind]: 1 });
      const r = await call('POST', '/stock/adjustments', { variantId: sku, locationId: 'wh-1', delta: 5, reason: 'delivery' });
      expect(r).toEqual({ status: 429, body: { error: expect.objectContaining({ code: 'throttled', retryable: true }) }, retryAfter: '1' });
      inject({});
    }
    expect(await levelAt(t.deps, sku, 'wh-1')).toMatchObject({ onHand: 10 });
    // Now and then, as in AWS: the SDK's own retries absorb it.
    inject({ throttle: 0.3 });
    expect(await call('POST', '/stock/adjustments', { variantId: sku, locationId: 'wh-1', delta: 5, reason: 'delivery' })).toMatchObject({ status: 200 });
    inject({});
    expect(await levelAt(t.deps, sku, 'wh-1')).toMatchObject({ onHand: 15 });
  });

  it('a write applied whose answer is lost: the SDK’s retry is answered as done, never applied twice', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 10);
    const before = injectedFaults().ambiguous;
    inject({ ambiguous: 0.5 });
    const cart = uid('cart');
    for (let i = 0; i < 6; i++) {
      const r = await call('POST', '/stock/adjustments', { variantId: sku, locationId: 'wh-1', delta: 1, reason: 'delivery' }, { 'idempotency-key': uid('key') });
      expect([200, 503]).toContain(r.status);
      if (r.status === 503) {
        inject({});
        expect(r.body.error).toMatchObject({ code: 'service_unavailable', retryable: true });
      }
    }
    await call('PUT', `/carts/${cart}/lines/${sku}`, { quantity: 2, locationId: 'wh-1' });
    inject({});
    expect(injectedFaults().ambiguous).toBeGreaterThan(before);
    // Each adjustment is in the ledger once, and the levels are its sums.
    const moves = await movementsOf(sku);
    expect(new Set(moves.map((m) => m.reference)).size).toBe(moves.length);
    const level = await levelAt(t.deps, sku, 'wh-1');
    expect(level?.onHand).toBe(moves.reduce((s, m) => s + m.deltas.onHand, 0));
    expect(level?.softReserved).toBe(moves.reduce((s, m) => s + m.deltas.softReserved, 0));
  });

  it('when every answer is lost: 503 retryable; the client’s retry with its Idempotency-Key gets the first response, and the change is there once', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 10);
    const key = uid('key');
    const body = { variantId: sku, locationId: 'wh-1', delta: 4, reason: 'delivery' };
    inject({ ambiguous: 1 });
    expect(await call('POST', '/stock/adjustments', body, { 'idempotency-key': key })).toMatchObject({ status: 503, body: { error: { code: 'service_unavailable', retryable: true } } });
    const cart = uid('cart');
    expect(await call('PUT', `/carts/${cart}/lines/${sku}`, { quantity: 3, locationId: 'wh-1' })).toMatchObject({ status: 503 });
    inject({});
    expect(await call('POST', '/stock/adjustments', body, { 'idempotency-key': key })).toMatchObject({ status: 200, body: { onHand: 14 } });
    expect(await call('PUT', `/carts/${cart}/lines/${sku}`, { quantity: 3, locationId: 'wh-1' })).toMatchObject({ status: 200 });
    expect(await levelAt(t.deps, sku, 'wh-1')).toMatchObject({ onHand: 14, softReserved: 3, available: 11 });
    expect((await movementsOf(sku)).filter((m) => m.type === 'adjustment')).toHaveLength(2);
  });
});

describe('the stream and the bus', () => {
  it('PutEvents partial failures, crashes mid-batch and failing stream reads: every alert once, every event out', async () => {
    const published: PublishedEvent[] = [];
    // The real publisher over a stand-in client whose failed entries come from the injector, as a 200 with FailedEntryCount.
    const bus = {
      send: async (command: { input: { Entries: { Detail: string; DetailType: string }[] } }) => {
        const entries = command.input.Entries.map((e) => (faults.draw('events') ? { ErrorCode: 'InternalFailure', ErrorMessage: 'injected' } : (published.push({ id: JSON.parse(e.Detail).eventId, detailType: e.DetailType, detail: JSON.parse(e.Detail) }), { EventId: uid('ev') })));
        return { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries };
      },
    };
    const deps = { ...t.deps, publisher: new EventBridgePublisher(bus as never, 'bus') };
    const handle = createStreamBatchHandler(deps, { faults });
    const poller = new StreamPoller({ endpoint: t.endpoint, streamArn: t.streamArn, handler: (e) => handle(e, {} as Context), faults, maxRetries: 10 });
    const variants = Array.from({ length: 6 }, () => uid('sku-ev'));
    for (const v of variants) {
      await putVariant(t.deps, v, { lowStockThreshold: 5 });
      await openingStock(t.deps, v, 'wh-1', 5);
    }
    const rounds = 4;
    for (let i = 0; i < rounds; i++) {
      for (const v of variants) {
        await call('PUT', `/carts/cart-${v}/lines/${v}`, { quantity: 1, locationId: 'wh-1' });
        await call('PUT', `/carts/cart-${v}/lines/${v}`, { quantity: 0 });
      }
    }
    inject({ events: 0.3, crash: 0.3, streams: 0.2 });
    const before = injectedFaults();
    for (let quiet = 0; quiet < 3; ) quiet = (await poller.pollOnce().catch(() => 1)) === 0 ? quiet + 1 : 0;
    await poller.stop();
    const after = injectedFaults();
    inject({});
    for (const kind of ['events', 'crash', 'streams'] as const) expect({ kind, injected: after[kind] - before[kind] > 0 }).toEqual({ kind, injected: true });
    const alerts = (await listAlerts(t.deps, { limit: 100 })).alerts.filter((a) => variants.includes(a.variantId));
    expect(alerts).toHaveLength(variants.length * rounds);
    expect(alerts.every((a) => a.status === 'cleared')).toBe(true);
    // Every transition's event was published (at least once; copies carry the same eventId).
    const ids = new Set(published.filter((e) => e.detailType.startsWith('LowStock')).map((e) => e.id));
    for (const a of alerts) for (const d of ['opened', 'cleared']) expect(ids.has(`${a.alertId}:${d}`)).toBe(true);
    expect([...ids].filter((id) => variants.includes(published.find((e) => e.id === id)!.detail.variantId as string))).toHaveLength(2 * variants.length * rounds);
  });
});
