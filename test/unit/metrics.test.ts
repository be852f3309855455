// Proves the Powertools Metrics adapter writes what CloudWatch and the alarms expect: EMF lines in namespace Inventory with the
// dimension service=inventory (HoldsReleased also with path), the units of METRICS, counters summed and gauges kept per
// invocation, one invocation's metrics never written with another's (npm start runs many at once), nothing when nothing happened.
import { ServiceMetrics, inInvocation } from '../../functions/commons/metrics';
import { METRICS, type MetricsSink } from '../../functions/core/ports';

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

let lines: string[];
let write: jest.SpyInstance;
beforeEach(() => {
  lines = [];
  // Powertools writes EMF to stdout through its own Console: what reaches stdout is what CloudWatch Logs gets.
  write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
});
afterEach(() => write.mockRestore());

const emf = (): Emf[] => lines.flatMap((l) => l.split('\n')).filter((l) => l.trim()).map((l) => JSON.parse(l) as Emf);
const metrics = () => new ServiceMetrics({ namespace: 'Inventory', service: 'inventory' });
const tick = () => new Promise((r) => setImmediate(r));

describe('the EMF lines', () => {
  it('carry namespace Inventory, the dimension service=inventory, each metric’s unit, counters summed and gauges kept', async () => {
    const m = metrics();
    await m.invocation(async () => {
      m.count('HoldsGranted');
      await tick();
      m.count('HoldsGranted');
      m.count('ConflictsRetried', 3);
      m.gauge('LapsedHoldsUnreleased', 2);
      m.gauge('LapsedHoldsUnreleased', 0);
      m.gauge('StreamBatchAge', 1500);
    });
    const [line, ...more] = emf();
    expect(more).toEqual([]);
    expect(line._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'Inventory',
        Dimensions: [['service']],
        Metrics: [
          { Name: 'HoldsGranted', Unit: 'Count' },
          { Name: 'ConflictsRetried', Unit: 'Count' },
          { Name: 'LapsedHoldsUnreleased', Unit: 'Count' },
          { Name: 'StreamBatchAge', Unit: 'Milliseconds' },
        ],
      },
    ]);
    expect(line).toMatchObject({ service: 'inventory', HoldsGranted: 2, ConflictsRetried: 3, LapsedHoldsUnreleased: [2, 0], StreamBatchAge: 1500 });
    expect(Math.abs(line._aws.Timestamp - Date.now())).toBeLessThan(5000);
  });

  it('put HoldsReleased of each path on a line of its own, with the dimensions service and path (as the dashboard reads it)', async () => {
    const m = metrics();
    await m.invocation(async () => {
      m.count('HoldsReleased', 2, { path: 'sweeper' });
      m.count('HoldsReleased', 1, { path: 'sweeper' });
      m.count('HoldsReleased', 4, { path: 'ttl' });
      m.count('Checkouts');
    });
    const out = emf();
    expect(out).toHaveLength(3);
    const byPath = (path: string) => out.find((l) => l.path === path)!;
    expect(byPath('sweeper')).toMatchObject({ service: 'inventory', HoldsReleased: 3 });
    expect(byPath('ttl')).toMatchObject({ service: 'inventory', HoldsReleased: 4 });
    for (const path of ['sweeper', 'ttl']) {
      expect(byPath(path)._aws.CloudWatchMetrics).toEqual([{ Namespace: 'Inventory', Dimensions: [['service', 'path']], Metrics: [{ Name: 'HoldsReleased', Unit: 'Count' }] }]);
    }
    const plain = out.find((l) => !('path' in l))!;
    expect(plain).toMatchObject({ Checkouts: 1 });
    expect(plain._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service']]);
  });

  it('name every metric with the unit METRICS gives it', async () => {
    const m = metrics();
    await m.invocation(async () => {
      for (const [name, { kind }] of Object.entries(METRICS)) {
        if (kind === 'counter') m.count(name as Parameters<MetricsSink['count']>[0]);
        else m.gauge(name as Parameters<MetricsSink['gauge']>[0], 1);
      }
    });
    const written = emf().flatMap((l) => l._aws.CloudWatchMetrics[0].Metrics);
    expect(Object.fromEntries(written.map((x) => [x.Name, x.Unit]))).toEqual(Object.fromEntries(Object.entries(METRICS).map(([n, { unit }]) => [n, unit])));
  });
});

describe('an invocation’s metrics', () => {
  it('are its own when invocations run at once, and written when each ends', async () => {
    const m = metrics();
    let releaseFirst!: () => void;
    const firstMayEnd = new Promise<void>((r) => (releaseFirst = r));
    const first = m.invocation(async () => {
      m.count('HoldsGranted');
      await firstMayEnd;
      m.count('HoldsRefused');
    });
    const second = m.invocation(async () => {
      await tick();
      m.count('HoldsGranted', 5);
      m.count('Checkouts');
    });
    await second;
    expect(emf()).toEqual([expect.objectContaining({ HoldsGranted: 5, Checkouts: 1 })]);
    expect(emf()[0]).not.toHaveProperty('HoldsRefused');
    releaseFirst();
    await first;
    expect(emf()[1]).toMatchObject({ HoldsGranted: 1, HoldsRefused: 1 });
    expect(emf()[1]).not.toHaveProperty('Checkouts');
  });

  it('are written when the invocation throws', async () => {
    const m = metrics();
    await expect(
      m.invocation(async () => {
        m.count('EventsFailed', 2);
        throw new Error('PutEvents failed');
      }),
    ).rejects.toThrow('PutEvents failed');
    expect(emf()).toEqual([expect.objectContaining({ EventsFailed: 2 })]);
  });

  it('write nothing, not even a warning, when nothing was recorded', async () => {
    const warn = jest.spyOn(console, 'warn');
    const m = metrics();
    await m.invocation(async () => undefined);
    expect(lines).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('outside an invocation, are written at once', () => {
    metrics().count('AlertsOpened');
    expect(emf()).toEqual([expect.objectContaining({ AlertsOpened: 1, service: 'inventory' })]);
  });

  it('go through inInvocation only with the service’s sink: any other sink (a test’s) is just called', async () => {
    const seen: string[] = [];
    const sink: MetricsSink = { count: (n) => seen.push(n), gauge: (n) => seen.push(n) };
    await inInvocation(sink, async () => sink.count('Checkouts'));
    await inInvocation(undefined, async () => undefined);
    expect(seen).toEqual(['Checkouts']);
    expect(lines).toEqual([]);
  });
});
