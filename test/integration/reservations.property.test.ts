// Proves, with random interleavings (fast-check) of cart, checkout, fulfil, cancel, expiry and adjustment operations, that the
// invariants hold after every step: available = onHand − soft − hard; soft = live holds; hard = open order lines; deny never
// negative through reservations; the ledger sums to the levels.
import fc from 'fast-check';
import { adjustStock } from '../../functions/core/commands/adjust-stock';
import { clearCart, getCart, removeCartLine, setCartLine } from '../../functions/core/commands/carts';
import { releaseExpiredCarts } from '../../functions/core/commands/expiry';
import { forgetCachedLocations, putLocation } from '../../functions/core/commands/locations';
import { cancelOrder, checkout, fulfil, getOrder } from '../../functions/core/commands/orders';
import { listMovements } from '../../functions/core/commands/read-stock';
import { getVariant, putVariant } from '../../functions/core/commands/variants';
import { DomainError } from '../../functions/core/errors';
import { createTestTable, type TestTable } from '../support/table';

jest.setTimeout(240_000);

let t: TestTable;
const LOCATIONS = ['wh-1', 'wh-2'];
beforeAll(async () => {
  t = await createTestTable({ holdSeconds: 600 });
  for (const l of LOCATIONS) await putLocation(t.deps, l, { name: l, type: 'warehouse' });
  forgetCachedLocations();
});
afterAll(() => t.drop());

type Op =
  | { kind: 'set'; cart: number; variant: number; quantity: number; location: number | null }
  | { kind: 'remove'; cart: number; variant: number }
  | { kind: 'clear'; cart: number }
  | { kind: 'checkout'; cart: number }
  | { kind: 'fulfil'; order: number; quantity: number }
  | { kind: 'cancel'; order: number; partial: boolean }
  | { kind: 'lapse' }
  | { kind: 'adjust'; variant: number; location: number; delta: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), cart: fc.nat(3), variant: fc.nat(1), quantity: fc.nat(4), location: fc.option(fc.nat(1), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), cart: fc.nat(3), variant: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), cart: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('checkout' as const), cart: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fulfil' as const), order: fc.nat(5), quantity: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), order: fc.nat(5), partial: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'lapse' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('adjust' as const), variant: fc.nat(1), location: fc.nat(1), delta: fc.integer({ min: -3, max: 6 }) }) },
);

let run = 0;

test('invariants hold after every step of random interleavings', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 18 }), async (ops) => {
      run++;
      const variants = [`pv${run}-deny`, `pv${run}-allow`];
      await putVariant(t.deps, variants[1], { backorderPolicy: 'allow' });
      for (const v of variants) for (const l of LOCATIONS) await adjustStock(t.deps, { variantId: v, locationId: l, onHand: 3, reason: 'opening' }, `${v}-${l}`);
      const carts = [0, 1, 2, 3].map((i) => `pc${run}-${i}`);
      const orders: string[] = [];
      let fresh = 0;
      const tolerate = (err: unknown) => {
        if (!(err instanceof DomainError)) throw err;
      };
      for (const o of ops) {
        try {
          switch (o.kind) {
            case 'set':
              await setCartLine(t.deps, carts[o.cart], variants[o.variant], {
                quantity: o.quantity,
                ...(o.location === null ? {} : { locationId: LOCATIONS[o.location] }),
              });
              break;
            case 'remove':
              await removeCartLine(t.deps, carts[o.cart], variants[o.variant]);
              break;
            case 'clear':
              await clearCart(t.deps, carts[o.cart]);
              break;
            case 'checkout': {
              const orderId = `po${run}-${orders.length}`;
              await checkout(t.deps, carts[o.cart], orderId);
              orders.push(orderId);
              break;
            }
            case 'fulfil': {
              const orderId = orders[o.order % Math.max(1, orders.length)];
              if (!orderId) break;
              const line = (await getOrder(t.deps, orderId)).lines.find((l) => l.reserved > 0);
              if (!line) break;
              await fulfil(t.deps, orderId, {
                fulfillmentId: `f${fresh++}`,
                lines: [{ variantId: line.variantId, locationId: line.locationId, quantity: Math.min(o.quantity, line.reserved) }],
              });
              break;
            }
            case 'cancel': {
              const orderId = orders[o.order % Math.max(1, orders.length)];
              if (!orderId) break;
              const line = (await getOrder(t.deps, orderId)).lines.find((l) => l.reserved > 0);
              await cancelOrder(t.deps, orderId, o.partial && line ? { lines: [{ variantId: line.variantId, locationId: line.locationId, quantity: 1 }] } : {});
              break;
            }
            case 'lapse':
              t.deps.clock.advance(601);
              await releaseExpiredCarts(t.deps, { by: 'sweeper' });
              break;
            case 'adjust':
              await adjustStock(t.deps, { variantId: variants[o.variant], locationId: LOCATIONS[o.location], delta: o.delta || 1, reason: 'count' }, `a${fresh++}`);
              break;
          }
        } catch (err) {
          tolerate(err);
        }
        await checkInvariants(variants, carts, orders, o);
      }
      t.deps.clock.set(new Date());
    }),
    { numRuns: 12 },
  );
});

/** Reads everything back and checks the invariants; throws with the step that broke them. */
async function checkInvariants(variants: string[], carts: string[], orders: string[], after: Op): Promise<void> {
  const held = new Map<string, number>();
  for (const c of carts) {
    for (const line of (await getCart(t.deps, c)).lines) {
      if (line.expiresAt === null) continue; // released (expired) lines hold nothing
      for (const a of line.allocations) held.set(`${line.variantId}#${a.locationId}`, (held.get(`${line.variantId}#${a.locationId}`) ?? 0) + a.quantity);
    }
  }
  const reserved = new Map<string, number>();
  for (const o of orders) {
    for (const l of (await getOrder(t.deps, o)).lines) {
      reserved.set(`${l.variantId}#${l.locationId}`, (reserved.get(`${l.variantId}#${l.locationId}`) ?? 0) + l.reserved);
    }
  }
  for (const v of variants) {
    const variant = await getVariant(t.deps, v);
    const { movements } = await listMovements(t.deps, v, { limit: 100 });
    for (const l of variant.locations) {
      const k = `${v}#${l.locationId}`;
      const where = `${k} after ${JSON.stringify(after)}`;
      expect({ where, available: l.available }).toEqual({ where, available: l.onHand - l.softReserved - l.hardReserved });
      expect({ where, soft: l.softReserved }).toEqual({ where, soft: held.get(k) ?? 0 });
      expect({ where, hard: l.hardReserved }).toEqual({ where, hard: reserved.get(k) ?? 0 });
      expect(l.onHand).toBeGreaterThanOrEqual(0);
      const sum = movements
        .filter((m) => m.locationId === l.locationId)
        .reduce(
          (s, m) => ({ onHand: s.onHand + m.deltas.onHand, soft: s.soft + m.deltas.softReserved, hard: s.hard + m.deltas.hardReserved }),
          { onHand: 0, soft: 0, hard: 0 },
        );
      expect({ where, ...sum }).toEqual({ where, onHand: l.onHand, soft: l.softReserved, hard: l.hardReserved });
      // Under deny, reservations never take available below zero; only a negative adjustment (damage) can.
      if (v.endsWith('-deny') && (after.kind === 'set' || after.kind === 'checkout')) {
        expect({ where, negative: l.available < 0 && !adjustedNegative.has(k) }).toEqual({ where, negative: false });
      }
    }
  }
  if (after.kind === 'adjust' && after.delta < 0) adjustedNegative.add(`${variants[after.variant]}#${LOCATIONS[after.location]}`);
}
const adjustedNegative = new Set<string>();
