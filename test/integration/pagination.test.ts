// Proves every list pages with a cursor to the end, in order, with nothing missed or repeated (alerts too, which stopped at 1,000),
// and that a tampered or foreign cursor is a 400 validation_failed on every list, never a 500.
import { putLocation } from '../../functions/core/commands/locations';
import { gatewayEvent } from '../../lib/local/http-server';
import { testAuth } from '../support/auth';
import { openingStock } from '../support/fixtures';
import { createTestTable, type TestTable } from '../support/table';
import type { AlertRecord } from '../../functions/core/records';
import { invokeHttp } from '../support/http';

const auth = testAuth();
let t: TestTable;
const alerts: AlertRecord[] = [];

beforeAll(async () => {
  t = await createTestTable();
  await putLocation(t.deps, 'wh-1', { name: 'One', type: 'warehouse' });
  await putLocation(t.deps, 'wh-2', { name: 'Two', type: 'warehouse' });
  const start = Date.parse('2026-11-01T00:00:00Z');
  for (let i = 0; i < 230; i++) {
    const status = i % 3 === 0 ? 'open' : 'cleared';
    const openedAt = new Date(start + i * 60_000).toISOString();
    alerts.push({
      entity: 'Alert',
      alertId: `alert-${i}`,
      variantId: `sku-${i % 7}`,
      locationId: i % 2 ? 'wh-1' : 'wh-2',
      status,
      available: 1,
      threshold: 3,
      openedAt,
      clearedAt: status === 'cleared' ? openedAt : null,
      version: 0,
    });
  }
  for (const a of alerts) await t.deps.store.commit({ levels: [], records: [{ op: 'put', record: a, expect: 'absent' }] });
  for (const v of ['sku-a', 'sku-b', 'sku-c']) await openingStock(t.deps, v, 'wh-1', 5);
  await openingStock(t.deps, 'sku-a', 'wh-2', 5);
});
afterAll(() => t.drop());

const get = async (path: string) => {
  const r = await invokeHttp(t.deps, auth.verifier, gatewayEvent({ method: 'GET', url: path, headers: auth.headerFor('GET', path) }));
  return { status: r.statusCode, body: JSON.parse(r.body ?? 'null') };
};

/** Every page of a list, following its cursor to the end. */
async function all(path: string, field: string): Promise<{ items: Record<string, unknown>[]; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await get(`${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(r.status).toBe(200);
    items.push(...r.body[field]);
    cursor = r.body.cursor;
    pages++;
  } while (cursor && pages < 100);
  return { items, pages };
}

const newestFirst = (list: AlertRecord[]) => [...list].sort((a, b) => b.openedAt.localeCompare(a.openedAt)).map((a) => a.alertId);

describe('alerts', () => {
  it('pages through every alert of both statuses, newest first, none missed or repeated', async () => {
    const { items, pages } = await all('/alerts?limit=37', 'alerts');
    expect(pages).toBeGreaterThanOrEqual(7);
    expect(items.map((a) => a.alertId)).toEqual(newestFirst(alerts));
  });

  it('pages through one status at one location', async () => {
    const { items } = await all('/alerts?status=cleared&locationId=wh-1&limit=10', 'alerts');
    expect(items.map((a) => a.alertId)).toEqual(newestFirst(alerts.filter((a) => a.status === 'cleared' && a.locationId === 'wh-1')));
    const both = await all('/alerts?locationId=wh-2&limit=25', 'alerts');
    expect(both.items.map((a) => a.alertId)).toEqual(newestFirst(alerts.filter((a) => a.locationId === 'wh-2')));
  });

  it('answers 100 at most without a limit, with a cursor for the rest', async () => {
    const r = await get('/alerts');
    expect(r.body.alerts).toHaveLength(100);
    expect(r.body.cursor).toEqual(expect.any(String));
  });
});

describe('a cursor this list did not issue', () => {
  const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

  it('is refused with 400 validation_failed on every list', async () => {
    const stockCursor = (await get('/stock?limit=1')).body.cursor as string;
    const movementsCursor = (await get('/variants/sku-a/movements?limit=1')).body.cursor as string;
    const alertsCursor = (await get('/alerts?limit=1')).body.cursor as string;
    expect([stockCursor, movementsCursor, alertsCursor]).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
    const forged = [
      'not-a-cursor!',
      b64('{"PK":'),
      b64([1, 2]),
      b64({ PK: 'x' }),
      b64({ PK: 'VARIANT#sku-a', SK: 'VARIANT', GSI2PK: 'VARIANTS', GSI2SK: 5 }),
      b64({ PK: 'A', SK: 'B', GSI1PK: 'POS', GSI1SK: 'C', extra: 'D' }),
      b64({ open: 5 }),
      b64({ open: 'done', cleared: { PK: 'x', SK: 'y' } }),
    ];
    const lists = ['/variants/sku-a/movements', '/variants/sku-b/movements', '/stock', '/purchase-orders', '/transfers', '/alerts', '/alerts?status=open', '/alerts?locationId=wh-1'];
    for (const list of lists) {
      // Every forged one, and every cursor issued by another list (a movements cursor of sku-a is foreign to sku-b's).
      const foreign = [stockCursor, movementsCursor, alertsCursor].filter((c) => !(list === '/stock' && c === stockCursor) && !(list === '/variants/sku-a/movements' && c === movementsCursor) && !(list === '/alerts' && c === alertsCursor));
      for (const cursor of [...forged, ...foreign]) {
        const r = await get(`${list}${list.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`);
        expect({ list, cursor, status: r.status, code: r.body.error?.code }).toEqual({ list, cursor, status: 400, code: 'validation_failed' });
      }
    }
  });
});
