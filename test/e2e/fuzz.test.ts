// Proves, with generated invalid bodies, ids, query strings and headers sent to every route through the local server (fast-check),
// that the service never answers 5xx and that the levels and the ledger are unchanged afterwards.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { startLocal, type LocalAssembly } from '../../lib/local/assembly';
import { freePort } from '../../lib/local/dynamodb-local';
import { routes, type Role, type RouteSpec } from '../../functions/http/routes';

jest.setTimeout(300_000);

let local: LocalAssembly;
const auth = (r: RouteSpec): Record<string, string> => (r.role === 'public' ? {} : { authorization: `Bearer ${local.tokens[r.role as Role]}` });
const call = async (method: string, p: string, body?: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${local.url}${p}`, { method, headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, text: await res.text() };
};
const as = (role: Role) => ({ authorization: `Bearer ${local.tokens[role]}` });

beforeAll(async () => {
  local = await startLocal({
    port: await freePort(),
    stateDir: mkdtempSync(path.join(tmpdir(), 'inventory-fuzz-')),
    inMemory: true,
    sweepIntervalSeconds: 3600,
    holdSeconds: 1800,
    ttlIntervalSeconds: 3600,
  });
  await call('PUT', '/locations/wh-1', JSON.stringify({ name: 'Warehouse', type: 'warehouse' }), as('backoffice'));
  await call('POST', '/stock/adjustments', JSON.stringify({ variantId: 'fuzz-sku', locationId: 'wh-1', onHand: 7, reason: 'seed' }), as('backoffice'));
  await call('PUT', '/carts/fuzz-cart/lines/fuzz-sku', JSON.stringify({ quantity: 2, locationId: 'wh-1' }), as('storefront'));
});
afterAll(() => local?.stop());

const snapshot = async () => {
  const v = JSON.parse((await call('GET', '/variants/fuzz-sku', undefined, as('backoffice'))).text);
  const m = JSON.parse((await call('GET', '/variants/fuzz-sku/movements', undefined, as('backoffice'))).text);
  return { levels: v.locations, movements: m.movements.map((x: { movementId: string }) => x.movementId) };
};

// Ids: valid ones that name seeded data (never the seeded cart: a bodiless DELETE of it would be a valid request), and invalid
// ones (too long, forbidden characters, encoded slashes, empty).
const id = fc.oneof(
  fc.constantFrom('fuzz-sku', 'wh-1', 'x'),
  fc.string({ minLength: 0, maxLength: 20 }),
  fc.string({ minLength: 129, maxLength: 140 }),
  fc.constantFrom('%2F', '..', '%00', 'a b', '💥', "'; DROP", '{id}'),
);
// Bodies: not JSON, JSON of the wrong shape, wrong types, huge numbers, extra fields.
const body = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        quantity: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
        variantId: id,
        locationId: id,
        delta: fc.oneof(fc.constant(0), fc.double(), fc.string()),
        onHand: fc.oneof(fc.integer({ max: -1 }), fc.constant(1e300)),
        lines: fc.oneof(fc.constant([]), fc.array(fc.jsonValue(), { maxLength: 3 })),
        extra: fc.jsonValue(),
      },
      // `extra` always: every body schema is strict, so these are never valid requests.
      { requiredKeys: ['extra'] },
    )
    .map((o) => JSON.stringify(o)),
);
const query = fc.dictionary(fc.constantFrom('variantIds', 'locationId', 'cursor', 'limit', 'status', 'lowStockOnly', 'junk'), fc.string({ maxLength: 30 }), {
  maxKeys: 4,
});
const idempotencyKey = fc.option(fc.oneof(fc.string({ maxLength: 10 }), fc.string({ minLength: 256, maxLength: 260 })), { nil: undefined });

test('every route, fed generated invalid input, never answers 5xx and changes no level or ledger', async () => {
  const before = await snapshot();
  for (const [operationId, route] of Object.entries(routes) as [string, RouteSpec][]) {
    await fc.assert(
      fc.asyncProperty(fc.array(id, { minLength: 3, maxLength: 3 }), body, query, idempotencyKey, async (ids, b, q, key) => {
        let i = 0;
        const p = route.path.replace(/\{\w+\}/g, () => encodeURIComponent(ids[i++]).replace(/%25/g, '%'));
        const qs = new URLSearchParams(q).toString();
        const headers: Record<string, string> = { ...auth(route), ...(key !== undefined && /^[\x20-\x7e]*$/.test(key) ? { 'idempotency-key': key } : {}) };
        const r = await call(route.method, `${p}${qs ? `?${qs}` : ''}`, route.method === 'GET' || route.method === 'DELETE' ? undefined : b, headers);
        if (r.status >= 500) throw new Error(`${operationId}: ${route.method} ${p}?${qs} ${b} → ${r.status} ${r.text}`);
        // Whatever the answer, it is the contract's JSON error or a result.
        expect(() => JSON.parse(r.text)).not.toThrow();
      }),
      { numRuns: 25 },
    );
  }
  const after = await snapshot();
  expect(after).toEqual(before);
});
