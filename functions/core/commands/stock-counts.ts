/**
 * Stock counts (stock-takes): open a count at a location (each variant's on-hand then is its expected figure), record
 * what counters find (observations add up, each applied once by its id), see the variance, and apply it, or cancel.
 *
 * Applying changes each counted line's on-hand by its variance (counted − expected at opening), not to the counted
 * figure: what was sold or received since the count opened is kept. A line never takes on-hand below zero: if more
 * left since the count opened than the count found, on-hand goes to zero (the movement says so). Each change is a
 * `stock_count` movement. A count whose changed lines fit in one transaction (about 48) is applied in one, with the
 * count marked applied: all or nothing. A larger count is applied a transaction at a time, each marking the lines it
 * applied (status `applying` meanwhile): every line is applied exactly once, and applying again (a retry after a
 * failure) finishes it. Applying an applied count changes nothing; a cancelled one cannot be applied.
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps';
import { dict, has, mapDict } from '../dict';
import { ConcurrentChangeError, conflict, notFound } from '../errors';
import { deltas, newLevel, type LevelChange, type PlannedChange } from '../planned-change';
import type { StockCountLineRecord, StockCountRecord, VariantRecord } from '../records';
import { alreadyRecorded, linesFingerprint } from '../rules';
import type { IdempotencyRequest } from '../run-command';
import { runCommand } from '../run-command';
import type { CreateStockCountBody, ObservationBody, StockCount } from '../schemas';
import { stockCountView } from '../views';
import { requireLocation } from './locations';

/** The most lines a count holds (and the contract's limit on variantIds). */
export const MAX_COUNT_LINES = 500;
/** The most observations a count records (each is kept by id on the count's item). */
export const MAX_OBSERVATIONS = 1000;

const reference = (id: string) => `stock-count:${id}`;

/** On-hand of each variant at the location, read strongly consistent (what a count expects). */
async function onHandAt(deps: Deps, variantIds: string[], locationId: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < variantIds.length; i += 100) {
    const chunk = variantIds.slice(i, i + 100);
    const variants = await deps.store.getVariants(chunk, [locationId], true);
    variants.forEach((v) => out.set(v.variantId, v.levels[locationId]?.onHand ?? 0));
  }
  return out;
}

/** Every variant with a level at the location, through the variant list (a read of the whole catalog), at most `max`. */
async function variantsStockedAt(deps: Deps, locationId: string, max: number): Promise<string[]> {
  const found: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.listVariants(cursor, 100);
    for (const v of page.items) if (v.levels[locationId]) found.push(v.variantId);
    if (found.length > max) {
      throw conflict(`More than ${max} variants are stocked at ${locationId}: name the ones to count with variantIds (up to ${max} a count).`, { limit: max });
    }
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return found;
}

/** Opens a count: each variant's on-hand now is what the count expects. The same id with the same content returns it. */
export async function createStockCount(deps: Deps, body: CreateStockCountBody, idempotency?: IdempotencyRequest): Promise<StockCount> {
  await requireLocation(deps, body.locationId);
  const id = body.stockCountId ?? randomUUID();
  const existing = await deps.store.getStockCount(id);
  if (existing) return sameCount(existing, body);
  const variantIds = body.variantIds ?? (await variantsStockedAt(deps, body.locationId, MAX_COUNT_LINES));
  return runCommand(
    deps,
    async () => {
      const again = await deps.store.getStockCount(id);
      if (again) return { change: null, result: sameCount(again, body) };
      const expected = await onHandAt(deps, variantIds, body.locationId);
      const now = deps.clock.now().toISOString();
      const count: StockCountRecord = {
        entity: 'StockCount',
        stockCountId: id,
        locationId: body.locationId,
        status: 'open',
        lines: dict(variantIds.map((v) => [v, { expectedOnHand: expected.get(v) ?? 0, counted: null, applied: null }])),
        observations: [],
        createdAt: now,
        updatedAt: now,
        appliedAt: null,
        version: 0,
      };
      return { change: { levels: [], records: [{ op: 'put', record: count, expect: 'absent' }] }, result: stockCountView(count) };
    },
    { idempotency },
  );
}

/** A retried creation gets the count back; another count under the same id is refused. */
function sameCount(existing: StockCountRecord, body: CreateStockCountBody): StockCount {
  const same =
    existing.locationId === body.locationId &&
    (!body.variantIds || (body.variantIds.length <= Object.keys(existing.lines).length && body.variantIds.every((v) => has(existing.lines, v))));
  if (!same) throw conflict(`Stock count ${existing.stockCountId} already exists with other content.`, { stockCountId: existing.stockCountId });
  return stockCountView(existing);
}

const notOpen = (c: StockCountRecord) => conflict(`Stock count ${c.stockCountId} is ${c.status}: it takes no more observations.`, { status: c.status });

/**
 * Records what a counter found: each line's count adds to what the count has for the variant (two people counting two
 * shelves). An observationId applies once; the same id with other lines is refused (422). A variant the count did not
 * list is added, expecting the on-hand it has now.
 */
export async function recordObservation(deps: Deps, id: string, body: ObservationBody, idempotency?: IdempotencyRequest): Promise<StockCount> {
  const fingerprint = linesFingerprint(body.lines.map((l) => ({ variantId: l.variantId, quantity: l.counted })));
  return runCommand(
    deps,
    async () => {
      const count = await deps.store.getStockCount(id);
      if (!count) throw notFound(`Stock count ${id}`);
      if (alreadyRecorded(count.observations, body.observationId, fingerprint, 'Observation')) return { change: null, result: stockCountView(count) };
      if (count.status !== 'open') throw notOpen(count);
      if (count.observations.length >= MAX_OBSERVATIONS) throw conflict(`A stock count records at most ${MAX_OBSERVATIONS} observations.`, { limit: MAX_OBSERVATIONS });
      const added = body.lines.map((l) => l.variantId).filter((v) => !has(count.lines, v));
      if (Object.keys(count.lines).length + added.length > MAX_COUNT_LINES) {
        throw conflict(`A stock count holds at most ${MAX_COUNT_LINES} variants; this observation would add ${added.length}.`, { limit: MAX_COUNT_LINES });
      }
      const expected = added.length ? await onHandAt(deps, added, count.locationId) : new Map<string, number>();
      const lines = mapDict(count.lines, (l): StockCountLineRecord => ({ ...l }));
      for (const l of body.lines) {
        const line = (lines[l.variantId] ??= { expectedOnHand: expected.get(l.variantId) ?? 0, counted: null, applied: null });
        line.counted = (line.counted ?? 0) + l.counted;
      }
      const next: StockCountRecord = {
        ...count,
        lines,
        observations: [...count.observations, { id: body.observationId, fingerprint }],
        updatedAt: deps.clock.now().toISOString(),
      };
      return { change: { levels: [], records: [{ op: 'put', record: next, expect: { version: count.version } }] }, result: stockCountView(next) };
    },
    { idempotency },
  );
}

/** One line's on-hand change: its variance, but never below zero on-hand; and the level change making it (none for 0). */
function lineChange(count: StockCountRecord, variantId: string, line: StockCountLineRecord, variant: VariantRecord): { applied: number; change?: LevelChange } {
  const variance = (line.counted ?? 0) - line.expectedOnHand;
  const loc = count.locationId;
  const level = variant.levels[loc];
  const applied = Math.max(variance, -(level?.onHand ?? 0));
  if (applied === 0) return { applied };
  const clamped = applied !== variance;
  const movement = {
    type: 'stock_count' as const,
    reference: reference(count.stockCountId),
    reason: `counted ${line.counted}, expected ${line.expectedOnHand} when the count opened`,
    ...(clamped ? { note: `on-hand was ${level?.onHand ?? 0} when applied: it went to 0 rather than by the variance ${variance}` } : {}),
  };
  return {
    applied,
    change: {
      variantId,
      locationId: loc,
      deltas: deltas({ onHand: applied }),
      ...(level
        ? {
            expect: clamped
              ? { kind: 'guard' as const, atLeast: {}, equals: { onHand: level.onHand } }
              : { kind: 'guard' as const, atLeast: applied < 0 ? { onHand: -applied } : {} },
            createsVariant: !variant.exists,
          }
        : newLevel(variant, loc)),
      movement,
      onFail: () => new ConcurrentChangeError(),
    },
  };
}

/** Applies the count's variances (see the module's comment). */
export async function applyStockCount(deps: Deps, id: string, idempotency?: IdempotencyRequest): Promise<StockCount> {
  for (;;) {
    const step = await runCommand(deps, async () => {
      const count = await deps.store.getStockCount(id);
      if (!count) throw notFound(`Stock count ${id}`);
      if (count.status === 'applied') return { change: null, result: { done: true, view: stockCountView(count) } };
      if (count.status === 'cancelled') throw conflict(`Stock count ${id} was cancelled; it cannot be applied.`, { status: count.status });
      const pending = Object.entries(count.lines).filter(([, l]) => l.applied === null && l.counted !== null);
      const variants = new Map((await deps.store.getVariants(pending.map(([v]) => v).slice(0, 100), [count.locationId], true)).map((v) => [v.variantId, v]));
      const lines = mapDict(count.lines, (l): StockCountLineRecord => ({ ...l }));
      const change: PlannedChange = { levels: [], records: [] };
      let taken = 0;
      for (const [variantId, line] of pending) {
        const variant = variants.get(variantId);
        if (!variant) break;
        const { applied, change: level } = lineChange(count, variantId, line, variant);
        if (level) {
          const tried = { ...change, levels: [...change.levels, level], records: [{ op: 'put' as const, record: count, expect: { version: count.version } }] };
          if (deps.store.actionsFor(tried, true) > deps.store.maxActions) break;
          change.levels.push(level);
        }
        lines[variantId].applied = applied;
        taken++;
      }
      const done = taken === pending.length;
      const now = deps.clock.now().toISOString();
      const next: StockCountRecord = { ...count, lines, status: done ? 'applied' : 'applying', updatedAt: now, appliedAt: done ? now : null };
      change.records.push({ op: 'put', record: next, expect: { version: count.version } });
      return { change, result: { done, view: stockCountView(next) } };
    });
    if (step.done) {
      // The Idempotency-Key's response is recorded once the count is applied (an apply of several transactions is
      // naturally idempotent on the way: its lines are marked as they are applied).
      return idempotency ? runCommand(deps, async () => ({ change: null, result: step.view }), { idempotency }) : step.view;
    }
  }
}

/** Cancels an open count: nothing is applied. Cancelling again changes nothing; an applied count cannot be cancelled. */
export async function cancelStockCount(deps: Deps, id: string, idempotency?: IdempotencyRequest): Promise<StockCount> {
  return runCommand(
    deps,
    async () => {
      const count = await deps.store.getStockCount(id);
      if (!count) throw notFound(`Stock count ${id}`);
      if (count.status === 'cancelled') return { change: null, result: stockCountView(count) };
      if (count.status !== 'open') throw conflict(`Stock count ${id} is ${count.status}; it cannot be cancelled.`, { status: count.status });
      const next: StockCountRecord = { ...count, status: 'cancelled', updatedAt: deps.clock.now().toISOString() };
      return { change: { levels: [], records: [{ op: 'put', record: next, expect: { version: count.version } }] }, result: stockCountView(next) };
    },
    { idempotency },
  );
}

export async function getStockCount(deps: Deps, id: string): Promise<StockCount> {
  const count = await deps.store.getStockCount(id);
  if (!count) throw notFound(`Stock count ${id}`);
  return stockCountView(count);
}

export async function listStockCounts(
  deps: Deps,
  query: { status?: string; locationId?: string; cursor?: string; limit?: number },
): Promise<{ stockCounts: StockCount[]; cursor: string | null }> {
  const page = await deps.store.listStockCounts({ ...query, limit: query.limit ?? 20 });
  return { stockCounts: page.items.map(stockCountView), cursor: page.cursor };
}
