/**
 * Section 1: the DynamoDB requests and capacity units each operation costs, counted by the meter on the
 * service's own SDK client (transactions' units modelled by capacity-model.ts), and what a million cost.
 */
import { randomUUID } from 'node:crypto';
import { transactionUnits } from '../capacity-model';
import type { Bench } from '../context';
import { fmt } from '../report';
import { groups } from '../meter';

/** DynamoDB on-demand prices, us-east-1, since the November 2024 reduction (USD per million request units). */
const PRICE = { read: 0.125, write: 0.625, source: 'us-east-1 on-demand: $0.125 per million read request units, $0.625 per million write request units' };

export type Op = { name: string; prepare?: () => Promise<unknown>; run: () => Promise<unknown> };

/**
 * The mean, over `runs` runs of an operation, of the DynamoDB requests it sends, their sequential round trips,
 * and their capacity: what DynamoDB Local reports for single-item requests, and for transactions the units AWS
 * bills by its published rules (capacity-model.ts). A refused request counts as a request, its capacity not.
 */
export async function measureCost({ meter, local, floorClient }: Pick<Bench, 'meter' | 'local' | 'floorClient'>, op: Op, runs: number) {
  let requests = 0;
  let roundTrips = 0;
  let read = 0;
  let write = 0;
  let failed = 0;
  for (let i = 0; i < runs; i++) {
    await op.prepare?.();
    meter.reset();
    await op.run();
    const done = [...meter.requests];
    requests += done.length;
    roundTrips += groups(done).length;
    failed += done.filter((r) => r.failed).length;
    const single = done.filter((r) => r.command !== 'TransactWriteItemsCommand');
    const tx = await transactionUnits(done, local.tableName, floorClient);
    read += single.reduce((sum, r) => sum + r.read, 0) + tx.read;
    write += single.reduce((sum, r) => sum + r.write, 0) + tx.write;
  }
  return { requests: requests / runs, roundTrips: roundTrips / runs, read: read / runs, write: write / runs, failed: failed / runs };
}

export async function costPerOperation({ api, cart, skus, meter, local, floorClient, N, log }: Bench): Promise<string[]> {
  log('measuring requests and capacity per operation…');
  let current = '';
  let order = '';
  const cartOf = async (lines: number) => {
    current = cart();
    for (let i = 0; i < lines; i++) await api('PUT', `/carts/${current}/lines/${skus[i]}`, { quantity: 1, locationId: 'wh-1' });
  };
  const checkedOut = async (): Promise<void> => {
    await cartOf(1);
    order = `o-${randomUUID()}`;
    await api('POST', `/carts/${current}/checkout`, { orderId: order });
  };
  let po = '';
  let transfer = '';
  const ops: Op[] = [
    { name: 'Add to cart (new line, at a location)', run: () => api('PUT', `/carts/${cart()}/lines/bench-1`, { quantity: 1, locationId: 'wh-1' }) },
    { name: 'Add to cart (new line, allocated by the service)', run: () => api('PUT', `/carts/${cart()}/lines/bench-1`, { quantity: 1 }) },
    { name: 'Add a second line to a cart', prepare: () => cartOf(1), run: () => api('PUT', `/carts/${current}/lines/bench-2`, { quantity: 1, locationId: 'wh-1' }) },
    { name: 'Change a line’s quantity', prepare: () => cartOf(1), run: () => api('PUT', `/carts/${current}/lines/${skus[0]}`, { quantity: 3, locationId: 'wh-1' }) },
    { name: 'Remove a line', prepare: () => cartOf(1), run: () => api('DELETE', `/carts/${current}/lines/${skus[0]}`) },
    { name: 'Checkout, 1 line', prepare: () => cartOf(1), run: () => api('POST', `/carts/${current}/checkout`, { orderId: `o-${randomUUID()}` }) },
    { name: 'Checkout, 10 lines', prepare: () => cartOf(10), run: () => api('POST', `/carts/${current}/checkout`, { orderId: `o-${randomUUID()}` }) },
    {
      name: 'Fulfil (1 line)',
      prepare: checkedOut,
      run: () => api('POST', `/orders/${order}/fulfillments`, { fulfillmentId: 'f-1', lines: [{ variantId: skus[0], locationId: 'wh-1', quantity: 1 }] }),
    },
    { name: 'Cancel an order (1 line)', prepare: checkedOut, run: () => api('POST', `/orders/${order}/cancel`, {}) },
    {
      name: 'Purchase order receipt (1 line)',
      prepare: async () => {
        po = (await api('POST', '/purchase-orders', { supplier: 'Bench', locationId: 'wh-1', lines: [{ variantId: skus[5], quantity: 10 }] })).purchaseOrderId;
      },
      run: () => api('POST', `/purchase-orders/${po}/receipts`, { receiptId: 'r-1', lines: [{ variantId: skus[5], quantity: 10 }] }),
    },
    {
      name: 'Transfer completion (1 line)',
      prepare: async () => {
        transfer = (await api('POST', '/transfers', { fromLocationId: 'wh-1', toLocationId: 'wh-2', lines: [{ variantId: skus[6], quantity: 1 }] })).transferId;
      },
      run: () => api('POST', `/transfers/${transfer}/complete`, {}),
    },
    { name: 'Availability, 1 variant', run: () => api('GET', `/availability?variantIds=${skus.slice(0, 1).join(',')}`) },
    { name: 'Availability, 10 variants', run: () => api('GET', `/availability?variantIds=${skus.slice(0, 10).join(',')}`) },
    { name: 'Availability, 100 variants', run: () => api('GET', `/availability?variantIds=${skus.join(',')}`) },
    { name: 'Stock adjustment (delta)', run: () => api('POST', '/stock/adjustments', { variantId: 'bench-50', locationId: 'wh-1', delta: 1, reason: 'count' }) },
    {
      name: 'Stock adjustment with Idempotency-Key',
      run: () => api('POST', '/stock/adjustments', { variantId: 'bench-51', locationId: 'wh-1', delta: 1, reason: 'count' }, { 'idempotency-key': randomUUID() }),
    },
  ];
  const costRows: string[] = [];
  for (const op of ops) {
    const { requests, read, write, failed } = await measureCost({ meter, local, floorClient }, op, N.cost);
    const [rq, rd, wr] = [requests, read, write];
    const cost = rd * PRICE.read + wr * PRICE.write;
    costRows.push(`| ${op.name} | ${fmt(rq)}${failed ? ` (${fmt(failed)} refused)` : ''} | ${fmt(rd)} | ${fmt(wr)} | $${cost.toFixed(2)} |`);
    log(`  ${op.name}: ${fmt(rq)} requests, ${fmt(rd)} RRU, ${fmt(wr)} WRU`);
  }
  const section = [
    '## 1. DynamoDB requests and capacity per operation',
    '',
    `Mean over ${N.cost} runs of each operation, through the HTTP handler, counting every request the service sends. Capacity:`,
    'for single-item requests, what DynamoDB Local reports (`ReturnConsumedCapacity: TOTAL`); for transactions, which DynamoDB Local',
    'reports as one flat figure, the units AWS bills by its published rules, computed from the items each action wrote',
    '(bench/capacity-model.ts: 2 write units per KB per item, 2 read units per ConditionCheck, plus index writes). A refused request',
    `(a condition that failed, so the service reads and tries again) is counted as a request, its capacity not. Cost per million operations at`,
    `${PRICE.source}.`,
    '',
    '| operation | requests | read units | write units | cost per million |',
    '| --- | --- | --- | --- | --- |',
    ...costRows,
    '',
    'Add to cart at a location is one request: a single TransactWriteItems (variant level update guarded by `available >= quantity`,',
    'cart line set on `attribute_not_exists`, location `active` check, movement), 2 write units for each of the three items written',
    'plus the cart’s expiry index entry. Availability for 100 variants is one BatchGetItem (the location list is cached per process).',
    '',
  ];
  return section;
}
