/**
 * How stored records are shown to callers, all in one place: variants with their per-location levels
 * (thresholds, whether the location sells) and totals over the locations that sell; cart lines, orders,
 * purchase orders, transfers, alerts and locations.
 */
import type { AuditFindingRecord, AuditRecord } from './records';
import type { Audit, AuditFinding, AuditSummary } from './schemas';
import type { AlertRecord, CartLineRecord, LevelRecord, LocationRecord, OrderRecord, PurchaseOrderRecord, StockCountRecord, TransferRecord, VariantRecord } from './records';
import { toLevels } from './planned-change';
import { lineExpired, thresholdAt } from './rules';
import type { Alert, CartLine, Levels, Location, LocationLevels, Order, PurchaseOrder, StockCount, Transfer, Variant, VariantConfig } from './schemas';

export const sumLevels = (levels: Levels[]): Levels =>
  levels.reduce(
    (t, l) => ({
      onHand: t.onHand + l.onHand,
      softReserved: t.softReserved + l.softReserved,
      hardReserved: t.hardReserved + l.hardReserved,
      incoming: t.incoming + l.incoming,
      damaged: t.damaged + l.damaged,
      qualityControl: t.qualityControl + l.qualityControl,
      safetyStock: t.safetyStock + l.safetyStock,
      available: t.available + l.available,
    }),
    { onHand: 0, softReserved: 0, hardReserved: 0, incoming: 0, damaged: 0, qualityControl: 0, safetyStock: 0, available: 0 },
  );

export type ActiveLookup = (locationId: string) => boolean;

export const activeLookup = (locations: LocationRecord[]): ActiveLookup => {
  const active = new Set(locations.filter((l) => l.active).map((l) => l.locationId));
  return (id) => active.has(id);
};

export const locationLevels = (
  v: VariantRecord,
  locationId: string,
  level: LevelRecord,
  isActive: ActiveLookup,
): LocationLevels => ({
  locationId,
  ...toLevels(level),
  active: isActive(locationId),
  lowStockThreshold: thresholdAt(v, locationId),
});

export const configOf = (v: VariantRecord): VariantConfig => ({
  variantId: v.variantId,
  backorderPolicy: v.backorderPolicy,
  expectedAvailabilityDate: v.expectedAvailabilityDate,
  lowStockThreshold: v.lowStockThreshold,
  locationThresholds: v.locationThresholds,
  hotLocations: v.hotLocations,
  safetyStock: v.safetyStock,
  locationSafetyStock: v.locationSafetyStock,
});

/** A variant's levels per location, in location order; only `locationId`'s when given. */
export const levelsOf = (v: VariantRecord, isActive: ActiveLookup, locationId?: string): LocationLevels[] =>
  Object.entries(v.levels)
    .filter(([loc]) => locationId === undefined || loc === locationId)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([loc, level]) => locationLevels(v, loc, level, isActive));

export const variantView = (v: VariantRecord, isActive: ActiveLookup): Variant => {
  const locations = levelsOf(v, isActive);
  const { safetyStock: safetyStockTotal, ...totals } = sumLevels(locations);
  return { ...configOf(v), ...totals, safetyStockTotal, locations };
};

/** A line's allocations as the API shows them: largest first, then by location. */
export const allocationsView = (allocations: CartLineRecord['allocations']): { locationId: string; quantity: number }[] =>
  Object.entries(allocations)
    .map(([locationId, a]) => ({ locationId, quantity: a.quantity }))
    .sort((a, b) => b.quantity - a.quantity || a.locationId.localeCompare(b.locationId));

/** A cart line as the API shows it; `expiresAt` is the cart's. */
export const lineView = (
  expiresAt: string | null,
  cartId: string,
  variantId: string,
  line: CartLineRecord | undefined,
  now: Date,
  expectedDate: string | null,
): CartLine => ({
  cartId,
  variantId,
  quantity: line?.quantity ?? 0,
  allocations: allocationsView(line?.allocations ?? {}),
  backorderedQuantity: line?.backordered ?? 0,
  expiresAt: line && !line.expired ? expiresAt : null,
  expired: !!line && lineExpired(expiresAt, line, now),
  expectedAvailabilityDate: line && line.backordered > 0 ? expectedDate : null,
});

export const orderView = (o: OrderRecord): Order => {
  const lines = Object.values(o.lines).sort(
    (a, b) => a.variantId.localeCompare(b.variantId) || a.locationId.localeCompare(b.locationId),
  );
  const reserved = lines.some((l) => l.reserved > 0);
  const fulfilled = lines.some((l) => l.fulfilled > 0);
  const cancelled = lines.some((l) => l.cancelled > 0);
  const status = reserved ? 'open' : fulfilled && cancelled ? 'closed' : fulfilled ? 'fulfilled' : 'cancelled';
  return { orderId: o.orderId, cartId: o.cartId, status, createdAt: o.createdAt, lines };
};

export const purchaseOrderView = (po: PurchaseOrderRecord): PurchaseOrder => ({
  purchaseOrderId: po.purchaseOrderId,
  supplier: po.supplier,
  locationId: po.locationId,
  expectedAt: po.expectedAt,
  status: po.status,
  lines: Object.entries(po.lines)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([variantId, l]) => ({ variantId, ordered: l.ordered, received: l.received, outstanding: Math.max(0, l.ordered - l.received) })),
  receipts: po.receipts.map((r) => r.id),
  createdAt: po.createdAt,
  updatedAt: po.updatedAt,
});

export const transferView = ({ entity: _e, version: _v, ...t }: TransferRecord): Transfer => t;

export const alertView = ({ entity: _e, version: _v, ...a }: AlertRecord): Alert => a;

export const locationView = ({ entity: _e, version: _v, ...location }: LocationRecord): Location => location;

export const stockCountView = (c: StockCountRecord): StockCount => ({
  stockCountId: c.stockCountId,
  locationId: c.locationId,
  status: c.status,
  lines: Object.entries(c.lines)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([variantId, l]) => ({
      variantId,
      expectedOnHand: l.expectedOnHand,
      counted: l.counted,
      variance: l.counted === null ? null : l.counted - l.expectedOnHand,
      applied: l.applied,
    })),
  observations: c.observations.map((o) => o.id),
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
  appliedAt: c.appliedAt,
});

export const auditSummaryView = (a: AuditRecord): AuditSummary => ({
  auditId: a.auditId,
  status: a.status,
  trigger: a.trigger,
  requestedAt: a.requestedAt,
  startedAt: a.startedAt,
  completedAt: a.completedAt,
  checked: a.checked,
  skipped: a.skipped,
  truncated: a.truncated,
  readUnits: a.readUnits,
  error: a.error,
});

export const findingView = (f: AuditFindingRecord): AuditFinding => ({
  findingId: f.findingId,
  variantId: f.variantId,
  locationId: f.locationId,
  figure: f.figure as AuditFinding['figure'],
  recorded: f.recorded,
  expected: f.expected,
  ledger: f.ledger,
  cause: f.cause,
  status: f.status,
  resolvedAt: f.resolvedAt,
});

/** Findings by variant, location and figure (the audit's own order). */
export const sortedFindings = (findings: AuditFindingRecord[]): AuditFindingRecord[] =>
  [...findings].sort((a, b) => a.variantId.localeCompare(b.variantId) || a.locationId.localeCompare(b.locationId) || a.figure.localeCompare(b.figure));

export const auditView = (a: AuditRecord, findings: AuditFindingRecord[]): Audit => ({ ...auditSummaryView(a), findings: sortedFindings(findings).map(findingView) });
