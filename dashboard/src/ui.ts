/** What every view shares: DOM helpers, the status line, the known locations and the location a form starts with. */
import type { Schema } from '../../clients/typescript';
import { ApiError } from './api';

export type Location = Schema<'Location'>;

export const $ = <T extends HTMLElement>(sel: string, root: ParentNode = document): T => root.querySelector(sel) as T;
export const app = (): HTMLElement => $<HTMLElement>('#app');
export const esc = (v: unknown): string =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
export const num = (v: FormDataEntryValue | null): number => Number(String(v ?? '').trim());
export const str = (v: FormDataEntryValue | null): string => String(v ?? '').trim();
export const time = (iso: string | number): string => new Date(iso).toLocaleString();
/** How to write times on an axis spanning `spanMs`: to the second within a day, with the date beyond. */
export const timeForSpan =
  (spanMs: number) =>
  (ms: number): string =>
    spanMs < 86_400_000
      ? new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
      : new Date(ms).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** The current view's refresh, run every few seconds and after each action. */
export const view: { refresh?: () => Promise<void> } = {};

export function say(message: string, error = false): void {
  const s = $<HTMLElement>('#status');
  s.textContent = message;
  s.className = error ? 'error' : '';
}

export const failure = (err: unknown): string => (err instanceof ApiError ? `Refused: ${err.message}` : `Error: ${(err as Error).message}`);

/** Runs an action from a form, showing its result, or the API's message when it is refused; then refreshes the view. */
export function onSubmit(form: HTMLFormElement, action: (data: FormData) => Promise<string>): void {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      say(await action(new FormData(form)));
      await view.refresh?.();
    } catch (err) {
      say(failure(err), true);
    }
  });
}

// ------------------------------------------------------------------ locations

let locations: Location[] = [];
const LAST_LOCATION = 'inventory-last-location';

export const setLocations = (list: Location[]): void => {
  locations = list;
};
export const allLocations = (): readonly Location[] => locations;

/** A location's name with its id beside it, for tables (an unknown id is shown as it is). */
export function locationLabel(id: string): string {
  const l = locations.find((x) => x.locationId === id);
  return l ? `<span class="loc-name">${esc(l.name)}</span> <span class="loc-id">${esc(id)}</span>` : `<span class="loc-name">${esc(id)}</span>`;
}
export const locationName = (id: string): string => locations.find((x) => x.locationId === id)?.name ?? id;

/**
 * The location a form starts with: the last one used in a form (this browser), else the first active warehouse, else
 * the first active location: not the alphabetically first, which is often a store or a virtual location.
 */
export function preferredLocation(exclude?: string): string {
  const usable = locations.filter((l) => l.locationId !== exclude);
  const last = localStorage.getItem(LAST_LOCATION);
  if (last && last !== exclude && usable.some((l) => l.locationId === last)) return last;
  return (
    usable.find((l) => l.active && l.type === 'warehouse') ??
    usable.find((l) => l.active && l.type === 'fulfilment_centre') ??
    usable.find((l) => l.active) ??
    usable[0]
  )?.locationId ?? '';
}

/** Remembers the location a form was sent with, for the next form. */
export const rememberLocation = (id: string): void => {
  if (id) localStorage.setItem(LAST_LOCATION, id);
};

export const locationOptions = (selected = '', any = false): string =>
  `${any ? '<option value="">All locations</option>' : ''}${locations
    .map(
      (l) =>
        `<option value="${esc(l.locationId)}"${l.locationId === selected ? ' selected' : ''}>${esc(l.name)} (${esc(l.locationId)})${l.active ? '' : ' — inactive'}</option>`,
    )
    .join('')}`;

/** Opens a view (again, if it is the current one). */
export function navigate(hash: string): void {
  if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else window.location.hash = hash;
}

/** The marker of a level below its threshold: a word and a symbol, not colour alone (the legend explains it). */
export const LOW_MARKER = '<span class="low-flag" title="Available is below the low-stock threshold"><span aria-hidden="true">▼</span> Low</span>';
export const LOW_LEGEND = `<p class="legend">${LOW_MARKER} available is below the location’s low-stock threshold (the row is tinted too)</p>`;
export const isLow = (l: { available: number; lowStockThreshold: number | null }): boolean => l.lowStockThreshold !== null && l.available < l.lowStockThreshold;
