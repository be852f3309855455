// Proves the catalog events on the table's real stream (DynamoDB Local): VariantOutOfStock / VariantBackInStock per
// location, per sales channel and over all active locations, one event per transition and none lost under concurrent
// holds and releases, nothing new from duplicate deliveries, a location deactivated while in stock and a channel's
// locations changed; every event checked against its JSON Schema (docs/events). Also sales channels themselves:
// availability per channel, and cart lines allocated from a channel's locations only.
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { adjustStock } from '../../functions/core/commands/adjust-stock';
import { clearCart, setCartLine } from '../../functions/core/commands/carts';
import { getChannel, listChannels, putChannel } from '../../functions/core/commands/channels';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { getAvailability } from '../../functions/core/commands/read-stock';
import type { PublishedEvent } from '../../functions/core/ports';
import { createStreamBatchHandler } from '../../functions/streams/handler';
import { handleTableChange, type StreamDeps } from '../../functions/streams/on-table-change';
import { StreamPoller } from '../../lib/local/stream-poller';
import { EVENT_TYPES, validated, validatingPublisher } from '../support/events';
import { createTestTable, type TestTable } from '../support/table';

jest.setTimeout(120_000);

let t: TestTable;
let poller: StreamPoller;
const published: PublishedEvent[] = [];
const delivered: DynamoDBRecord[] = [];
let streamDeps: StreamDeps;

beforeAll(async () => {
  t = await createTestTable({ holdSeconds: 600 });
  streamDeps = { ...t.deps, publisher: validatingPublisher({ publish: async (events) => void published.push(...events) }) };
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
  for (const l of ['wh-1', 'wh-2', 'shop']) await putLocation(t.deps, l, { name: `Location ${l}`, type: l === 'shop' ? 'retail' : 'warehouse' });
  await putChannel(t.deps, 'web', { name: 'Web', locationIds: ['wh-1', 'wh-2'] });
  await putChannel(t.deps, 'stores', { name: 'Stores', locationIds: ['shop'] });
  forgetCachedLocations();
  await settle();
});
afterAll(async () => {
  await poller.stop();
  await t.drop();
});

const settle = async () => {
  for (let quiet = 0; quiet < 2; ) quiet = (await poller.pollOnce()) === 0 ? quiet + 1 : 0;
};
const stock = (variantId: string, locationId: string, change: { delta?: number; onHand?: number }) =>
  adjustStock(t.deps, { variantId, locationId, reason: 'count', ...change }, `${variantId}-${Math.random()}`);
/** The events of a variant, as [type, scope, where, available]. */
const eventsOf = (variantId: string) =>
  published
    .filter((e) => e.detail.variantId === variantId && e.detailType.startsWith('Variant'))
    .map((e) => [e.detailType === 'VariantBackInStock' ? 'in' : 'out', e.detail.scope, e.detail.locationId ?? e.detail.channelId ?? '*', e.detail.available]);

test('sales channels: stored, listed, availability over their active locations, 404 for an unknown one', async () => {
  expect((await listChannels(t.deps)).channels.map((c) => [c.channelId, c.locationIds])).toEqual([
    ['stores', ['shop']],
    ['web', ['wh-1', 'wh-2']],
  ]);
  expect(await getChannel(t.deps, 'web')).toMatchObject({ name: 'Web' });
  await expect(putChannel(t.deps, 'bad', { name: 'Bad', locationIds: ['nowhere'] })).rejects.toMatchObject({ code: 'not_found' });
  await stock('ch-a', 'wh-1', { onHand: 3 });
  await stock('ch-a', 'wh-2', { onHand: 4 });
  await stock('ch-a', 'shop', { onHand: 5 });
  const [web] = (await getAvailability(t.deps, ['ch-a'], { channelId: 'web' })).variants;
  expect(web).toMatchObject({ onHand: 7, available: 7 });
  expect(web.locations.map((l) => l.locationId)).toEqual(['wh-1', 'wh-2']);
  await expect(getAvailability(t.deps, ['ch-a'], { channelId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
});

test('a cart line with a channel is allocated from that channel’s locations only', async () => {
  await stock('ch-b', 'wh-1', { onHand: 2 });
  await stock('ch-b', 'shop', { onHand: 50 });
  const line = await setCartLine(t.deps, 'ch-cart-1', 'ch-b', { quantity: 2, channelId: 'web' });
  expect(line.allocations).toEqual([{ locationId: 'wh-1', quantity: 2 }]);
  await expect(setCartLine(t.deps, 'ch-cart-2', 'ch-b', { quantity: 1, channelId: 'web' })).rejects.toMatchObject({ code: 'insufficient_stock' });
  const fromStores = await setCartLine(t.deps, 'ch-cart-2', 'ch-b', { quantity: 3, channelId: 'stores' });
  expect(fromStores.allocations).toEqual([{ locationId: 'shop', quantity: 3 }]);
  await expect(setCartLine(t.deps, 'ch-cart-3', 'ch-b', { quantity: 1, channelId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
});

test('one event per transition per scope: location, channel and all; a channel stays in stock while any of its locations is', async () => {
  await stock('ce-1', 'wh-1', { onHand: 2 });
  await settle();
  expect(eventsOf('ce-1')).toEqual([
    ['in', 'location', 'wh-1', 2],
    ['in', 'all', '*', 2],
    ['in', 'channel', 'web', 2],
  ]);
  await stock('ce-1', 'wh-2', { onHand: 1 }); // the channel and all were in stock already
  await settle();
  expect(eventsOf('ce-1').slice(3)).toEqual([['in', 'location', 'wh-2', 1]]);
  await setCartLine(t.deps, 'ce-cart-1', 'ce-1', { quantity: 2, locationId: 'wh-1' });
  await settle();
  expect(eventsOf('ce-1').slice(4)).toEqual([['out', 'location', 'wh-1', 0]]);
  await setCartLine(t.deps, 'ce-cart-2', 'ce-1', { quantity: 1, locationId: 'wh-2' });
  await settle();
  expect(eventsOf('ce-1').slice(5)).toEqual([
    ['out', 'location', 'wh-2', 0],
    ['out', 'all', '*', 0],
    ['out', 'channel', 'web', 0],
  ]);
  await clearCart(t.deps, 'ce-cart-1');
  await settle();
  expect(eventsOf('ce-1').slice(8)).toEqual([
    ['in', 'location', 'wh-1', 2],
    ['in', 'all', '*', 2],
    ['in', 'channel', 'web', 2],
  ]);
  // Every event's `at` is the time of the change that caused it, and its id is its own.
  const mine = published.filter((e) => e.detail.variantId === 'ce-1');
  expect(new Set(mine.map((e) => e.id)).size).toBe(mine.length);
});

test('duplicate deliveries of the stream records publish nothing new', async () => {
  await stock('ce-dup', 'shop', { onHand: 1 });
  await setCartLine(t.deps, 'dup-cart', 'ce-dup', { quantity: 1, locationId: 'shop' });
  await settle();
  const before = eventsOf('ce-dup');
  expect(before).toHaveLength(6); // in and out, for the location, all and the stores channel
  const ids = () => new Set(published.filter((e) => e.detail.variantId === 'ce-dup').map((e) => e.id));
  const idsBefore = ids();
  const records = delivered.filter((r) => {
    const img = r.dynamodb?.NewImage ? unmarshall(r.dynamodb.NewImage as never) : undefined;
    return img?.variantId === 'ce-dup';
  });
  for (const r of [...records, ...records]) await handleTableChange(streamDeps, r);
  await settle();
  // The event records' own redelivery republishes the same events (at least once, same eventId): no new transition.
  expect(ids()).toEqual(idsBefore);
  expect(new Set(eventsOf('ce-dup').map((e) => JSON.stringify(e)))).toEqual(new Set(before.map((e) => JSON.stringify(e))));
});

test('under concurrent holds and releases at one location: one event per crossing of zero, none lost, in order', async () => {
  await stock('ce-race', 'wh-2', { onHand: 3 });
  for (let round = 0; round < 4; round++) {
    await Promise.allSettled(Array.from({ length: 6 }, (_, i) => setCartLine(t.deps, `race-${round}-${i}`, 'ce-race', { quantity: 1, locationId: 'wh-2' })));
    await Promise.all(Array.from({ length: 6 }, (_, i) => clearCart(t.deps, `race-${round}-${i}`)));
  }
  await settle();
  // The level's every version, from the stream: the crossings of zero it made.
  const versions = new Map<number, number>();
  for (const r of delivered) {
    const img = r.dynamodb?.NewImage ? unmarshall(r.dynamodb.NewImage as never) : undefined;
    if (img?.entity === 'Level' && img.variantId === 'ce-race' && img.locationId === 'wh-2') versions.set(img.v as number, img.av as number);
  }
  let inStock = false;
  let crossings = 0;
  for (const v of [...versions.keys()].sort((a, b) => a - b)) {
    if (versions.get(v)! > 0 !== inStock) crossings++;
    inStock = versions.get(v)! > 0;
  }
  const atLocation = eventsOf('ce-race').filter(([, scope]) => scope === 'location');
  expect(crossings).toBeGreaterThanOrEqual(3);
  expect(atLocation).toHaveLength(crossings);
  // Alternating, starting in stock, ending as the level is now (3 available).
  atLocation.forEach(([dir], i) => expect(dir).toBe(i % 2 === 0 ? 'in' : 'out'));
  expect(atLocation.at(-1)![0]).toBe('in');
  for (const scope of ['all', 'channel']) {
    const list = eventsOf('ce-race').filter(([, s]) => s === scope);
    list.forEach(([dir], i) => expect(dir).toBe(i % 2 === 0 ? 'in' : 'out'));
    expect(list.length).toBe(atLocation.length);
  }
});

test('a location made inactive while in stock takes its channel and the variant out of stock; made active, back in', async () => {
  await putLocation(t.deps, 'popup', { name: 'Pop-up', type: 'retail' });
  await putChannel(t.deps, 'events', { name: 'Events', locationIds: ['popup'] });
  await stock('ce-pop', 'popup', { onHand: 4 });
  await settle();
  expect(eventsOf('ce-pop')).toEqual([
    ['in', 'location', 'popup', 4],
    ['in', 'all', '*', 4],
    ['in', 'channel', 'events', 4],
  ]);
  await putLocation(t.deps, 'popup', { name: 'Pop-up', type: 'retail', active: false });
  await settle();
  expect(eventsOf('ce-pop').slice(3)).toEqual([
    ['out', 'all', '*', 0],
    ['out', 'channel', 'events', 0],
  ]);
  await putLocation(t.deps, 'popup', { name: 'Pop-up', type: 'retail', active: true });
  await settle();
  expect(eventsOf('ce-pop').slice(5)).toEqual([
    ['in', 'all', '*', 4],
    ['in', 'channel', 'events', 4],
  ]);
});

test('a channel’s locations changed: the variants in stock at a location that joined or left it move on the channel', async () => {
  await stock('ce-move', 'shop', { onHand: 2 });
  await settle();
  const start = eventsOf('ce-move').length;
  await putChannel(t.deps, 'outlet', { name: 'Outlet', locationIds: ['wh-1'] });
  await settle();
  expect(eventsOf('ce-move').slice(start)).toEqual([]);
  await putChannel(t.deps, 'outlet', { name: 'Outlet', locationIds: ['wh-1', 'shop'] });
  await settle();
  expect(eventsOf('ce-move').slice(start)).toEqual([['in', 'channel', 'outlet', 2]]);
  await putChannel(t.deps, 'outlet', { name: 'Outlet', locationIds: ['wh-1'] });
  await settle();
  expect(eventsOf('ce-move').slice(start)).toEqual([
    ['in', 'channel', 'outlet', 2],
    ['out', 'channel', 'outlet', 0],
  ]);
});

test('every event type the service publishes has a schema, and the events of these tests kept theirs', () => {
  expect(EVENT_TYPES).toEqual(expect.arrayContaining(['LowStockAlertCleared', 'LowStockAlertOpened', 'VariantBackInStock', 'VariantOutOfStock']));
  expect(validated.get('VariantBackInStock')).toBeGreaterThan(0);
  expect(validated.get('VariantOutOfStock')).toBeGreaterThan(0);
});
