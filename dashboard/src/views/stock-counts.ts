/**
 * Stock counts: open one at a location, record what counters found (observations add up), review the variance per line,
 * apply it to on-hand (as a delta: what moved since the count opened is kept) or cancel the count.
 */
import type { Schema } from '../../../clients/typescript';
import { api, ok } from '../api';
import { $, app, esc, failure, locationLabel, locationOptions, navigate, onSubmit, preferredLocation, rememberLocation, say, str, time, view } from '../ui';

type StockCount = Schema<'StockCount'>;

const ids = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

export async function stockCountsView(): Promise<void> {
  app().innerHTML = `
    <h2>Stock counts</h2>
    <form class="inline" id="open-count" aria-label="Open a stock count">
      <label>Location <select name="locationId">${locationOptions(preferredLocation())}</select></label>
      <label>Variant ids (blank: all stocked there) <input name="variantIds" /></label>
      <button type="submit">Open count</button>
    </form>
    <div class="table-wrap"><table id="counts"><caption class="visually-hidden">Stock counts, newest first</caption>
      <thead><tr><th>Count</th><th>Location</th><th>Status</th><th class="num">Lines</th><th class="num">Counted</th><th>Opened</th></tr></thead><tbody></tbody></table></div>`;
  onSubmit($<HTMLFormElement>('#open-count'), async (f) => {
    const locationId = str(f.get('locationId'));
    const variantIds = ids(str(f.get('variantIds')));
    const stockCountId = `count-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
    const count = await ok(
      api().POST('/stock-counts', {
        params: { header: { 'Idempotency-Key': stockCountId } },
        body: { stockCountId, locationId, ...(variantIds.length ? { variantIds } : {}) },
      }),
    );
    rememberLocation(locationId);
    navigate(`#/stock-counts/${encodeURIComponent(count.stockCountId)}`);
    return `Opened count ${count.stockCountId} at ${count.locationId} (${count.lines.length} lines).`;
  });
  view.refresh = async () => {
    const { stockCounts } = await ok(api().GET('/stock-counts', { params: { query: { limit: 50 } } }));
    const body = $<HTMLElement>('#counts tbody');
    if (!body) return;
    body.innerHTML =
      stockCounts
        .map(
          (c: StockCount) =>
            `<tr data-count="${esc(c.stockCountId)}"><td><a href="#/stock-counts/${encodeURIComponent(c.stockCountId)}">${esc(c.stockCountId)}</a></td><td>${locationLabel(c.locationId)}</td>
            <td><span class="badge ${esc(c.status)}">${esc(c.status)}</span></td><td class="num">${c.lines.length}</td>
            <td class="num">${c.lines.filter((l) => l.counted !== null).length}</td><td>${esc(time(c.createdAt))}</td></tr>`,
        )
        .join('') || '<tr><td colspan="6">No stock counts.</td></tr>';
  };
}

export async function stockCountView(stockCountId: string): Promise<void> {
  const path = { path: { stockCountId } };
  app().innerHTML = `
    <h2>Stock count ${esc(stockCountId)} <span class="badge" id="count-status"></span></h2>
    <p id="count-summary"></p>
    <form class="inline" id="observe" aria-label="Record counted quantities">
      <label>Observation id <input name="observationId" value="obs-${Date.now().toString(36)}" required /></label>
      <label>Counted (variant=quantity, …) <input name="lines" required placeholder="sku-1=4, sku-2=0" /></label>
      <button type="submit">Record counts</button>
    </form>
    <p class="row-actions"><button type="button" id="apply-count">Apply variance</button> <button type="button" class="secondary" id="cancel-count">Cancel count</button></p>
    <div class="table-wrap"><table id="count-lines"><caption class="visually-hidden">Lines of the count</caption>
      <thead><tr><th>Variant</th><th class="num">Expected</th><th class="num">Counted</th><th class="num">Variance</th><th class="num">Applied</th></tr></thead><tbody></tbody></table></div>`;
  onSubmit($<HTMLFormElement>('#observe'), async (f) => {
    const lines = str(f.get('lines'))
      .split(',')
      .map((p) => p.split('=').map((x) => x.trim()))
      .filter(([v]) => v)
      .map(([variantId, n]) => ({ variantId, counted: Number(n) }));
    const observationId = str(f.get('observationId'));
    await ok(api().POST('/stock-counts/{stockCountId}/observations', { params: path, body: { observationId, lines } }));
    $<HTMLInputElement>('#observe input[name=observationId]').value = `obs-${Date.now().toString(36)}`;
    $<HTMLInputElement>('#observe input[name=lines]').value = '';
    return `Recorded ${observationId}: ${lines.length} line(s).`;
  });
  const act = async (action: () => Promise<string>) => {
    try {
      say(await action());
      await view.refresh?.();
    } catch (err) {
      say(failure(err), true);
    }
  };
  $<HTMLButtonElement>('#apply-count').addEventListener('click', () =>
    void act(async () => {
      const c = await ok(api().POST('/stock-counts/{stockCountId}/apply', { params: { ...path, header: { 'Idempotency-Key': `apply-${stockCountId}` } } }));
      return `Count ${stockCountId} ${c.status}: ${c.lines.filter((l) => l.applied).length} on-hand change(s).`;
    }),
  );
  $<HTMLButtonElement>('#cancel-count').addEventListener('click', () =>
    void act(async () => {
      if (!window.confirm(`Cancel count ${stockCountId}?`)) return 'Not cancelled.';
      return `Count ${stockCountId} ${(await ok(api().POST('/stock-counts/{stockCountId}/cancel', { params: path }))).status}.`;
    }),
  );
  view.refresh = async () => {
    const c = await ok(api().GET('/stock-counts/{stockCountId}', { params: path }));
    const status = $<HTMLElement>('#count-status');
    if (!status) return;
    status.textContent = c.status;
    status.className = `badge ${c.status}`;
    const off = c.lines.filter((l) => l.variance !== null && l.variance !== 0);
    $<HTMLElement>('#count-summary').innerHTML = `At ${locationLabel(c.locationId)}: ${c.lines.filter((l) => l.counted !== null).length} of ${c.lines.length} lines counted, ${off.length} with a variance (${off.reduce((n, l) => n + (l.variance ?? 0), 0)} units net); observations: ${esc(c.observations.join(', ') || 'none')}.`;
    $<HTMLButtonElement>('#apply-count').disabled = c.status === 'applied' || c.status === 'cancelled';
    $<HTMLButtonElement>('#cancel-count').disabled = c.status !== 'open';
    $<HTMLButtonElement>('#observe button').disabled = c.status !== 'open';
    $<HTMLElement>('#count-lines tbody').innerHTML = c.lines
      .map(
        (l) => `<tr data-variant="${esc(l.variantId)}" class="${l.variance ? 'low' : ''}"><td><a href="#/variant/${encodeURIComponent(l.variantId)}">${esc(l.variantId)}</a></td>
        <td class="num">${l.expectedOnHand}</td><td class="num counted">${l.counted ?? '—'}</td><td class="num variance">${l.variance ?? '—'}</td><td class="num applied">${l.applied ?? '—'}</td></tr>`,
      )
      .join('');
  };
}
