/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Proves the back office's page in a real browser (headless Chromium via playwright-core) against `npm start`, at 1280 and 390 px:
// stock with location names, filtered, kept current and saying when it last refreshed; low stock marked by a word and a legend, not
// colour alone; the open-alert count in the navigation; a purchase order raised from an alert with several lines, then received and
// cancelled from its row; forms starting at a sensible location; a variant's chart of on-hand and available per location from its
// ledger; transfers completed or cancelled from their row; and, as in AWS, an operator's sign-in through an OAuth authorization
// server with PKCE (stood in for by intercepted requests). Screenshots go to test-artifacts/.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { clientFor, must, startLocalService, type LocalService } from '../support/local-service';
import type { InventoryClient } from '../../clients/typescript';

jest.setTimeout(180_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

let s: LocalService;
let browser: Browser;
let desktop: BrowserContext;
let page: Page;
let backoffice: InventoryClient;
let storefront: InventoryClient;

const shot = (p: Page, name: string, fullPage = false) => p.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: install Debian's chromium package (.ci/run does).`);
  mkdirSync(ARTIFACTS, { recursive: true });
  s = await startLocalService();
  backoffice = clientFor(s, 'backoffice');
  storefront = clientFor(s, 'storefront');
  // The alphabetically first location is a virtual one: forms must not start there.
  for (const [locationId, name, type] of [
    ['a-marketplace', 'Marketplace (virtual)', 'virtual'],
    ['store-1', 'High street', 'retail'],
    ['wh-1', 'Main warehouse', 'warehouse'],
  ] as const) {
    await must(backoffice.PUT('/locations/{locationId}', { params: { path: { locationId } }, body: { name, type } }));
  }
  for (const [variantId, locationId, onHand] of [['sku-red', 'wh-1', 20], ['sku-red', 'store-1', 4], ['sku-blue', 'wh-1', 6]] as const) {
    await must(backoffice.POST('/stock/adjustments', { body: { variantId, locationId, onHand, reason: 'opening stock' } }));
  }
  await must(backoffice.PUT('/variants/{variantId}', { params: { path: { variantId: 'sku-blue' } }, body: { lowStockThreshold: 5 } }));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  desktop = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await desktop.newPage();
  await page.goto(`${s.url}/dashboard/`);
});

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

const row = (variant: string, location: string) => page.locator(`#levels tr[data-variant="${variant}"][data-location="${location}"]`);
const cell = (variant: string, location: string, column: string) => row(variant, location).locator(`td.${column}`);

test('shows stock with location names, filters it by location, stays current when the storefront holds stock, and says when it last refreshed', async () => {
  await page.waitForSelector('#levels tr[data-variant="sku-red"]');
  await expect(cell('sku-red', 'wh-1', 'location').textContent()).resolves.toBe('Main warehouse wh-1');
  await page.getByLabel('Location').first().selectOption('store-1');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#levels tbody tr')];
    return rows.length > 0 && rows.every((r) => (r as HTMLElement).dataset.location === 'store-1');
  });
  expect(await page.locator('#levels tbody tr').count()).toBe(1);
  await shot(page, 'dashboard-stock-filtered');

  await page.goto(`${s.url}/dashboard/#/stock`);
  await page.waitForSelector('#levels tr[data-variant="sku-red"][data-location="wh-1"]');
  const first = await page.locator('#refreshed time').getAttribute('datetime');
  expect(await page.locator('#refreshed').textContent()).toMatch(/^Last refreshed /);
  await must(storefront.PUT('/carts/{cartId}/lines/{variantId}', { params: { path: { cartId: 'shopper-1', variantId: 'sku-red' } }, body: { quantity: 3, locationId: 'wh-1' } }));
  await page.waitForFunction(() => document.querySelector('#levels tr[data-variant="sku-red"][data-location="wh-1"] td.available')?.textContent === '17', undefined, { timeout: 10_000 });
  expect(await cell('sku-red', 'wh-1', 'available').textContent()).toBe('17');
  await page.waitForFunction((before) => document.querySelector('#refreshed time')?.getAttribute('datetime') !== before, first);
  await shot(page, 'dashboard-stock', true);
});

test('an alert opened through the API shows in the list and in the navigation’s count; low stock is marked by a word and explained', async () => {
  await page.goto(`${s.url}/dashboard/#/alerts`);
  await page.waitForSelector('#alerts tbody tr');
  expect(await page.locator('#alert-count').isHidden()).toBe(true);
  await must(storefront.PUT('/carts/{cartId}/lines/{variantId}', { params: { path: { cartId: 'shopper-2', variantId: 'sku-blue' } }, body: { quantity: 2, locationId: 'wh-1' } }));
  await page.waitForSelector('#alerts tbody tr >> text=sku-blue', { timeout: 20_000 });
  const alert = page.locator('#alerts tbody tr', { hasText: 'sku-blue' });
  await expect(alert.locator('td').nth(2).textContent()).resolves.toBe('4');
  await expect(alert.locator('td').nth(1).textContent()).resolves.toBe('Main warehouse wh-1');
  await page.waitForFunction(() => document.querySelector('#alert-count')?.textContent === '1 open');
  expect(await page.getByRole('link', { name: 'Alerts 1 open' }).count()).toBe(1);
  await shot(page, 'dashboard-alerts');

  await page.goto(`${s.url}/dashboard/#/stock?low=true`);
  await page.waitForSelector('#levels tr.low[data-variant="sku-blue"]');
  await expect(cell('sku-blue', 'wh-1', 'variant').locator('.low-flag').textContent()).resolves.toBe('▼ Low');
  expect(await page.locator('p.legend').textContent()).toContain('available is below the location’s low-stock threshold');
  expect(await page.locator('#levels tr.low').count()).toBe(await page.locator('#levels tr .low-flag').count());
  await shot(page, 'dashboard-low-stock');
});

test('adjusting stock updates the level, the ledger and the chart; a refusal shows the API’s message; the variant’s settings save', async () => {
  // The page still shows the previous test's stock view (#/stock?low=true), with a form of its own that this navigation
  // replaces a moment later: a field filled in it would be lost. Mark it, and fill the one this navigation renders.
  await page.evaluate(() => document.querySelector('#adjust')?.setAttribute('data-stale', ''));
  await page.goto(`${s.url}/dashboard/#/stock`);
  const form = page.locator('#adjust:not([data-stale])');
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
  await expect(page.locator('#movements tbody tr').first().textContent()).resolves.toContain('adjustment');
  // One chart per location the variant has moved at, drawn from the ledger: on hand 15 and available 12 at the warehouse now.
  const chart = page.locator('#charts figure[data-location="wh-1"]');
  await expect(chart.locator('svg').getAttribute('aria-label')).resolves.toMatch(/^Main warehouse: on hand 15, available 12 now; 3 changes since /);
  expect(await chart.locator('path.on-hand').count()).toBe(1);
  expect(await chart.locator('path.available').count()).toBe(1);
  await expect(page.locator('#charts figure[data-location="store-1"] svg').getAttribute('aria-label')).resolves.toMatch(/^High street: on hand 4, available 4 now; 1 change since /);

  const config = page.locator('#config');
  await config.locator('select[name="backorderPolicy"]').selectOption('preorder');
  await config.getByLabel('Low-stock threshold').fill('15');
  await config.getByLabel('Per-location thresholds').fill('store-1=2');
  await config.getByRole('button', { name: 'Save configuration' }).click();
  await page.waitForSelector('#status >> text=Saved sku-red');
  await page.waitForFunction(() => document.querySelector('#levels tr[data-location="store-1"] td:last-child')?.textContent === '2');
  const saved = await must(backoffice.GET('/variants/{variantId}', { params: { path: { variantId: 'sku-red' } } }));
  expect(saved).toMatchObject({ backorderPolicy: 'preorder', lowStockThreshold: 15, locationThresholds: { 'store-1': 2 } });
  await page.waitForSelector('#levels tr.low[data-location="wh-1"] .low-flag');
  await shot(page, 'dashboard-variant', true);
});

test('raises a purchase order from an alert, with a second line, then receives part of it and cancels the rest from its row', async () => {
  await page.goto(`${s.url}/dashboard/#/alerts`);
  await page.locator('#alerts tbody tr', { hasText: 'sku-blue' }).getByRole('link', { name: 'Raise purchase order' }).click();
  const create = page.locator('#create');
  await create.waitFor();
  // Prefilled from the alert: the variant, its location, and enough to bring available to twice the threshold (2 × 5 − 4).
  await expect(create.locator('select[name="locationId"]').inputValue()).resolves.toBe('wh-1');
  await expect(create.getByLabel('Variant id').first().inputValue()).resolves.toBe('sku-blue');
  await expect(create.getByLabel('Quantity').first().inputValue()).resolves.toBe('6');
  await create.getByLabel('Supplier').fill('Acme');
  await create.getByRole('button', { name: 'Add line' }).click();
  await create.getByLabel('Variant id').nth(1).fill('sku-red');
  await create.getByLabel('Quantity').nth(1).fill('5');
  await create.getByRole('button', { name: 'Create purchase order' }).click();
  const created = await page.waitForSelector('#status >> text=Created purchase order');
  const poId = /Created purchase order (\S+) with 2 lines\./.exec((await created.textContent())!)![1];
  const po = await must(backoffice.GET('/purchase-orders/{purchaseOrderId}', { params: { path: { purchaseOrderId: poId } } }));
  expect(po).toMatchObject({ supplier: 'Acme', locationId: 'wh-1', status: 'open' });
  expect(po.lines.map((l) => [l.variantId, l.ordered])).toEqual([['sku-blue', 6], ['sku-red', 5]]);

  const poRow = page.locator(`#pos tr[data-po="${poId}"]`);
  await poRow.getByRole('button', { name: 'Receive' }).click();
  const receive = page.locator('#receive');
  await expect(receive.getByLabel('Received now of sku-blue').inputValue()).resolves.toBe('6');
  await receive.getByLabel('Received now of sku-red').fill('2');
  await shot(page, 'dashboard-purchase-order-receive', true);
  await receive.getByRole('button', { name: 'Receive' }).click();
  await page.waitForSelector(`#status >> text=Received on ${poId}: now partially_received`);
  await page.waitForFunction((id) => document.querySelector(`#pos tr[data-po="${id}"]`)?.textContent?.includes('sku-red: 2 / 5'), poId);

  page.once('dialog', (d) => void d.accept());
  await poRow.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForSelector(`#status >> text=Cancelled purchase order ${poId}`);
  await expect(must(backoffice.GET('/purchase-orders/{purchaseOrderId}', { params: { path: { purchaseOrderId: poId } } }))).resolves.toMatchObject({ status: 'cancelled' });
  await page.waitForFunction((id) => !document.querySelector(`#pos tr[data-po="${id}"] button`), poId);
  await shot(page, 'dashboard-purchase-orders');
});

test('forms start at the first warehouse, not the alphabetically first location, then at the last one used', async () => {
  const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await fresh.newPage();
  await p.goto(`${s.url}/dashboard/#/stock`);
  const select = p.locator('#adjust select[name="locationId"]');
  await select.waitFor();
  await expect(select.inputValue()).resolves.toBe('wh-1');
  await select.selectOption('store-1');
  await p.locator('#adjust').getByLabel('Variant id').fill('sku-red');
  await p.locator('#adjust').getByLabel('Change (±)').fill('1');
  await p.locator('#adjust').getByRole('button', { name: 'Adjust stock' }).click();
  await p.waitForSelector('#status >> text=Adjusted sku-red at store-1');
  await p.goto(`${s.url}/dashboard/#/purchase-orders`);
  await expect(p.locator('#create select[name="locationId"]').inputValue()).resolves.toBe('store-1');
  await fresh.close();
});

test('creates a transfer; completing more than is available is refused with the API’s message; it is cancelled from its row', async () => {
  await page.goto(`${s.url}/dashboard/#/transfers`);
  const t = page.locator('#create');
  await t.locator('select[name="fromLocationId"]').selectOption('wh-1');
  await t.locator('select[name="toLocationId"]').selectOption('store-1');
  await t.getByLabel('Variant id').fill('sku-blue');
  await t.getByLabel('Quantity').fill('1000');
  await t.getByRole('button', { name: 'Create transfer' }).click();
  const created = await page.waitForSelector('#status >> text=Created transfer');
  const transferId = /Created transfer (\S+)\./.exec((await created.textContent())!)![1];
  const transferRow = page.locator(`#transfers tr[data-transfer="${transferId}"]`);
  await expect(transferRow.locator('td').nth(1).textContent()).resolves.toBe('Main warehouse wh-1');
  await transferRow.getByRole('button', { name: 'Complete' }).click();
  await page.waitForSelector('#status.error >> text=available at wh-1');
  page.once('dialog', (d) => void d.accept());
  await transferRow.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForSelector(`#status >> text=Cancelled transfer ${transferId}`);
  await expect(must(backoffice.GET('/transfers/{transferId}', { params: { path: { transferId } } }))).resolves.toMatchObject({ status: 'cancelled' });
  await shot(page, 'dashboard-transfers');
});

test('creates a sales channel from its locations and shows availability per channel, sold out where it is', async () => {
  await page.goto(`${s.url}/dashboard/#/channels`);
  await page.waitForSelector('#channels tbody tr');
  await page.getByLabel('Channel id').fill('web');
  await page.getByLabel('Name').fill('Web shop');
  await page.getByLabel('Main warehouse').check();
  await page.getByRole('button', { name: 'Save channel' }).click();
  await page.waitForSelector('#channels tbody tr >> text=Web shop');
  expect(await page.locator('#channels tbody tr', { hasText: 'Web shop' }).locator('td').nth(2).textContent()).toBe('Main warehouse wh-1');
  await must(backoffice.PUT('/channels/{channelId}', { params: { path: { channelId: 'stores' } }, body: { name: 'Stores', locationIds: ['store-1'] } }));
  await must(backoffice.POST('/stock/adjustments', { body: { variantId: 'sku-green', locationId: 'store-1', onHand: 3, reason: 'opening stock' } }));
  await page.goto(`${s.url}/dashboard/#/channels?variants=sku-green`);
  await page.waitForSelector('#per-channel tbody tr');
  const cells = await page.locator('#per-channel tbody tr td').allTextContents();
  // Variant, all active locations, then one column per channel in id order: stores, web.
  expect(cells).toEqual(['sku-green', '3', '3', '0 sold out']);
  await shot(page, 'dashboard-channels');
});

test('reads at phone width (390 px): stock, a variant’s charts and purchase orders without sideways scrolling of the page', async () => {
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const overflow = () => phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await phone.goto(`${s.url}/dashboard/#/stock`);
  await phone.waitForSelector('#levels tbody tr');
  expect(await overflow()).toBeLessThanOrEqual(0);
  await shot(phone, 'dashboard-phone', true);
  await phone.goto(`${s.url}/dashboard/#/variant/sku-red`);
  await phone.waitForSelector('#charts figure svg');
  expect(await overflow()).toBeLessThanOrEqual(0);
  const box = await phone.locator('#charts figure').first().boundingBox();
  expect(box!.width).toBeLessThanOrEqual(390);
  await shot(phone, 'dashboard-phone-variant', true);
  await phone.goto(`${s.url}/dashboard/#/purchase-orders`);
  await phone.waitForSelector('#pos tbody tr');
  expect(await overflow()).toBeLessThanOrEqual(0);
  await shot(phone, 'dashboard-phone-purchase-orders', true);
  await phone.close();
});

test('signs an operator in as in AWS: to the authorization server, back with a code, exchanged with the PKCE verifier; then signs out', async () => {
  const AUTH = 'https://auth.inventory.test';
  const redirectUri = `${s.url}/dashboard/`;
  const operator = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await operator.newPage();
  // The stack's config.json: no token, Cognito's sign-in instead.
  await p.route('**/dashboard/config.json', (r) =>
    r.fulfill({ json: { apiBase: '', signIn: { authUrl: AUTH, clientId: 'operators', scope: 'openid inventory/backoffice', redirectUri } } }),
  );
  // Cognito stood in for: /oauth2/authorize answers with a code for the challenge, /oauth2/token checks the verifier against it.
  const issued = new Map<string, string>();
  const seen: string[] = [];
  await p.route(`${AUTH}/**`, async (r) => {
    const url = new URL(r.request().url());
    seen.push(url.pathname);
    if (url.pathname === '/oauth2/authorize') {
      const q = url.searchParams;
      expect(Object.fromEntries(q)).toMatchObject({ response_type: 'code', client_id: 'operators', redirect_uri: redirectUri, scope: 'openid inventory/backoffice', code_challenge_method: 'S256' });
      expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      issued.set('code-1', q.get('code_challenge')!);
      return r.fulfill({ status: 302, headers: { location: `${redirectUri}?code=code-1&state=${encodeURIComponent(q.get('state')!)}` } });
    }
    if (url.pathname === '/oauth2/token') {
      const form = new URLSearchParams(r.request().postData() ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const good = form.get('grant_type') === 'authorization_code' && form.get('client_id') === 'operators' && form.get('redirect_uri') === redirectUri && issued.get(form.get('code') ?? '') === challenge;
      return r.fulfill({
        status: good ? 200 : 400,
        headers: { 'access-control-allow-origin': '*' },
        json: good ? { access_token: s.tokens.backoffice, id_token: 'unused', token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_grant' },
      });
    }
    if (url.pathname === '/logout') {
      expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: 'operators', logout_uri: redirectUri });
      return r.fulfill({ status: 302, headers: { location: redirectUri } });
    }
    return r.fulfill({ status: 404 });
  });

  await p.goto(`${s.url}/dashboard/#/alerts`);
  await p.waitForSelector('#app >> text=Sign in with your back-office account');
  expect(await p.locator('#token-form').isHidden()).toBe(true);
  await shot(p, 'dashboard-sign-in');
  await p.getByRole('button', { name: 'Sign in' }).first().click();
  // Back from the authorization server on the view it left, signed in, the code gone from the address bar.
  await p.waitForSelector('#who >> text=Signed in as');
  await p.waitForSelector('#alerts tbody tr');
  expect(seen).toEqual(['/oauth2/authorize', '/oauth2/token']);
  expect(new URL(p.url()).search).toBe('');
  expect(new URL(p.url()).hash).toBe('#/alerts');
  await expect(p.locator('#who').textContent()).resolves.toBe('Signed in as local-backoffice');
  const kept = await p.evaluate(() => ({ session: sessionStorage.getItem('inventory-token'), local: Object.keys(localStorage) }));
  expect(JSON.parse(kept.session!)).toMatchObject({ token: s.tokens.backoffice, expiresAt: expect.any(Number) });
  expect(kept.local).not.toContain('inventory-token');
  await shot(p, 'dashboard-signed-in');

  await p.getByRole('button', { name: 'Sign out' }).click();
  await p.waitForSelector('#app >> text=Sign in with your back-office account');
  expect(seen).toEqual(['/oauth2/authorize', '/oauth2/token', '/logout']);
  expect(await p.evaluate(() => sessionStorage.getItem('inventory-token'))).toBeNull();
  await operator.close();
});
