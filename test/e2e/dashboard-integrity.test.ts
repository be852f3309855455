/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Proves the back office's stock counts and audits in a real browser (headless Chromium) against `npm start`: a count opened,
// counted by two observations, its variance reviewed and applied to on-hand; drift written into DynamoDB Local behind the
// service's back found by an audit started from the page (POST /audits, the stream, the bus, the auditor, all local),
// published as InventoryDriftDetected, and repaired from the page. Screenshots go to test-artifacts/.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { chromium, type Browser, type Page } from 'playwright-core';
import { levelKey } from '../../functions/dynamodb/keys';
import { localClientConfig } from '../../lib/local/dynamodb-local';
import { api, startLocalService, type LocalService } from '../support/local-service';

jest.setTimeout(180_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

let s: LocalService;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: install Debian's chromium package (.ci/run does).`);
  mkdirSync(ARTIFACTS, { recursive: true });
  s = await startLocalService();
  await api(s, '/locations/wh-1', 'PUT', { name: 'Main warehouse', type: 'warehouse' });
  for (const [sku, n] of [['sku-cup', 10], ['sku-mug', 5], ['sku-pan', 8]] as const) {
    await api(s, '/stock/adjustments', 'POST', { variantId: sku, locationId: 'wh-1', onHand: n, reason: 'opening stock' });
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${s.url}/dashboard/`);
});

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

const onHand = async (sku: string) => (await api(s, `/variants/${sku}`, 'GET')).body.locations[0].onHand as number;

test('a stock count: opened, counted by two observations, its variance reviewed and applied', async () => {
  await page.goto(`${s.url}/dashboard/#/stock-counts`);
  const open = page.locator('#open-count');
  await open.getByLabel('Location').selectOption('wh-1');
  await open.getByLabel('Variant ids').fill('sku-cup, sku-mug');
  await open.getByRole('button', { name: 'Open count' }).click();
  await page.waitForSelector('#count-lines tr[data-variant="sku-cup"]');
  const observe = page.locator('#observe');
  await observe.getByLabel('Counted').fill('sku-cup=6, sku-mug=5');
  await observe.getByRole('button', { name: 'Record counts' }).click();
  await page.waitForSelector('#status >> text=Recorded');
  await observe.getByLabel('Counted').fill('sku-cup=3');
  await observe.getByRole('button', { name: 'Record counts' }).click();
  await page.waitForFunction(() => document.querySelector('#count-lines tr[data-variant="sku-cup"] td.variance')?.textContent === '-1');
  expect(await page.locator('#count-lines tr[data-variant="sku-cup"] td.counted').textContent()).toBe('9');
  expect(await page.locator('#count-lines tr[data-variant="sku-mug"] td.variance').textContent()).toBe('0');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-stock-count.png'), fullPage: true });

  await page.getByRole('button', { name: 'Apply variance' }).click();
  await page.waitForSelector('#status >> text=applied');
  await page.waitForFunction(() => document.querySelector('#count-status')?.textContent === 'applied');
  expect(await onHand('sku-cup')).toBe(9);
  expect(await onHand('sku-mug')).toBe(5);
  // Applied: it takes no more counts and cannot be cancelled.
  expect(await page.getByRole('button', { name: 'Cancel count' }).isDisabled()).toBe(true);
});

test('an audit started from the page finds drift written behind the service’s back, publishes it, and repairs it', async () => {
  const [, endpoint, table] = /DynamoDB Local: +(\S+) \(table (\S+)\)/.exec(s.output())!;
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(endpoint)));
  try {
    await doc.send(new UpdateCommand({ TableName: table, Key: levelKey('sku-pan', 'wh-1'), UpdateExpression: 'SET oh = oh + :n, av = av + :n', ExpressionAttributeValues: { ':n': 4 } }));
  } finally {
    doc.destroy();
  }
  // Only what has not changed for 5 seconds before an audit starts is judged.
  await new Promise((r) => setTimeout(r, 6000));
  await page.goto(`${s.url}/dashboard/#/audits`);
  await page.getByRole('button', { name: 'Start an audit' }).click();
  await page.waitForSelector('#findings tr[data-variant="sku-pan"]', { timeout: 60_000 });
  const row = page.locator('#findings tr[data-variant="sku-pan"]');
  await expect(row.locator('td').nth(2).textContent()).resolves.toBe('onHand');
  await expect(row.locator('td').nth(3).textContent()).resolves.toBe('12');
  await expect(row.locator('td').nth(4).textContent()).resolves.toBe('8');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-audit.png'), fullPage: true });

  await row.getByRole('button', { name: 'Repair' }).click();
  await page.waitForSelector('#status >> text=Repaired 1');
  await page.waitForFunction(() => document.querySelector('#findings tr[data-variant="sku-pan"] .badge')?.textContent === 'repaired');
  expect(await onHand('sku-pan')).toBe(8);
  const moves = (await api(s, '/variants/sku-pan/movements', 'GET')).body.movements as { type: string }[];
  expect(moves.map((m) => m.type)).toContain('reconciliation');

  const events = readFileSync(path.join(s.stateDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { 'detail-type': string; detail: Record<string, unknown> });
  expect(events.filter((e) => e['detail-type'] === 'InventoryDriftDetected' && e.detail.variantId === 'sku-pan')).toHaveLength(1);
});
