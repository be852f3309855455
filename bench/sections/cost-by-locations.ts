/**
 * Section 1b: what an operation at one location costs when the variant is stocked at 1, 10, 100 or 500
 * locations. Each location's level is its own item, so the figures should not move with the count: a chain
 * with 500 stores pays per hold what a single warehouse pays. Also the catalog's read for 100 variants,
 * everywhere and at a few locations, with its sequential round trips to the table.
 */
import { randomUUID } from 'node:crypto';
import type { Bench } from '../context';
import { fmt } from '../report';
import { measureCost, type Op } from './cost';

const COUNTS = [1, 10, 100, 500];
const loc = (i: number) => `loc-${String(i).padStart(3, '0')}`;

export async function costByLocations(b: Bench): Promise<string[]> {
  const { api, log, N } = b;
  log('measuring cost by the number of locations a variant is stocked at…');
  const max = Math.max(...COUNTS);
  for (let i = 0; i < max; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, max - i) }, (_, k) => api('PUT', `/locations/${loc(i + k)}`, { name: `Store ${i + k}`, type: 'retail' })));
  }
  const runs = Math.max(3, Math.floor(N.cost / 4));
  const rows: string[] = [];
  const figures: Record<string, Record<number, { write: number; read: number; requests: number }>> = {};
  for (const count of COUNTS) {
    const sku = `spread-${count}`;
    for (let i = 0; i < count; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, (_, k) =>
          api('POST', '/stock/adjustments', { variantId: sku, locationId: loc(i + k), onHand: 1_000_000, reason: 'bench' }),
        ),
      );
    }
    let cart = '';
    let order = '';
    let transfer = '';
    const hold = async () => {
      cart = `c-${randomUUID()}`;
      await api('PUT', `/carts/${cart}/lines/${sku}`, { quantity: 1, locationId: loc(0) });
    };
    const ops: Op[] = [
      { name: 'Add to cart at a location', run: () => api('PUT', `/carts/c-${randomUUID()}/lines/${sku}`, { quantity: 1, locationId: loc(0) }) },
      { name: 'Checkout, 1 line', prepare: hold, run: () => api('POST', `/carts/${cart}/checkout`, { orderId: `o-${randomUUID()}` }) },
      {
        name: 'Fulfil, 1 line',
        prepare: async () => {
          await hold();
          order = `o-${randomUUID()}`;
          await api('POST', `/carts/${cart}/checkout`, { orderId: order });
        },
        run: () => api('POST', `/orders/${order}/fulfillments`, { fulfillmentId: 'f-1', lines: [{ variantId: sku, locationId: loc(0), quantity: 1 }] }),
      },
      {
        name: 'Transfer completion, 1 line',
        prepare: async () => {
          transfer = (await api('POST', '/transfers', { fromLocationId: loc(0), toLocationId: loc(1), lines: [{ variantId: sku, quantity: 1 }] })).transferId;
        },
        run: () => api('POST', `/transfers/${transfer}/complete`, {}),
      },
      { name: 'Stock adjustment (delta)', run: () => api('POST', '/stock/adjustments', { variantId: sku, locationId: loc(0), delta: 1, reason: 'count' }) },
    ];
    for (const op of ops) {
      const m = await measureCost(b, op, runs);
      ((figures[op.name] ??= {})[count] = { write: m.write, read: m.read, requests: m.requests });
    }
  }
  for (const [name, byCount] of Object.entries(figures)) {
    const cells = COUNTS.map((c) => `${fmt(byCount[c].requests)} / ${fmt(byCount[c].read)} / ${fmt(byCount[c].write)}`);
    rows.push(`| ${name} | ${cells.join(' | ')} |`);
    log(`  ${name}: ${cells.join(' · ')} (requests / read / write units at ${COUNTS.join(', ')} locations)`);
  }

  // The catalog's read: 100 variants stocked at 10 locations each, everywhere and at 2 of them.
  const skus = Array.from({ length: 100 }, (_, i) => `catalog-${i}`);
  await Promise.all(
    skus.map(async (sku) => {
      for (let l = 0; l < 10; l++) await api('POST', '/stock/adjustments', { variantId: sku, locationId: loc(l), onHand: 10, reason: 'bench' });
    }),
  );
  const reads: Op[] = [
    { name: 'Availability, 100 variants × 10 locations, everywhere', run: () => api('GET', `/availability?variantIds=${skus.join(',')}`) },
    { name: 'Availability, 100 variants, at 2 locations (locationIds)', run: () => api('GET', `/availability?variantIds=${skus.join(',')}&locationIds=${loc(0)},${loc(1)}`) },
  ];
  const readRows: string[] = [];
  for (const op of reads) {
    const m = await measureCost(b, op, runs);
    readRows.push(`| ${op.name} | ${fmt(m.requests)} | ${fmt(m.roundTrips)} | ${fmt(m.read)} |`);
    log(`  ${op.name}: ${fmt(m.requests)} requests in ${fmt(m.roundTrips)} round trips, ${fmt(m.read)} read units`);
  }
  return [
    '## 1b. Cost by the number of locations a variant is stocked at',
    '',
    `Mean over ${runs} runs, measured as in section 1, of operations at one location of a variant stocked at 1, 10, 100 and`,
    '500 locations. Each cell is requests / read units / write units. A variant-location is its own item (about 150 bytes),',
    'so a change at one location writes only that item, and reads only what it changes: the figures do not grow with the',
    'number of locations.',
    '',
    `| operation | ${COUNTS.map((c) => `${c} location${c === 1 ? '' : 's'}`).join(' | ')} |`,
    `| --- | ${COUNTS.map(() => '---').join(' | ')} |`,
    ...rows,
    '',
    'The catalog’s read for 100 variants: everywhere, one Query per variant, all in parallel; at given locations, one',
    'BatchGetItem of the configurations and those level items. Round trips are the sequential waves of requests.',
    '',
    '| read | requests | round trips | read units |',
    '| --- | --- | --- | --- |',
    ...readRows,
    '',
  ];
}
