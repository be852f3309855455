/**
 * The invariant audit: does every variant-location's stock agree with the records that explain it? Used by
 * the soak after its traffic, and by the reconciliation audit (POST /audits). It reads the whole table once
 * (the store's scan) and checks, per variant-location:
 *  - onHand, softReserved and hardReserved are not negative;
 *  - available = onHand − softReserved − hardReserved;
 *  - softReserved = the sum of the live cart holds there (lines not yet released);
 *  - hardReserved = the sum of the order lines still reserved there;
 *  - incoming = the sum of what open purchase orders still bring there;
 *  - each figure = the sum of its movements in the ledger;
 *  - its low-stock alert state: at most one open alert, open exactly when available is below the
 *    threshold, and the alert state names it.
 * Each disagreement is a finding: which figure, what is recorded, what the records say it should be, why.
 */
import { dict, type Dict } from './dict';
import type { InventoryStore } from './ports';
import type { Movement, VariantConfig } from './schemas';
import { key } from './planned-change';
import type { AlertRecord, AlertStateRecord, CartRecord, LevelRecord, OrderRecord, PurchaseOrderRecord } from './records';
import { isLow, thresholdAt } from './rules';
import { sumBuckets } from './buckets';

/** What the store's scan yields: every record an audit looks at (others are skipped). */
export type ScannedRecord =
  | { kind: 'level'; variantId: string; locationId: string; level: LevelRecord }
  | { kind: 'variant'; config: VariantConfig }
  | { kind: 'cart'; cart: CartRecord }
  | { kind: 'order'; order: OrderRecord }
  | { kind: 'purchaseOrder'; purchaseOrder: PurchaseOrderRecord }
  | { kind: 'movement'; movement: Movement }
  | { kind: 'alert'; alert: AlertRecord }
  | { kind: 'alertState'; state: AlertStateRecord };

export type AuditedFigure = 'onHand' | 'softReserved' | 'hardReserved' | 'incoming' | 'available' | 'alert';

export interface AuditFinding {
  variantId: string;
  locationId: string;
  figure: AuditedFigure;
  recorded: number;
  expected: number;
  cause: string;
}

export interface AuditResult {
  /** Variant-locations checked. */
  checked: number;
  findings: AuditFinding[];
}

const FIGURES = ['onHand', 'softReserved', 'hardReserved', 'incoming'] as const;
type Sums = Record<(typeof FIGURES)[number], number>;
const zero = (): Sums => ({ onHand: 0, softReserved: 0, hardReserved: 0, incoming: 0 });

interface Expected {
  variantId: string;
  locationId: string;
  level?: LevelRecord;
  ledger: Sums;
  holds: number;
  reserved: number;
  incoming: number;
  alerts: AlertRecord[];
  state?: AlertStateRecord;
}

/** Audits everything the scan yields (the whole table, read once). */
export async function auditStock(store: Pick<InventoryStore, 'scan'>): Promise<AuditResult> {
  const at = dict<Expected>();
  const configs = dict<VariantConfig>();
  const entry = (variantId: string, locationId: string): Expected =>
    (at[key(variantId, locationId)] ??= { variantId, locationId, ledger: zero(), holds: 0, reserved: 0, incoming: 0, alerts: [] });

  for await (const r of store.scan()) {
    switch (r.kind) {
      case 'level':
      {
        // A hot location's buckets come one by one: its level is their sum.
        const e = entry(r.variantId, r.locationId);
        e.level = e.level ? sumBuckets([e.level, r.level]) : r.level;
      }
        break;
      case 'variant':
        configs[r.config.variantId] = r.config;
        break;
      case 'cart':
        for (const [variantId, line] of Object.entries(r.cart.lines)) {
          if (line.expired) continue;
          for (const [locationId, a] of Object.entries(line.allocations)) entry(variantId, locationId).holds += a.quantity;
        }
        break;
      case 'order':
        for (const l of Object.values(r.order.lines)) entry(l.variantId, l.locationId).reserved += l.reserved;
        break;
      case 'purchaseOrder':
        if (r.purchaseOrder.status === 'open' || r.purchaseOrder.status === 'partially_received') {
          for (const [variantId, l] of Object.entries(r.purchaseOrder.lines)) {
            entry(variantId, r.purchaseOrder.locationId).incoming += Math.max(0, l.ordered - l.received);
          }
        }
        break;
      case 'movement': {
        const e = entry(r.movement.variantId, r.movement.locationId);
        for (const f of FIGURES) e.ledger[f] += r.movement.deltas[f];
        break;
      }
      case 'alert':
        entry(r.alert.variantId, r.alert.locationId).alerts.push(r.alert);
        break;
      case 'alertState':
        entry(r.state.variantId, r.state.locationId).state = r.state;
        break;
    }
  }

  const findings: AuditFinding[] = [];
  for (const e of Object.values(at).sort((a, b) => key(a.variantId, a.locationId).localeCompare(key(b.variantId, b.locationId)))) {
    const level = e.level ?? { onHand: 0, softReserved: 0, hardReserved: 0, incoming: 0, available: 0, version: 0 };
    const find = (figure: AuditedFigure, recorded: number, expected: number, cause: string) => {
      if (recorded !== expected) findings.push({ variantId: e.variantId, locationId: e.locationId, figure, recorded, expected, cause });
    };
    for (const f of ['onHand', 'softReserved', 'hardReserved'] as const) {
      if (level[f] < 0) find(f, level[f], 0, `${f} is negative`);
    }
    find('available', level.available, level.onHand - level.softReserved - level.hardReserved, 'available is not onHand − softReserved − hardReserved');
    find('softReserved', level.softReserved, e.holds, 'softReserved is not the sum of the live cart holds');
    find('hardReserved', level.hardReserved, e.reserved, 'hardReserved is not the sum of the order lines still reserved');
    find('incoming', level.incoming, e.incoming, 'incoming is not the sum of what open purchase orders still bring');
    for (const f of FIGURES) find(f, level[f], e.ledger[f], `${f} is not the sum of its movements in the ledger`);
    auditAlerts(e, level, configs[e.variantId], findings);
  }
  return { checked: Object.keys(at).length, findings };
}

/** The alert state of one variant-location against its figures: the figure audited is the number of open alerts. */
function auditAlerts(e: Expected, level: LevelRecord, config: VariantConfig | undefined, findings: AuditFinding[]): void {
  const open = e.alerts.filter((a) => a.status === 'open');
  const threshold = config ? thresholdAt(config, e.locationId) : null;
  const shouldBeOpen = isLow(level.available, threshold) ? 1 : 0;
  const finding = (recorded: number, expected: number, cause: string) =>
    findings.push({ variantId: e.variantId, locationId: e.locationId, figure: 'alert', recorded, expected, cause });
  if (open.length !== shouldBeOpen) {
    finding(open.length, shouldBeOpen, shouldBeOpen ? `available ${level.available} is below the threshold ${threshold} with no open alert` : `an alert is open with available ${level.available} at or above the threshold ${threshold ?? 'none'}`);
  }
  const named = e.state?.openAlertId ?? null;
  if ((open[0]?.alertId ?? null) !== named && open.length <= 1) {
    finding(named ? 1 : 0, open.length, `the alert state names ${named ?? 'no alert'} but ${open[0]?.alertId ?? 'none'} is open`);
  }
}

/** Findings grouped by variant-location (what a repair or a report walks). */
export const findingsByLocation = (findings: AuditFinding[]): Dict<AuditFinding[]> => {
  const out = dict<AuditFinding[]>();
  for (const f of findings) (out[key(f.variantId, f.locationId)] ??= []).push(f);
  return out;
};
