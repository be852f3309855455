/** A variant: its configuration (editable), its levels per location, a chart of each location's levels over time, and its ledger. */
import type { Schema } from '../../../clients/typescript';
import { api, ok } from '../api';
import { levelChart } from '../chart';
import { levelsOverTime } from '../ledger';
import { $, app, esc, isLow, locationLabel, locationName, LOW_LEGEND, LOW_MARKER, onSubmit, str, time, timeForSpan, view } from '../ui';

type Movement = Schema<'Movement'>;

/** How much of the ledger the page reads: 20 pages of 100. Past that, the chart says it stops short. */
const MAX_PAGES = 20;
/** How many movements the table lists, newest first. */
const SHOWN_MOVEMENTS = 100;

/**
 * The variant's ledger, read page by page (oldest first) and kept: each refresh reads again from the last page's own
 * cursor, so only new movements are fetched, however long the ledger.
 */
function ledgerReader(variantId: string) {
  const pages: { cursor: string | null; movements: Movement[]; next: string | null }[] = [];
  const read = async (cursor: string | null) =>
    ok(api().GET('/variants/{variantId}/movements', { params: { path: { variantId }, query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
  return {
    async update(): Promise<{ movements: Movement[]; complete: boolean }> {
      let cursor = pages.length ? pages[pages.length - 1].cursor : null;
      if (pages.length) pages.pop();
      do {
        const page = await read(cursor);
        pages.push({ cursor, movements: page.movements, next: page.cursor });
        cursor = page.cursor;
      } while (cursor && pages.length < MAX_PAGES);
      return { movements: pages.flatMap((p) => p.movements), complete: !pages[pages.length - 1].next };
    },
  };
}

export async function variantView(id: string): Promise<void> {
  const v = await ok(api().GET('/variants/{variantId}', { params: { path: { variantId: id } } }));
  app().innerHTML = `
    <h2>Variant ${esc(id)}</h2>
    <form class="inline" id="config" aria-label="Variant configuration">
      <label>Backorder policy <select name="backorderPolicy">${(['deny', 'allow', 'preorder'] as const)
        .map((p) => `<option${p === v.backorderPolicy ? ' selected' : ''}>${p}</option>`)
        .join('')}</select></label>
      <label>Expected date <input name="expectedAvailabilityDate" type="date" value="${esc(v.expectedAvailabilityDate ?? '')}" /></label>
      <label>Low-stock threshold <input name="lowStockThreshold" type="number" min="0" value="${v.lowStockThreshold ?? ''}" /></label>
      <label>Per-location thresholds (location=number, …) <input name="locationThresholds" value="${esc(
        Object.entries(v.locationThresholds)
          .map(([l, n]) => `${l}=${n}`)
          .join(', '),
      )}" /></label>
      <button type="submit">Save configuration</button>
    </form>
    <h3>Levels</h3>
    ${LOW_LEGEND}
    <div class="table-wrap"><table id="levels"><caption class="visually-hidden">Levels per location</caption><thead><tr><th>Location</th><th class="num">On hand</th><th class="num">Soft</th><th class="num">Hard</th><th class="num">Incoming</th><th class="num">Available</th><th class="num">Threshold</th></tr></thead><tbody></tbody></table></div>
    <h3>On hand and available over time</h3>
    <p class="legend chart-legend"><span class="key on-hand" aria-hidden="true"></span> On hand (solid line) <span class="key available" aria-hidden="true"></span> Available (dashed line), at each location, from the ledger</p>
    <div id="charts" class="charts"></div>
    <p id="chart-note" class="note" hidden></p>
    <h3>Movements</h3>
    <div class="table-wrap"><table id="movements"><caption class="visually-hidden">Movements, newest first</caption><thead><tr><th>When</th><th>Type</th><th>Location</th><th class="num">On hand</th><th class="num">Soft</th><th class="num">Hard</th><th class="num">Incoming</th><th>Reference</th><th>Reason</th></tr></thead><tbody></tbody></table></div>`;
  onSubmit($<HTMLFormElement>('#config'), async (f) => {
    const threshold = str(f.get('lowStockThreshold'));
    const overrides = str(f.get('locationThresholds'))
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => p.split('=').map((x) => x.trim()));
    await ok(
      api().PUT('/variants/{variantId}', {
        params: { path: { variantId: id } },
        body: {
          backorderPolicy: str(f.get('backorderPolicy')) as 'deny' | 'allow' | 'preorder',
          expectedAvailabilityDate: str(f.get('expectedAvailabilityDate')) || null,
          lowStockThreshold: threshold === '' ? null : Number(threshold),
          locationThresholds: Object.fromEntries(overrides.map(([l, n]) => [l, Number(n)])),
        },
      }),
    );
    return `Saved ${id}.`;
  });
  const ledger = ledgerReader(id);
  view.refresh = async () => {
    const [cur, { movements, complete }] = await Promise.all([ok(api().GET('/variants/{variantId}', { params: { path: { variantId: id } } })), ledger.update()]);
    $<HTMLElement>('#levels tbody').innerHTML = cur.locations
      .map(
        (l) =>
          `<tr data-location="${esc(l.locationId)}" class="${isLow(l) ? 'low' : ''}"><td class="location">${locationLabel(l.locationId)}${l.active ? '' : ' <span class="badge">inactive</span>'}${isLow(l) ? ` ${LOW_MARKER}` : ''}</td><td class="num">${l.onHand}</td><td class="num">${l.softReserved}</td><td class="num">${l.hardReserved}</td><td class="num">${l.incoming}</td><td class="num available">${l.available}</td><td class="num threshold">${l.lowStockThreshold ?? '—'}</td></tr>`,
      )
      .join('');
    const series = levelsOverTime(movements);
    const from = movements.length ? Date.parse(movements[0].at) : Date.now();
    const to = complete ? Date.now() : Date.parse(movements[movements.length - 1].at);
    $<HTMLElement>('#charts').innerHTML =
      [...series.entries()]
        .map(
          ([locationId, points]) =>
            `<figure class="chart-card" data-location="${esc(locationId)}"><figcaption>${locationLabel(locationId)}<span class="now">now: on hand ${points[points.length - 1].onHand}, available ${points[points.length - 1].available}</span></figcaption>${levelChart({ title: locationName(locationId), points, from, to, formatTime: timeForSpan(to - from) })}</figure>`,
        )
        .join('') || '<p>No movements yet.</p>';
    const note = $<HTMLElement>('#chart-note');
    note.hidden = complete;
    note.textContent = complete ? '' : `The charts show the first ${movements.length} movements, up to ${time(to)}; the levels table above is current.`;
    $<HTMLElement>('#movements tbody').innerHTML = movements
      .slice(-SHOWN_MOVEMENTS)
      .reverse()
      .map(
        (m) =>
          `<tr><td>${esc(time(m.at))}</td><td>${esc(m.type)}</td><td>${locationLabel(m.locationId)}</td><td class="num">${m.deltas.onHand}</td><td class="num">${m.deltas.softReserved}</td><td class="num">${m.deltas.hardReserved}</td><td class="num">${m.deltas.incoming}</td><td>${esc(m.reference)}</td><td>${esc(m.reason)}</td></tr>`,
      )
      .join('');
  };
}
