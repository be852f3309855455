/**
 * Reconciliation audits: start one, see its findings (a figure that differs from what its carts, orders, purchase orders,
 * configuration or ledger say), and repair one or all of them (reconciliation movements; a figure that changed since the
 * audit is left alone as stale).
 */
import type { Schema } from '../../../clients/typescript';
import { api, ok } from '../api';
import { $, app, esc, failure, locationLabel, navigate, say, time, view } from '../ui';

type AuditSummary = Schema<'AuditSummary'>;

/** Runs a button's action, showing its result or the API's refusal, then refreshes the view. */
async function act(action: () => Promise<string>): Promise<void> {
  try {
    say(await action());
    await view.refresh?.();
  } catch (err) {
    say(failure(err), true);
  }
}

export async function auditsView(): Promise<void> {
  app().innerHTML = `
    <h2>Reconciliation audits</h2>
    <p class="note">An audit checks every variant-location's figures against its carts, orders, purchase orders, configuration and ledger (daily in AWS).</p>
    <p><button type="button" id="start-audit">Start an audit</button></p>
    <div class="table-wrap"><table id="audits"><caption class="visually-hidden">Audits, newest first</caption>
      <thead><tr><th>Audit</th><th>Status</th><th>Trigger</th><th class="num">Checked</th><th class="num">Skipped</th><th>Requested</th></tr></thead><tbody></tbody></table></div>`;
  $<HTMLButtonElement>('#start-audit').addEventListener('click', () =>
    void act(async () => {
      const a = await ok(api().POST('/audits', { params: { header: { 'Idempotency-Key': `audit-${crypto.randomUUID()}` } } }));
      navigate(`#/audits/${encodeURIComponent(a.auditId)}`);
      return `Audit ${a.auditId} is running.`;
    }),
  );
  view.refresh = async () => {
    const { audits } = await ok(api().GET('/audits', { params: { query: { limit: 50 } } }));
    const body = $<HTMLElement>('#audits tbody');
    if (!body) return;
    body.innerHTML =
      audits
        .map(
          (a: AuditSummary) =>
            `<tr data-audit="${esc(a.auditId)}"><td><a href="#/audits/${encodeURIComponent(a.auditId)}">${esc(a.auditId)}</a></td><td><span class="badge ${esc(a.status)}">${esc(a.status)}</span></td>
            <td>${esc(a.trigger)}</td><td class="num">${a.checked}</td><td class="num">${a.skipped}</td><td>${esc(time(a.requestedAt))}</td></tr>`,
        )
        .join('') || '<tr><td colspan="6">No audits yet.</td></tr>';
  };
}

export async function auditView(auditId: string): Promise<void> {
  const path = { path: { auditId } };
  app().innerHTML = `
    <h2>Audit ${esc(auditId)} <span class="badge" id="audit-status"></span></h2>
    <p id="audit-summary"></p>
    <p><button type="button" id="repair-all">Repair every open finding</button></p>
    <div class="table-wrap"><table id="findings"><caption class="visually-hidden">Findings</caption>
      <thead><tr><th>Variant</th><th>Location</th><th>Figure</th><th class="num">Recorded</th><th class="num">Expected</th><th class="num">Ledger</th><th>Cause</th><th>Status</th><th>Action</th></tr></thead><tbody></tbody></table></div>`;
  const repair = async (findingIds?: string[]) => {
    const r = await ok(api().POST('/audits/{auditId}/repair', { params: path, body: findingIds ? { findingIds } : {} }));
    return `Repaired ${r.repaired.length}; stale ${r.stale.length}${r.stale.length ? ' (changed since the audit: run a new one)' : ''}.`;
  };
  $<HTMLButtonElement>('#repair-all').addEventListener('click', () => void act(() => repair()));
  $<HTMLElement>('#findings').addEventListener('click', (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-repair]');
    if (button) void act(() => repair([button.dataset.repair!]));
  });
  view.refresh = async () => {
    const a = await ok(api().GET('/audits/{auditId}', { params: path }));
    const status = $<HTMLElement>('#audit-status');
    if (!status) return;
    status.textContent = a.status;
    status.className = `badge ${a.status}`;
    $<HTMLElement>('#audit-summary').textContent =
      a.status === 'running'
        ? 'Running…'
        : `${a.checked} variant-locations checked, ${a.skipped} skipped (changed during the audit), ${a.findings.length} finding(s)${a.truncated ? ' (more not kept)' : ''}, ${Math.round(a.readUnits)} read units.${a.error ? ` ${a.error}` : ''}`;
    $<HTMLButtonElement>('#repair-all').disabled = a.status !== 'completed' || !a.findings.some((f) => f.status === 'open');
    $<HTMLElement>('#findings tbody').innerHTML =
      a.findings
        .map(
          (f) => `<tr data-finding="${esc(f.findingId)}" data-variant="${esc(f.variantId)}"><td><a href="#/variant/${encodeURIComponent(f.variantId)}">${esc(f.variantId)}</a></td><td>${locationLabel(f.locationId)}</td>
          <td>${esc(f.figure)}</td><td class="num">${f.recorded}</td><td class="num">${f.expected}</td><td class="num">${f.ledger ?? '—'}</td><td>${esc(f.cause)}</td>
          <td><span class="badge ${esc(f.status)}">${esc(f.status)}</span></td><td class="row-actions">${f.status === 'open' && a.status === 'completed' ? `<button type="button" data-repair="${esc(f.findingId)}">Repair</button>` : ''}</td></tr>`,
        )
        .join('') || `<tr><td colspan="9">${a.status === 'running' ? 'Running…' : 'No drift found.'}</td></tr>`;
  };
}
