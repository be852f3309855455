// Proves the reconciliation audit against DynamoDB Local and its real stream: drift made on purpose (direct writes to the
// table, as a bug or an operator would make them) is found figure by figure, each finding published once as
// InventoryDriftDetected (valid against its schema) however often the audit runs, and repaired by reconciliation
// movements that leave figures, records and ledger in agreement; a figure that changed since the audit is left alone as
// stale; a level that changed during the audit is not judged; an audit past its run's time fails; POST /audits asks the
// auditor through InventoryAuditRequested.
import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { auditStock } from '../../functions/core/audit';
import { adjustStock } from '../../functions/core/commands/adjust-stock';
import { CHANGE_MARGIN_MS, getAudit, listAudits, repairAudit, requestAudit, runAudit } from '../../functions/core/commands/audits';
import { setCartLine } from '../../functions/core/commands/carts';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { listMovements } from '../../functions/core/commands/read-stock';
import { putVariant } from '../../functions/core/commands/variants';
import type { PublishedEvent } from '../../functions/core/ports';
import { auditKey, cartKey, levelKey, movementPartition } from '../../functions/dynamodb/keys';
import { createStreamBatchHandler } from '../../functions/streams/handler';
import type { StreamDeps } from '../../functions/streams/on-table-change';
import { StreamPoller } from '../../lib/local/stream-poller';
import { validatingPublisher } from '../support/events';
import { levelAt, openingStock, uid } from '../support/fixtures';
import { createTestTable, type TestTable } from '../support/table';

jest.setTimeout(180_000);

let t: TestTable;
let poller: StreamPoller;
const published: PublishedEvent[] = [];

beforeAll(async () => {
  t = await createTestTable();
  const streamDeps: StreamDeps = { ...t.deps, publisher: validatingPublisher({ publish: async (events) => void published.push(...events) }) };
  const handleBatch = createStreamBatchHandler(streamDeps);
  poller = new StreamPoller({ endpoint: t.endpoint, streamArn: t.streamArn, intervalMs: 50, maxRetries: 5, handler: (event: DynamoDBStreamEvent) => handleBatch(event, {} as Context) });
  for (const l of ['wh-1', 'wh-2', 'hot']) await putLocation(t.deps, l, { name: l, type: 'warehouse' });
  forgetCachedLocations();
});
afterAll(async () => {
  await poller.stop();
  await t.drop();
});

const settle = async () => {
  for (let quiet = 0; quiet < 2; ) quiet = (await poller.pollOnce()) === 0 ? quiet + 1 : 0;
};

/** A write to a level behind the service's back: no transaction, no movement. */
const tamper = (variantId: string, locationId: string, set: string, values: Record<string, number>) =>
  t.doc.send(new UpdateCommand({ TableName: t.tableName, Key: levelKey(variantId, locationId), UpdateExpression: `SET ${set}`, ExpressionAttributeValues: values }));

/**
 * An audit run as the auditor runs one requested over HTTP. A level changed within CHANGE_MARGIN_MS of the start is not
 * judged, so the test's clock (the store's too) moves past it first, as a quiet table would.
 */
const audit = async () => {
  t.deps.clock.advance(CHANGE_MARGIN_MS / 1000 + 1);
  const { auditId } = await requestAudit(t.deps);
  const done = await runAudit(t.deps, { auditId }, { readUnitsPerSecond: 100_000, segments: 2 });
  return { done, view: await getAudit(t.deps, auditId) };
};

const drifts = (view: Awaited<ReturnType<typeof getAudit>>, skus: string[]) =>
  view.findings.filter((f) => skus.includes(f.variantId)).map((f) => ({ variantId: f.variantId, figure: f.figure, recorded: f.recorded, expected: f.expected, ledger: f.ledger }));

test('real traffic leaves nothing to find', async () => {
  const sku = uid('sku');
  await openingStock(t.deps, sku, 'wh-1', 10);
  await setCartLine(t.deps, uid('cart'), sku, { quantity: 2, locationId: 'wh-1' });
  await adjustStock(t.deps, { variantId: sku, locationId: 'wh-1', delta: 1, state: 'damaged', reason: 'dropped' }, uid('adj'));
  await putVariant(t.deps, sku, { safetyStock: 3 });
  const { done, view } = await audit();
  expect(done).toMatchObject({ status: 'completed' });
  expect(view.checked).toBeGreaterThanOrEqual(1);
  expect(view.readUnits).toBeGreaterThan(0);
  expect(drifts(view, [sku])).toEqual([]);
});

test('drift written behind the service’s back is found, published once per finding, and repaired; a figure changed since is stale', async () => {
  const [oh, sr, av, ss, dm] = [uid('sku'), uid('sku'), uid('sku'), uid('sku'), uid('sku')];
  for (const s of [oh, sr, av, ss, dm]) await openingStock(t.deps, s, 'wh-1', 10);
  const cart = uid('cart');
  await setCartLine(t.deps, cart, sr, { quantity: 2, locationId: 'wh-1' });
  await setCartLine(t.deps, uid('cart'), sr, { quantity: 1, locationId: 'wh-1' });
  // An operator "fixes" on-hand in the console; a cart is deleted by hand, its holds left counted; available is bumped;
  // a safety stock and damaged units appear from nowhere.
  await tamper(oh, 'wh-1', 'oh = oh + :n, av = av + :n', { ':n': 5 });
  await t.doc.send(new DeleteCommand({ TableName: t.tableName, Key: cartKey(cart) }));
  await tamper(av, 'wh-1', 'av = av + :n', { ':n': 4 });
  await tamper(ss, 'wh-1', 'ss = :n, av = av - :n', { ':n': 2 });
  await tamper(dm, 'wh-1', 'dm = :n, av = av - :n', { ':n': 3 });

  const { done, view } = await audit();
  expect(done.status).toBe('completed');
  expect(drifts(view, [oh, sr, av, ss, dm]).sort((a, b) => a.variantId.localeCompare(b.variantId))).toEqual(
    [
      { variantId: oh, figure: 'onHand', recorded: 15, expected: 10, ledger: 10 },
      { variantId: sr, figure: 'softReserved', recorded: 3, expected: 1, ledger: 3 },
      { variantId: av, figure: 'available', recorded: 14, expected: 10, ledger: null },
      { variantId: ss, figure: 'safetyStock', recorded: 2, expected: 0, ledger: 0 },
      { variantId: dm, figure: 'damaged', recorded: 3, expected: 0, ledger: 0 },
    ].sort((a, b) => a.variantId.localeCompare(b.variantId)),
  );
  expect(view.findings.every((f) => f.status === 'open' && /^[0-9a-f]{16}$/.test(f.findingId))).toBe(true);

  // Each finding is published once (its stream record: an outbox), its eventId the audit's and the finding's.
  await settle();
  const drift = published.filter((e) => e.detailType === 'InventoryDriftDetected' && e.detail.auditId === view.auditId);
  expect(drift.map((e) => e.detail.findingId).sort()).toEqual(view.findings.map((f) => f.findingId).sort());
  expect(drift.every((e) => e.id === `${view.auditId}:${e.detail.findingId}` && e.detail.version === 1)).toBe(true);
  // The same audit run again (a retried invocation that found it still running) writes and publishes nothing new.
  await t.doc.send(new UpdateCommand({ TableName: t.tableName, Key: auditKey(view.auditId), UpdateExpression: 'SET #s = :r', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':r': 'running' } }));
  expect((await runAudit(t.deps, { auditId: view.auditId })).status).toBe('completed');
  await settle();
  expect(published.filter((e) => e.detailType === 'InventoryDriftDetected' && e.detail.auditId === view.auditId)).toHaveLength(drift.length);

  // Before the repair, a new hold moves sr's softReserved: that finding is stale, the others are repaired.
  await setCartLine(t.deps, uid('cart'), sr, { quantity: 1, locationId: 'wh-1' });
  const repair = await repairAudit(t.deps, view.auditId, {});
  const idOf = (sku: string) => view.findings.find((f) => f.variantId === sku)!.findingId;
  expect(repair.stale).toContain(idOf(sr));
  expect(repair.repaired).toEqual(expect.arrayContaining([oh, av, ss, dm].map(idOf)));
  expect(repair.findings.find((f) => f.findingId === idOf(oh))).toMatchObject({ status: 'repaired', resolvedAt: expect.any(String) });
  expect(await levelAt(t.deps, oh, 'wh-1')).toMatchObject({ onHand: 10, available: 10 });
  expect(await levelAt(t.deps, av, 'wh-1')).toMatchObject({ onHand: 10, available: 10 });
  expect(await levelAt(t.deps, ss, 'wh-1')).toMatchObject({ safetyStock: 0, available: 10 });
  expect(await levelAt(t.deps, dm, 'wh-1')).toMatchObject({ damaged: 0, available: 10 });
  const moves = (await listMovements(t.deps, oh, {})).movements.filter((m) => m.type === 'reconciliation');
  expect(moves).toEqual([expect.objectContaining({ reference: `audit:${view.auditId}`, reason: expect.stringContaining('onHand 15 → 10') })]);

  // Repeating the repair changes nothing; the next audit finds only what was left alone.
  expect(await repairAudit(t.deps, view.auditId, {})).toMatchObject({ repaired: [], stale: [] });
  const again = await audit();
  expect(drifts(again.view, [oh, sr, av, ss, dm])).toEqual([{ variantId: sr, figure: 'softReserved', recorded: 4, expected: 2, ledger: 4 }]);
  // That one repaired now: softReserved back to what the carts hold, and the ledger with it.
  expect((await repairAudit(t.deps, again.view.auditId, { findingIds: [again.view.findings.find((f) => f.variantId === sr)!.findingId] })).repaired).toHaveLength(1);
  expect(await levelAt(t.deps, sr, 'wh-1')).toMatchObject({ softReserved: 2, available: 8 });
  expect((await auditStock(t.deps.store, { alerts: false })).findings.filter((f) => [oh, sr, av, ss, dm].includes(f.variantId))).toEqual([]);
  await expect(repairAudit(t.deps, again.view.auditId, { findingIds: ['0000000000000000'] })).rejects.toMatchObject({ code: 'not_found' });
});

test('a movement lost from the ledger: repaired to the ledger, then set to the physical count, the two agree again (the runbook)', async () => {
  const sku = uid('sku');
  await openingStock(t.deps, sku, 'wh-2', 6);
  await adjustStock(t.deps, { variantId: sku, locationId: 'wh-2', delta: 2, reason: 'found' }, uid('adj'));
  const [lost] = (await t.doc.send(new QueryCommand({ TableName: t.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': movementPartition(sku) } }))).Items!.filter(
    (m) => m.reason === 'found',
  );
  await t.doc.send(new DeleteCommand({ TableName: t.tableName, Key: { PK: lost.PK, SK: lost.SK } }));
  const { view } = await audit();
  const [f] = view.findings.filter((x) => x.variantId === sku);
  // The figure (8) is right here, but nothing records it: the ledger says 6, and that is what a repair goes by.
  expect(f).toMatchObject({ figure: 'onHand', recorded: 8, expected: 6, ledger: 6 });
  await repairAudit(t.deps, view.auditId, { findingIds: [f.findingId] });
  expect(await levelAt(t.deps, sku, 'wh-2')).toMatchObject({ onHand: 6 });
  // The count says 8: set it, compare-and-set on what the repair left.
  await adjustStock(t.deps, { variantId: sku, locationId: 'wh-2', onHand: 8, expectedOnHand: 6, reason: 'recount after audit' }, uid('adj'));
  expect(await levelAt(t.deps, sku, 'wh-2')).toMatchObject({ onHand: 8 });
  expect((await listMovements(t.deps, sku, {})).movements.reduce((n, m) => n + m.deltas.onHand, 0)).toBe(8);
  expect((await auditStock(t.deps.store, { alerts: false })).findings.filter((x) => x.variantId === sku)).toEqual([]);
});

test('at a hot location the repair lays the buckets out again with the corrected totals', async () => {
  const sku = uid('sku');
  await openingStock(t.deps, sku, 'hot', 40);
  await putVariant(t.deps, sku, { hotLocations: { hot: 4 } });
  await setCartLine(t.deps, uid('cart'), sku, { quantity: 3, locationId: 'hot' });
  // Bucket 0's softReserved raised by hand: the location's sum is 3 too many.
  await tamper(sku, 'hot', 'sr = sr + :n, av = av - :n', { ':n': 3 });
  const { view } = await audit();
  expect(drifts(view, [sku])).toEqual([{ variantId: sku, figure: 'softReserved', recorded: 6, expected: 3, ledger: 3 }]);
  expect((await repairAudit(t.deps, view.auditId, {})).repaired).toHaveLength(1);
  expect(await levelAt(t.deps, sku, 'hot')).toMatchObject({ onHand: 40, softReserved: 3, available: 37 });
  expect((await auditStock(t.deps.store, { alerts: false })).findings.filter((f) => f.variantId === sku)).toEqual([]);
});

test('a level that changed after the audit started is not judged: skipped, for the next audit', async () => {
  const sku = uid('sku');
  await openingStock(t.deps, sku, 'wh-1', 5);
  await tamper(sku, 'wh-1', 'oh = oh + :n, av = av + :n', { ':n': 1 });
  // Its last change was made after this audit's start (the audit's clock a minute behind the change).
  await adjustStock(t.deps, { variantId: sku, locationId: 'wh-1', delta: 1, reason: 'late' }, uid('adj'));
  const { auditId } = await requestAudit(t.deps);
  t.deps.clock.advance(-60);
  try {
    const done = await runAudit(t.deps, { auditId });
    expect(done.skipped).toBeGreaterThanOrEqual(1);
  } finally {
    t.deps.clock.advance(60);
  }
  expect(drifts(await getAudit(t.deps, auditId), [sku])).toEqual([]);
  // The next audit judges it.
  expect(drifts((await audit()).view, [sku])).toEqual([{ variantId: sku, figure: 'onHand', recorded: 7, expected: 6, ledger: 6 }]);
});

test('an audit past its run’s time fails, saying why; a scheduled one is the day’s, run once; POST /audits asks the auditor through the bus', async () => {
  const { auditId } = await requestAudit(t.deps);
  const failed = await runAudit(t.deps, { auditId }, { deadline: Date.now() - 1 });
  expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining('AUDIT_READ_UNITS_PER_SECOND') });
  await expect(repairAudit(t.deps, auditId, {})).rejects.toMatchObject({ code: 'conflict', details: { status: 'failed' } });

  const scheduled = await runAudit(t.deps, {});
  expect(scheduled).toMatchObject({ auditId: `scheduled-${t.deps.clock.now().toISOString().slice(0, 10)}`, trigger: 'schedule', status: 'completed' });
  expect(await runAudit(t.deps, {})).toEqual(scheduled);
  const listed = await listAudits(t.deps, {});
  expect(listed.audits.map((a) => a.auditId)).toEqual(expect.arrayContaining([auditId, scheduled.auditId]));

  await settle();
  const asked = published.filter((e) => e.detailType === 'InventoryAuditRequested');
  expect(asked.map((e) => e.detail.auditId)).toContain(auditId);
  // A scheduled audit is run by the schedule itself: nothing asks for it.
  expect(asked.map((e) => e.detail.auditId)).not.toContain(scheduled.auditId);
  await expect(runAudit(t.deps, { auditId: 'no-such-audit' })).rejects.toMatchObject({ code: 'not_found' });
});
