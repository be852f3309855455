/**
 * A small inline SVG chart of one location's on-hand (solid line) and available (dashed line) over time, drawn as steps:
 * a level holds until the next movement changes it. Lines differ by pattern as well as colour. Returns markup (no DOM),
 * so it is unit-tested in node; labels are escaped.
 */
import type { LevelPoint } from './ledger';

export interface ChartOptions {
  /** Accessible name, e.g. the location's name. */
  title: string;
  points: readonly LevelPoint[];
  /** The time span drawn (ms since the epoch): from the variant's first movement to now. */
  from: number;
  to: number;
  /** How a time is written under the axis. */
  formatTime: (ms: number) => string;
  width?: number;
  height?: number;
}

const escapeXml = (v: string) => v.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const round = (n: number) => Math.round(n * 10) / 10;

/** The step line of one figure through the points, held to the end of the span. */
function stepPath(points: readonly LevelPoint[], value: (p: LevelPoint) => number, x: (t: number) => number, y: (v: number) => number, to: number): string {
  let d = `M${round(x(points[0].at))},${round(y(value(points[0])))}`;
  for (let i = 1; i < points.length; i++) d += ` H${round(x(points[i].at))} V${round(y(value(points[i])))}`;
  return `${d} H${round(x(to))}`;
}

export function levelChart(o: ChartOptions): string {
  const width = o.width ?? 320;
  const height = o.height ?? 150;
  const left = 36;
  const right = 8;
  const top = 10;
  const bottom = 22;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const last = o.points[o.points.length - 1];
  const label = o.points.length
    ? `${o.title}: on hand ${last.onHand}, available ${last.available} now; ${o.points.length} change${o.points.length === 1 ? '' : 's'} since ${o.formatTime(o.from)}`
    : `${o.title}: no movements`;
  if (!o.points.length) {
    return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(label)}"><title>${escapeXml(label)}</title><text x="${width / 2}" y="${height / 2}" text-anchor="middle">No movements</text></svg>`;
  }
  const values = o.points.flatMap((p) => [p.onHand, p.available]);
  const yMin = Math.min(0, ...values);
  const yMax = Math.max(1, ...values);
  const span = Math.max(1, o.to - o.from);
  const x = (t: number) => left + ((Math.min(Math.max(t, o.from), o.to) - o.from) / span) * plotW;
  const y = (v: number) => top + ((yMax - v) / (yMax - yMin)) * plotH;
  const ticks = [...new Set([yMin, 0, yMax])];
  return [
    `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(label)}">`,
    `<title>${escapeXml(label)}</title>`,
    ...ticks.map(
      (v) =>
        `<line class="grid${v === 0 ? ' zero' : ''}" x1="${left}" x2="${width - right}" y1="${round(y(v))}" y2="${round(y(v))}"/>` +
        `<text class="tick" x="${left - 4}" y="${round(y(v) + 3.5)}" text-anchor="end">${v}</text>`,
    ),
    `<text class="tick" x="${left}" y="${height - 6}">${escapeXml(o.formatTime(o.from))}</text>`,
    `<text class="tick" x="${width - right}" y="${height - 6}" text-anchor="end">${escapeXml(o.formatTime(o.to))}</text>`,
    `<path class="line on-hand" d="${stepPath(o.points, (p) => p.onHand, x, y, o.to)}"/>`,
    `<path class="line available" d="${stepPath(o.points, (p) => p.available, x, y, o.to)}"/>`,
    '</svg>',
  ].join('');
}
