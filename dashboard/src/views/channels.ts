/**
 * Sales channels: each with the locations it sells from (create or change one), and the availability of variants on each
 * channel next to the total over every active location: what a channel's storefront reads (GET /availability?channelId=,
 * a storefront route), summed here from the variant's levels (GET /variants/{id}, the back office's) the same way, over
 * the channel's locations that sell.
 */
import type { Schema } from '../../../clients/typescript';
import { api, ok } from '../api';
import { $, allLocations, app, esc, locationLabel, onSubmit, say, str, view } from '../ui';

type Channel = Schema<'Channel'>;

export async function channelsView(params: URLSearchParams): Promise<void> {
  const variants = params.get('variants') ?? '';
  app().innerHTML = `
    <h2>Sales channels</h2>
    <form class="inline" id="channel" aria-label="Create or change a channel">
      <label>Channel id <input name="channelId" required pattern="[A-Za-z0-9_.:\\-]{1,128}" /></label>
      <label>Name <input name="name" required /></label>
      <fieldset><legend>Sells from</legend>${allLocations()
        .map((l) => `<label class="check"><input type="checkbox" name="locationIds" value="${esc(l.locationId)}" /> ${esc(l.name)}</label>`)
        .join(' ')}</fieldset>
      <button type="submit">Save channel</button>
    </form>
    <div class="table-wrap"><table id="channels"><caption class="visually-hidden">Sales channels</caption>
      <thead><tr><th>Id</th><th>Name</th><th>Locations</th></tr></thead><tbody></tbody></table></div>
    <h3>Availability per channel</h3>
    <form class="inline" id="availability" aria-label="Availability per channel">
      <label>Variant ids (comma-separated) <input name="variants" value="${esc(variants)}" required /></label>
      <button type="submit">Show</button>
    </form>
    <div class="table-wrap"><table id="per-channel"><caption class="visually-hidden">Available per channel</caption>
      <thead></thead><tbody></tbody></table></div>`;
  onSubmit($<HTMLFormElement>('#channel'), async (f) => {
    const locationIds = f.getAll('locationIds').map((v) => String(v));
    if (locationIds.length === 0) throw new Error('Choose at least one location.');
    const c = await ok(api().PUT('/channels/{channelId}', { params: { path: { channelId: str(f.get('channelId')) } }, body: { name: str(f.get('name')), locationIds } }));
    return `Saved channel ${c.channelId}.`;
  });
  $<HTMLFormElement>('#availability').addEventListener('submit', (e) => {
    e.preventDefault();
    const ids = str(new FormData(e.target as HTMLFormElement).get('variants'));
    window.location.hash = `#/channels?variants=${encodeURIComponent(ids)}`;
  });
  view.refresh = async () => {
    const { channels } = await ok(api().GET('/channels'));
    $<HTMLElement>('#channels tbody').innerHTML =
      channels.map((c: Channel) => `<tr><td>${esc(c.channelId)}</td><td>${esc(c.name)}</td><td>${c.locationIds.map(locationLabel).join(', ')}</td></tr>`).join('') ||
      '<tr><td colspan="3">No channels yet.</td></tr>';
    const ids = variants.split(',').map((v) => v.trim()).filter(Boolean);
    if (ids.length === 0 || channels.length === 0) return;
    const found = await Promise.all(ids.map((variantId) => ok(api().GET('/variants/{variantId}', { params: { path: { variantId } } }))));
    const total = (v: (typeof found)[number], where?: string[]) =>
      v.locations.filter((l) => l.active && (!where || where.includes(l.locationId))).reduce((sum, l) => sum + l.available, 0);
    $<HTMLElement>('#per-channel thead').innerHTML = `<tr><th>Variant</th><th>All active locations</th>${channels.map((c: Channel) => `<th>${esc(c.name)}</th>`).join('')}</tr>`;
    const cell = (available: number) => `<td class="${available > 0 ? '' : 'out'}">${available > 0 ? available : `${available} <span class="low-flag">sold out</span>`}</td>`;
    $<HTMLElement>('#per-channel tbody').innerHTML = found
      .map((v) => `<tr><td><a href="#/variant/${encodeURIComponent(v.variantId)}">${esc(v.variantId)}</a></td>${cell(total(v))}${channels.map((c: Channel) => cell(total(v, c.locationIds))).join('')}</tr>`)
      .join('');
  };
  if (variants === '') say('Enter variant ids to compare their availability on each channel.');
}
