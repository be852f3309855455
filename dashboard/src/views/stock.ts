/** Stock levels: filtered by location, variant or low stock, paginated; and the stock adjustment form. */
import type { Schema } from '../../../clients/typescript';
import { api, ok } from '../api';
import { $, app, esc, isLow, locationLabel, locationOptions, LOW_LEGEND, LOW_MARKER, navigate, num, onSubmit, preferredLocation, rememberLocation, str, view } from '../ui';

type Row = Schema<'StockLevel'>;

export async function stockView(params: URLSearchParams): Promise<void> {
  const location = params.get('location') ?? '';
  const lowOnly = params.get('low') === 'true';
  const variant = params.get('variant') ?? '';
  const pageCursor = params.get('cursor');
  let cursor: string | null = pageCursor;
  app().innerHTML = `
    <h2>Stock levels</h2>
    <form class="inline" id="filters" aria-label="Filter stock">
      <label>Location <select name="location">${locationOptions(location, true)}</select></label>
      <label>Variant id <input name="variant" value="${esc(variant)}" /></label>
      <label><span>Low stock only</span><input type="checkbox" name="low" ${lowOnly ? 'checked' : ''} /></label>
      <button type="submit">Filter</button>
    </form>
    <form class="inline" id="adjust" aria-label="Adjust stock">
      <label>Variant id <input name="variantId" required value="${esc(variant)}" /></label>
      <label>Location <select name="locationId">${locationOptions(location || preferredLocation())}</select></label>
      <label>Change (±) <input name="delta" type="number" required /></label>
      <label>Reason <input name="reason" required value="count" /></label>
      <button type="submit">Adjust stock</button>
    </form>
    ${LOW_LEGEND}
    <div class="table-wrap"><table id="levels"><caption class="visually-hidden">Stock levels</caption>
      <thead><tr><th>Variant</th><th>Location</th><th class="num">On hand</th><th class="num">Soft reserved</th><th class="num">Hard reserved</th><th class="num">Incoming</th><th class="num">Available</th><th class="num">Threshold</th></tr></thead>
      <tbody></tbody></table></div>
    <p><button type="button" id="next" hidden>Next page</button></p>`;
  $<HTMLFormElement>('#filters').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    navigate(`#/stock?${new URLSearchParams({ location: str(f.get('location')), variant: str(f.get('variant')), low: f.get('low') ? 'true' : 'false' })}`);
  });
  onSubmit($<HTMLFormElement>('#adjust'), async (f) => {
    const locationId = str(f.get('locationId'));
    const r = await ok(
      api().POST('/stock/adjustments', {
        params: { header: { 'Idempotency-Key': `adj-${crypto.randomUUID().slice(0, 13)}` } },
        body: { variantId: str(f.get('variantId')), locationId, delta: num(f.get('delta')), reason: str(f.get('reason')) },
      }),
    );
    rememberLocation(locationId);
    return `Adjusted ${r.variantId} at ${r.locationId}: on hand ${r.onHand}, available ${r.available}.`;
  });
  view.refresh = async () => {
    let rows: Row[];
    if (variant) {
      const v = await ok(api().GET('/variants/{variantId}', { params: { path: { variantId: variant } } }));
      rows = v.locations
        .map((l) => ({ ...l, variantId: v.variantId }))
        .filter((r) => (!location || r.locationId === location) && (!lowOnly || isLow(r)));
      cursor = null;
    } else {
      const page = await ok(
        api().GET('/stock', {
          params: { query: { ...(location ? { locationId: location } : {}), lowStockOnly: lowOnly ? 'true' : 'false', limit: 50, ...(pageCursor ? { cursor: pageCursor } : {}) } },
        }),
      );
      rows = page.levels;
      cursor = page.cursor;
    }
    $<HTMLElement>('#levels tbody').innerHTML =
      rows
        .map((r) => {
          const low = isLow(r);
          return `<tr class="${low ? 'low' : ''}" data-variant="${esc(r.variantId)}" data-location="${esc(r.locationId)}">
        <td class="variant"><a href="#/variant/${encodeURIComponent(r.variantId)}">${esc(r.variantId)}</a>${low ? ` ${LOW_MARKER}` : ''}</td><td class="location">${locationLabel(r.locationId)}</td>
        <td class="num">${r.onHand}</td><td class="num">${r.softReserved}</td><td class="num">${r.hardReserved}</td><td class="num">${r.incoming}</td>
        <td class="num available">${r.available}</td><td class="num threshold">${r.lowStockThreshold ?? '—'}</td></tr>`;
        })
        .join('') || '<tr><td colspan="8">No stock to show.</td></tr>';
    const next = $<HTMLButtonElement>('#next');
    next.hidden = !cursor;
    next.onclick = () => navigate(`#/stock?${new URLSearchParams({ location, variant, low: String(lowOnly), cursor: cursor ?? '' })}`);
  };
}
