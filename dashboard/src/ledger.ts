/**
 * A variant's levels over time, from its ledger (GET /variants/{id}/movements, oldest first). Each movement carries the
 * deltas of the stored figures, and summing a location's deltas from the start gives its levels, so walking the
 * ledger forward gives on-hand and available (on-hand less the holds, the reservations and the unsellable units:
 * damaged, quality control, safety stock) after every movement, at each location. No DOM: unit-tested in node.
 */
import type { Schema } from '../../clients/typescript';

type Movement = Pick<Schema<'Movement'>, 'at' | 'locationId' | 'deltas'>;

export interface LevelPoint {
  /** Milliseconds since the epoch. */
  at: number;
  onHand: number;
  available: number;
}

/** Per location, in the order locations first appear: the levels after each of its movements. */
export function levelsOverTime(movements: readonly Movement[]): Map<string, LevelPoint[]> {
  const running = new Map<string, { onHand: number; soft: number; hard: number; unsellable: number }>();
  const series = new Map<string, LevelPoint[]>();
  for (const m of movements) {
    const r = running.get(m.locationId) ?? { onHand: 0, soft: 0, hard: 0, unsellable: 0 };
    r.onHand += m.deltas.onHand;
    r.soft += m.deltas.softReserved;
    r.hard += m.deltas.hardReserved;
    r.unsellable += (m.deltas.damaged ?? 0) + (m.deltas.qualityControl ?? 0) + (m.deltas.safetyStock ?? 0);
    running.set(m.locationId, r);
    const points = series.get(m.locationId) ?? [];
    const point = { at: Date.parse(m.at), onHand: r.onHand, available: r.onHand - r.soft - r.hard - r.unsellable };
    // Movements of one change share a time: keep the last state at that instant.
    if (points.length && points[points.length - 1].at === point.at) points[points.length - 1] = point;
    else points.push(point);
    series.set(m.locationId, points);
  }
  return series;
}
