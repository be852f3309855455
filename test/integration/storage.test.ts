// Proves the storage shape: one level item per variant-location (a change at one location writes that item only, and its
// size does not grow with the number of locations), reads at named locations, every item carrying its schema version, and
// alert judgements that arrive out of order across the level and configuration items.
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { applyJudgement } from '../../functions/core/commands/alerts';
import { setCartLine } from '../../functions/core/commands/carts';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { getAvailability } from '../../functions/core/commands/read-stock';
import { putVariant } from '../../functions/core/commands/variants';
import { SCHEMA_ATTRIBUTE, SCHEMA_VERSION } from '../../functions/dynamodb/codec';
import { variantPartition } from '../../functions/dynamodb/keys';
import { openingStock, uid } from '../support/fixtures';
import { createTestTable, type TestTable } from '../support/table';

let t: TestTable;
const LOCATIONS = Array.from({ length: 12 }, (_, i) => `st-${i}`);
beforeAll(async () => {
  t = await createTestTable();
  for (const l of LOCATIONS) await putLocation(t.deps, l, { name: l, type: 'retail' });
  await putLocation(t.deps, 'closed', { name: 'Closed', type: 'retail', active: false });
  forgetCachedLocations();
});
afterAll(() => t.drop());

const partition = async (sku: string) =>
  (await t.doc.send(new QueryCommand({ TableName: t.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': variantPartition(sku) } }))).Items!;

test('a hold at one location writes that location’s level item only, whatever the number of locations', async () => {
  const sku = uid('sku');
  for (const l of LOCATIONS) await openingStock(t.deps, sku, l, 10);
  const before = await partition(sku);
  expect(before.filter((i) => i.entity === 'Level')).toHaveLength(LOCATIONS.length);
  expect(before.filter((i) => i.entity === 'Variant')).toHaveLength(1);
  await setCartLine(t.deps, uid('cart'), sku, { quantity: 2, locationId: 'st-3' });
  const after = await partition(sku);
  const changed = after.filter((i) => JSON.stringify(i) !== JSON.stringify(before.find((b) => b.SK === i.SK)));
  expect(changed.map((i) => i.SK)).toEqual(['LEVEL#st-3']);
  expect(changed[0]).toMatchObject({ oh: 10, sr: 2, av: 8 });
  // Every level item is small and the same size whatever the count: what a write of it costs does not grow with the chain.
  const sizes = after.filter((i) => i.entity === 'Level').map((i) => JSON.stringify(i).length);
  expect(Math.max(...sizes)).toBeLessThan(400);
});

test('availability at named locations reads and totals only those that sell; locationId and locationIds together count the union', async () => {
  const sku = uid('sku');
  await openingStock(t.deps, sku, 'st-0', 5);
  await openingStock(t.deps, sku, 'st-1', 7);
  await openingStock(t.deps, sku, 'st-2', 11);
  await openingStock(t.deps, sku, 'closed', 100);
  const [some] = (await getAvailability(t.deps, [sku], { locationIds: ['st-0', 'st-2', 'closed'] })).variants;
  expect(some).toMatchObject({ onHand: 16, available: 16 });
  expect(some.locations.map((l) => [l.locationId, l.active])).toEqual([['closed', false], ['st-0', true], ['st-2', true]]);
  const [union] = (await getAvailability(t.deps, [sku], { locationIds: ['st-0'], locationId: 'st-1' })).variants;
  expect(union).toMatchObject({ onHand: 12 });
  const [all] = (await getAvailability(t.deps, [sku])).variants;
  expect(all).toMatchObject({ onHand: 23 });
  const [none] = (await getAvailability(t.deps, [uid('never')], { locationIds: ['st-0'] })).variants;
  expect(none).toMatchObject({ onHand: 0, backorderPolicy: 'deny', locations: [] });
});

test('every item the service writes carries the schema version', async () => {
  const sku = uid('sku');
  await putVariant(t.deps, sku, { lowStockThreshold: 2 });
  await openingStock(t.deps, sku, 'st-0', 3);
  await setCartLine(t.deps, uid('cart'), sku, { quantity: 1, locationId: 'st-0' });
  const { Items } = await t.doc.send(new ScanCommand({ TableName: t.tableName }));
  const unversioned = Items!.filter((i) => i[SCHEMA_ATTRIBUTE] !== SCHEMA_VERSION).map((i) => `${i.PK} ${i.SK}`);
  expect(Items!.length).toBeGreaterThan(20);
  expect(unversioned).toEqual([]);
});

test('alert judgements out of order across the level and configuration items: a stale one never acts, and no level crossing is lost', async () => {
  const sku = uid('sku');
  const at = new Date().toISOString();
  const j = (levelVersion: number, configVersion: number, low: boolean, byConfiguration = false) =>
    applyJudgement(t.deps, { variantId: sku, locationId: 'st-0', low, available: low ? 1 : 9, threshold: 5, levelVersion, configVersion, byConfiguration, at });
  expect(await j(3, 1, true)).toBe('opened');
  // The configuration moved to version 2 and was judged against the levels as they are now: still low.
  expect(await j(9, 2, true, true)).toBeNull();
  // The level records the stream still holds are judged in turn, although the configuration's judgement read past them.
  expect(await j(4, 2, false)).toBe('cleared');
  // A level judged against the configuration as it was (version 1): stale, whatever its level version.
  expect(await j(7, 1, true)).toBeNull();
  expect(await j(5, 2, true)).toBe('opened');
  // Redelivered, or older than the last level applied: nothing.
  expect(await j(5, 2, true)).toBeNull();
  expect(await j(4, 2, false)).toBeNull();
  // A configuration judgement older than the last configuration applied: stale.
  expect(await j(9, 1, false, true)).toBeNull();
  expect(await j(6, 2, false)).toBe('cleared');
});
