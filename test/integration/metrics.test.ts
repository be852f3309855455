// Proves each metric is counted where its fact happens, against DynamoDB Local and the table's real stream: holds granted and
// refused, checkouts (not their repeats), releases by sweeper, reclaim and TTL, lapsed holds left unreleased, alerts opened and
// cleared, events published and failed (a partial PutEvents failure), conflicts retried under injected conflicts, the stream
// batch's age. The domain reports through the MetricsSink port; a capturing sink stands in for Powertools here (the EMF shape is
// test/unit/metrics.test.ts), except in the last test, which reads the EMF line the real adapter writes for an HTTP request.
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventBridgeClient } from '../../functions/commons/clients';
import { FaultInjector, injectedFaults, type FaultKind } from '../../functions/commons/faults';
import { ServiceMetrics } from '../../functions/commons/metrics';
import { adjustStock } from '../../functions/core/commands/adjust-stock';
import { setCartLine } from '../../functions/core/commands/carts';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { putVariant } from '../../functions/core/commands/variants';
import type { Deps } from '../../functions/core/deps';
import type { CounterName, GaugeName, MetricDimensions, MetricsSink, PublishedEvent } from '../../functions/core/ports';
import { MAX_ATTEMPTS } from '../../functions/core/run-command';
import { cartKey } from '../../functions/dynamodb/keys';
import { EventBridgePublisher } from '../../functions/eventbridge/event-bridge-publisher';
import { createSweeper, UNRELEASED_AFTER_MS } from '../../functions/schedule/sweeper';
import { createStreamBatchHandler } from '../../functions/streams/handler';
import type { StreamDeps } from '../../functions/streams/on-table-change';
import { startLocalEventBus, type LocalEventBus } from '../../lib/local/event-bus';
import { gatewayEvent } from '../../lib/local/http-server';
import { StreamPoller } from '../../lib/local/stream-poller';
import { testAuth } from '../support/auth';
import { openingStock, uid } from '../support/fixtures';
import { invokeHttp } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

jest.setTimeout(120_000);

/** The metrics port as a test reads it: every count and gauge value, in order. */
class CapturingSink implements MetricsSink {
  readonly counts: { name: CounterName; value: number; dimensions: MetricDimensions }[] = [];
  readonly gauges: { name: GaugeName; value: number }[] = [];
  count(name: CounterName, value = 1, dimensions: MetricDimensions = {}): void {
    this.counts.push({ name, value, dimensions });
  }
  gauge(name: GaugeName, value: number): void {
    this.gauges.push({ name, value });
  }
  /** A counter's total, with these dimensions only when given. */
  total(name: CounterName, dimensions?: MetricDimensions): number {
    return this.counts
      .filter((c) => c.name === name && (!dimensions || JSON.stringify(c.dimensions) === JSON.stringify(dimensions)))
      .reduce((s, c) => s + c.value, 0);
  }
  values(name: GaugeName): number[] {
    return this.gauges.filter((g) => g.name === name).map((g) => g.value);
  }
}

const auth = testAuth();
const faults = new FaultInjector({ rates: {}, seed: 7 });
const inject = (rates: Partial<Record<FaultKind, number>>) => {
  faults.plan.rates = rates;
};
const HOLD = 1800;
let t: TestTable;
let sink: CapturingSink;
/** The table's deps, counting into this test's sink. */
let deps: Deps & { clock: TestTable['deps']['clock'] };

beforeAll(async () => {
  t = await createTestTable({ holdSeconds: HOLD, faults });
  await putLocation(t.deps, 'wh-1', { name: 'Warehouse 1', type: 'warehouse' });
});
beforeEach(() => {
  forgetCachedLocations();
  sink = new CapturingSink();
  deps = { ...t.deps, metrics: sink };
});
afterEach(() => {
  inject({});
  t.deps.clock.set(new Date());
});
afterAll(() => t.drop());

const call = async (method: string, url: string, body?: unknown) => {
  const e = gatewayEvent({ method, url, headers: auth.headerFor(method, url), body: body === undefined ? undefined : JSON.stringify(body) });
  const r = await invokeHttp(deps, auth.verifier, e);
  return { status: r.statusCode, body: JSON.parse(r.body ?? 'null') };
};
const putLine = (cart: string, sku: string, quantity: number) => call('PUT', `/carts/${cart}/lines/${sku}`, { quantity, locationId: 'wh-1' });

describe('holds and checkouts (the HTTP handler)', () => {
  it('a line set is a hold granted; asking for more than is available, a hold refused', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 3);
    expect(await putLine(uid('cart'), sku, 2)).toMatchObject({ status: 200 });
    expect(await putLine(uid('cart'), sku, 2)).toMatchObject({ status: 409, body: { error: { code: 'insufficient_stock' } } });
    expect(sink.counts.map((c) => c.name)).toEqual(['HoldsGranted', 'HoldsRefused']);
  });

  it('a checkout is counted once: its repeat with the same orderId places nothing', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 5);
    const cart = uid('cart');
    await putLine(cart, sku, 2);
    const order = uid('order');
    expect(await call('POST', `/carts/${cart}/checkout`, { orderId: order })).toMatchObject({ status: 200 });
    expect(await call('POST', `/carts/${cart}/checkout`, { orderId: order })).toMatchObject({ status: 200 });
    expect(sink.total('Checkouts')).toBe(1);
  });

  it('conflicts: each lost race planned again is ConflictsRetried; when they never stop, 9 retries and a 409', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 10);
    inject({ conflict: 1 });
    expect(await putLine(uid('cart'), sku, 1)).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
    expect(sink.total('ConflictsRetried')).toBe(MAX_ATTEMPTS - 1);
    expect(sink.total('HoldsGranted') + sink.total('HoldsRefused')).toBe(0);

    sink.counts.length = 0;
    inject({ conflict: 0.5 });
    const before = injectedFaults().conflict;
    for (let i = 0; i < 4; i++) expect(await putLine(uid('cart'), sku, 1)).toMatchObject({ status: 200 });
    const conflicts = injectedFaults().conflict - before;
    expect(conflicts).toBeGreaterThan(0);
    // Every injected conflict was a transaction that lost, then planned again and committed.
    expect(sink.total('ConflictsRetried')).toBe(conflicts);
    expect(sink.total('HoldsGranted')).toBe(4);
  });
});

describe('releases by path, and lapsed holds left unreleased (the sweeper)', () => {
  it('the sweeper: HoldsReleased path=sweeper counts the lines released; then no lapsed hold is left', async () => {
    const sweeper = createSweeper(deps, { passes: 1, passSeconds: 0 });
    t.deps.clock.advance(HOLD + 1);
    await sweeper.run(); // the carts earlier tests left, lapsed by now
    sink.counts.length = 0;
    sink.gauges.length = 0;
    const [a, b] = [uid('sku'), uid('sku')];
    await openingStock(t.deps, a, 'wh-1', 5);
    await openingStock(t.deps, b, 'wh-1', 5);
    const cart = uid('cart');
    await setCartLine(t.deps, cart, a, { quantity: 1, locationId: 'wh-1' });
    await setCartLine(t.deps, cart, b, { quantity: 2, locationId: 'wh-1' });
    t.deps.clock.advance(HOLD + 1);
    expect(await sweeper.run()).toBe(1);
    expect(sink.counts).toEqual([{ name: 'HoldsReleased', value: 2, dimensions: { path: 'sweeper' } }]);
    expect(sink.values('LapsedHoldsUnreleased')).toEqual([0]);
  });

  it('LapsedHoldsUnreleased counts the carts lapsed more than 5 minutes ago that a pass left holding stock', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 5);
    const [old, recent] = [uid('cart'), uid('cart')];
    await setCartLine(t.deps, old, sku, { quantity: 1, locationId: 'wh-1' });
    t.deps.clock.advance(4 * 60);
    await setCartLine(t.deps, recent, sku, { quantity: 1, locationId: 'wh-1' });
    t.deps.clock.advance(HOLD + 90); // `old` lapsed 5.5 minutes ago, `recent` 1.5 minutes ago
    // A pass that releases nothing (its listing comes back empty, as when every release failed): both still hold.
    let listings = 0;
    const store = new Proxy(t.deps.store, {
      get: (target, prop) => {
        if (prop === 'listExpiredCarts') return (...args: Parameters<typeof target.listExpiredCarts>) => (listings++ === 0 ? Promise.resolve([]) : target.listExpiredCarts(...args));
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    await createSweeper({ ...deps, store }, { passes: 1, passSeconds: 0 }).run();
    expect(sink.values('LapsedHoldsUnreleased')).toEqual([1]);
    expect(UNRELEASED_AFTER_MS).toBe(5 * 60 * 1000);
    // The next good pass releases both, and says so.
    await createSweeper(deps, { passes: 1, passSeconds: 0 }).run();
    expect(sink.values('LapsedHoldsUnreleased')).toEqual([1, 0]);
    expect(sink.total('HoldsReleased', { path: 'sweeper' })).toBe(2);
  });

  it('reclaim on contention: HoldsReleased path=reclaim, and the shopper’s hold granted', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 2);
    await setCartLine(deps, uid('cart'), sku, { quantity: 2, locationId: 'wh-1' });
    t.deps.clock.advance(HOLD + 1);
    await setCartLine(deps, uid('cart'), sku, { quantity: 2, locationId: 'wh-1' });
    expect(sink.total('HoldsReleased', { path: 'reclaim' })).toBe(1);
    expect(sink.total('HoldsGranted')).toBe(2);
    expect(sink.total('HoldsRefused')).toBe(0);
  });
});

describe('the stream processor', () => {
  const events: PublishedEvent[] = [];
  const streamDeps = (): StreamDeps => ({ ...deps, publisher: { publish: async (e) => void events.push(...e) } });
  // One consumer of the table's stream for these tests (as a shard has in AWS), handling each batch with the test's deps.
  let poller: StreamPoller;
  beforeAll(() => {
    poller = new StreamPoller({ endpoint: t.endpoint, streamArn: t.streamArn, handler: (e) => createStreamBatchHandler(streamDeps())(e, {} as Context), maxRetries: 3 });
  });
  afterAll(() => poller.stop());
  const drain = async () => {
    for (let quiet = 0; quiet < 2; ) quiet = (await poller.pollOnce()) === 0 ? quiet + 1 : 0;
  };

  it('TTL: the lines a deleted cart still held are HoldsReleased path=ttl', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 5);
    const cart = uid('cart');
    await setCartLine(t.deps, cart, sku, { quantity: 3, locationId: 'wh-1' });
    const { Attributes: old } = await t.doc.send(new DeleteCommand({ TableName: t.tableName, Key: cartKey(cart), ReturnValues: 'ALL_OLD' }));
    const record = {
      eventID: uid('event'),
      eventName: 'REMOVE',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      dynamodb: { Keys: marshall(cartKey(cart)), OldImage: marshall(old!, { removeUndefinedValues: true }), SequenceNumber: uid('seq'), ApproximateCreationDateTime: Math.floor(Date.now() / 1000) },
    } as unknown as DynamoDBRecord;
    t.deps.clock.set(new Date(Date.now() + 4000));
    const handle = createStreamBatchHandler(streamDeps());
    expect(await handle({ Records: [record] }, {} as Context)).toEqual({ batchItemFailures: [] });
    expect(sink.counts).toEqual([{ name: 'HoldsReleased', value: 1, dimensions: { path: 'ttl' } }]);
    // The batch's age: its oldest record's, by the deps' clock.
    const [age] = sink.values('StreamBatchAge');
    expect(age).toBeGreaterThanOrEqual(3000);
    expect(age).toBeLessThan(6000);
    // Delivered again: nothing released twice, nothing counted twice.
    await handle({ Records: [record] }, {} as Context);
    expect(sink.total('HoldsReleased')).toBe(1);
  });

  it('an alert opened, then cleared, from the table’s stream: AlertsOpened and AlertsCleared once each', async () => {
    await drain(); // earlier tests' changes
    sink.counts.length = 0;
    const sku = uid('sku');
    await putVariant(t.deps, sku, { lowStockThreshold: 5 });
    await openingStock(t.deps, sku, 'wh-1', 10);
    await adjustStock(t.deps, { variantId: sku, locationId: 'wh-1', onHand: 3, reason: 'count' }, uid('adj'));
    await drain();
    await adjustStock(t.deps, { variantId: sku, locationId: 'wh-1', onHand: 8, reason: 'count' }, uid('adj'));
    await drain();
    expect(sink.total('AlertsOpened')).toBe(1);
    expect(sink.total('AlertsCleared')).toBe(1);
    expect(events.filter((e) => e.detail.variantId === sku && e.detailType.startsWith('LowStock')).map((e) => e.detailType)).toEqual(['LowStockAlertOpened', 'LowStockAlertCleared']);
    expect(sink.values('StreamBatchAge').length).toBeGreaterThan(0);
    expect(sink.values('StreamBatchAge').every((v) => v >= 0)).toBe(true);
  });
});

describe('events on the bus (the EventBridge publisher, over the local stand-in)', () => {
  let bus: LocalEventBus;
  beforeAll(async () => {
    bus = await startLocalEventBus({ eventsFile: path.join(mkdtempSync(path.join(tmpdir(), 'metrics-bus-')), 'events.jsonl') });
  });
  afterAll(() => bus.stop());
  const event = (): PublishedEvent => ({ id: uid('ev'), detailType: 'LowStockAlertOpened', detail: { eventId: uid('ev') } });
  const publisher = () => new EventBridgePublisher(eventBridgeClient({ ...t.config, eventBridgeEndpoint: bus.endpoint }, faults), 'bus', sink);

  it('every entry accepted is EventsPublished', async () => {
    await publisher().publish([event(), event(), event()]);
    expect(sink.counts).toEqual([{ name: 'EventsPublished', value: 3, dimensions: {} }]);
  });

  it('a partial PutEvents failure: the entries it rejected are EventsFailed, the rest EventsPublished, and the publish throws', async () => {
    inject({ events: 0.5 });
    const before = injectedFaults().events;
    const batch = Array.from({ length: 10 }, event);
    await expect(publisher().publish(batch)).rejects.toThrow(/PutEvents failed for/);
    const rejected = injectedFaults().events - before;
    expect(rejected).toBeGreaterThan(0);
    expect(rejected).toBeLessThan(10);
    expect(sink.total('EventsFailed')).toBe(rejected);
    expect(sink.total('EventsPublished')).toBe(10 - rejected);
  });

  it('a PutEvents call refused as a whole: its entries are EventsFailed', async () => {
    const refused = new EventBridgePublisher({ send: () => Promise.reject(new Error('AccessDeniedException')) } as never, 'bus', sink);
    await expect(refused.publish([event(), event()])).rejects.toThrow('AccessDeniedException');
    expect(sink.counts).toEqual([{ name: 'EventsFailed', value: 2, dimensions: {} }]);
  });
});

describe('the Powertools adapter, through the HTTP handler', () => {
  it('writes one EMF line for the request, with its own counts', async () => {
    const sku = uid('sku');
    await openingStock(t.deps, sku, 'wh-1', 1);
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    try {
      deps = { ...t.deps, metrics: new ServiceMetrics({ namespace: 'Inventory', service: 'inventory' }) };
      await Promise.all([putLine(uid('cart'), sku, 1), putLine(uid('cart'), sku, 1)]);
    } finally {
      write.mockRestore();
    }
    const emf = lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Namespace: string }[] } });
    expect(emf).toHaveLength(2);
    for (const line of emf) expect(line._aws.CloudWatchMetrics[0].Namespace).toBe('Inventory');
    // One request got the last unit, the other was refused: each line is its own request's.
    expect(emf.map((l) => [l.HoldsGranted ?? 0, l.HoldsRefused ?? 0]).sort()).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });
});
