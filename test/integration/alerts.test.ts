// Proves low-stock alerts from the table's real stream (DynamoDB Local): one transition and one event per crossing, in each
// direction, despite duplicate deliveries, a failing PutEvents entry and fast back-and-forth changes; nothing without a crossing;
// per-location thresholds; alert times are the times of the changes that crossed.
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { adjustStock } from '../../functions/core/commands/adjust-stock';
import { listAlerts } from '../../functions/core/commands/alerts';
import { setCartLine } from '../../functions/core/commands/carts';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { putVariant } from '../../functions/core/commands/variants';
import type { PublishedEvent } from '../../functions/core/ports';
import { listMovements } from '../../functions/core/commands/read-stock';
import { createStreamBatchHandler } from '../../functions/streams/handler';
import { handleTableChange, type StreamDeps } from '../../functions/streams/on-table-change';
import { StreamPoller } from '../../lib/local/stream-poller';
import { createTestTable, type TestTable } from '../support/table';
import { validatingPublisher } from '../support/events';

let t: TestTable;
let poller: StreamPoller;
const published: PublishedEvent[] = [];
let failNext = 0;
const delivered: DynamoDBRecord[] = [];

let streamDeps: StreamDeps;

beforeAll(async () => {
  t = await createTestTable();
  streamDeps = {
    ...t.deps,
    publisher: validatingPublisher({
      publish: async (events) => {
        if (failNext > 0) {
          failNext--;
          throw new Error('PutEvents failed for 1 entry (InternalFailure)');
        }
        published.push(...events);
      },
    }),
  };
  const handleBatch = createStreamBatchHandler(streamDeps);
  poller = new StreamPoller({
    endpoint: t.endpoint,
    streamArn: t.streamArn,
    intervalMs: 50,
    maxRetries: 5,
    handler: (event: DynamoDBStreamEvent) => {
      delivered.push(...event.Records);
      return handleBatch(event, {} as Context);
    },
  });
  await putLocation(t.deps, 'wh-1', { name: 'Warehouse 1', type: 'warehouse' });
  await putLocation(t.deps, 'wh-2', { name: 'Warehouse 2', type: 'warehouse' });
  forgetCachedLocations();
});
afterAll(async () => {
  await poller.stop();
  await t.drop();
});

const settle = async () => {
  // The test drives the poller itself (one consumer, as a shard has in AWS). Two empty polls in a row:
  // everything written so far has been processed, and what that processing wrote too.
  for (let quiet = 0; quiet < 2; ) quiet = (await poller.pollOnce()) === 0 ? quiet + 1 : 0;
};
/** Every alert the query lists, following its cursor. */
async function allAlerts(query: Parameters<typeof listAlerts>[1]) {
  const out = [];
  let cursor: string | undefined;
  do {
    const page = await listAlerts(t.deps, { ...query, cursor });
    out.push(...page.alerts);
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return out;
}
const eventsFor = (variantId: string) => published.filter((e) => e.detail.variantId === variantId && e.detailType.startsWith('LowStock'));
const adjust = (variantId: string, locationId: string, change: { delta?: number; onHand?: number }) =>
  adjustStock(t.deps, { variantId, locationId, reason: 'count', ...change }, `${variantId}-${Math.random()}`);

test('a crossing down opens one alert and publishes one event; back up clears it; moves without a crossing publish nothing', async () => {
  await putVariant(t.deps, 'sku-a', { lowStockThreshold: 5 });
  await adjust('sku-a', 'wh-1', { onHand: 10 });
  await adjust('sku-a', 'wh-1', { delta: -2 }); // 8: no crossing
  await settle();
  expect(eventsFor('sku-a')).toEqual([]);

  await setCartLine(t.deps, 'cart-a', 'sku-a', { quantity: 4, locationId: 'wh-1' }); // available 4 < 5
  await settle();
  const [opened] = eventsFor('sku-a');
  expect(eventsFor('sku-a')).toHaveLength(1);
  expect(opened).toMatchObject({ detailType: 'LowStockAlertOpened', detail: { variantId: 'sku-a', locationId: 'wh-1', available: 4, threshold: 5 } });
  expect(opened.detail.eventId).toBe(opened.id);

  await adjust('sku-a', 'wh-1', { delta: -1 }); // 3: still low, no new event
  await settle();
  expect(eventsFor('sku-a')).toHaveLength(1);

  await adjust('sku-a', 'wh-1', { delta: 2 }); // 5: back to the threshold, clears
  await settle();
  expect(eventsFor('sku-a').map((e) => e.detailType)).toEqual(['LowStockAlertOpened', 'LowStockAlertCleared']);
  expect(eventsFor('sku-a')[1].detail).toMatchObject({ available: 5, threshold: 5, alertId: opened.detail.alertId });

  const { alerts } = await listAlerts(t.deps, { locationId: 'wh-1' });
  expect(alerts.filter((a) => a.variantId === 'sku-a')).toEqual([
    expect.objectContaining({ status: 'cleared', available: 5, threshold: 5, clearedAt: expect.any(String) }),
  ]);
});

test('duplicate deliveries of the same stream records change nothing and publish nothing new', async () => {
  await putVariant(t.deps, 'sku-d', { lowStockThreshold: 3 });
  await adjust('sku-d', 'wh-1', { onHand: 2 });
  await settle();
  expect(eventsFor('sku-d')).toHaveLength(1);
  const records = delivered.filter((r) => JSON.stringify(r.dynamodb?.Keys).includes('sku-d'));
  for (const r of records) await handleTableChange(streamDeps, r);
  await Promise.all(records.map((r) => handleTableChange(streamDeps, r)));
  await settle();
  expect((await listAlerts(t.deps, { status: 'open' })).alerts.filter((a) => a.variantId === 'sku-d')).toHaveLength(1);
  // The alert item's own record, redelivered, publishes again with the same eventId: subscribers de-duplicate on it.
  expect(new Set(eventsFor('sku-d').map((e) => e.id)).size).toBe(1);

  // The alert clears; then every record of the variant is delivered again, in order, as after a crash before the
  // checkpoint: the opening change is older than what was judged since, so nothing reopens and nothing fails.
  await adjust('sku-d', 'wh-1', { onHand: 5 });
  await settle();
  const again = delivered.filter((r) => JSON.stringify(r.dynamodb?.Keys).includes('sku-d'));
  for (const r of again) await handleTableChange(streamDeps, r);
  await settle();
  const alerts = (await listAlerts(t.deps, {})).alerts.filter((a) => a.variantId === 'sku-d');
  expect(alerts).toEqual([expect.objectContaining({ status: 'cleared', available: 5 })]);
  expect(new Set(eventsFor('sku-d').map((e) => e.id)).size).toBe(2);
});

test('a failing PutEvents entry fails the record, which is retried until the event is out', async () => {
  await putVariant(t.deps, 'sku-f', { lowStockThreshold: 10 });
  failNext = 2;
  await adjust('sku-f', 'wh-1', { onHand: 1 });
  await settle();
  expect(failNext).toBe(0);
  expect(eventsFor('sku-f')).toHaveLength(1);
  expect(eventsFor('sku-f')[0].detailType).toBe('LowStockAlertOpened');
});

test('per-location thresholds override the variant’s, and a threshold change can itself open an alert', async () => {
  await putVariant(t.deps, 'sku-p', { lowStockThreshold: 2, locationThresholds: { 'wh-2': 8 } });
  await adjust('sku-p', 'wh-1', { onHand: 5 });
  await adjust('sku-p', 'wh-2', { onHand: 5 });
  await settle();
  expect(eventsFor('sku-p').map((e) => e.detail.locationId)).toEqual(['wh-2']);
  await putVariant(t.deps, 'sku-p', { lowStockThreshold: 6 });
  await settle();
  expect(eventsFor('sku-p').map((e) => [e.detailType, e.detail.locationId])).toEqual([
    ['LowStockAlertOpened', 'wh-2'],
    ['LowStockAlertOpened', 'wh-1'],
  ]);
  const open = (await listAlerts(t.deps, { status: 'open', locationId: 'wh-1' })).alerts.filter((a) => a.variantId === 'sku-p');
  expect(open).toEqual([expect.objectContaining({ threshold: 6, available: 5 })]);
});

test('holds and releases in quick succession: every crossing down opens one alert and every crossing up clears it', async () => {
  // 16 variants at their threshold; each is held by 1 and released again, over and over, while the stream is processed in
  // batches that mix the variants' records. Every hold is a crossing down and every release a crossing up.
  const variants = Array.from({ length: 16 }, (_, i) => `sku-loop-${i}`);
  for (const v of variants) {
    await putVariant(t.deps, v, { lowStockThreshold: 5 });
    await adjust(v, 'wh-1', { onHand: 5 });
  }
  await settle();
  // The stream is consumed while the changes happen, as in production: batches of whatever has arrived.
  let writing = true;
  const consumer = (async () => {
    while (writing) if ((await poller.pollOnce()) === 0) await new Promise((r) => setTimeout(r, 20));
  })();
  const until = Date.now() + 5_000;
  let holds = 0;
  await Promise.all(
    variants.map(async (v) => {
      while (Date.now() < until) {
        await setCartLine(t.deps, `cart-${v}`, v, { quantity: 1, locationId: 'wh-1' });
        holds++;
        await setCartLine(t.deps, `cart-${v}`, v, { quantity: 0 });
      }
    }),
  );
  writing = false;
  await consumer;
  await settle();
  const alerts = (await allAlerts({ locationId: 'wh-1' })).filter((a) => variants.includes(a.variantId));
  expect(alerts.filter((a) => a.status === 'open')).toEqual([]);
  expect(alerts).toHaveLength(holds);
  const events = published.filter((e) => variants.includes(e.detail.variantId as string) && e.detailType.startsWith('LowStock'));
  expect(events.filter((e) => e.detailType === 'LowStockAlertOpened')).toHaveLength(holds);
  expect(new Set(events.map((e) => e.id)).size).toBe(2 * holds);
});

test('an alert opens and clears at the times of the changes that crossed, to the millisecond', async () => {
  await putVariant(t.deps, 'sku-t', { lowStockThreshold: 3 });
  await adjust('sku-t', 'wh-1', { onHand: 2 });
  await adjust('sku-t', 'wh-1', { onHand: 4 });
  await settle();
  const { movements } = await listMovements(t.deps, 'sku-t', {});
  const [alert] = (await listAlerts(t.deps, {})).alerts.filter((a) => a.variantId === 'sku-t');
  expect(alert).toMatchObject({ status: 'cleared', openedAt: movements[0].at, clearedAt: movements[1].at });
  expect(eventsFor('sku-t').map((e) => e.detail.at)).toEqual([movements[0].at, movements[1].at]);
});

test('a hot location is judged on its buckets’ sum: one alert when the location crosses, none while one bucket runs low', async () => {
  await adjust('sku-hot', 'wh-1', { onHand: 40 });
  await putVariant(t.deps, 'sku-hot', { lowStockThreshold: 10, hotLocations: { 'wh-1': 4 } });
  // 10 units a bucket: holds of 8 leave one bucket at 2 (below 10 on its own) while the location has 32.
  await setCartLine(t.deps, 'cart-hot-1', 'sku-hot', { quantity: 8, locationId: 'wh-1' });
  await settle();
  expect(eventsFor('sku-hot')).toEqual([]);
  for (let i = 2; i <= 4; i++) await setCartLine(t.deps, `cart-hot-${i}`, 'sku-hot', { quantity: 8, locationId: 'wh-1' }); // 8 left
  await settle();
  expect(eventsFor('sku-hot').map((e) => [e.detailType, e.detail.available])).toEqual([['LowStockAlertOpened', 8]]);
  await adjust('sku-hot', 'wh-1', { delta: 5 }); // 13: clears
  await settle();
  expect(eventsFor('sku-hot').map((e) => [e.detailType, e.detail.available])).toEqual([
    ['LowStockAlertOpened', 8],
    ['LowStockAlertCleared', 13],
  ]);
});
