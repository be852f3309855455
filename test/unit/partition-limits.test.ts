// Proves the simulated partition limits (lib/local/partition-limits.ts): the units each request is billed by AWS's
// rules, per partition; the token buckets on an injected clock (limit, refill, burst); and, through the real SDK on a fake
// wire, that a throttled request is refused whole before it is sent, shaped as AWS's answer, classified as a retryable throttle.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  applyUpdate,
  type AV,
  type Charge,
  DEFAULT_PARTITION_LIMITS,
  type Item,
  itemId,
  itemSize,
  type ItemReader,
  limitPartitions,
  numberSize,
  parsePartitionLimits,
  PartitionLimiter,
  partitionLimitsOf,
  readCharges,
  readUnits,
  writeCharges,
  writeUnits,
} from '../../lib/local/partition-limits';
import { loadConfig } from '../../functions/commons/config';
import { documentClient } from '../../functions/commons/clients';
import { classifySdkError } from '../../functions/dynamodb/sdk-errors';
import { DomainError } from '../../functions/core/errors';

const S = (s: string): AV => ({ S: s });
const N = (n: number | string): AV => ({ N: String(n) });
/** An item of about `bytes` bytes (a string attribute padded to it). */
const sized = (pk: string, sk: string, bytes: number): Item => {
  const base: Item = { PK: S(pk), SK: S(sk), pad: S('') };
  return { ...base, pad: S('x'.repeat(Math.max(0, bytes - itemSize(base)))) };
};
const none: ReadonlyMap<string, Item | undefined> = new Map();
const beforeOf = (table: string, ...items: Item[]) => new Map(items.map((i) => [itemId(table, { PK: i.PK, SK: i.SK }), i]));
const total = (charges: Charge[], f: 'read' | 'write', partition?: string) =>
  charges.filter((c) => !c.index && (partition === undefined || c.partition === partition)).reduce((s, c) => s + c[f], 0);

describe('what a request is billed, per partition', () => {
  it('sizes an item by names and values (UTF-8; numbers about a byte per two digits, plus one; 3 bytes a map or list, 1 per element)', () => {
    expect(itemSize({ PK: S('abc') })).toBe(2 + 3);
    expect(itemSize({ name: S('é') })).toBe(4 + 2);
    expect([numberSize('12345'), numberSize('1000'), numberSize('0.5'), numberSize('-7'), numberSize('123456789012')]).toEqual([4, 2, 2, 2, 7]);
    expect(itemSize({ b: { BOOL: true }, n: { NULL: true } })).toBe(1 + 1 + 1 + 1);
    expect(itemSize({ m: { M: { a: N(1), bb: S('xy') } } })).toBe(1 + 3 + (1 + 2 + 1) + (2 + 2 + 1));
    expect(itemSize({ l: { L: [S('ab'), N(5)] } })).toBe(1 + 3 + (2 + 1) + (2 + 1));
    expect(itemSize({ s: { SS: ['a', 'bc'] } })).toBe(1 + 3);
  });

  it('rounds writes up to 1 KB and reads up to 4 KB (at least one), halves eventually consistent reads, doubles transactional ones', () => {
    expect([writeUnits(0), writeUnits(1024), writeUnits(1025), writeUnits(2048), writeUnits(1025, true)]).toEqual([1, 1, 2, 2, 4]);
    expect([readUnits(0, 'strong'), readUnits(4096, 'strong'), readUnits(4097, 'strong')]).toEqual([1, 1, 2]);
    expect([readUnits(100, 'eventual'), readUnits(4097, 'eventual'), readUnits(9000, 'eventual')]).toEqual([0.5, 1, 1.5]);
    expect([readUnits(100, 'transactional'), readUnits(4097, 'transactional')]).toEqual([2, 4]);
  });

  it('a Put: the larger of the item it replaces and the new one; transactional writes cost twice', () => {
    const small = sized('P#1', 'A', 500);
    const big = sized('P#1', 'A', 1500);
    expect(writeCharges('PutItemCommand', { TableName: 't', Item: small }, none)).toEqual([expect.objectContaining({ partition: 'P#1', write: 1, read: 0 })]);
    expect(total(writeCharges('PutItemCommand', { TableName: 't', Item: small }, beforeOf('t', big)), 'write')).toBe(2);
    const tx = writeCharges('TransactWriteItemsCommand', { TransactItems: [{ Put: { TableName: 't', Item: big } }] }, none);
    expect(total(tx, 'write')).toBe(4);
  });

  it('an Update: the larger of the item before and after it (the after computed from its expression)', () => {
    const before = sized('V#1', 'L#a', 900);
    const grow = { TableName: 't', Key: { PK: S('V#1'), SK: S('L#a') }, UpdateExpression: 'SET #n = :big', ExpressionAttributeNames: { '#n': 'note' }, ExpressionAttributeValues: { ':big': S('y'.repeat(600)) } };
    expect(total(writeCharges('UpdateItemCommand', grow, beforeOf('t', before)), 'write')).toBe(2);
    const shrink = { TableName: 't', Key: { PK: S('V#1'), SK: S('L#a') }, UpdateExpression: 'REMOVE pad' };
    expect(total(writeCharges('UpdateItemCommand', shrink, beforeOf('t', before)), 'write')).toBe(1);
    // An item that is not there yet is its key plus what the update sets.
    expect(total(writeCharges('UpdateItemCommand', grow, none), 'write')).toBe(1);
  });

  it('computes the item after an UpdateExpression: SET with arithmetic and if_not_exists, nested paths, list_append, REMOVE, ADD, DELETE', () => {
    const before: Item = { PK: S('C#1'), SK: S('C'), n: N(5), m: { M: { a: N(1) } }, l: { L: [N(1)] }, gone: S('x'), tags: { SS: ['a', 'b'] } };
    const after = applyUpdate(
      before,
      { PK: S('C#1'), SK: S('C') },
      'SET #n = #n + :d, fresh = if_not_exists(fresh, :z) + :one, m.#b = :v, l = list_append(l, :more) REMOVE gone ADD cnt :one DELETE tags :del',
      { '#n': 'n', '#b': 'b' },
      { ':d': N(3), ':z': N(0), ':one': N(1), ':v': S('w'), ':more': { L: [N(2)] }, ':del': { SS: ['a'] } },
    );
    expect(after).toEqual({ PK: S('C#1'), SK: S('C'), n: N(8), fresh: N(1), m: { M: { a: N(1), b: S('w') } }, l: { L: [N(1), N(2)] }, cnt: N(1), tags: { SS: ['b'] } });
    // Every operand reads the item as it was: a swap.
    expect(applyUpdate({ PK: S('x'), a: N(1), b: N(2) }, { PK: S('x') }, 'SET a = b, b = a')).toEqual({ PK: S('x'), a: N(2), b: N(1) });
  });

  it('a transaction: twice per Put/Update/Delete, a ConditionCheck a transactional read (2 per 4 KB), each on its partition', () => {
    const level = { PK: S('VARIANT#s'), SK: S('LEVEL#wh'), av: N(10) };
    const location = sized('LOCATION#wh', 'LOCATION', 300);
    const charges = writeCharges(
      'TransactWriteItemsCommand',
      {
        TransactItems: [
          { Update: { TableName: 't', Key: { PK: level.PK, SK: level.SK }, UpdateExpression: 'SET av = av - :q', ExpressionAttributeValues: { ':q': N(1) } } },
          { ConditionCheck: { TableName: 't', Key: { PK: location.PK, SK: location.SK }, ConditionExpression: 'active = :t' } },
          { Put: { TableName: 't', Item: sized('MOVEMENTS#s', '2026#1', 2100) } },
          { Delete: { TableName: 't', Key: { PK: S('CART#c'), SK: S('CART') } } },
        ],
      },
      beforeOf('t', level, location),
    );
    expect(charges.filter((c) => !c.index).map(({ partition, read, write, item }) => ({ partition, read, write, item }))).toEqual([
      { partition: 'VARIANT#s', read: 0, write: 2, item: 0 },
      { partition: 'LOCATION#wh', read: 2, write: 0, item: 1 },
      { partition: 'MOVEMENTS#s', read: 0, write: 6, item: 2 },
      { partition: 'CART#c', read: 0, write: 2, item: 3 },
    ]);
  });

  it('GSI partitions: an entry whose key moves is a delete on its old partition and a put on its new one (never doubled); a KEYS_ONLY entry whose keys stay costs nothing', () => {
    const cart: Item = { PK: S('CART#c'), SK: S('CART'), GSI1PK: S('HOLDEXP#3'), GSI1SK: S('2026-01-01T00:30:00Z'), revision: S('r1') };
    const moveExpiry = {
      TransactItems: [
        { Update: { TableName: 't', Key: { PK: cart.PK, SK: cart.SK }, UpdateExpression: 'SET GSI1SK = :e, revision = :r', ExpressionAttributeValues: { ':e': S('2026-01-01T00:45:00Z'), ':r': S('r2') } } },
      ],
    };
    const charges = writeCharges('TransactWriteItemsCommand', moveExpiry, beforeOf('t', cart));
    expect(charges.map(({ index, partition, write }) => ({ index, partition, write }))).toEqual([
      { index: undefined, partition: 'CART#c', write: 2 },
      { index: 'GSI1', partition: 'HOLDEXP#3', write: 1 },
      { index: 'GSI1', partition: 'HOLDEXP#3', write: 1 },
    ]);
    const variant: Item = { PK: S('VARIANT#v'), SK: S('VARIANT'), GSI2PK: S('VARIANTS'), GSI2SK: S('v'), backorderPolicy: S('deny') };
    const config = { TableName: 't', Key: { PK: variant.PK, SK: variant.SK }, UpdateExpression: 'SET backorderPolicy = :p', ExpressionAttributeValues: { ':p': S('allow') } };
    expect(writeCharges('UpdateItemCommand', config, beforeOf('t', variant)).filter((c) => c.index)).toEqual([]);
    expect(writeCharges('UpdateItemCommand', config, beforeOf('t', variant), undefined, false).filter((c) => c.index)).toEqual([]);
  });

  it('reads: by what was read; a Query the sum of its items rounded up once, a BatchGetItem each item rounded up; nothing found still costs the least', () => {
    const items = [sized('VARIANT#s', 'A', 1500), sized('VARIANT#s', 'B', 1500), sized('VARIANT#s', 'C', 1500)];
    const query = { TableName: 't', KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': 'PK' }, ExpressionAttributeValues: { ':pk': S('VARIANT#s') } };
    expect(readCharges('QueryCommand', { ...query, ConsistentRead: true }, { Items: items })).toEqual([expect.objectContaining({ partition: 'VARIANT#s', read: 2 })]);
    expect(readCharges('QueryCommand', query, { Items: items })).toEqual([expect.objectContaining({ read: 1 })]);
    const batch = { RequestItems: { t: { Keys: [...items.map((i) => ({ PK: i.PK, SK: i.SK })), { PK: S('VARIANT#s'), SK: S('missing') }], ConsistentRead: true } } };
    expect(total(readCharges('BatchGetItemCommand', batch, { Responses: { t: items } }), 'read')).toBe(4);
    expect(readCharges('GetItemCommand', { TableName: 't', Key: { PK: S('HEALTH'), SK: S('HEALTH') } }, {})).toEqual([expect.objectContaining({ partition: 'HEALTH', read: 0.5 })]);
    // A query of an index reads the index's partition, eventually consistent.
    const byIndex = { TableName: 't', IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :p', ExpressionAttributeValues: { ':p': S('LOCATIONS') } };
    expect(readCharges('QueryCommand', byIndex, { Items: items })).toEqual([expect.objectContaining({ index: 'GSI1', partition: 'LOCATIONS', read: 1 })]);
    // A document client's response arrives unmarshalled: sized the same.
    expect(readCharges('QueryCommand', { ...query, ConsistentRead: true }, { Items: items.map((i) => ({ PK: i.PK.S, SK: i.SK.S, pad: i.pad.S })) })).toEqual([
      expect.objectContaining({ read: 2 }),
    ]);
  });
});

describe('the token buckets, on an injected clock', () => {
  const write = (partition: string, units: number): Charge => ({ table: 't', partition, read: 0, write: units });
  const read = (partition: string, units: number): Charge => ({ table: 't', partition, read: units, write: 0 });
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('throttles a partition past its limit, refusing whole and charging nothing; other partitions are unaffected', () => {
    const c = clock();
    const limiter = new PartitionLimiter({ ...DEFAULT_PARTITION_LIMITS, writeUnitsPerSecond: 10, burst: false }, c.now);
    for (let i = 0; i < 5; i++) expect(limiter.admit('PutItem', [write('hot', 2)])).toEqual([]);
    expect(limiter.admit('TransactWriteItems', [write('cold', 2), write('hot', 2)])).toEqual([write('hot', 2)]);
    expect(limiter.admit('PutItem', [write('cold', 10)])).toEqual([]);
    expect(limiter.counters()).toMatchObject({
      requests: 6,
      throttledRequests: 1,
      throttledByOperation: { TransactWriteItems: 1 },
      writeUnits: 20,
      partitions: [
        { partition: 'hot', writeUnits: 10, throttled: 1 },
        { partition: 'cold', writeUnits: 10, throttled: 0 },
      ],
    });
    // Reads have their own bucket.
    expect(limiter.admit('GetItem', [read('hot', 1)])).toEqual([]);
  });

  it('refills at the limit per second (continuously), never above one second’s worth without burst', () => {
    const c = clock();
    const limiter = new PartitionLimiter({ ...DEFAULT_PARTITION_LIMITS, writeUnitsPerSecond: 10, burst: false }, c.now);
    expect(limiter.admit('PutItem', [write('p', 10)])).toEqual([]);
    expect(limiter.admit('PutItem', [write('p', 1)])).toHaveLength(1);
    c.advance(500);
    expect(limiter.admit('PutItem', [write('p', 6)])).toHaveLength(1);
    expect(limiter.admit('PutItem', [write('p', 5)])).toEqual([]);
    c.advance(1000);
    expect(limiter.admit('PutItem', [write('p', 10)])).toEqual([]);
    // Idle for ten minutes: still one second's worth.
    c.advance(600_000);
    expect(limiter.admit('PutItem', [write('p', 10)])).toEqual([]);
    expect(limiter.admit('PutItem', [write('p', 1)])).toHaveLength(1);
  });

  it('with burst, unused capacity accrues up to 300 seconds’ worth and can be spent at once', () => {
    const c = clock();
    const limiter = new PartitionLimiter({ ...DEFAULT_PARTITION_LIMITS, writeUnitsPerSecond: 10, burst: true }, c.now);
    // A partition first seen has one second's worth; what it leaves unused from then on accrues.
    expect(limiter.admit('PutItem', [write('p', 10)])).toEqual([]);
    c.advance(100_000); // 100 s unused: 1,000 units
    expect(limiter.admit('PutItem', [write('p', 1001)])).toHaveLength(1);
    expect(limiter.admit('PutItem', [write('p', 1000)])).toEqual([]);
    expect(limiter.admit('PutItem', [write('p', 1)])).toHaveLength(1);
    c.advance(1_000_000); // far past 300 s: capped at 3,000
    expect(limiter.admit('PutItem', [write('p', 2000)])).toEqual([]);
    expect(limiter.admit('PutItem', [write('p', 1000)])).toEqual([]);
    expect(limiter.admit('PutItem', [write('p', 1)])).toHaveLength(1);
    c.advance(100);
    expect(limiter.admit('PutItem', [write('p', 1)])).toEqual([]);
    // Switched off, what had accrued is capped at once to a second's worth.
    c.advance(300_000);
    limiter.settings.burst = false;
    expect(limiter.admit('PutItem', [write('p', 10)])).toEqual([]);
    expect(limiter.admit('PutItem', [write('p', 1)])).toHaveLength(1);
  });

  it('a request larger than the bucket goes when the bucket is full, leaving the partition in debt; reset forgets everything', () => {
    const c = clock();
    const limiter = new PartitionLimiter({ ...DEFAULT_PARTITION_LIMITS, writeUnitsPerSecond: 4, burst: false }, c.now);
    expect(limiter.admit('PutItem', [write('p', 10)])).toEqual([]); // 4 - 10: 6 in debt
    c.advance(1000);
    expect(limiter.admit('PutItem', [write('p', 1)])).toHaveLength(1); // 2 in debt
    c.advance(750);
    expect(limiter.admit('PutItem', [write('p', 1)])).toEqual([]);
    limiter.reset();
    expect(limiter.counters()).toEqual({ requests: 0, throttledRequests: 0, throttledByOperation: {}, readUnits: 0, writeUnits: 0, partitions: [] });
    expect(limiter.admit('PutItem', [write('p', 4)])).toEqual([]);
  });
});

describe('PARTITION_LIMITS', () => {
  it('parses its settings; empty or off is none; anything else throws', () => {
    expect(parsePartitionLimits(undefined)).toBeUndefined();
    expect(parsePartitionLimits(' ')).toBeUndefined();
    expect(parsePartitionLimits('off')).toBeUndefined();
    expect(parsePartitionLimits('on')).toEqual(DEFAULT_PARTITION_LIMITS);
    expect(parsePartitionLimits('write=100,read=300,burst=off')).toEqual({ ...DEFAULT_PARTITION_LIMITS, burst: false });
    expect(parsePartitionLimits('write=5, burst=60, indexes=off')).toEqual({ ...DEFAULT_PARTITION_LIMITS, writeUnitsPerSecond: 5, burstSeconds: 60, indexes: false });
    expect(() => parsePartitionLimits('write=0')).toThrow(/write/);
    expect(() => parsePartitionLimits('burst=maybe')).toThrow(/burst/);
    expect(() => parsePartitionLimits('hot=1')).toThrow(/unknown setting "hot"/);
  });

  it('goes on the table client it is given (the local assembly gives it the runtime’s), and on no other', () => {
    const config = loadConfig({ TABLE_NAME: 't', DYNAMODB_ENDPOINT: 'http://127.0.0.1:1' });
    const doc = documentClient(config);
    limitPartitions(doc, parsePartitionLimits('write=7,burst=off'));
    expect(partitionLimitsOf(doc)?.settings).toMatchObject({ writeUnitsPerSecond: 7, readUnitsPerSecond: 300, burst: false });
    expect(partitionLimitsOf(documentClient(config))).toBeUndefined();
    doc.destroy();
  });
});

describe('through the SDK (a fake wire)', () => {
  /** A document client whose requests go to a fake wire (answering `{}`, or what `answer` says); the items before are `stored`. */
  const wired = (options: { answer?: (target: string, body: Record<string, unknown>) => unknown; stored?: Item[]; onRead?: () => void } = {}) => {
    const sent: string[] = [];
    const raw = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: 'http://fake.invalid',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 3,
      requestHandler: {
        handle: async (req: { headers: Record<string, string>; body: string }) => {
          const target = req.headers['x-amz-target'].split('.')[1];
          sent.push(target);
          const body = options.answer?.(target, JSON.parse(req.body)) ?? {};
          return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from(JSON.stringify(body)) } };
        },
      } as never,
    });
    const stored = new Map((options.stored ?? []).map((i) => [itemId('t', { PK: i.PK, SK: i.SK }), i]));
    const readItems: ItemReader = async (keys) => {
      options.onRead?.();
      return new Map(keys.map((k) => [itemId(k.table, k.key), stored.get(itemId(k.table, k.key))]));
    };
    return { doc: DynamoDBDocumentClient.from(raw), sent, readItems };
  };

  it('a transaction with one item on a partition over its limit: refused whole before it is sent, as AWS refuses it, and the service answers a retryable 429', async () => {
    let t = 0;
    const { doc, sent, readItems } = wired();
    const limits = limitPartitions(doc, { writeUnitsPerSecond: 4, burst: false, now: () => t, readItems });
    await doc.send(new PutCommand({ TableName: 't', Item: { PK: 'VARIANT#hot', SK: 'LEVEL#a', pad: 'x'.repeat(3000) } })); // 3 of its 4 units
    const hold = new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: 't', Item: { PK: 'CART#c', SK: 'CART' } } },
        { Put: { TableName: 't', Item: { PK: 'VARIANT#hot', SK: 'LEVEL#b' } } },
        { Put: { TableName: 't', Item: { PK: 'MOVEMENTS#hot', SK: 'm1' } } },
      ],
    });
    const err = await doc.send(hold).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'TransactionCanceledException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError', Message: expect.stringContaining('Throughput exceeds the current capacity') }, { Code: 'None' }],
    });
    expect((err as Error).message).toBe('Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError, None]');
    expect(sent).toEqual(['PutItem']);
    const answer = classifySdkError(err);
    expect(answer).toBeInstanceOf(DomainError);
    expect(answer).toMatchObject({ code: 'throttled', details: { retryable: true } });
    // Nothing was charged for it: the other partitions are untouched.
    expect(limits.counters().partitions.filter((p) => !p.index).map((p) => [p.partition, p.writeUnits, p.throttled])).toEqual([['VARIANT#hot', 3, 1]]);
    t += 1000;
    await doc.send(hold);
    expect(sent).toEqual(['PutItem', 'TransactWriteItems']);
    expect(limits.counters()).toMatchObject({ requests: 2, throttledRequests: 1, throttledByOperation: { TransactWriteItems: 1 } });
  });

  it('a single write over its partition’s limit is a ThrottlingException with its reason, which the SDK retries', async () => {
    let t = 0;
    // The clock moves a second at each attempt (the layer reads the item before each attempt of a write).
    const { doc, sent, readItems } = wired({ onRead: () => (t += 1000) });
    const limits = limitPartitions(doc, { writeUnitsPerSecond: 1, burst: false, now: () => t, readItems });
    const put = () => new PutCommand({ TableName: 't', Item: { PK: 'P', SK: 'S' } });
    await doc.send(put());
    t -= 1000; // the next attempt comes at the same instant: refused; its retry a second later goes
    const out = await doc.send(put());
    expect(out.$metadata.attempts).toBe(2);
    expect(sent).toEqual(['PutItem', 'PutItem']);
    expect(limits.counters()).toMatchObject({ requests: 2, throttledRequests: 1, throttledByOperation: { PutItem: 1 } });
    // Past the SDK's attempts: the error as AWS sends it for a hot key.
    const stuck = wired({ onRead: () => undefined });
    limitPartitions(stuck.doc, { writeUnitsPerSecond: 1, burst: false, now: () => 0, readItems: stuck.readItems });
    await stuck.doc.send(put());
    const err = await stuck.doc.send(put()).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400, attempts: 3 },
      throttlingReasons: [{ reason: 'TableWriteKeyRangeThroughputExceeded', resource: 'arn:aws:dynamodb:ddblocal:000000000000:table/t' }],
    });
    expect(classifySdkError(err)).toMatchObject({ code: 'throttled', details: { retryable: true } });
  }, 20_000);

  it('an update is billed on its item before and after (read first, unbilled); an index partition over its limit throttles the write', async () => {
    let t = 0;
    const cart: Item = { PK: S('CART#c'), SK: S('CART'), GSI1PK: S('HOLDEXP#1'), GSI1SK: S('2026-01-01T00:30:00Z'), pad: S('x'.repeat(1500)) };
    const { doc, readItems } = wired({ stored: [cart] });
    const limits = limitPartitions(doc, { writeUnitsPerSecond: 3, burst: false, now: () => t, readItems });
    const moveExpiry = (at: string) =>
      new UpdateCommand({ TableName: 't', Key: { PK: 'CART#c', SK: 'CART' }, UpdateExpression: 'SET GSI1SK = :e', ExpressionAttributeValues: { ':e': at } });
    await doc.send(moveExpiry('2026-01-01T00:45:00Z'));
    expect(limits.counters().partitions.map(({ index, partition, writeUnits }) => ({ index, partition, writeUnits }))).toEqual([
      { index: 'GSI1', partition: 'HOLDEXP#1', writeUnits: 4 },
      { index: undefined, partition: 'CART#c', writeUnits: 2 },
    ]);
    t += 1000; // the cart's partition has 3 again; the index's went 1 into debt, and has 2 of the 4 it needs
    const err = await doc.send(moveExpiry('2026-01-01T01:00:00Z')).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ThrottlingException', throttlingReasons: [{ reason: 'IndexWriteKeyRangeThroughputExceeded', resource: expect.stringMatching(/table\/t\/index\/GSI1$/) }] });
    limits.settings.indexes = false;
    await doc.send(moveExpiry('2026-01-01T01:00:00Z'));
  }, 20_000);

  it('a read may start while its partition has the least it can cost, and is charged what it read (a partition may go into debt)', async () => {
    let t = 0;
    const big = { PK: S('VARIANT#v'), SK: S('A'), pad: S('x'.repeat(9000)) };
    const { doc, readItems } = wired({ answer: (target) => (target === 'Query' ? { Items: [big, big], Count: 2 } : target === 'GetItem' ? { Item: big } : undefined) });
    const limits = limitPartitions(doc, { readUnitsPerSecond: 4, burst: false, now: () => t, readItems });
    await doc.send(new GetCommand({ TableName: 't', Key: { PK: 'VARIANT#v', SK: 'A' }, ConsistentRead: true })); // 9 KB: 3 units
    await doc.send(new QueryCommand({ TableName: 't', KeyConditionExpression: 'PK = :p', ExpressionAttributeValues: { ':p': 'VARIANT#v' } })); // 18 KB, eventual: 2.5
    expect(limits.counters().partitions).toEqual([expect.objectContaining({ partition: 'VARIANT#v', readUnits: 5.5 })]);
    const err = await doc.send(new GetCommand({ TableName: 't', Key: { PK: 'VARIANT#v', SK: 'A' } })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ThrottlingException', throttlingReasons: [{ reason: 'TableReadKeyRangeThroughputExceeded' }] });
  }, 20_000);

  it('BatchGetItem, as AWS: keys on a throttled partition come back unprocessed (in the document client’s form); all of them, ThrottlingException', async () => {
    let t = 0;
    const { doc, readItems } = wired({
      answer: (target, body) =>
        target === 'BatchGetItem' ? { Responses: { t: (body.RequestItems as { t: { Keys: Item[] } }).t.Keys.map((k) => ({ ...k, v: N(1) })) }, UnprocessedKeys: {} } : undefined,
    });
    const limits = limitPartitions(doc, { readUnitsPerSecond: 1, burst: false, now: () => t, readItems });
    await doc.send(new GetCommand({ TableName: 't', Key: { PK: 'HOT', SK: 'x' }, ConsistentRead: true }));
    const out = await doc.send(new BatchGetCommand({ RequestItems: { t: { Keys: [{ PK: 'HOT', SK: 'a' }, { PK: 'COLD', SK: 'b' }], ConsistentRead: true } } }));
    expect(out.Responses?.t).toEqual([{ PK: 'COLD', SK: 'b', v: 1 }]);
    expect(out.UnprocessedKeys?.t).toEqual({ Keys: [{ PK: 'HOT', SK: 'a' }], ConsistentRead: true });
    const err = await doc.send(new BatchGetCommand({ RequestItems: { t: { Keys: [{ PK: 'HOT', SK: 'a' }], ConsistentRead: true } } })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ThrottlingException' });
    expect(limits.counters().throttledByOperation).toEqual({ BatchGetItem: 1 + 3 });
  }, 20_000);
});
