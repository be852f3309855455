/**
 * The back office's page: stock levels, alerts, a variant's configuration, levels and movements,
 * purchase orders and transfers, and the actions on them. It calls the same HTTP API with a
 * `backoffice` token (asked for, or taken from config.json when `npm start` serves it) and refreshes
 * what it shows every few seconds, so a cart hold placed by the storefront appears without a reload.
 */

import { auditsView, auditView, stockCountsView, stockCountView, type ViewContext } from './integrity';

interface Config {
  apiBase: string;
  token?: string;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const REFRESH_MS = 2000;
let config: Config = { apiBase: '' };
let token = sessionStorage.getItem('inventory-token') ?? '';
let refresh: (() => Promise<void>) | undefined;

const $ = <T extends HTMLElement>(sel: string, root: ParentNode = document): T => root.querySelector(sel) as T;
const app = () => $<HTMLElement>('#app');
const esc = (v: unknown) =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

class ApiError extends Error {}

async function api(method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${config.apiBase}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => ({}))) as Json;
  if (!res.ok) {
    const issues = (data.error?.issues ?? []) as { path: string; message: string }[];
    throw new ApiError(`${data.error?.message ?? `HTTP ${res.status}`}${issues.length ? ` (${issues.map((i) => `${i.path}: ${i.message}`).join('; ')})` : ''}`);
  }
  return data;
}

function say(message: string, error = false): void {
  const s = $<HTMLElement>('#status');
  s.textContent = message;
  s.className = error ? 'error' : '';
}

/** Runs an action from a form, showing the API's message when it is refused. */
function onSubmit(form: HTMLFormElement, action: (data: FormData) => Promise<string>): void {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      say(await action(new FormData(form)));
      await refresh?.();
    } catch (err) {
      say(err instanceof ApiError ? `Refused: ${err.message}` : `Error: ${(err as Error).message}`, true);
    }
  });
}

const num = (v: FormDataEntryValue | null) => Number(String(v ?? '').trim());
const str = (v: FormDataEntryValue | null) => String(v ?? '').trim();

let locations: Json[] = [];
const locationOptions = (selected = '', any = false) =>
  `${any ? '<option value="">All locations</option>' : ''}${locations
    .map((l) => `<option value="${esc(l.locationId)}"${l.locationId === selected ? ' selected' : ''}>${esc(l.name)} (${esc(l.locationId)})</option>`)
    .join('')}`;

// ------------------------------------------------------------------ stock

async function stockView(params: URLSearchParams): Promise<void> {
  const location = params.get('location') ?? '';
  const lowOnly = params.get('low') === 'true';
  const variant = params.get('variant') ?? '';
  let cursor: string | null = params.get('cursor');
  app().innerHTML = `
    <h2>Stock levels</h2>
    <form class="inline" id="filters" aria-label="Filter stock">
      <label>Location <select name="location">${locationOptions(location, true)}</select></label>
      <label>Variant id <input name="variant" value="${esc(variant)}" /></label>
      <label><span>Low stock only</span><input type="checkbox" name="low" ${lowOnly ? 'checked' : ''} /></label>
      <button type="submit">Filter</button>
    </form>
    <form class="inline" id="adjust" aria-label="Adjust stock">
      <label>Variant id <input name="variantId" required /></label>
      <label>Location <select name="locationId">${locationOptions()}</select></label>
      <label>Change (±) <input name="delta" type="number" required /></label>
      <label>Reason <input name="reason" required value="count" /></label>
      <button type="submit">Adjust stock</button>
    </form>
    <div class="table-wrap"><table id="levels"><caption class="visually-hidden">Stock levels</caption>
      <thead><tr><th>Variant</th><th>Location</th><th class="num">On hand</th><th class="num">Soft reserved</th><th class="num">Hard reserved</th><th class="num">Incoming</th><th class="num">Available</th><th class="num">Threshold</th></tr></thead>
      <tbody></tbody></table></div>
    <p><button type="button" id="next" hidden>Next page</button></p>`;
  $<HTMLFormElement>('#filters').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const q = new URLSearchParams({ location: str(f.get('location')), variant: str(f.get('variant')), low: f.get('low') ? 'true' : 'false' });
    location_hash(`#/stock?${q}`);
  });
  onSubmit($<HTMLFormElement>('#adjust'), async (f) => {
    const r = await api('POST', '/stock/adjustments', { variantId: str(f.get('variantId')), locationId: str(f.get('locationId')), delta: num(f.get('delta')), reason: str(f.get('reason')) });
    return `Adjusted ${r.variantId} at ${r.locationId}: on hand ${r.onHand}, available ${r.available}.`;
  });
  const pageCursor = cursor;
  refresh = async () => {
    let rows: Json[];
    if (variant) {
      const v = await api('GET', `/variants/${encodeURIComponent(variant)}`);
      rows = (v.locations as Json[]).map((l) => ({ ...l, variantId: v.variantId }));
      rows = rows.filter((r) => (!location || r.locationId === location) && (!lowOnly || (r.lowStockThreshold !== null && r.available < r.lowStockThreshold)));
      cursor = null;
    } else {
      const q = new URLSearchParams({ ...(location ? { locationId: location } : {}), lowStockOnly: String(lowOnly), limit: '50', ...(pageCursor ? { cursor: pageCursor } : {}) });
      const page = await api('GET', `/stock?${q}`);
      rows = page.levels;
      cursor = page.cursor;
    }
    $<HTMLElement>('#levels tbody').innerHTML = rows
      .map(
        (r) => `<tr class="${r.lowStockThreshold !== null && r.available < r.lowStockThreshold ? 'low' : ''}" data-variant="${esc(r.variantId)}" data-location="${esc(r.locationId)}">
        <td><a href="#/variant/${encodeURIComponent(r.variantId)}">${esc(r.variantId)}</a></td><td>${esc(r.locationId)}</td>
        <td class="num">${r.onHand}</td><td class="num">${r.softReserved}</td><td class="num">${r.hardReserved}</td><td class="num">${r.incoming}</td>
        <td class="num available">${r.available}</td><td class="num">${r.lowStockThreshold ?? '—'}</td></tr>`,
      )
      .join('') || '<tr><td colspan="8">No stock to show.</td></tr>';
    const next = $<HTMLButtonElement>('#next');
    next.hidden = !cursor;
    next.onclick = () => location_hash(`#/stock?${new URLSearchParams({ location, variant, low: String(lowOnly), cursor: cursor ?? '' })}`);
  };
}

// ------------------------------------------------------------------ alerts

async function alertsView(params: URLSearchParams): Promise<void> {
  const location = params.get('location') ?? '';
  app().innerHTML = `
    <h2>Open low-stock alerts</h2>
    <form class="inline" id="filters" aria-label="Filter alerts">
      <label>Location <select name="location">${locationOptions(location, true)}</select></label>
      <button type="submit">Filter</button>
    </form>
    <div class="table-wrap"><table id="alerts"><thead><tr><th>Variant</th><th>Location</th><th class="num">Available</th><th class="num">Threshold</th><th>Opened</th></tr></thead><tbody></tbody></table></div>`;
  $<HTMLFormElement>('#filters').addEventListener('submit', (e) => {
    e.preventDefault();
    location_hash(`#/alerts?${new URLSearchParams({ location: str(new FormData(e.target as HTMLFormElement).get('location')) })}`);
  });
  refresh = async () => {
    const q = new URLSearchParams({ status: 'open', ...(location ? { locationId: location } : {}) });
    const { alerts } = await api('GET', `/alerts?${q}`);
    $<HTMLElement>('#alerts tbody').innerHTML =
      (alerts as Json[])
        .map(
          (a) => `<tr><td><a href="#/variant/${encodeURIComponent(a.variantId)}">${esc(a.variantId)}</a></td><td>${esc(a.locationId)}</td>
          <td class="num">${a.available}</td><td class="num">${a.threshold}</td><td><time datetime="${esc(a.openedAt)}">${esc(new Date(a.openedAt).toLocaleString())}</time></td></tr>`,
        )
        .join('') || '<tr><td colspan="5">No open alerts.</td></tr>';
  };
}

// ------------------------------------------------------------------ variant

async function variantView(id: string): Promise<void> {
  const v = await api('GET', `/variants/${encodeURIComponent(id)}`);
  app().innerHTML = `
    <h2>Variant ${esc(id)}</h2>
    <form class="inline" id="config" aria-label="Variant configuration">
      <label>Backorder policy <select name="backorderPolicy">${['deny', 'allow', 'preorder']
        .map((p) => `<option${p === v.backorderPolicy ? ' selected' : ''}>${p}</option>`)
        .join('')}</select></label>
      <label>Expected date <input name="expectedAvailabilityDate" type="date" value="${esc(v.expectedAvailabilityDate ?? '')}" /></label>
      <label>Low-stock threshold <input name="lowStockThreshold" type="number" min="0" value="${v.lowStockThreshold ?? ''}" /></label>
      <label>Per-location thresholds (location=number, …) <input name="locationThresholds" value="${esc(
        Object.entries(v.locationThresholds as Record<string, number>)
          .map(([l, n]) => `${l}=${n}`)
          .join(', '),
      )}" /></label>
      <button type="submit">Save configuration</button>
    </form>
    <h3>Levels</h3>
    <div class="table-wrap"><table id="levels"><thead><tr><th>Location</th><th class="num">On hand</th><th class="num">Soft</th><th class="num">Hard</th><th class="num">Incoming</th><th class="num">Available</th><th class="num">Threshold</th></tr></thead><tbody></tbody></table></div>
    <h3>Movements</h3>
    <div class="table-wrap"><table id="movements"><thead><tr><th>When</th><th>Type</th><th>Location</th><th class="num">On hand</th><th class="num">Soft</th><th class="num">Hard</th><th class="num">Incoming</th><th>Reference</th><th>Reason</th></tr></thead><tbody></tbody></table></div>`;
  onSubmit($<HTMLFormElement>('#config'), async (f) => {
    const threshold = str(f.get('lowStockThreshold'));
    const overrides = str(f.get('locationThresholds'))
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => p.split('=').map((x) => x.trim()));
    await api('PUT', `/variants/${encodeURIComponent(id)}`, {
      backorderPolicy: str(f.get('backorderPolicy')),
      expectedAvailabilityDate: str(f.get('expectedAvailabilityDate')) || null,
      lowStockThreshold: threshold === '' ? null : Number(threshold),
      locationThresholds: Object.fromEntries(overrides.map(([l, n]) => [l, Number(n)])),
    });
    return `Saved ${id}.`;
  });
  refresh = async () => {
    const [cur, moves] = await Promise.all([api('GET', `/variants/${encodeURIComponent(id)}`), api('GET', `/variants/${encodeURIComponent(id)}/movements?limit=100`)]);
    $<HTMLElement>('#levels tbody').innerHTML = (cur.locations as Json[])
      .map((l) => `<tr data-location="${esc(l.locationId)}"><td>${esc(l.locationId)}${l.active ? '' : ' <span class="badge">inactive</span>'}</td><td class="num">${l.onHand}</td><td class="num">${l.softReserved}</td><td class="num">${l.hardReserved}</td><td class="num">${l.incoming}</td><td class="num available">${l.available}</td><td class="num">${l.lowStockThreshold ?? '—'}</td></tr>`)
      .join('');
    $<HTMLElement>('#movements tbody').innerHTML = (moves.movements as Json[])
      .slice()
      .reverse()
      .map((m) => `<tr><td>${esc(new Date(m.at).toLocaleString())}</td><td>${esc(m.type)}</td><td>${esc(m.locationId)}</td><td class="num">${m.deltas.onHand}</td><td class="num">${m.deltas.softReserved}</td><td class="num">${m.deltas.hardReserved}</td><td class="num">${m.deltas.incoming}</td><td>${esc(m.reference)}</td><td>${esc(m.reason)}</td></tr>`)
      .join('');
  };
}

// ------------------------------------------------------------------ purchase orders and transfers

async function purchaseOrdersView(): Promise<void> {
  app().innerHTML = `
    <h2>Purchase orders</h2>
    <form class="inline" id="create" aria-label="Create a purchase order">
      <label>Supplier <input name="supplier" required /></label>
      <label>Location <select name="locationId">${locationOptions()}</select></label>
      <label>Variant id <input name="variantId" required /></label>
      <label>Quantity <input name="quantity" type="number" min="1" required /></label>
      <label>Expected <input name="expectedAt" type="date" /></label>
      <button type="submit">Create purchase order</button>
    </form>
    <form class="inline" id="receive" aria-label="Receive a purchase order">
      <label>Purchase order id <input name="purchaseOrderId" required /></label>
      <label>Variant id <input name="variantId" required /></label>
      <label>Quantity <input name="quantity" type="number" min="1" required /></label>
      <button type="submit">Receive</button>
    </form>
    <div class="table-wrap"><table id="pos"><thead><tr><th>Id</th><th>Supplier</th><th>Location</th><th>Status</th><th>Expected</th><th>Lines (received / ordered)</th></tr></thead><tbody></tbody></table></div>`;
  onSubmit($<HTMLFormElement>('#create'), async (f) => {
    const po = await api('POST', '/purchase-orders', {
      supplier: str(f.get('supplier')),
      locationId: str(f.get('locationId')),
      ...(str(f.get('expectedAt')) ? { expectedAt: str(f.get('expectedAt')) } : {}),
      lines: [{ variantId: str(f.get('variantId')), quantity: num(f.get('quantity')) }],
    });
    return `Created purchase order ${po.purchaseOrderId}.`;
  });
  onSubmit($<HTMLFormElement>('#receive'), async (f) => {
    const id = str(f.get('purchaseOrderId'));
    const po = await api('POST', `/purchase-orders/${encodeURIComponent(id)}/receipts`, {
      receiptId: `dash-${Date.now()}`,
      lines: [{ variantId: str(f.get('variantId')), quantity: num(f.get('quantity')) }],
    });
    return `Received on ${id}: now ${po.status}.`;
  });
  refresh = async () => {
    const { purchaseOrders } = await api('GET', '/purchase-orders?limit=50');
    $<HTMLElement>('#pos tbody').innerHTML =
      (purchaseOrders as Json[])
        .map((p) => `<tr><td>${esc(p.purchaseOrderId)}</td><td>${esc(p.supplier)}</td><td>${esc(p.locationId)}</td><td><span class="badge ${esc(p.status)}">${esc(p.status)}</span></td><td>${esc(p.expectedAt ?? '—')}</td><td>${(p.lines as Json[]).map((l) => `${esc(l.variantId)}: ${l.received} / ${l.ordered}`).join(', ')}</td></tr>`)
        .join('') || '<tr><td colspan="6">No purchase orders.</td></tr>';
  };
}

async function transfersView(): Promise<void> {
  app().innerHTML = `
    <h2>Transfers</h2>
    <form class="inline" id="create" aria-label="Create a transfer">
      <label>From <select name="fromLocationId">${locationOptions()}</select></label>
      <label>To <select name="toLocationId">${locationOptions(locations[1]?.locationId)}</select></label>
      <label>Variant id <input name="variantId" required /></label>
      <label>Quantity <input name="quantity" type="number" min="1" required /></label>
      <button type="submit">Create transfer</button>
    </form>
    <div class="table-wrap"><table id="transfers"><thead><tr><th>Id</th><th>From</th><th>To</th><th>Status</th><th>Lines</th><th>Action</th></tr></thead><tbody></tbody></table></div>`;
  onSubmit($<HTMLFormElement>('#create'), async (f) => {
    const t = await api('POST', '/transfers', {
      fromLocationId: str(f.get('fromLocationId')),
      toLocationId: str(f.get('toLocationId')),
      lines: [{ variantId: str(f.get('variantId')), quantity: num(f.get('quantity')) }],
    });
    return `Created transfer ${t.transferId}.`;
  });
  app().addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-complete]');
    if (!button) return;
    try {
      await api('POST', `/transfers/${encodeURIComponent(button.dataset.complete!)}/complete`, {});
      say(`Completed transfer ${button.dataset.complete}.`);
      await refresh?.();
    } catch (err) {
      say(`Refused: ${(err as Error).message}`, true);
    }
  });
  refresh = async () => {
    const { transfers } = await api('GET', '/transfers?limit=50');
    $<HTMLElement>('#transfers tbody').innerHTML =
      (transfers as Json[])
        .map((t) => `<tr><td>${esc(t.transferId)}</td><td>${esc(t.fromLocationId)}</td><td>${esc(t.toLocationId)}</td><td><span class="badge ${esc(t.status)}">${esc(t.status)}</span></td><td>${(t.lines as Json[]).map((l) => `${esc(l.variantId)} × ${l.quantity}`).join(', ')}</td><td>${t.status === 'pending' ? `<button type="button" data-complete="${esc(t.transferId)}">Complete</button>` : ''}</td></tr>`)
        .join('') || '<tr><td colspan="6">No transfers.</td></tr>';
  };
}

// ------------------------------------------------------------------ stock counts and audits (integrity.ts)

const viewContext = (): ViewContext => ({
  api,
  onSubmit,
  act: async (action) => {
    try {
      say(await action());
      await refresh?.();
    } catch (err) {
      say(err instanceof ApiError ? `Refused: ${err.message}` : `Error: ${(err as Error).message}`, true);
    }
  },
  locationOptions,
  root: app(),
  setRefresh: (r) => {
    refresh = r;
  },
  go: location_hash,
});

// ------------------------------------------------------------------ routing

function location_hash(hash: string): void {
  if (window.location.hash === hash) void route();
  else window.location.hash = hash;
}

async function route(): Promise<void> {
  refresh = undefined;
  const [path, query] = (window.location.hash.slice(1) || '/stock').split('?');
  const params = new URLSearchParams(query ?? '');
  for (const a of document.querySelectorAll('header nav a')) {
    if ((a as HTMLAnchorElement).hash === `#${path}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!token) {
    app().innerHTML = '<p>Enter a back-office token above to begin.</p>';
    return;
  }
  try {
    locations = (await api('GET', '/locations')).locations;
    if (path.startsWith('/variant/')) await variantView(decodeURIComponent(path.slice('/variant/'.length)));
    else if (path === '/alerts') await alertsView(params);
    else if (path === '/purchase-orders') await purchaseOrdersView();
    else if (path === '/transfers') await transfersView();
    else if (path === '/stock-counts') await stockCountsView(viewContext());
    else if (path.startsWith('/stock-counts/')) await stockCountView(viewContext(), decodeURIComponent(path.slice('/stock-counts/'.length)));
    else if (path === '/audits') await auditsView(viewContext());
    else if (path.startsWith('/audits/')) await auditView(viewContext(), decodeURIComponent(path.slice('/audits/'.length)));
    else await stockView(params);
    await (refresh as (() => Promise<void>) | undefined)?.();
  } catch (err) {
    say(err instanceof ApiError ? `Refused: ${err.message}` : `Error: ${(err as Error).message}`, true);
  }
}

async function start(): Promise<void> {
  try {
    config = { ...config, ...((await (await fetch('config.json')).json()) as Config) };
  } catch {
    // No config: the API is on the same origin and the token is asked for.
  }
  if (!token && config.token) token = config.token;
  $<HTMLInputElement>('#token').value = token;
  $<HTMLFormElement>('#token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $<HTMLInputElement>('#token').value.trim();
    sessionStorage.setItem('inventory-token', token);
    void route();
  });
  window.addEventListener('hashchange', () => void route());
  setInterval(() => {
    const current = refresh as (() => Promise<void>) | undefined;
    current?.().catch((err: Error) => say(`Error: ${err.message}`, true));
  }, REFRESH_MS);
  await route();
}

void start();
