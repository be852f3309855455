/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Proves the back office's page in a real browser (headless Chromium via playwright-core) against `npm start`: stock filtered by
// location, an alert appearing after a change made through the API, a stock adjustment through the form updating the level and
// the ledger, a refused action's message, and a storefront hold showing up without a reload. Screenshots go to test-artifacts/.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
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
  for (const [id, name] of [['wh-1', 'Main warehouse'], ['store-1', 'High street']]) {
    await api(s, `/locations/${id}`, 'PUT', { name, type: id.startsWith('wh') ? 'warehouse' : 'retail' });
  }
  for (const [sku, loc, n] of [['sku-red', 'wh-1', 20], ['sku-red', 'store-1', 4], ['sku-blue', 'wh-1', 6]] as const) {
    await api(s, '/stock/adjustments', 'POST', { variantId: sku, locationId: loc, onHand: n, reason: 'opening stock' });
  }
  await api(s, '/variants/sku-blue', 'PUT', { lowStockThreshold: 5 });
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

const cell = (variant: string, location: string, column: string) => page.locator(`#levels tr[data-variant="${variant}"][data-location="${location}"] td.${column}`);

test('shows stock, filters it by location, and stays current when the storefront holds stock', async () => {
  await page.waitForSelector('#levels tr[data-variant="sku-red"]');
  await page.getByLabel('Location').first().selectOption('store-1');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#levels tbody tr')];
    return rows.length > 0 && rows.every((r) => (r as HTMLElement).dataset.location === 'store-1');
  });
  expect(await page.locator('#levels tbody tr').count()).toBe(1);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-stock-filtered.png') });

  await page.goto(`${s.url}/dashboard/#/stock`);
  await page.waitForSelector('#levels tr[data-variant="sku-red"][data-location="wh-1"]');
  await api(s, '/carts/shopper-1/lines/sku-red', 'PUT', { quantity: 3, locationId: 'wh-1' });
  await page.waitForFunction(() => document.querySelector('#levels tr[data-variant="sku-red"][data-location="wh-1"] td.available')?.textContent === '17', undefined, { timeout: 10_000 });
  expect(await cell('sku-red', 'wh-1', 'available').textContent()).toBe('17');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-stock.png'), fullPage: true });
});

test('an alert opened by a change through the API appears in the alerts list', async () => {
  await page.goto(`${s.url}/dashboard/#/alerts`);
  await page.waitForSelector('#alerts tbody tr');
  await api(s, '/carts/shopper-2/lines/sku-blue', 'PUT', { quantity: 2, locationId: 'wh-1' });
  await page.waitForSelector('#alerts tbody tr >> text=sku-blue', { timeout: 20_000 });
  const row = page.locator('#alerts tbody tr', { hasText: 'sku-blue' });
  await expect(row.locator('td').nth(2).textContent()).resolves.toBe('4');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-alerts.png') });
});

test('adjusting stock through the form updates the level and the movement history; a refusal shows the API’s message', async () => {
  await page.goto(`${s.url}/dashboard/#/stock`);
  const form = page.locator('#adjust');
  await form.getByLabel('Variant id').fill('sku-red');
  await form.getByLabel('Location').selectOption('wh-1');
  await form.getByLabel('Change (±)').fill('-5');
  await form.getByLabel('Reason').fill('damaged in storage');
  await form.getByRole('button', { name: 'Adjust stock' }).click();
  await page.waitForSelector('#status >> text=Adjusted sku-red at wh-1');
  await page.waitForFunction(() => document.querySelector('#levels tr[data-variant="sku-red"][data-location="wh-1"] td.available')?.textContent === '12');

  await form.getByLabel('Change (±)').fill('-1000');
  await form.getByRole('button', { name: 'Adjust stock' }).click();
  await page.waitForSelector('#status.error >> text=On-hand cannot go below zero');

  await page.goto(`${s.url}/dashboard/#/variant/sku-red`);
  await page.waitForSelector('#movements tbody tr >> text=damaged in storage');
  const first = page.locator('#movements tbody tr').first();
  await expect(first.textContent()).resolves.toContain('adjustment');

  // The variant's policy and thresholds, set through its form.
  const config = page.locator('#config');
  await config.locator('select[name="backorderPolicy"]').selectOption('preorder');
  await config.getByLabel('Low-stock threshold').fill('15');
  await config.getByLabel('Per-location thresholds').fill('store-1=2');
  await config.getByRole('button', { name: 'Save configuration' }).click();
  await page.waitForSelector('#status >> text=Saved sku-red');
  await page.waitForFunction(() => document.querySelector('#levels tr[data-location="store-1"] td:last-child')?.textContent === '2');
  const saved = await api(s, '/variants/sku-red', 'GET');
  expect(saved.body).toMatchObject({ backorderPolicy: 'preorder', lowStockThreshold: 15, locationThresholds: { 'store-1': 2 } });
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-variant.png'), fullPage: true });
});

test('creates and receives a purchase order, and creates and completes a transfer', async () => {
  await page.goto(`${s.url}/dashboard/#/purchase-orders`);
  const create = page.locator('#create');
  await create.getByLabel('Supplier').fill('Acme');
  await create.getByLabel('Location').selectOption('wh-1');
  await create.getByLabel('Variant id').fill('sku-blue');
  await create.getByLabel('Quantity').fill('10');
  await create.getByRole('button', { name: 'Create purchase order' }).click();
  const created = await page.waitForSelector('#status >> text=Created purchase order');
  const poId = /Created purchase order (\S+)\./.exec((await created.textContent())!)![1];
  const receive = page.locator('#receive');
  await receive.getByLabel('Purchase order id').fill(poId);
  await receive.getByLabel('Variant id').fill('sku-blue');
  await receive.getByLabel('Quantity').fill('10');
  await receive.getByRole('button', { name: 'Receive' }).click();
  await page.waitForSelector(`#status >> text=Received on ${poId}: now received`);

  await page.goto(`${s.url}/dashboard/#/transfers`);
  const t = page.locator('#create');
  await t.locator('select[name="fromLocationId"]').selectOption('wh-1');
  await t.locator('select[name="toLocationId"]').selectOption('store-1');
  await t.getByLabel('Variant id').fill('sku-blue');
  await t.getByLabel('Quantity').fill('1000');
  await t.getByRole('button', { name: 'Create transfer' }).click();
  await page.waitForSelector('#transfers button[data-complete]');
  await page.locator('#transfers button[data-complete]').first().click();
  await page.waitForSelector('#status.error >> text=available at wh-1');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-transfers.png') });
});

test('reads at phone width', async () => {
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await phone.goto(`${s.url}/dashboard/#/stock`);
  await phone.waitForSelector('#levels tbody tr');
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await phone.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
  await phone.close();
});
