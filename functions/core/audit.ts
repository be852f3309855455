/**
 * The invariant audit: does every variant-location's stock agree with the records that explain it? Used by
 * the soak after its traffic, and by the reconciliation audit (POST /audits, core/commands/audits.ts). It reads the
 * whole table once (the store's scan) and checks, per variant-location, each stored figure against what should be:
 *  - softReserved: the sum of the live cart holds there (lines not yet released);
 *  - hardReserved: the sum of the order lines still reserved there;
 *  - incoming: the sum of what open purchase orders still bring there;
 *  - safetyStock: the safety stock the variant's configuration gives the location;
 *  - onHand, damaged and qualityControl: the sum of their movements in the ledger (nothing else records them);
 *  - and each of these figures: the sum of its movements in the ledger;
 *  - available = onHand − softReserved − hardReserved − damaged − qualityControl − safetyStock;
 *  - onHand, softReserved, hardReserved, damaged and qualityControl are not negative;
 *  - (with `alerts`) its low-stock alert state: at most one open alert, open exactly when available is below the
 *    threshold, and the alert state names it.
 * Each disagreement is one finding per figure: what is recorded, what it should be, what its ledger sums to, and why.
 */
import { dict, type Dict } from './dict';
import type { InventoryStore, ScanOptions } from './ports';
import type { Movement, VariantConfig } from './schemas';
import { key } from './planned-change';
import { emptyLevels, type AlertRecord, type AlertStateRecord, type CartRecord, type LevelRecord, type OrderRecord, type PurchaseOrderRecord } from './records';
import { availableOf, isLow, safetyStockAt, thresholdAt } from './rules';
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

export type AuditedFigure = 'onHand' | 'softReserved' | 'hardReserved' | 'incoming' | 'damaged' | 'qualityControl' | 'safetyStock' | 'available' | 'alert';

export interface AuditFinding {
  variantId: string;
  locationId: string;
  figure: AuditedFigure;
  recorded: number;
  expected: number;
  /** What the figure's movements in the ledger sum to (absent for available and the alert state). */
  ledger?: number;
  cause: string;
}

export interface AuditResult {
  /** Variant-locations checked. */
  checked: number;
  /** Variant-locations not judged: their level changed at or after `unchangedSince` (a live table's scan is no snapshot). */
  skipped: number;
  findings: AuditFinding[];
  /** The level of each variant-location with findings, as read (undefined: there was none), keyed by planned-change key(). */
  levels: Dict<LevelRecord | undefined>;
}

export interface AuditOptions {
  /** Judge the low-stock alert state too (the soak does; a reconciliation does not). @default true */
  alerts?: boolean;
  /**
   * Skip every variant-location whose level changed at or after this time (ISO): a scan over a live table reads a cart
   * and a level at different moments, so only what did not change during it is judged on what it read.
   */
  unchangedSince?: string;
  /** How the store reads the table (its read-unit budget). */
  scan?: ScanOptions;
}

/** The stored figures, in the order findings list them. */
export const STORED_FIGURES = ['onHand', 'softReserved', 'hardReserved', 'incoming', 'damaged', 'qualityControl', 'safetyStock'] as const;
type Sums = Record<(typeof STORED_FIGURES)[number], number>;
const zero = (): Sums => ({ onHand: 0, softReserved: 0, hardReserved: 0, incoming: 0, damaged: 0, qualityControl: 0, safetyStock: 0 });
const NEVER_NEGATIVE = new Set(['onHand', 'softReserved', 'hardReserved', 'damaged', 'qualityControl']);

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
export async function auditStock(store: Pick<InventoryStore, 'scan'>, options: AuditOptions = {}): Promise<AuditResult> {
  const at = dict<Expected>();
  const configs = dict<VariantConfig>();
  const entry = (variantId: string, locationId: string): Expected =>
    (at[key(variantId, locationId)] ??= { variantId, locationId, ledger: zero(), holds: 0, reserved: 0, incoming: 0, alerts: [] });

  for await (const r of store.scan(options.scan)) {
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
        for (const f of STORED_FIGURES) e.ledger[f] += r.movement.deltas[f] ?? 0;
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
  const levels = dict<LevelRecord | undefined>();
  let checked = 0;
  let skipped = 0;
  for (const e of Object.values(at).sort((a, b) => key(a.variantId, a.locationId).localeCompare(key(b.variantId, b.locationId)))) {
    if (options.unchangedSince && e.level?.updatedAt && e.level.updatedAt >= options.unchangedSince) {
      skipped++;
      continue;
    }
    checked++;
    const before = findings.length;
    const level = e.level ?? emptyLevels();
    const config = configs[e.variantId];
    const should: Sums = {
      onHand: e.ledger.onHand,
      softReserved: e.holds,
      hardReserved: e.reserved,
      incoming: e.incoming,
      damaged: e.ledger.damaged,
      qualityControl: e.ledger.qualityControl,
      safetyStock: config ? safetyStockAt(config, e.locationId) : 0,
    };
    const source: Record<keyof Sums, string> = {
      onHand: 'its movements in the ledger sum to',
      softReserved: 'the live cart holds sum to',
      hardReserved: 'the order lines still reserved sum to',
      incoming: 'the open purchase orders still bring',
      damaged: 'its movements in the ledger sum to',
      qualityControl: 'its movements in the ledger sum to',
      safetyStock: 'the configuration gives the location',
    };
    for (const f of STORED_FIGURES) {
      const recorded = level[f];
      const expected = should[f];
      const ledger = e.ledger[f];
      const base = { variantId: e.variantId, locationId: e.locationId, figure: f, recorded, ledger };
      if (recorded !== expected || ledger !== expected) {
        const why = [
          recorded !== expected ? `${f} is ${recorded} but ${source[f]} ${expected}` : `${f} is ${recorded}, as ${source[f]}`,
          ledger !== expected && source[f] !== 'its movements in the ledger sum to' ? `its movements in the ledger sum to ${ledger}` : undefined,
        ].filter(Boolean);
        findings.push({ ...base, expected, cause: why.join('; ') });
      } else if (NEVER_NEGATIVE.has(f) && recorded < 0) {
        findings.push({ ...base, expected: 0, cause: `${f} is negative` });
      }
    }
    const available = availableOf(level);
    if (level.available !== available) {
      findings.push({
        variantId: e.variantId,
        locationId: e.locationId,
        figure: 'available',
        recorded: level.available,
        expected: available,
        cause: 'available is not onHand − softReserved − hardReserved − damaged − qualityControl − safetyStock',
      });
    }
    if (options.alerts ?? true) auditAlerts(e, level, config, findings);
    if (findings.length > before) levels[key(e.variantId, e.locationId)] = e.level;
  }
  return { checked, skipped, findings, levels };
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
