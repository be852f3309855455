/**
 * Low-stock alerts. A location's threshold is its override, else the variant's. When a change to a
 * variant's item takes a location's available from at-or-above its threshold to below it, an alert
 * opens; back to at-or-above, it clears. Crossings are found in the stream processor from the item's
 * old and new images (so no change can escape them, whatever wrote it) and applied on the condition
 * of the variant-location's alert state, so each happens once however often the record is delivered.
 * The alert item's own stream record then publishes the event (a transactional outbox).
 */
import type { Deps } from '../deps';
import type { AlertRecord, AlertStateRecord, VariantRecord } from '../model';
import type { PublishedEvent } from '../ports';
import { runCommand } from '../run-command';
import type { Alert } from '../schemas';
import { isLow, thresholdAt } from '../views';

export interface Crossing {
  variantId: string;
  locationId: string;
  direction: 'opened' | 'cleared';
  available: number;
  threshold: number;
}

/** The crossings between two images of a variant's item (old undefined for a new item). */
export function crossings(before: VariantRecord | undefined, after: VariantRecord): Crossing[] {
  const out: Crossing[] = [];
  for (const locationId of Object.keys(after.levels).sort()) {
    const level = after.levels[locationId];
    const threshold = thresholdAt(after, locationId);
    const wasLow = before?.levels[locationId] ? isLow(before.levels[locationId].available, thresholdAt(before, locationId)) : false;
    const low = isLow(level.available, threshold);
    if (low && !wasLow) out.push({ variantId: after.variantId, locationId, direction: 'opened', available: level.available, threshold: threshold! });
    if (!low && wasLow) {
      out.push({
        variantId: after.variantId,
        locationId,
        direction: 'cleared',
        available: level.available,
        threshold: threshold ?? thresholdAt(before!, locationId)!,
      });
    }
  }
  return out;
}

/**
 * Applies a crossing once: opening needs no open alert at that variant-location, clearing needs the
 * open one. `alertId` is derived from the stream record, so a redelivery names the same alert.
 */
export async function applyCrossing(deps: Deps, c: Crossing, alertId: string, at: string): Promise<boolean> {
  return runCommand(deps.store, async () => {
    const state: AlertStateRecord =
      (await deps.store.getAlertState(c.variantId, c.locationId)) ??
      { entity: 'AlertState', variantId: c.variantId, locationId: c.locationId, openAlertId: null, version: 0 };
    if (c.direction === 'opened') {
      if (state.openAlertId) return { change: null, result: false };
      const alert: AlertRecord = {
        entity: 'Alert',
        alertId,
        variantId: c.variantId,
        locationId: c.locationId,
        status: 'open',
        available: c.available,
        threshold: c.threshold,
        openedAt: at,
        clearedAt: null,
        version: 0,
      };
      return {
        result: true,
        change: {
          levels: [],
          records: [
            { op: 'put', record: { ...state, openAlertId: alertId }, expect: { version: state.version } },
            { op: 'put', record: alert, expect: 'absent' },
          ],
        },
      };
    }
    if (!state.openAlertId) return { change: null, result: false };
    const open = await deps.store.getAlert(state.openAlertId);
    if (!open) return { change: null, result: false };
    const cleared: AlertRecord = { ...open, status: 'cleared', available: c.available, clearedAt: at };
    return {
      result: true,
      change: {
        levels: [],
        records: [
          { op: 'put', record: { ...state, openAlertId: null }, expect: { version: state.version } },
          // The alert's index entry moves from ALERTS#open to ALERTS#cleared with the put.
          { op: 'put', record: cleared, expect: { version: open.version } },
        ],
      },
    };
  });
}

export const EVENT_SOURCE = 'inventory';

/** The event for an alert's transition; its eventId is the same on every retry. */
export function alertEvent(alert: AlertRecord, direction: 'opened' | 'cleared'): PublishedEvent {
  const id = `${alert.alertId}:${direction}`;
  return {
    id,
    detailType: direction === 'opened' ? 'LowStockAlertOpened' : 'LowStockAlertCleared',
    detail: {
      eventId: id,
      alertId: alert.alertId,
      variantId: alert.variantId,
      locationId: alert.locationId,
      available: alert.available,
      threshold: alert.threshold,
      at: direction === 'opened' ? alert.openedAt : alert.clearedAt,
    },
  };
}

export const alertView = ({ entity: _e, version: _v, ...a }: AlertRecord): Alert => a;

export async function listAlerts(deps: Deps, query: { locationId?: string; status?: 'open' | 'cleared' }): Promise<{ alerts: Alert[] }> {
  const statuses = query.status ? [query.status] : (['open', 'cleared'] as const);
  const lists = await Promise.all(statuses.map((s) => deps.store.listAlerts(s, query.locationId)));
  return {
    alerts: lists
      .flat()
      .map(alertView)
      .sort((a, b) => b.openedAt.localeCompare(a.openedAt) || a.alertId.localeCompare(b.alertId)),
  };
}
