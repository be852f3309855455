/** Transfers: create one between two locations, and complete or cancel each pending one from its row. */
import type { Schema } from '../../../clients/typescript';
import { api, ok } from '../api';
import { $, app, esc, failure, locationLabel, locationOptions, num, onSubmit, preferredLocation, rememberLocation, say, str, view } from '../ui';

type Transfer = Schema<'Transfer'>;

export async function transfersView(): Promise<void> {
  const from = preferredLocation();
  app().innerHTML = `
    <h2>Transfers</h2>
    <form class="inline" id="create" aria-label="Create a transfer">
      <label>From <select name="fromLocationId">${locationOptions(from)}</select></label>
      <label>To <select name="toLocationId">${locationOptions(preferredLocation(from))}</select></label>
      <label>Variant id <input name="variantId" required /></label>
      <label>Quantity <input name="quantity" type="number" min="1" required /></label>
      <button type="submit">Create transfer</button>
    </form>
    <div class="table-wrap"><table id="transfers"><caption class="visually-hidden">Transfers, newest first</caption>
      <thead><tr><th>Id</th><th>From</th><th>To</th><th>Status</th><th>Lines</th><th>Actions</th></tr></thead><tbody></tbody></table></div>`;
  onSubmit($<HTMLFormElement>('#create'), async (f) => {
    const fromLocationId = str(f.get('fromLocationId'));
    const transferId = `tr-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
    const t = await ok(
      api().POST('/transfers', {
        params: { header: { 'Idempotency-Key': transferId } },
        body: { transferId, fromLocationId, toLocationId: str(f.get('toLocationId')), lines: [{ variantId: str(f.get('variantId')), quantity: num(f.get('quantity')) }] },
      }),
    );
    rememberLocation(fromLocationId);
    return `Created transfer ${t.transferId}.`;
  });
  $<HTMLElement>('#transfers').addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (!button) return;
    const transferId = button.dataset.transfer!;
    const action = button.dataset.action as 'complete' | 'cancel';
    if (action === 'cancel' && !window.confirm(`Cancel transfer ${transferId}?`)) return;
    try {
      const path = action === 'complete' ? '/transfers/{transferId}/complete' : '/transfers/{transferId}/cancel';
      await ok(api().POST(path, { params: { path: { transferId }, header: { 'Idempotency-Key': `${action}-${transferId}` } } }));
      say(`${action === 'complete' ? 'Completed' : 'Cancelled'} transfer ${transferId}.`);
      await view.refresh?.();
    } catch (err) {
      say(failure(err), true);
    }
  });
  view.refresh = async () => {
    const { transfers } = await ok(api().GET('/transfers', { params: { query: { limit: 50 } } }));
    $<HTMLElement>('#transfers tbody').innerHTML =
      transfers
        .map(
          (t: Transfer) =>
            `<tr data-transfer="${esc(t.transferId)}"><td>${esc(t.transferId)}</td><td>${locationLabel(t.fromLocationId)}</td><td>${locationLabel(t.toLocationId)}</td><td><span class="badge ${esc(t.status)}">${esc(t.status)}</span></td><td>${t.lines.map((l) => `${esc(l.variantId)} × ${l.quantity}`).join(', ')}</td><td class="row-actions">${
              t.status === 'pending'
                ? `<button type="button" data-action="complete" data-transfer="${esc(t.transferId)}">Complete</button> <button type="button" class="secondary" data-action="cancel" data-transfer="${esc(t.transferId)}">Cancel</button>`
                : ''
            }</td></tr>`,
        )
        .join('') || '<tr><td colspan="6">No transfers.</td></tr>';
  };
}
