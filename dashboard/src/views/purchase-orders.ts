/**
 * Purchase orders: raise one with several lines (from scratch, or from an alert: `?variant=&location=&quantity=`), and
 * receive or cancel each from its own row. Receiving opens a form below the table with one quantity per outstanding line.
 */
import type { Schema } from '../../../clients/typescript';
import { api, ok } from '../api';
import { $, app, esc, failure, locationLabel, locationName, locationOptions, num, onSubmit, preferredLocation, rememberLocation, say, str, view } from '../ui';

type PurchaseOrder = Schema<'PurchaseOrder'>;

const lineRow = (variantId = '', quantity = '') => `
  <tr class="line">
    <td><label><span class="visually-hidden">Variant id</span><input name="variantId" required value="${esc(variantId)}" aria-label="Variant id" /></label></td>
    <td><label><span class="visually-hidden">Quantity</span><input name="quantity" type="number" min="1" required value="${esc(quantity)}" aria-label="Quantity" /></label></td>
    <td><button type="button" class="secondary remove-line">Remove</button></td>
  </tr>`;

const receivable = (p: PurchaseOrder) => p.status === 'open' || p.status === 'partially_received';

export async function purchaseOrdersView(params: URLSearchParams): Promise<void> {
  const fromAlert = params.get('variant');
  const location = params.get('location') ?? preferredLocation();
  let shown: PurchaseOrder[] = [];
  app().innerHTML = `
    <h2>Purchase orders</h2>
    <form class="inline po-form" id="create" aria-label="Raise a purchase order">
      <h3>Raise a purchase order</h3>
      ${fromAlert ? `<p class="note" id="from-alert">For the low-stock alert on <strong>${esc(fromAlert)}</strong> at ${esc(locationName(location))} (available / threshold: ${esc(params.get('alert') ?? '')}); the quantity suggested brings available to twice the threshold.</p>` : ''}
      <label>Supplier <input name="supplier" required /></label>
      <label>Location <select name="locationId">${locationOptions(location)}</select></label>
      <label>Expected <input name="expectedAt" type="date" /></label>
      <div class="table-wrap lines"><table id="po-lines"><caption class="visually-hidden">Lines</caption>
        <thead><tr><th>Variant id</th><th>Quantity</th><th></th></tr></thead>
        <tbody>${lineRow(fromAlert ?? '', params.get('quantity') ?? '')}</tbody></table></div>
      <p class="actions"><button type="button" class="secondary" id="add-line">Add line</button> <button type="submit">Create purchase order</button></p>
    </form>
    <div class="table-wrap"><table id="pos"><caption class="visually-hidden">Purchase orders, newest first</caption>
      <thead><tr><th>Id</th><th>Supplier</th><th>Location</th><th>Status</th><th>Expected</th><th>Lines (received / ordered)</th><th>Actions</th></tr></thead><tbody></tbody></table></div>
    <section id="receive-panel" hidden aria-live="polite"></section>`;

  const linesBody = $<HTMLElement>('#po-lines tbody');
  $<HTMLButtonElement>('#add-line').addEventListener('click', () => {
    linesBody.insertAdjacentHTML('beforeend', lineRow());
    (linesBody.querySelector('tr.line:last-child input') as HTMLInputElement).focus();
  });
  linesBody.addEventListener('click', (e) => {
    const remove = (e.target as HTMLElement).closest('button.remove-line');
    if (remove && linesBody.querySelectorAll('tr.line').length > 1) remove.closest('tr')!.remove();
  });
  onSubmit($<HTMLFormElement>('#create'), async (f) => {
    const lines = [...linesBody.querySelectorAll('tr.line')].map((tr) => ({
      variantId: (tr.querySelector('input[name="variantId"]') as HTMLInputElement).value.trim(),
      quantity: Number((tr.querySelector('input[name="quantity"]') as HTMLInputElement).value),
    }));
    const locationId = str(f.get('locationId'));
    // The id is ours, so a retried submit cannot raise a second order.
    const purchaseOrderId = `po-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
    const po = await ok(
      api().POST('/purchase-orders', {
        params: { header: { 'Idempotency-Key': purchaseOrderId } },
        body: { purchaseOrderId, supplier: str(f.get('supplier')), locationId, ...(str(f.get('expectedAt')) ? { expectedAt: str(f.get('expectedAt')) } : {}), lines },
      }),
    );
    rememberLocation(locationId);
    linesBody.innerHTML = lineRow();
    $<HTMLElement>('#from-alert')?.remove();
    return `Created purchase order ${po.purchaseOrderId} with ${po.lines.length} line${po.lines.length === 1 ? '' : 's'}.`;
  });

  const panel = $<HTMLElement>('#receive-panel');
  const openReceive = (p: PurchaseOrder) => {
    const outstanding = p.lines.filter((l) => l.outstanding > 0);
    panel.hidden = false;
    panel.innerHTML = `
      <form class="inline receive-form" id="receive" aria-label="Receive purchase order ${esc(p.purchaseOrderId)}">
        <h3>Receive ${esc(p.purchaseOrderId)} <span class="muted">from ${esc(p.supplier)} at ${esc(locationName(p.locationId))}</span></h3>
        <div class="table-wrap lines"><table><caption class="visually-hidden">Quantities received</caption>
          <thead><tr><th>Variant</th><th class="num">Outstanding</th><th>Received now</th></tr></thead>
          <tbody>${outstanding
            .map(
              (l) =>
                `<tr><td>${esc(l.variantId)}</td><td class="num">${l.outstanding}</td><td><input name="${esc(l.variantId)}" type="number" min="0" value="${l.outstanding}" aria-label="Received now of ${esc(l.variantId)}" /></td></tr>`,
            )
            .join('')}</tbody></table></div>
        <p class="actions"><button type="submit">Receive</button> <button type="button" class="secondary" id="close-receive">Close</button></p>
      </form>`;
    $<HTMLButtonElement>('#close-receive').addEventListener('click', () => {
      panel.hidden = true;
      panel.innerHTML = '';
    });
    onSubmit($<HTMLFormElement>('#receive'), async (f) => {
      const lines = outstanding.map((l) => ({ variantId: l.variantId, quantity: num(f.get(l.variantId)) })).filter((l) => l.quantity > 0);
      if (!lines.length) throw new Error('Enter a quantity received for at least one line.');
      const receiptId = `grn-${crypto.randomUUID().slice(0, 12)}`;
      const po = await ok(
        api().POST('/purchase-orders/{purchaseOrderId}/receipts', {
          params: { path: { purchaseOrderId: p.purchaseOrderId }, header: { 'Idempotency-Key': receiptId } },
          body: { receiptId, lines },
        }),
      );
      panel.hidden = true;
      panel.innerHTML = '';
      return `Received on ${po.purchaseOrderId}: now ${po.status}.`;
    });
    ($<HTMLInputElement>('input', panel) ?? panel).focus();
  };

  $<HTMLElement>('#pos').addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (!button) return;
    const p = shown.find((x) => x.purchaseOrderId === button.dataset.po);
    if (!p) return;
    if (button.dataset.action === 'receive') return openReceive(p);
    if (!window.confirm(`Cancel purchase order ${p.purchaseOrderId}? What is still outstanding leaves incoming.`)) return;
    try {
      const po = await ok(
        api().POST('/purchase-orders/{purchaseOrderId}/cancel', { params: { path: { purchaseOrderId: p.purchaseOrderId }, header: { 'Idempotency-Key': `cancel-${p.purchaseOrderId}` } } }),
      );
      say(`Cancelled purchase order ${po.purchaseOrderId}.`);
      await view.refresh?.();
    } catch (err) {
      say(failure(err), true);
    }
  });

  view.refresh = async () => {
    shown = (await ok(api().GET('/purchase-orders', { params: { query: { limit: 50 } } }))).purchaseOrders;
    $<HTMLElement>('#pos tbody').innerHTML =
      shown
        .map(
          (p) => `<tr data-po="${esc(p.purchaseOrderId)}"><td>${esc(p.purchaseOrderId)}</td><td>${esc(p.supplier)}</td><td>${locationLabel(p.locationId)}</td><td><span class="badge ${esc(p.status)}">${esc(p.status.replace('_', ' '))}</span></td><td>${esc(p.expectedAt ?? '—')}</td>
          <td>${p.lines.map((l) => `${esc(l.variantId)}: ${l.received} / ${l.ordered}`).join(', ')}</td>
          <td class="row-actions">${
            receivable(p)
              ? `<button type="button" data-action="receive" data-po="${esc(p.purchaseOrderId)}">Receive</button> <button type="button" class="secondary" data-action="cancel" data-po="${esc(p.purchaseOrderId)}">Cancel</button>`
              : ''
          }</td></tr>`,
        )
        .join('') || '<tr><td colspan="7">No purchase orders.</td></tr>';
  };
}
