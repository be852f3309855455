/**
 * `npm run soak -- --minutes N [--clients C] [--seed S]`: the service under mixed traffic and injected faults, then
 * an audit of every invariant. Self-contained: it starts the local stack in this process (DynamoDB Local, the
 * handlers, the stream poller, the sweeper, the TTL stand-in, the EventBridge stand-in) with faults switched on
 * (functions/commons/faults.ts), and stops it at the end.
 *
 * Traffic: C clients over HTTP, each as the role its route needs, run every operation: cart lines set and removed,
 * carts deleted mid-flight and their ids reused, checkouts, fulfilments, cancellations, adjustments and counts,
 * purchase orders, transfers, variant and location changes (hot locations turned on, off and re-counted among
 * them), and every read. Holds last 4 s and carts are kept 3 s
 * after, so holds lapse all the time and are released by every path: the sweeper (every 5 s), reclaim when a scarce
 * variant runs short, and TTL through the stream when the sweeper has not got there yet. A client retries a 429,
 * a 503 or a retryable 409 with the same request (and Idempotency-Key), as a client should.
 *
 * Audit, once the traffic has stopped and every hold has lapsed and been released: the service's invariant audit
 * (functions/core/audit.ts); no change applied twice (each adjustment, checkout, fulfilment, receipt and transfer
 * is in the ledger once); every low-stock transition has its alert and exactly one eventId per direction on the
 * bus (copies of an event carry the same eventId and detail); no stream record dead-lettered; no 5xx but 503.
 * Each violation is printed with the ids to reproduce it. The last line is:
 *
 *   soak: <ops> operations, <faults> faults injected, <v> invariant violations, <e> unexpected 5xx
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { documentClient } from '../functions/commons/clients';
import { loadConfig } from '../functions/commons/config';
import { injectedFaults } from '../functions/commons/faults';
import { logger } from '../functions/commons/logger';
import { auditStock, type ScannedRecord } from '../functions/core/audit';
import { DynamoInventoryStore } from '../functions/dynamodb/store';
import { startLocal } from '../lib/local/assembly';
import { freePort } from '../lib/local/dynamodb-local';
import { authorizationFor } from '../lib/local/tokens';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
};
const MINUTES = arg('minutes', 3);
const CLIENTS = arg('clients', 24);
const SEED = arg('seed', Math.floor(Math.random() * 1e9));
const HOLD_SECONDS = 4;
const RETENTION_SECONDS = 3;
const SWEEP_SECONDS = 5;
const TTL_SECONDS = 2;
const FAULTS = 'conflict=0.03,throttle=0.02,provisioned=0.01,ambiguous=0.02,events=0.1,crash=0.05,streams=0.05';

/** A small seeded generator for the workload (mulberry32), so a run's choices can be repeated with --seed. */
let state = SEED >>> 0;
const random = (): number => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const LOCATIONS = ['wh-1', 'wh-2', 'store-1'] as const;
const VARIANTS = Array.from({ length: 20 }, (_, i) => `soak-${i}`);
const SCARCE = new Set(VARIANTS.slice(0, 8));
const CARTS = Array.from({ length: 40 }, (_, i) => `cart-${i}`);

interface Outcome {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; retryable?: boolean } };
}

async function main(): Promise<void> {
  const started = Date.now();
  const stateDir = mkdtempSync(path.join(tmpdir(), 'inventory-soak-'));
  const log = (s: string) => console.log(s);
  // The handlers' INFO lines (every alert, every TTL release) would drown the soak's own report.
  logger.setLogLevel('WARN');
  log(`soak: ${MINUTES} min, ${CLIENTS} clients, seed ${SEED}, faults ${FAULTS}`);
  const local = await startLocal({
    port: await freePort(),
    stateDir,
    inMemory: true,
    holdSeconds: HOLD_SECONDS,
    cartRetentionSeconds: RETENTION_SECONDS,
    sweepIntervalSeconds: SWEEP_SECONDS,
    ttlIntervalSeconds: TTL_SECONDS,
    faultInjection: FAULTS,
    faultSeed: String(SEED),
    log: (line) => {
      if (!/injected/i.test(line)) console.error(line);
    },
  });

  let ops = 0;
  const unexpected: string[] = [];
  const violations: string[] = [];
  const gaveUp: string[] = [];
  const confirmed = { adjustments: new Set<string>() };

  /** One request as its route's role; retried while the answer says a retry can help (same body, same key). */
  const call = async (method: string, p: string, body?: unknown, key?: string): Promise<Outcome> => {
    ops++;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...authorizationFor(local.tokens, method, p), ...(key ? { 'idempotency-key': key } : {}) };
    let last: Outcome = { status: 0, body: {} };
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        const res = await fetch(`${local.url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await res.text();
        last = { status: res.status, body: text ? JSON.parse(text) : {} };
      } catch (err) {
        last = { status: 0, body: { error: { code: 'network', retryable: true } } };
        unexpected.push(`${method} ${p}: ${(err as Error).message}`);
        return last;
      }
      if (last.status >= 500 && last.status !== 503) {
        unexpected.push(`${method} ${p} ${JSON.stringify(body ?? null)} → ${last.status} ${JSON.stringify(last.body)}`);
        return last;
      }
      const retry = last.status === 429 || last.status === 503 || (last.status === 409 && last.body.error?.retryable === true);
      if (!retry) return last;
      await sleep(Math.min(1000, 25 * 2 ** attempt) * (0.5 + random() / 2));
    }
    gaveUp.push(`${method} ${p} → ${last.status} ${last.body.error?.code}`);
    return last;
  };

  // ------------------------------------------------------------ seed
  for (const loc of LOCATIONS) await call('PUT', `/locations/${loc}`, { name: loc, type: loc.startsWith('wh') ? 'warehouse' : 'retail' });
  await call('PUT', '/channels/web', { name: 'Web', locationIds: ['wh-1', 'wh-2'] });
  await call('PUT', '/channels/stores', { name: 'Stores', locationIds: ['store-1'] });
  for (const [i, v] of VARIANTS.entries()) {
    await call('PUT', `/variants/${v}`, { lowStockThreshold: i % 3 === 0 ? 3 : null, backorderPolicy: i % 7 === 6 ? 'allow' : i % 7 === 5 ? 'preorder' : 'deny' });
    for (const loc of LOCATIONS) await call('POST', '/stock/adjustments', { variantId: v, locationId: loc, onHand: SCARCE.has(v) ? int(2, 6) : 200, reason: 'opening stock' }, randomUUID());
  }

  // ------------------------------------------------------------ traffic
  const orders: string[] = [];
  const purchaseOrders: string[] = [];
  const transfers: string[] = [];
  const operations: [number, () => Promise<unknown>][] = [
    [
      30,
      () =>
        call('PUT', `/carts/${pick(CARTS)}/lines/${pick(VARIANTS)}`, {
          quantity: int(0, 4),
          ...(random() < 0.5 ? { locationId: pick(LOCATIONS) } : random() < 0.5 ? { channelId: pick(['web', 'stores']) } : {}),
        }),
    ],
    // A channel's locations changed: variants move in or out of stock on it (catalog events).
    [1, () => call('PUT', `/channels/${pick(['web', 'stores'])}`, { name: 'Channel', locationIds: LOCATIONS.filter(() => random() < 0.6).concat(pick(LOCATIONS)).filter((l, i, a) => a.indexOf(l) === i) })],
    [5, () => call('DELETE', `/carts/${pick(CARTS)}/lines/${pick(VARIANTS)}`)],
    [5, () => call('DELETE', `/carts/${pick(CARTS)}`)],
    [
      8,
      async () => {
        const orderId = `order-${randomUUID()}`;
        const r = await call('POST', `/carts/${pick(CARTS)}/checkout`, { orderId }, randomUUID());
        if (r.status === 200) orders.push(orderId);
      },
    ],
    [
      5,
      async () => {
        if (!orders.length) return;
        const orderId = pick(orders);
        const order = await call('GET', `/orders/${orderId}`);
        const lines = ((order.body.lines ?? []) as { variantId: string; locationId: string; reserved: number }[]).filter((l) => l.reserved > 0);
        if (!lines.length) return;
        const l = pick(lines);
        await call('POST', `/orders/${orderId}/fulfillments`, { fulfillmentId: randomUUID(), lines: [{ variantId: l.variantId, locationId: l.locationId, quantity: int(1, l.reserved) }] }, randomUUID());
      },
    ],
    [
      3,
      async () => {
        if (!orders.length) return;
        const orderId = pick(orders);
        if (random() < 0.5) return call('POST', `/orders/${orderId}/cancel`, {}, randomUUID());
        const order = await call('GET', `/orders/${orderId}`);
        const lines = ((order.body.lines ?? []) as { variantId: string; locationId: string; reserved: number }[]).filter((l) => l.reserved > 0);
        if (!lines.length) return;
        const l = pick(lines);
        return call('POST', `/orders/${orderId}/cancel`, { lines: [{ variantId: l.variantId, locationId: l.locationId, quantity: 1 }] }, randomUUID());
      },
    ],
    [
      6,
      async () => {
        const key = randomUUID();
        const r = await call('POST', '/stock/adjustments', { variantId: pick(VARIANTS), locationId: pick(LOCATIONS), delta: random() < 0.5 ? int(1, 6) : -int(1, 3), reason: 'soak' }, key);
        if (r.status === 200) confirmed.adjustments.add(key);
      },
    ],
    [1, () => call('POST', '/stock/adjustments', { variantId: pick(VARIANTS), locationId: pick(LOCATIONS), onHand: int(0, 12), reason: 'count' }, randomUUID())],
    [2, () => call('PUT', `/variants/${pick(VARIANTS)}`, { lowStockThreshold: random() < 0.3 ? null : int(1, 6) })],
    // Flash-sale mode on live stock: a location's buckets laid out anew (on, another count, a rebalance) or the mode off.
    [1, () => call('PUT', `/variants/${pick(VARIANTS)}`, { hotLocations: random() < 0.3 ? null : { [pick(LOCATIONS)]: int(2, 6) } })],
    [
      2,
      async () => {
        const r = await call(
          'POST',
          '/purchase-orders',
          { supplier: 'Soak', locationId: pick(LOCATIONS), expectedAt: '2027-01-15', lines: [{ variantId: pick(VARIANTS), quantity: int(1, 20) }] },
          randomUUID(),
        );
        if (r.status === 201) purchaseOrders.push(r.body.purchaseOrderId as string);
      },
    ],
    [
      3,
      async () => {
        if (!purchaseOrders.length) return;
        const id = pick(purchaseOrders);
        const po = await call('GET', `/purchase-orders/${id}`);
        const line = ((po.body.lines ?? []) as { variantId: string; outstanding: number }[])[0];
        if (!line) return;
        await call('POST', `/purchase-orders/${id}/receipts`, { receiptId: randomUUID(), lines: [{ variantId: line.variantId, quantity: int(1, Math.max(1, line.outstanding)) }] }, randomUUID());
      },
    ],
    [1, async () => purchaseOrders.length && call('POST', `/purchase-orders/${pick(purchaseOrders)}/cancel`, {}, randomUUID())],
    [
      2,
      async () => {
        const from = pick(LOCATIONS);
        const to = pick(LOCATIONS.filter((l) => l !== from));
        const r = await call('POST', '/transfers', { fromLocationId: from, toLocationId: to, lines: [{ variantId: pick(VARIANTS), quantity: int(1, 3) }] }, randomUUID());
        if (r.status === 201) transfers.push(r.body.transferId as string);
      },
    ],
    [2, async () => transfers.length && call('POST', `/transfers/${pick(transfers)}/complete`, {}, randomUUID())],
    [1, async () => transfers.length && call('POST', `/transfers/${pick(transfers)}/cancel`, {}, randomUUID())],
    [0.5, () => call('PUT', '/locations/store-1', { name: 'store-1', type: 'retail', active: random() < 0.7 })],
    [4, () => call('GET', `/availability?variantIds=${Array.from({ length: 10 }, () => pick(VARIANTS)).join(',')}`)],
    [1, () => call('GET', `/stock?limit=20${random() < 0.5 ? `&locationId=${pick(LOCATIONS)}` : ''}`)],
    [1, () => call('GET', `/variants/${pick(VARIANTS)}/movements?limit=20`)],
    [1, () => call('GET', `/alerts?limit=20${random() < 0.5 ? '&status=open' : ''}`)],
    [2, () => call('GET', `/carts/${pick(CARTS)}`)],
  ];
  const total = operations.reduce((s, [w]) => s + w, 0);
  const choose = () => {
    let r = random() * total;
    for (const [w, op] of operations) if ((r -= w) < 0) return op;
    return operations[0][1];
  };
  const until = Date.now() + MINUTES * 60_000;
  let progress = Date.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < until) {
        await choose()();
        if (Date.now() - progress > 30_000) {
          progress = Date.now();
          log(`  ${Math.round((Date.now() - started) / 1000)} s: ${ops} operations, ${sum(injectedFaults())} faults injected, ${unexpected.length} unexpected 5xx`);
        }
      }
    }),
  );

  // ------------------------------------------------------------ quiesce: every hold lapses and is released
  log(`traffic done: ${ops} operations; letting every hold lapse and the stream drain…`);
  await call('PUT', '/locations/store-1', { name: 'store-1', type: 'retail', active: true });
  await sleep((HOLD_SECONDS + RETENTION_SECONDS + SWEEP_SECONDS + TTL_SECONDS) * 1000);
  await local.sweep();
  // The audit judges what the stream processor made of every change, so it waits for the stream to be caught up
  // (a long run leaves a backlog: one local poller does what Lambda does with one invocation per shard).
  const drainStarted = Date.now();
  let drained = false;
  while (!drained && Date.now() - drainStarted < 20 * 60_000) {
    drained = (await local.streamsDrained(60_000)) && (await sleep(1000), await local.streamsDrained(60_000));
    if (!drained) log(`  the stream is still draining after ${Math.round((Date.now() - drainStarted) / 1000)} s…`);
  }
  if (!drained) violations.push('the stream processor did not catch up within 20 minutes of the traffic ending: the audit below judges an unfinished stream');
  log(`stream drained in ${Math.round((Date.now() - drainStarted) / 1000)} s`);

  // ------------------------------------------------------------ audit
  const store = new DynamoInventoryStore(documentClient(loadConfig({ TABLE_NAME: local.tableName, DYNAMODB_ENDPOINT: local.dynamodbEndpoint })), local.tableName);
  const audit = await auditStock(store);
  for (const f of audit.findings) {
    violations.push(`${f.variantId} at ${f.locationId}: ${f.figure} is ${f.recorded}, should be ${f.expected} (${f.cause})`);
  }
  const records: ScannedRecord[] = [];
  for await (const r of store.scan()) records.push(r);

  // No change applied twice: the changes named once by their reference are in the ledger once per level.
  const ONCE = new Set(['adjustment', 'checkout', 'fulfillment', 'po_created', 'po_receipt', 'po_cancelled', 'transfer_out', 'transfer_in']);
  const seen = new Map<string, number>();
  for (const r of records) {
    if (r.kind !== 'movement' || !ONCE.has(r.movement.type)) continue;
    const k = `${r.movement.type} ${r.movement.reference} ${r.movement.variantId} at ${r.movement.locationId}`;
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  for (const [k, n] of seen) if (n > 1) violations.push(`applied ${n} times: ${k}`);
  const adjusted = new Set([...seen.keys()].filter((k) => k.startsWith('adjustment ')).map((k) => k.split(' ')[1].replace(/^adjustment:backoffice:/, '')));
  for (const key of confirmed.adjustments) if (!adjusted.has(key)) violations.push(`adjustment ${key} was confirmed (200) but is not in the ledger`);

  // Every low-stock transition has its alert, and exactly one eventId per direction; copies of an event are identical.
  const events = existsSync(local.eventsFile)
    ? readFileSync(local.eventsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { 'detail-type': string; detail: Record<string, unknown> })
    : [];
  const byEventId = new Map<string, string>();
  let copies = 0;
  for (const e of events) {
    const id = String(e.detail.eventId);
    const content = JSON.stringify([e['detail-type'], e.detail]);
    if (byEventId.has(id)) {
      copies++;
      if (byEventId.get(id) !== content) violations.push(`event ${id} was published with two different details`);
    } else byEventId.set(id, content);
  }
  const alerts = records.flatMap((r) => (r.kind === 'alert' ? [r.alert] : []));
  const alertIds = new Set(alerts.map((a) => a.alertId));
  for (const a of alerts) {
    if (!byEventId.has(`${a.alertId}:opened`)) violations.push(`alert ${a.alertId} (${a.variantId} at ${a.locationId}) opened with no LowStockAlertOpened event`);
    if (a.status === 'cleared' && !byEventId.has(`${a.alertId}:cleared`)) violations.push(`alert ${a.alertId} (${a.variantId} at ${a.locationId}) cleared with no LowStockAlertCleared event`);
  }
  for (const id of byEventId.keys()) if (/:(opened|cleared)$/.test(id) && !alertIds.has(id.replace(/:(opened|cleared)$/, ''))) violations.push(`event ${id} names no alert`);
  // Catalog events: one eventId per transition, none lost. For each variant and scope, the transitions published in
  // (back in stock) less those out must be 1 exactly when the scope is in stock now, else 0.
  const net = new Map<string, number>();
  for (const content of byEventId.values()) {
    const [type, d] = JSON.parse(content) as [string, Record<string, unknown>];
    if (type !== 'VariantBackInStock' && type !== 'VariantOutOfStock') continue;
    const k = `${d.variantId} ${d.scope} ${d.locationId ?? d.channelId ?? '*'}`;
    net.set(k, (net.get(k) ?? 0) + (type === 'VariantBackInStock' ? 1 : -1));
  }
  const available = new Map<string, number>();
  for (const r of records) if (r.kind === 'level') available.set(`${r.variantId} ${r.locationId}`, (available.get(`${r.variantId} ${r.locationId}`) ?? 0) + r.level.available);
  const activeNow = new Set((await store.listLocations()).filter((l) => l.active).map((l) => l.locationId));
  const scopesNow: [string, string[]][] = [['all *', [...activeNow]], ...(await store.listChannels()).map((c): [string, string[]] => [`channel ${c.channelId}`, c.locationIds.filter((l) => activeNow.has(l))])];
  for (const v of VARIANTS) {
    const inStockAt = (l: string) => (available.get(`${v} ${l}`) ?? 0) > 0;
    const expected: [string, boolean][] = [...LOCATIONS.map((l): [string, boolean] => [`location ${l}`, inStockAt(l)]), ...scopesNow.map(([s, ls]): [string, boolean] => [s, ls.some(inStockAt)])];
    for (const [scope, inStock] of expected) {
      const n = net.get(`${v} ${scope}`) ?? 0;
      if (n !== (inStock ? 1 : 0)) violations.push(`catalog events of ${v} (${scope}): ${n} more back-in-stock than out-of-stock published, and it is ${inStock ? 'in' : 'out of'} stock`);
    }
  }
  // Holds lapsed and were released by every path (a path that never ran is reported, not a violation).
  const releases = { sweeper: 0, reclaim: 0, ttl: 0, 'checkout re-reserve': 0 };
  for (const r of records) {
    if (r.kind !== 'movement') continue;
    if (r.movement.type === 'hold_expired') {
      releases[/TTL/.test(r.movement.reason) ? 'ttl' : /reclaimed/.test(r.movement.reason) ? 'reclaim' : 'sweeper']++;
    } else if (r.movement.type === 'checkout' && /re-reserved/.test(r.movement.reason)) releases['checkout re-reserve']++;
  }
  const deadLetters = path.join(stateDir, 'stream-dead-letters.jsonl');
  if (existsSync(deadLetters)) violations.push(`stream records were dead-lettered: ${deadLetters}`);

  await local.stop();
  const faults = injectedFaults();
  log(`audit: ${audit.checked} variant-locations, ${alerts.length} alerts, ${byEventId.size} events (${copies} copies; ${[...net.values()].length} variant-scopes with catalog events), ${seen.size} once-only changes`);
  log(`faults injected: ${Object.entries(faults).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  log(`lapsed holds released by the sweeper ${releases.sweeper}, by reclaim ${releases.reclaim}, by TTL through the stream ${releases.ttl}; lapsed lines re-reserved at checkout ${releases['checkout re-reserve']}`);
  for (const [path_, n] of Object.entries(releases)) if (n === 0) log(`note: no hold was released by ${path_} in this run`);
  if (gaveUp.length) log(`${gaveUp.length} requests still refused after 8 tries (retryable): ${gaveUp.slice(0, 5).join('; ')}`);
  for (const v of violations.slice(0, 50)) log(`VIOLATION ${v}`);
  for (const u of unexpected.slice(0, 20)) log(`UNEXPECTED ${u}`);
  log(`took ${Math.round((Date.now() - started) / 1000)} s (seed ${SEED})`);
  log(`soak: ${ops} operations, ${sum(faults)} faults injected, ${violations.length} invariant violations, ${unexpected.length} unexpected 5xx`);
  process.exit(violations.length || unexpected.length ? 1 : 0);
}

const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);

main().catch((err: Error) => {
  console.error(err);
  process.exit(2);
});
