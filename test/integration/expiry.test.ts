// Proves that lapsed holds come back to available exactly once, by the sweeper, by reclaim-on-contention and by TTL via the stream;
// that a lapsed cart checks out the same whichever path released it; and that the local TTL stand-in's deletes survive a crash.
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { getCart, setCartLine } from '../../functions/core/commands/carts';
import { releaseExpiredCarts } from '../../functions/core/commands/expiry';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { listMovements } from '../../functions/core/commands/read-stock';
import { getVariant } from '../../functions/core/commands/variants';
import { cartKey } from '../../functions/dynamodb/keys';
import { checkout } from '../../functions/core/commands/orders';
import { createStreamBatchHandler } from '../../functions/streams/handler';
import { handleTableChange, type StreamDeps } from '../../functions/streams/on-table-change';
import { StreamPoller } from '../../lib/local/stream-poller';
import { startTtlStandIn, type TtlStandIn } from '../../lib/local/ttl-stand-in';
import { openingStock, uid } from '../support/fixtures';
import { createTestTable, type TestTable } from '../support/table';

let t: TestTable;
const HOLD = 1800;

beforeAll(async () => {
  t = await createTestTable({ holdSeconds: HOLD });
  await putLocation(t.deps, 'wh-1', { name: 'Warehouse 1', type: 'warehouse' });
});
afterAll(() => t.drop());
beforeEach(() => forgetCachedLocations());
afterEach(() => t.deps.clock.set(new Date()));

/** The stream processor's deps: no event is published by these tests (no threshold is set), so the bus refuses. */
const streamDeps = (): StreamDeps => ({ ...t.deps, publisher: { publish: () => Promise.reject(new Error('no event expected')) } });
const stock = (variantId: string, onHand: number) => openingStock(t.deps, variantId, 'wh-1', onHand);
const level = async (variantId: string) => (await getVariant(t.deps, variantId)).locations[0];
const expiryMovements = async (variantId: string) =>
  (await listMovements(t.deps, variantId, {})).movements.filter((m) => m.type === 'hold_expired');

/** Deletes the cart as DynamoDB's TTL would, and returns the stream record AWS would deliver for it. */
async function ttlDelete(cartId: string): Promise<DynamoDBRecord> {
  // The old image is the item as the delete removed it, in one request, as in the stream: a read before the delete could
  // miss a sweeper's release committed in between, and hand the handler a cart state that no stream record can carry.
  const { Attributes: Item } = await t.doc.send(new DeleteCommand({ TableName: t.tableName, Key: cartKey(cartId), ReturnValues: 'ALL_OLD' }));
  return {
    eventID: uid('event'),
    eventName: 'REMOVE',
    eventSource: 'aws:dynamodb',
    userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    dynamodb: {
      Keys: marshall(cartKey(cartId)) as never,
      OldImage: marshall(Item!, { removeUndefinedValues: true }) as never,
      SequenceNumber: uid('seq'),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  } as DynamoDBRecord;
}

describe('the sweeper', () => {
  it('releases a lapsed hold once, keeps the line as expired, and leaves live holds alone', async () => {
    const sku = uid('sku');
    await stock(sku, 5);
    const lapsing = uid('cart');
    await setCartLine(t.deps, lapsing, sku, { quantity: 2, locationId: 'wh-1' });
    t.deps.clock.advance(HOLD - 60);
    const live = uid('cart');
    await setCartLine(t.deps, live, sku, { quantity: 1, locationId: 'wh-1' });
    expect(await releaseExpiredCarts(t.deps, { by: 'sweeper' })).toBe(0);
    t.deps.clock.advance(61);
    expect(await releaseExpiredCarts(t.deps, { by: 'sweeper' })).toBe(1);
    expect(await releaseExpiredCarts(t.deps, { by: 'sweeper' })).toBe(0);
    expect(await level(sku)).toMatchObject({ softReserved: 1, available: 4 });
    const cart = await getCart(t.deps, lapsing);
    expect(cart.lines).toEqual([expect.objectContaining({ quantity: 2, expired: true, expiresAt: null })]);
    expect(cart.expiresAt).toBeNull();
    expect(await expiryMovements(sku)).toEqual([
      expect.objectContaining({ reference: `cart:${lapsing}`, deltas: { onHand: 0, softReserved: -2, hardReserved: 0, incoming: 0 } }),
    ]);
  });

  it('concurrent sweeps release each cart once', async () => {
    const sku = uid('sku');
    await stock(sku, 10);
    for (let i = 0; i < 5; i++) await setCartLine(t.deps, uid('cart'), sku, { quantity: 2, locationId: 'wh-1' });
    t.deps.clock.advance(HOLD + 1);
    const counts = await Promise.all(Array.from({ length: 4 }, () => releaseExpiredCarts(t.deps, { by: 'sweeper' })));
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5);
    expect(await level(sku)).toMatchObject({ softReserved: 0, available: 10 });
    expect(await expiryMovements(sku)).toHaveLength(5);
  });

  it('a shopper who touches the cart renews its hold before the sweeper gets there', async () => {
    const sku = uid('sku');
    await stock(sku, 5);
    const cart = uid('cart');
    await setCartLine(t.deps, cart, sku, { quantity: 1, locationId: 'wh-1' });
    t.deps.clock.advance(HOLD - 10);
    await setCartLine(t.deps, cart, uid('sku-none'), { quantity: 0 });
    await setCartLine(t.deps, cart, sku, { quantity: 2, locationId: 'wh-1' });
    t.deps.clock.advance(20);
    expect(await releaseExpiredCarts(t.deps, { by: 'sweeper' })).toBe(0);
    expect(await level(sku)).toMatchObject({ softReserved: 2 });
  });
});

describe('reclaim on contention', () => {
  it('a shopper refused for lack of stock gets the units of a lapsed hold nobody released yet', async () => {
    const sku = uid('sku');
    await stock(sku, 1);
    const first = uid('cart');
    await setCartLine(t.deps, first, sku, { quantity: 1, locationId: 'wh-1' });
    await expect(setCartLine(t.deps, uid('cart'), sku, { quantity: 1, locationId: 'wh-1' })).rejects.toMatchObject({ code: 'insufficient_stock' });
    t.deps.clock.advance(HOLD + 1);
    const second = await setCartLine(t.deps, uid('cart'), sku, { quantity: 1, locationId: 'wh-1' });
    expect(second.quantity).toBe(1);
    expect(await level(sku)).toMatchObject({ softReserved: 1, available: 0 });
    expect((await getCart(t.deps, first)).lines[0]).toMatchObject({ expired: true });
    expect((await expiryMovements(sku))[0]).toMatchObject({ reason: 'expired hold reclaimed for another cart' });
  });
});

describe('TTL deletes through the stream', () => {
  it('releases a cart TTL deleted before the sweeper, once, however often the record is delivered', async () => {
    const sku = uid('sku');
    await stock(sku, 5);
    const cart = uid('cart');
    await setCartLine(t.deps, cart, sku, { quantity: 3, locationId: 'wh-1' });
    const record = await ttlDelete(cart);
    await handleTableChange(streamDeps(), record);
    await handleTableChange(streamDeps(), record);
    await Promise.all([handleTableChange(streamDeps(), record), handleTableChange(streamDeps(), record)]);
    expect(await level(sku)).toMatchObject({ softReserved: 0, available: 5 });
    expect(await expiryMovements(sku)).toHaveLength(1);
  });

  it('ignores deletes that are not TTL deletes, and carts the sweeper already released', async () => {
    const sku = uid('sku');
    await stock(sku, 5);
    const userDeleted = uid('cart');
    await setCartLine(t.deps, userDeleted, sku, { quantity: 1, locationId: 'wh-1' });
    const record = await ttlDelete(userDeleted);
    await handleTableChange(streamDeps(), { ...record, userIdentity: undefined });
    expect(await level(sku)).toMatchObject({ softReserved: 1 });

    const swept = uid('cart');
    await setCartLine(t.deps, swept, sku, { quantity: 2, locationId: 'wh-1' });
    t.deps.clock.advance(HOLD + 1);
    await releaseExpiredCarts(t.deps, { by: 'sweeper' });
    await handleTableChange(streamDeps(), await ttlDelete(swept));
    expect(await level(sku)).toMatchObject({ softReserved: 1 });
    expect(await expiryMovements(sku)).toHaveLength(1);
  });

  it('a sweeper racing a TTL delete: the hold is released exactly once', async () => {
    for (let round = 0; round < 5; round++) {
      const sku = uid('sku');
      await stock(sku, 4);
      const cart = uid('cart');
      await setCartLine(t.deps, cart, sku, { quantity: 4, locationId: 'wh-1' });
      t.deps.clock.advance(HOLD + 1);
      await Promise.all([
        releaseExpiredCarts(t.deps, { by: 'sweeper' }),
        ttlDelete(cart).then((r) => handleTableChange(streamDeps(), r)),
      ]);
      expect(await level(sku)).toMatchObject({ softReserved: 0, available: 4 });
      expect(await expiryMovements(sku)).toHaveLength(1);
      t.deps.clock.set(new Date());
    }
  });
});

describe('a lapsed cart, whichever path released it', () => {
  const RETENTION = 86_400;
  const standIns: TtlStandIn[] = [];
  const standIn = () => {
    const s = startTtlStandIn({ endpoint: t.endpoint, tableName: t.tableName, intervalMs: 3_600_000 });
    standIns.push(s);
    return s;
  };
  /** A fresh stream consumer, as after a restart: what it knows of TTL deletes it learns from the table. */
  const consumeStream = async (ttl: TtlStandIn) => {
    const handle = createStreamBatchHandler(streamDeps());
    const poller = new StreamPoller({
      endpoint: t.endpoint,
      streamArn: t.streamArn,
      handler: (e) => handle(e, {} as Context),
      // As the local assembly asks: only a cart's delete can be the stand-in's (the only deletes the stream acts on).
      isTtlDelete: (r) =>
        r.dynamodb!.OldImage!.entity?.S === 'Cart'
          ? ttl.deleted(r.dynamodb!.OldImage!.PK.S!, r.dynamodb!.OldImage!.SK.S!, r.dynamodb!.OldImage!.revision?.S ?? '')
          : Promise.resolve(false),
    });
    for (let quiet = 0; quiet < 2; ) quiet = (await poller.pollOnce()) === 0 ? quiet + 1 : 0;
    await poller.stop();
  };
  const clockSeconds = () => Math.floor(t.deps.clock.now().getTime() / 1000);
  afterAll(async () => {
    for (const s of standIns) await s.stop();
  });

  it('is kept, lapsed lines and all, until its retention ends: TTL deletes nothing a shopper can still check out', async () => {
    const ttl = standIn();
    const sku = uid('sku');
    await stock(sku, 10);
    const swept = uid('cart');
    const unswept = uid('cart');
    await setCartLine(t.deps, swept, sku, { quantity: 2, locationId: 'wh-1' });
    t.deps.clock.advance(HOLD + 1);
    expect(await releaseExpiredCarts(t.deps, { by: 'sweeper' })).toBe(1);
    await setCartLine(t.deps, unswept, sku, { quantity: 3, locationId: 'wh-1' });
    t.deps.clock.advance(HOLD + 1);
    // Both carts have lapsed; one was released by the sweeper, the other by nobody yet. TTL deletes neither.
    expect(await ttl.runOnce(clockSeconds())).toBe(0);
    // Both check out: the swept line is re-reserved, the unreleased hold becomes the order's.
    for (const [cart, quantity] of [[swept, 2], [unswept, 3]] as const) {
      expect((await checkout(t.deps, cart, uid('order'))).lines).toEqual([expect.objectContaining({ variantId: sku, quantity })]);
    }
    expect(await level(sku)).toMatchObject({ softReserved: 0, hardReserved: 5, available: 5 });
  });

  it('after its retention, TTL deletes it whether or not a hold was still live: the stream releases what was, and checkout answers alike', async () => {
    const sku = uid('sku');
    await stock(sku, 10);
    const swept = uid('cart');
    const unswept = uid('cart');
    await setCartLine(t.deps, swept, sku, { quantity: 2, locationId: 'wh-1' });
    t.deps.clock.advance(HOLD + 1);
    await releaseExpiredCarts(t.deps, { by: 'sweeper' });
    await setCartLine(t.deps, unswept, sku, { quantity: 3, locationId: 'wh-1' });
    t.deps.clock.advance(HOLD + RETENTION + 1);
    // The stand-in deletes both, then the process dies before the stream processor saw the deletes (kill -9): a new
    // stand-in and a new stream consumer, as after a restart, still release the live hold, once.
    const first = standIn();
    expect(await first.runOnce(clockSeconds())).toBeGreaterThanOrEqual(2);
    await first.stop();
    await consumeStream(standIn());
    await consumeStream(standIn());
    expect(await level(sku)).toMatchObject({ softReserved: 0, available: 10 });
    expect((await expiryMovements(sku)).map((m) => m.reason).sort()).toEqual(['cart hold expired', 'cart hold expired (deleted by TTL)']);
    const answers = await Promise.all([swept, unswept].map((c) => checkout(t.deps, c, uid('order')).catch((e: { code: string }) => e.code)));
    expect(answers).toEqual(['conflict', 'conflict']);
  });
});
