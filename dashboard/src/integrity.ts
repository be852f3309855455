/**
 * Stock integrity in the back office: stock counts (open one, record what counters found, review the variance, apply
 * or cancel) and reconciliation audits (start one, see its findings, repair them). Self-contained: the page's shell
 * (main.ts) hands each view what it shares with the others (the API call, the status line, the location list).
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What the page's shell gives a view. */
export interface ViewContext {
  api(method: string, path: string, body?: unknown): Promise<Json>;
  /** Runs a form's action on submit, showing its message or the API's refusal, then refreshes. */
  onSubmit(form: HTMLFormElement, action: (data: FormData) => Promise<string>): void;
  /** Runs a button's action, showing its message or the API's refusal, then refreshes. */
  act(action: () => Promise<string>): Promise<void>;
  /** The location options of a select (`any`: with "All locations" first). */
  locationOptions(selected?: string, any?: boolean): string;
  /** Where the view renders. */
  root: HTMLElement;
  /** What the page calls every few seconds while the view is shown. */
  setRefresh(refresh: () => Promise<void>): void;
  go(hash: string): void;
}

const esc = (v: unknown) =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const str = (v: FormDataEntryValue | null) => String(v ?? '').trim();
const $ = <T extends HTMLElement>(root: ParentNode, sel: string): T => root.querySelector(sel) as T;
const when = (iso: string | null) => (iso ? `<time datetime="${esc(iso)}">${esc(new Date(iso).toLocaleString())}</time>` : '—');
const ids = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Clicks on `button[data-<name>]` inside `within` (an element of the view, replaced with it: the page's root outlives
 * views, and a listener there would be added again on every visit) run `action` with the button's value.
 */
function onButton(ctx: ViewContext, within: HTMLElement, name: string, action: (value: string) => Promise<string>): void {
  within.addEventListener('click', (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>(`button[data-${name}]`);
    if (button) void ctx.act(() => action(button.dataset[name]!));
  });
}

/**
 * A view's refresh, run only while the view is shown: a refresh begun before the page moved to another view (an action
 * that navigates, then refreshes) finds its elements gone, and stops rather than write into nothing.
 */
function whileShown(ctx: ViewContext, refresh: () => Promise<void>): () => Promise<void> {
  const marker = ctx.root.firstElementChild;
  return async () => {
    if (!marker?.isConnected) return;
    try {
      await refresh();
    } catch (err) {
      if (marker.isConnected) throw err;
    }
  };
}

// ------------------------------------------------------------------ stock counts

export async function stockCountsView(ctx: ViewContext): Promise<void> {
  ctx.root.innerHTML = `
    <h2>Stock counts</h2>
    <form class="inline" id="open-count" aria-label="Open a stock count">
      <label>Location <select name="locationId">${ctx.locationOptions()}</select></label>
      <label>Variant ids (blank: all stocked there) <input name="variantIds" /></label>
      <button type="submit">Open count</button>
    </form>
    <div class="table-wrap"><table id="counts"><thead><tr><th>Count</th><th>Location</th><th>Status</th><th class="num">Lines</th><th class="num">Counted</th><th>Opened</th></tr></thead><tbody></tbody></table></div>`;
  ctx.onSubmit($<HTMLFormElement>(ctx.root, '#open-count'), async (f) => {
    const variantIds = ids(str(f.get('variantIds')));
    const count = await ctx.api('POST', '/stock-counts', { locationId: str(f.get('locationId')), ...(variantIds.length ? { variantIds } : {}) });
    ctx.go(`#/stock-counts/${encodeURIComponent(count.stockCountId)}`);
    return `Opened count ${count.stockCountId} at ${count.locationId} (${count.lines.length} lines).`;
  });
  ctx.setRefresh(whileShown(ctx, async () => {
    const { stockCounts } = await ctx.api('GET', '/stock-counts?limit=50');
    $<HTMLElement>(ctx.root, '#counts tbody').innerHTML =
      (stockCounts as Json[])
        .map(
          (c) => `<tr data-count="${esc(c.stockCountId)}"><td><a href="#/stock-counts/${encodeURIComponent(c.stockCountId)}">${esc(c.stockCountId)}</a></td><td>${esc(c.locationId)}</td>
          <td><span class="badge ${esc(c.status)}">${esc(c.status)}</span></td><td class="num">${c.lines.length}</td>
          <td class="num">${(c.lines as Json[]).filter((l) => l.counted !== null).length}</td><td>${when(c.createdAt)}</td></tr>`,
        )
        .join('') || '<tr><td colspan="6">No stock counts.</td></tr>';
  }));
}

export async function stockCountView(ctx: ViewContext, id: string): Promise<void> {
  const path = `/stock-counts/${encodeURIComponent(id)}`;
  ctx.root.innerHTML = `
    <h2>Stock count ${esc(id)} <span class="badge" id="count-status"></span></h2>
    <p id="count-summary"></p>
    <form class="inline" id="observe" aria-label="Record counted quantities">
      <label>Observation id <input name="observationId" value="obs-${Date.now().toString(36)}" required /></label>
      <label>Counted (variant=quantity, …) <input name="lines" required placeholder="sku-1=4, sku-2=0" /></label>
      <button type="submit">Record counts</button>
    </form>
    <p><button type="button" id="apply-count">Apply variance</button> <button type="button" id="cancel-count">Cancel count</button></p>
    <div class="table-wrap"><table id="count-lines"><thead><tr><th>Variant</th><th class="num">Expected</th><th class="num">Counted</th><th class="num">Variance</th><th class="num">Applied</th></tr></thead><tbody></tbody></table></div>`;
  ctx.onSubmit($<HTMLFormElement>(ctx.root, '#observe'), async (f) => {
    const lines = str(f.get('lines'))
      .split(',')
      .map((p) => p.split('=').map((x) => x.trim()))
      .filter(([v]) => v)
      .map(([variantId, n]) => ({ variantId, counted: Number(n) }));
    const observationId = str(f.get('observationId'));
    await ctx.api('POST', `${path}/observations`, { observationId, lines });
    $<HTMLInputElement>(ctx.root, '#observe input[name=observationId]').value = `obs-${Date.now().toString(36)}`;
    $<HTMLInputElement>(ctx.root, '#observe input[name=lines]').value = '';
    return `Recorded ${observationId}: ${lines.length} line(s).`;
  });
  $<HTMLButtonElement>(ctx.root, '#apply-count').addEventListener('click', () =>
    void ctx.act(async () => {
      const c = await ctx.api('POST', `${path}/apply`, {}, );
      return `Count ${id} ${c.status}: ${(c.lines as Json[]).filter((l) => l.applied).length} on-hand change(s).`;
    }),
  );
  $<HTMLButtonElement>(ctx.root, '#cancel-count').addEventListener('click', () =>
    void ctx.act(async () => `Count ${id} ${(await ctx.api('POST', `${path}/cancel`, {})).status}.`),
  );
  ctx.setRefresh(whileShown(ctx, async () => {
    const c = await ctx.api('GET', path);
    const status = $<HTMLElement>(ctx.root, '#count-status');
    status.textContent = c.status;
    status.className = `badge ${c.status}`;
    const lines = c.lines as Json[];
    const off = lines.filter((l) => l.variance !== null && l.variance !== 0);
    $<HTMLElement>(ctx.root, '#count-summary').textContent = `At ${c.locationId}: ${lines.filter((l) => l.counted !== null).length} of ${lines.length} lines counted, ${off.length} with a variance (${off.reduce((n, l) => n + l.variance, 0)} units net); observations: ${(c.observations as string[]).join(', ') || 'none'}.`;
    $<HTMLButtonElement>(ctx.root, '#apply-count').disabled = c.status === 'applied' || c.status === 'cancelled';
    $<HTMLButtonElement>(ctx.root, '#cancel-count').disabled = c.status !== 'open';
    $<HTMLButtonElement>(ctx.root, '#observe button').disabled = c.status !== 'open';
    $<HTMLElement>(ctx.root, '#count-lines tbody').innerHTML = lines
      .map(
        (l) => `<tr data-variant="${esc(l.variantId)}" class="${l.variance ? 'low' : ''}"><td><a href="#/variant/${encodeURIComponent(l.variantId)}">${esc(l.variantId)}</a></td>
        <td class="num">${l.expectedOnHand}</td><td class="num counted">${l.counted ?? '—'}</td><td class="num variance">${l.variance ?? '—'}</td><td class="num applied">${l.applied ?? '—'}</td></tr>`,
      )
      .join('');
  }));
}

// ------------------------------------------------------------------ audits

export async function auditsView(ctx: ViewContext): Promise<void> {
  ctx.root.innerHTML = `
    <h2>Reconciliation audits</h2>
    <p>An audit checks every variant-location's figures against its carts, orders, purchase orders, configuration and ledger (daily in AWS).</p>
    <p><button type="button" id="start-audit">Start an audit</button></p>
    <div class="table-wrap"><table id="audits"><thead><tr><th>Audit</th><th>Status</th><th>Trigger</th><th class="num">Checked</th><th class="num">Skipped</th><th>Requested</th></tr></thead><tbody></tbody></table></div>`;
  $<HTMLButtonElement>(ctx.root, '#start-audit').addEventListener('click', () =>
    void ctx.act(async () => {
      const a = await ctx.api('POST', '/audits', {});
      ctx.go(`#/audits/${encodeURIComponent(a.auditId)}`);
      return `Audit ${a.auditId} is running.`;
    }),
  );
  ctx.setRefresh(whileShown(ctx, async () => {
    const { audits } = await ctx.api('GET', '/audits?limit=50');
    $<HTMLElement>(ctx.root, '#audits tbody').innerHTML =
      (audits as Json[])
        .map(
          (a) => `<tr data-audit="${esc(a.auditId)}"><td><a href="#/audits/${encodeURIComponent(a.auditId)}">${esc(a.auditId)}</a></td><td><span class="badge ${esc(a.status)}">${esc(a.status)}</span></td>
          <td>${esc(a.trigger)}</td><td class="num">${a.checked}</td><td class="num">${a.skipped}</td><td>${when(a.requestedAt)}</td></tr>`,
        )
        .join('') || '<tr><td colspan="6">No audits yet.</td></tr>';
  }));
}

export async function auditView(ctx: ViewContext, id: string): Promise<void> {
  const path = `/audits/${encodeURIComponent(id)}`;
  ctx.root.innerHTML = `
    <h2>Audit ${esc(id)} <span class="badge" id="audit-status"></span></h2>
    <p id="audit-summary"></p>
    <p><button type="button" id="repair-all">Repair every open finding</button></p>
    <div class="table-wrap"><table id="findings"><thead><tr><th>Variant</th><th>Location</th><th>Figure</th><th class="num">Recorded</th><th class="num">Expected</th><th class="num">Ledger</th><th>Cause</th><th>Status</th><th>Action</th></tr></thead><tbody></tbody></table></div>`;
  const repair = async (body: Json) => {
    const r = await ctx.api('POST', `${path}/repair`, body);
    return `Repaired ${r.repaired.length}; stale ${r.stale.length}${r.stale.length ? ' (changed since the audit: run a new one)' : ''}.`;
  };
  $<HTMLButtonElement>(ctx.root, '#repair-all').addEventListener('click', () => void ctx.act(() => repair({})));
  onButton(ctx, $<HTMLElement>(ctx.root, '#findings'), 'repair', (findingId) => repair({ findingIds: [findingId] }));
  ctx.setRefresh(whileShown(ctx, async () => {
    const a = await ctx.api('GET', path);
    const status = $<HTMLElement>(ctx.root, '#audit-status');
    status.textContent = a.status;
    status.className = `badge ${a.status}`;
    const findings = a.findings as Json[];
    $<HTMLElement>(ctx.root, '#audit-summary').textContent =
      a.status === 'running'
        ? 'Running…'
        : `${a.checked} variant-locations checked, ${a.skipped} skipped (changed during the audit), ${findings.length} finding(s)${a.truncated ? ' (more not kept)' : ''}, ${Math.round(a.readUnits)} read units.${a.error ? ` ${a.error}` : ''}`;
    $<HTMLButtonElement>(ctx.root, '#repair-all').disabled = a.status !== 'completed' || !findings.some((f) => f.status === 'open');
    $<HTMLElement>(ctx.root, '#findings tbody').innerHTML =
      findings
        .map(
          (f) => `<tr data-finding="${esc(f.findingId)}" data-variant="${esc(f.variantId)}"><td><a href="#/variant/${encodeURIComponent(f.variantId)}">${esc(f.variantId)}</a></td><td>${esc(f.locationId)}</td>
          <td>${esc(f.figure)}</td><td class="num">${f.recorded}</td><td class="num">${f.expected}</td><td class="num">${f.ledger ?? '—'}</td><td>${esc(f.cause)}</td>
          <td><span class="badge ${esc(f.status)}">${esc(f.status)}</span></td><td>${f.status === 'open' && a.status === 'completed' ? `<button type="button" data-repair="${esc(f.findingId)}">Repair</button>` : ''}</td></tr>`,
        )
        .join('') || `<tr><td colspan="9">${a.status === 'running' ? 'Running…' : 'No drift found.'}</td></tr>`;
  }));
}
