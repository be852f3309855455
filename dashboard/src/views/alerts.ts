/** Open low-stock alerts, with a way to raise a purchase order for each. */
import { api, ok } from '../api';
import { $, app, esc, locationLabel, locationOptions, navigate, str, time, view } from '../ui';

/** Enough to bring available back to twice the threshold: a starting point the operator edits. */
export const suggestedQuantity = (a: { available: number; threshold: number }): number => Math.max(1, 2 * a.threshold - a.available);

export async function alertsView(params: URLSearchParams): Promise<void> {
  const location = params.get('location') ?? '';
  app().innerHTML = `
    <h2>Open low-stock alerts</h2>
    <form class="inline" id="filters" aria-label="Filter alerts">
      <label>Location <select name="location">${locationOptions(location, true)}</select></label>
      <button type="submit">Filter</button>
    </form>
    <div class="table-wrap"><table id="alerts"><caption class="visually-hidden">Open low-stock alerts</caption>
      <thead><tr><th>Variant</th><th>Location</th><th class="num">Available</th><th class="num">Threshold</th><th>Opened</th><th>Action</th></tr></thead><tbody></tbody></table></div>`;
  $<HTMLFormElement>('#filters').addEventListener('submit', (e) => {
    e.preventDefault();
    navigate(`#/alerts?${new URLSearchParams({ location: str(new FormData(e.target as HTMLFormElement).get('location')) })}`);
  });
  view.refresh = async () => {
    const { alerts } = await ok(api().GET('/alerts', { params: { query: { status: 'open', ...(location ? { locationId: location } : {}) } } }));
    $<HTMLElement>('#alerts tbody').innerHTML =
      alerts
        .map((a) => {
          const raise = new URLSearchParams({ variant: a.variantId, location: a.locationId, quantity: String(suggestedQuantity(a)), alert: `${a.available}/${a.threshold}` });
          return `<tr data-variant="${esc(a.variantId)}" data-location="${esc(a.locationId)}"><td><a href="#/variant/${encodeURIComponent(a.variantId)}">${esc(a.variantId)}</a></td><td>${locationLabel(a.locationId)}</td>
          <td class="num">${a.available}</td><td class="num">${a.threshold}</td><td><time datetime="${esc(a.openedAt)}">${esc(time(a.openedAt))}</time></td>
          <td><a class="button" href="#/purchase-orders?${esc(raise.toString())}">Raise purchase order</a></td></tr>`;
        })
        .join('') || '<tr><td colspan="6">No open alerts.</td></tr>';
  };
}
