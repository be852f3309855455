// Proves the variant page's chart reads the ledger right: levels per location are the running sums of the deltas (on hand, and
// available = on hand − soft − hard), one point per instant; and the SVG draws them as steps held to the end of the span, with an
// accessible summary, escaped labels and a distinct pattern for each line.
import { levelChart } from '../../dashboard/src/chart';
import { levelsOverTime } from '../../dashboard/src/ledger';

const move = (at: string, locationId: string, onHand: number, softReserved = 0, hardReserved = 0) => ({
  at: `2026-12-01T10:00:${at}.000Z`,
  locationId,
  deltas: { onHand, softReserved, hardReserved, incoming: 0, damaged: 0, qualityControl: 0, safetyStock: 0 },
});

describe('levelsOverTime', () => {
  it('sums each location’s deltas in ledger order', () => {
    const series = levelsOverTime([
      move('00', 'wh-1', 20),
      move('01', 'store-1', 4),
      move('02', 'wh-1', 0, 3), // a cart hold
      move('03', 'wh-1', 0, -3, 3), // checkout
      move('04', 'wh-1', -3, 0, -3), // fulfilment
    ]);
    expect([...series.keys()]).toEqual(['wh-1', 'store-1']);
    expect(series.get('wh-1')!.map((p) => [p.onHand, p.available])).toEqual([[20, 20], [20, 17], [20, 17], [17, 17]]);
    expect(series.get('store-1')!.map((p) => [p.onHand, p.available])).toEqual([[4, 4]]);
  });

  it('keeps damaged, quality-control and safety stock out of available', () => {
    const unsellable = (at: string, d: Partial<{ damaged: number; qualityControl: number; safetyStock: number }>) => ({
      at: `2026-12-01T10:00:${at}.000Z`,
      locationId: 'wh-1',
      deltas: { onHand: 0, softReserved: 0, hardReserved: 0, incoming: 0, damaged: 0, qualityControl: 0, safetyStock: 0, ...d },
    });
    const series = levelsOverTime([move('00', 'wh-1', 10), unsellable('01', { damaged: 2 }), unsellable('02', { qualityControl: 1 }), unsellable('03', { safetyStock: 3 })]);
    expect(series.get('wh-1')!.map((p) => [p.onHand, p.available])).toEqual([[10, 10], [10, 8], [10, 7], [10, 4]]);
  });

  it('keeps one point per instant: movements of one change share its time', () => {
    const series = levelsOverTime([move('00', 'wh-1', 5), move('01', 'wh-1', 0, 2), move('01', 'wh-1', 0, -2, 2)]);
    expect(series.get('wh-1')).toEqual([
      { at: Date.parse('2026-12-01T10:00:00.000Z'), onHand: 5, available: 5 },
      { at: Date.parse('2026-12-01T10:00:01.000Z'), onHand: 5, available: 3 },
    ]);
  });
});

describe('levelChart', () => {
  const points = levelsOverTime([move('00', 'wh-1', 10), move('05', 'wh-1', 0, 4), move('10', 'wh-1', -10, -4)]).get('wh-1')!;
  const from = points[0].at;
  const svg = levelChart({ title: 'Main <warehouse>', points, from, to: from + 20_000, formatTime: (ms) => `t+${(ms - from) / 1000}s`, width: 240, height: 130 });

  it('draws on hand and available as step lines to the end of the span, the axis from 0 to the highest level', () => {
    // Plot: x from 36 to 232 over 20 s; y from 10 (10 units) to 108 (0).
    expect(svg).toContain('<path class="line on-hand" d="M36,10 H85 V10 H134 V108 H232"/>');
    expect(svg).toContain('<path class="line available" d="M36,10 H85 V49.2 H134 V108 H232"/>');
    expect(svg).toContain('>t+0s</text>');
    expect(svg).toContain('>t+20s</text>');
  });

  it('names itself with the levels now, escaped', () => {
    expect(svg).toContain('aria-label="Main &lt;warehouse&gt;: on hand 0, available 0 now; 3 changes since t+0s"');
    expect(svg).not.toContain('<warehouse>');
  });

  it('goes below zero for backorders, with a zero line', () => {
    const back = levelsOverTime([move('00', 'wh-1', 0, 0, 3)]).get('wh-1')!;
    const chart = levelChart({ title: 'w', points: back, from: back[0].at, to: back[0].at + 1000, formatTime: String });
    expect(chart).toContain('>-3</text>');
    expect(chart).toContain('class="grid zero"');
  });

  it('says when there is nothing to draw', () => {
    expect(levelChart({ title: 'w', points: [], from: 0, to: 1, formatTime: String })).toContain('No movements');
  });
});
