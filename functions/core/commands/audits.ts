/**
 * Reconciliation audits: every variant-location's figures against the carts, orders, purchase orders, configuration
 * and ledger that explain them (core/audit.ts, the soak's invariant audit), on a live table, within a read budget; each
 * finding published once as InventoryDriftDetected; and their repair by `reconciliation` movements.
 *
 * Requested over HTTP (POST /audits writes the audit, `running`; its stream record publishes InventoryAuditRequested,
 * which the stack routes to the auditor function) or by the daily schedule (the auditor creates the day's audit itself,
 * `scheduled-<date>`, so a retried invocation runs the same audit). A run:
 *  1. scans the whole table once, strongly consistent, paced to the budget's read units a second over parallel segments
 *     (ScanOptions), and stops, failing the audit, when the run's deadline comes first;
 *  2. judges only the variant-locations whose level did not change from shortly before the scan started (a scan of a live
 *     table reads a cart and a level at different moments; a change moves the level and its carts, orders or movements
 *     in one transaction, so a level unchanged through the scan was read consistently with them); the others are
 *     `skipped`, for the next audit;
 *  3. reads again, strongly consistent, the level of every variant-location with a finding, a while after the scan (so
 *     that what the stream processor still had to do, such as releasing the holds of a cart TTL deleted, is done), and
 *     drops the findings of any that changed meanwhile;
 *  4. writes each finding (at most MAX_FINDINGS) with an id made of its variant, location and figure, on the condition
 *     that it is new: a run repeated (a retry, a duplicate delivery) writes nothing twice, so each finding's stream
 *     record publishes its event once (an outbox, as the low-stock alerts);
 *  5. marks the audit completed, with what it checked, skipped and read.
 */
import { createHash, randomUUID } from 'node:crypto';
import { auditStock, STORED_FIGURES, type AuditFinding } from '../audit';
import type { Deps } from '../deps';
import { ConcurrentChangeError, conflict, notFound } from '../errors';
import { deltas, key, type LevelChange, type PlannedChange } from '../planned-change';
import type { PublishedEvent } from '../ports';
import type { AuditFindingRecord, AuditRecord, LevelRecord } from '../records';
import { availableOf } from '../rules';
import type { IdempotencyRequest } from '../run-command';
import { runCommand } from '../run-command';
import type { Audit, AuditSummary, Levels, RepairBody, RepairResult } from '../schemas';
import { auditSummaryView, auditView, findingView } from '../views';

/** The most findings one audit keeps (the first, by variant, location and figure). */
export const MAX_FINDINGS = 1000;
/** A level changed this shortly before the scan started is not judged either (clocks of the writers may differ by this). */
export const CHANGE_MARGIN_MS = 5_000;

/** How an audit run may read the table. */
export interface AuditBudget {
  /** The scan's pace, in read units a second over all its segments. @default unpaced */
  readUnitsPerSecond?: number;
  /** Parallel scan segments. @default 1 */
  segments?: number;
  /** When the run must stop (epoch milliseconds): the audit fails rather than run past it. @default none */
  deadline?: number;
  /**
   * How long after the scan its findings are confirmed (their levels read again). A change some of whose effects reach a
   * level through the stream (a cart deleted by TTL before the sweeper released it: its holds are released by the stream
   * processor) looks like drift until the stream has caught up; confirming later drops it. @default 0
   */
  confirmAfterMs?: number;
}

class OutOfTime extends Error {}

/** A finding's id: the same for the same variant, location and figure in any run of an audit. */
export const findingIdOf = (f: Pick<AuditFinding, 'variantId' | 'locationId' | 'figure'>): string =>
  createHash('sha256').update(`${f.variantId}\u0000${f.locationId}\u0000${f.figure}`).digest('hex').slice(0, 16);

const newAudit = (auditId: string, trigger: AuditRecord['trigger'], requestedAt: string): AuditRecord => ({
  entity: 'Audit',
  auditId,
  status: 'running',
  trigger,
  requestedAt,
  startedAt: null,
  completedAt: null,
  checked: 0,
  skipped: 0,
  findingCount: 0,
  truncated: false,
  readUnits: 0,
  error: null,
  version: 0,
});

/** POST /audits: records the audit, running; its stream record asks the auditor to run it (InventoryAuditRequested). */
export async function requestAudit(deps: Deps, idempotency?: IdempotencyRequest): Promise<{ auditId: string; status: 'running' }> {
  const audit = newAudit(randomUUID(), 'api', deps.clock.now().toISOString());
  return runCommand(deps, async () => ({ change: { levels: [], records: [{ op: 'put', record: audit, expect: 'absent' }] }, result: { auditId: audit.auditId, status: 'running' as const } }), {
    idempotency,
  });
}

/** The audit the schedule runs on a day (one a day, whatever the retries). */
export const scheduledAuditId = (now: Date): string => `scheduled-${now.toISOString().slice(0, 10)}`;

/**
 * Runs an audit (see the module's comment): the one named, or the day's scheduled one (created if need be). An audit
 * already completed or failed is returned as it is. Returns the audit as the run left it.
 */
export async function runAudit(deps: Deps, request: { auditId?: string }, budget: AuditBudget = {}): Promise<AuditRecord> {
  const now = deps.clock.now();
  const auditId = request.auditId ?? scheduledAuditId(now);
  const audit = await runCommand(deps, async () => {
    const current = (await deps.store.getAudit(auditId))?.audit;
    if (current) return { change: null, result: current };
    if (request.auditId) throw notFound(`Audit ${auditId}`);
    const created = newAudit(auditId, 'schedule', now.toISOString());
    return { change: { levels: [], records: [{ op: 'put', record: created, expect: 'absent' }] }, result: created };
  });
  // Completed or failed: nothing to do. Running: this run does it (a duplicate delivery runs it twice, writing nothing twice).
  if (audit.status !== 'running') return audit;
  const started = deps.clock.now();
  await update(deps, auditId, (a) => ({ ...a, startedAt: started.toISOString() }));

  let readUnits = 0;
  try {
    const result = await auditStock(deps.store, {
      alerts: false,
      unchangedSince: new Date(started.getTime() - CHANGE_MARGIN_MS).toISOString(),
      scan: {
        consistent: true,
        readUnitsPerSecond: budget.readUnitsPerSecond,
        segments: budget.segments,
        onReadUnits: (units) => {
          readUnits += units;
          if (budget.deadline !== undefined && Date.now() > budget.deadline) throw new OutOfTime();
        },
      },
    });
    // Confirm: a variant-location with findings whose level moved since it was read is left to the next audit.
    if (budget.confirmAfterMs && result.findings.length > 0) await new Promise((r) => setTimeout(r, budget.confirmAfterMs));
    const since = new Date(started.getTime() - CHANGE_MARGIN_MS).toISOString();
    const moved = new Set<string>();
    const keysWithFindings = Object.keys(result.levels);
    for (let i = 0; i < keysWithFindings.length; i += 16) {
      await Promise.all(
        keysWithFindings.slice(i, i + 16).map(async (k) => {
          const f = result.findings.find((x) => key(x.variantId, x.locationId) === k)!;
          const read = result.levels[k];
          const now = (await deps.store.getVariant(f.variantId, true, [f.locationId])).levels[f.locationId];
          if (!sameLevel(read, now) || (now?.updatedAt !== undefined && now.updatedAt >= since)) moved.add(k);
        }),
      );
    }
    const kept = result.findings.filter((f) => !moved.has(key(f.variantId, f.locationId)));
    const detectedAt = deps.clock.now().toISOString();
    const records: AuditFindingRecord[] = kept.slice(0, MAX_FINDINGS).map((f) => ({
      entity: 'AuditFinding',
      auditId,
      findingId: findingIdOf(f),
      variantId: f.variantId,
      locationId: f.locationId,
      figure: f.figure,
      recorded: f.recorded,
      expected: f.expected,
      ledger: f.ledger ?? null,
      cause: f.cause,
      detectedAt,
      status: 'open',
      resolvedAt: null,
      version: 0,
    }));
    await writeFindings(deps, auditId, records);
    return await update(deps, auditId, (a) => ({
      ...a,
      status: 'completed',
      completedAt: deps.clock.now().toISOString(),
      checked: result.checked - moved.size,
      skipped: result.skipped + moved.size,
      findingCount: records.length,
      truncated: kept.length > MAX_FINDINGS,
      readUnits,
    }));
  } catch (err) {
    if (!(err instanceof OutOfTime)) throw err;
    return update(deps, auditId, (a) => ({
      ...a,
      status: 'failed',
      completedAt: deps.clock.now().toISOString(),
      readUnits,
      error: `The scan did not finish within the run's time at ${budget.readUnitsPerSecond ?? 'an unpaced'} read units a second (${Math.round(readUnits)} read): raise AUDIT_READ_UNITS_PER_SECOND (docs/operations.md)`,
    }));
  }
}

const sameLevel = (a: LevelRecord | undefined, b: LevelRecord | undefined): boolean => (a === undefined ? b === undefined : b !== undefined && a.version === b.version);

/** Writes the findings not written yet (by an earlier run of the same audit), 99 to a transaction, each on the condition that it is new. */
async function writeFindings(deps: Deps, auditId: string, records: AuditFindingRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 99) {
    const chunk = records.slice(i, i + 99);
    await runCommand(deps, async () => {
      const existing = new Set((await deps.store.getAuditFindings(auditId, chunk.map((f) => f.findingId))).map((f) => f.findingId));
      const fresh = chunk.filter((f) => !existing.has(f.findingId));
      return { change: fresh.length ? { levels: [], records: fresh.map((f) => ({ op: 'put' as const, record: f, expect: 'absent' as const })) } : null, result: null };
    });
  }
}

/** Read-modify-write of the audit record (a run that finds it completed by another leaves it so). */
async function update(deps: Deps, auditId: string, next: (a: AuditRecord) => AuditRecord): Promise<AuditRecord> {
  return runCommand(deps, async () => {
    const current = (await deps.store.getAudit(auditId))!.audit;
    if (current.status !== 'running') return { change: null, result: current };
    const record = next(current);
    return { change: { levels: [], records: [{ op: 'put', record, expect: { version: current.version } }] }, result: { ...record, version: current.version + 1 } };
  });
}

export async function getAudit(deps: Deps, auditId: string): Promise<Audit> {
  const found = await deps.store.getAudit(auditId);
  if (!found) throw notFound(`Audit ${auditId}`);
  return auditView(found.audit, found.findings);
}

export async function listAudits(deps: Deps, query: { cursor?: string; limit?: number }): Promise<{ audits: AuditSummary[]; cursor: string | null }> {
  const page = await deps.store.listAudits({ cursor: query.cursor, limit: query.limit ?? 20 });
  return { audits: page.items.map(auditSummaryView), cursor: page.cursor };
}

/**
 * Repairs findings of a completed audit (the given ones, else every open one): per variant-location, one transaction
 * that brings each figure to what it should be and records one `reconciliation` movement whose deltas bring the ledger
 * there too (a figure moved behind the ledger's back moves back, the ledger unchanged; a figure its ledger missed keeps
 * its value and the ledger gains the difference), and marks its findings repaired. A finding whose figure has changed
 * since the audit is left alone and marked stale. At a hot location the change is a relayout of its buckets with the
 * corrected totals. Repaired or stale findings are not repaired again: repeating the request changes nothing.
 */
export async function repairAudit(deps: Deps, auditId: string, body: RepairBody, idempotency?: IdempotencyRequest): Promise<RepairResult> {
  const found = await deps.store.getAudit(auditId);
  if (!found) throw notFound(`Audit ${auditId}`);
  if (found.audit.status !== 'completed') throw conflict(`Audit ${auditId} is ${found.audit.status}: only a completed audit can be repaired.`, { status: found.audit.status });
  const byId = new Map(found.findings.map((f) => [f.findingId, f]));
  const unknown = (body.findingIds ?? []).filter((id) => !byId.has(id));
  if (unknown.length) throw notFound(`Finding ${unknown.join(', ')} of audit ${auditId}`);
  const chosen = body.findingIds ? body.findingIds.map((id) => byId.get(id)!) : found.findings.filter((f) => f.status === 'open');
  const groups = new Map<string, AuditFindingRecord[]>();
  for (const f of chosen) groups.set(key(f.variantId, f.locationId), [...(groups.get(key(f.variantId, f.locationId)) ?? []), f]);
  const repaired: string[] = [];
  const stale: string[] = [];
  for (const group of groups.values()) {
    const r = await repairAt(deps, auditId, group.map((f) => f.findingId));
    repaired.push(...r.repaired);
    stale.push(...r.stale);
  }
  const after = await deps.store.getAuditFindings(auditId, chosen.map((f) => f.findingId));
  const result: RepairResult = { auditId, repaired, stale, findings: after.map(findingView).sort((a, b) => a.variantId.localeCompare(b.variantId) || a.locationId.localeCompare(b.locationId) || a.figure.localeCompare(b.figure)) };
  // Repeating the repair changes nothing (its findings are no longer open); the key's response is recorded once done.
  return idempotency ? runCommand(deps, async () => ({ change: null, result }), { idempotency }) : result;
}

/** The repair of one variant-location's findings (all of one variant and location): one transaction. */
async function repairAt(deps: Deps, auditId: string, findingIds: string[]): Promise<{ repaired: string[]; stale: string[] }> {
  return runCommand(deps, async () => {
    const findings = (await deps.store.getAuditFindings(auditId, findingIds)).filter((f) => f.status === 'open');
    if (findings.length === 0) return { change: null, result: { repaired: [], stale: [] } };
    const { variantId, locationId } = findings[0];
    const v = await deps.store.getVariant(variantId, true, [locationId]);
    const level = v.levels[locationId];
    const now = (figure: string) => (level ? level[figure as keyof Levels] : 0);
    const stale = findings.filter((f) => now(f.figure) !== f.recorded);
    const ok = findings.filter((f) => now(f.figure) === f.recorded);
    const resolvedAt = deps.clock.now().toISOString();
    const change: PlannedChange = {
      levels: [],
      records: findings.map((f) => ({
        op: 'put' as const,
        record: { ...f, status: stale.includes(f) ? ('stale' as const) : ('repaired' as const), resolvedAt },
        expect: { version: f.version },
      })),
    };
    if (ok.length > 0) {
      const d = deltas({});
      const ledger = deltas({});
      let availableAdjust = 0;
      const equals: Partial<Record<keyof Levels, number>> = {};
      for (const f of ok) {
        equals[f.figure as keyof Levels] = f.recorded;
        if (f.figure === 'available') {
          availableAdjust = f.expected - f.recorded;
          continue;
        }
        const figure = f.figure as (typeof STORED_FIGURES)[number];
        d[figure] = f.expected - f.recorded;
        // Whatever makes the ledger sum to the figure's expected value (its sum is unchanged since the audit: the figure is).
        ledger[figure] = f.expected - (f.ledger ?? f.recorded);
      }
      const movement = {
        type: 'reconciliation' as const,
        reference: `audit:${auditId}`,
        reason: `${ok.map((f) => `${f.figure} ${f.recorded} → ${f.expected}`).join(', ')} (audit ${auditId})`,
        note: ok.map((f) => f.cause).join('; ').slice(0, 1000),
      };
      if (v.buckets[locationId]) {
        // A hot location: its buckets laid out again with the corrected totals (conditioned on each being as read).
        change.records.push({
          op: 'relayout',
          variantId,
          locationId,
          from: v.buckets[locationId],
          to: v.buckets[locationId].length,
          adjust: { deltas: d, available: availableOf(d) + availableAdjust, movement, movementDeltas: ledger },
        });
      } else {
        const repair: LevelChange = {
          variantId,
          locationId,
          deltas: d,
          availableAdjust,
          movementDeltas: ledger,
          ...(level
            ? { expect: { kind: 'guard', atLeast: {}, equals } }
            : { expect: { kind: 'exact', version: 0 }, createsVariant: !v.exists, initial: { safetyStock: 0, configVersion: v.configVersion } }),
          movement,
          // A figure moved since it was read: plan again (it is then stale).
          onFail: () => new ConcurrentChangeError(),
        };
        change.levels.push(repair);
      }
    }
    return { change, result: { repaired: ok.map((f) => f.findingId), stale: stale.map((f) => f.findingId) } };
  });
}

/** InventoryDriftDetected for a finding: its eventId is the same on every delivery of its stream record. */
export function driftEvent(f: AuditFindingRecord): PublishedEvent {
  const id = `${f.auditId}:${f.findingId}`;
  return {
    id,
    detailType: 'InventoryDriftDetected',
    detail: {
      eventId: id,
      version: 1,
      auditId: f.auditId,
      findingId: f.findingId,
      variantId: f.variantId,
      locationId: f.locationId,
      figure: f.figure,
      recorded: f.recorded,
      expected: f.expected,
      ledger: f.ledger,
      cause: f.cause,
      at: f.detectedAt,
    },
  };
}

/** InventoryAuditRequested: asks the auditor function to run an audit requested over HTTP (the stack's rule routes it). */
export function auditRequestedEvent(a: AuditRecord): PublishedEvent {
  const id = `${a.auditId}:requested`;
  return { id, detailType: 'InventoryAuditRequested', detail: { eventId: id, version: 1, auditId: a.auditId, requestedAt: a.requestedAt } };
}
