/**
 * Low-stock alerts. A location's threshold is its override, else the variant's. While a location's available
 * is below its threshold an alert is open; at or above it, none is. Every change to a variant's item is judged
 * in the stream processor from the item's new image (so no change can escape, whatever wrote it), in the
 * stream's order, against the variant-location's alert state: a transition is written on the condition of that
 * state, so each happens once, and a change no newer than one already judged (a redelivered record) is ignored.
 * Judging each change in order gives one alert per crossing down, however quickly the figure moves back.
 * The alert item's own stream record then publishes the event (a transactional outbox).
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps';
import type { PublishedEvent } from '../ports';
import { runCommand } from '../run-command';
import type { Alert } from '../schemas';
import type { AlertRecord, AlertStateRecord, LevelRecord, VariantRecord } from '../records';
import { isLow, thresholdAt } from '../rules';
import { alertView } from '../views';

/** What one change says of one variant-location: low or not, as of the level's and the configuration's versions. */
export interface AlertJudgement {
  variantId: string;
  locationId: string;
  low: boolean;
  available: number;
  threshold: number | null;
  levelVersion: number;
  configVersion: number;
  /**
   * Made for a configuration change, from the levels as they are now rather than from a level's record: it says
   * nothing about which level records came before (the stream may still deliver older ones), so it is ordered by the
   * configuration's version only.
   */
  byConfiguration: boolean;
  /** When the change was made: an alert it opens or clears is dated by it. */
  at: string;
}

/**
 * The judgements a change to a variant's item calls for (old image undefined for a new item): each location
 * whose level or threshold the change touched: for a level change, where it is low now or was low before; for a
 * configuration change, every location. `fallbackAt` dates a
 * change whose item carries no time of its own.
 */
export function judgements(before: VariantRecord | undefined, after: VariantRecord, fallbackAt: string): AlertJudgement[] {
  const configChanged = !before || before.configVersion !== after.configVersion;
  const out: AlertJudgement[] = [];
  for (const locationId of Object.keys(after.levels).sort()) {
    const level = after.levels[locationId];
    const old = before?.levels[locationId];
    if (!configChanged && old?.version === level.version) continue;
    const threshold = thresholdAt(after, locationId);
    const low = isLow(level.available, threshold);
    const wasLow = !!old && !!before && isLow(old.available, thresholdAt(before, locationId));
    // A level that is not low and was not low before costs nothing, unless the configuration changed: an alert may
    // then be open from a threshold that no image shows any more (levels and configuration are separate items, so a
    // level's record can be judged against the new configuration before the configuration's record is), and only
    // judging every location clears it. Configuration writes are rare; this reads one alert state per location.
    if (!configChanged && !low && !wasLow) continue;
    const at = configChanged && old?.version === level.version ? (after.configUpdatedAt ?? level.updatedAt) : level.updatedAt;
    out.push({
      variantId: after.variantId,
      locationId,
      low,
      available: level.available,
      threshold,
      levelVersion: level.version,
      configVersion: after.configVersion,
      byConfiguration: configChanged,
      at: at ?? fallbackAt,
    });
  }
  return out;
}

/**
 * The judgement of a location's figures as read now (a hot location: its buckets change in no common order, so it is
 * judged on the sum read after each, not on one bucket's image). Always made, low or not: nothing says what it was.
 */
export function locationJudgement(config: VariantRecord, locationId: string, level: LevelRecord, at: string): AlertJudgement {
  const threshold = thresholdAt(config, locationId);
  return {
    variantId: config.variantId,
    locationId,
    low: isLow(level.available, threshold),
    available: level.available,
    threshold,
    levelVersion: level.version,
    configVersion: config.configVersion,
    byConfiguration: false,
    at,
  };
}

/**
 * Applies a judgement: opens an alert if the location is low and none is open, clears the open one if it is
 * not. Returns the transition made, if any.
 */
export async function applyJudgement(deps: Deps, j: AlertJudgement): Promise<'opened' | 'cleared' | null> {
  return runCommand(deps, async () => {
    const state: AlertStateRecord = (await deps.store.getAlertState(j.variantId, j.locationId)) ?? {
      entity: 'AlertState',
      variantId: j.variantId,
      locationId: j.locationId,
      openAlertId: null,
      seenLevelVersion: -1,
      seenConfigVersion: -1,
      version: 0,
    };
    // Levels and configuration are separate items, so their records arrive in no common order. A level's records
    // come in order: one no newer than the last applied is a redelivery, and one judged against an older
    // configuration than the last applied is stale. A configuration's judgement (from the levels as they are now) is
    // stale only if its configuration is older; it leaves the level order alone, so that the level records the
    // stream still holds are judged in turn and no crossing is lost.
    const stale = j.byConfiguration
      ? j.configVersion < state.seenConfigVersion
      : j.levelVersion <= state.seenLevelVersion || j.configVersion < state.seenConfigVersion;
    if (stale) return { change: null, result: null };
    const seen = {
      seenLevelVersion: j.byConfiguration ? state.seenLevelVersion : Math.max(j.levelVersion, state.seenLevelVersion),
      seenConfigVersion: Math.max(j.configVersion, state.seenConfigVersion),
    };
    if (j.low && !state.openAlertId) {
      const alert: AlertRecord = {
        entity: 'Alert',
        alertId: randomUUID(),
        variantId: j.variantId,
        locationId: j.locationId,
        status: 'open',
        available: j.available,
        threshold: j.threshold!,
        openedAt: j.at,
        clearedAt: null,
        version: 0,
      };
      return {
        result: 'opened',
        change: {
          levels: [],
          records: [
            { op: 'put', record: { ...state, ...seen, openAlertId: alert.alertId }, expect: { version: state.version } },
            { op: 'put', record: alert, expect: 'absent' },
          ],
        },
      };
    }
    if (!j.low && state.openAlertId) {
      const open = await deps.store.getAlert(state.openAlertId);
      if (!open) throw new Error(`Alert ${state.openAlertId} of ${j.variantId} at ${j.locationId} is missing`);
      // Two changes committed close together can carry times in the other order than their versions: an alert never
      // clears before it opened.
      const cleared: AlertRecord = { ...open, status: 'cleared', available: j.available, clearedAt: j.at < open.openedAt ? open.openedAt : j.at };
      return {
        result: 'cleared',
        change: {
          levels: [],
          records: [
            { op: 'put', record: { ...state, ...seen, openAlertId: null }, expect: { version: state.version } },
            // The alert's index entry moves from ALERTS#open to ALERTS#cleared with the put.
            { op: 'put', record: cleared, expect: { version: open.version } },
          ],
        },
      };
    }
    // Nothing to change: the state is left as it is (a write per change would cost more than it protects).
    return { change: null, result: null };
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
      version: 1,
      alertId: alert.alertId,
      variantId: alert.variantId,
      locationId: alert.locationId,
      available: alert.available,
      threshold: alert.threshold,
      at: direction === 'opened' ? alert.openedAt : alert.clearedAt,
    },
  };
}

export async function listAlerts(
  deps: Deps,
  query: { locationId?: string; status?: 'open' | 'cleared'; cursor?: string; limit?: number },
): Promise<{ alerts: Alert[]; cursor: string | null }> {
  const page = await deps.store.listAlerts({
    statuses: query.status ? [query.status] : ['open', 'cleared'],
    locationId: query.locationId,
    cursor: query.cursor,
    limit: query.limit ?? 100,
  });
  return { alerts: page.items.map(alertView), cursor: page.cursor };
}
