// Proves the functions and the monitoring agree on the service's own metrics: every metric an alarm or the dashboard reads from
// namespace Inventory is one the functions emit (METRICS in functions/core/ports.ts), with the dimensions they emit it with
// (service, and path for HoldsReleased) and a statistic that suits it (Sum of a counter, Maximum of a gauge); and every metric the
// functions emit is on the dashboard.
import { Template } from 'aws-cdk-lib/assertions';
import { METRICS, type MetricName } from '../../functions/core/ports';
import { InventoryStack } from '../../lib/inventory-stack';
import { testApp } from './app';

const template = Template.fromStack(new InventoryStack(testApp(), 'Test'));

interface Read {
  where: string;
  name: string;
  dimensions: Record<string, string>;
  statistic: string;
}

const alarmReads = (): Read[] =>
  Object.entries(template.findResources('AWS::CloudWatch::Alarm'))
    .map(([id, r]) => [id, (r as { Properties: Record<string, unknown> }).Properties] as const)
    .filter(([, p]) => p.Namespace === 'Inventory')
    .map(([id, p]) => ({
      where: `alarm ${id}`,
      name: p.MetricName as string,
      dimensions: Object.fromEntries((p.Dimensions as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value])),
      statistic: p.Statistic as string,
    }));

const dashboardReads = (): Read[] => {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as { Properties: { DashboardBody: unknown } }[];
  const render = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const join = (v as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    return join ? join[1].map(render).join(join[0]) : '<ref>';
  };
  const body = JSON.parse(render(dashboard.Properties.DashboardBody)) as { widgets: { properties: { title?: string; metrics?: unknown[][] } }[] };
  return body.widgets.flatMap((w) =>
    (w.properties.metrics ?? [])
      .filter((m) => m[0] === 'Inventory')
      .map((m) => {
        const options = (typeof m[m.length - 1] === 'object' ? m[m.length - 1] : {}) as { stat?: string };
        const pairs = m.slice(2).filter((x) => typeof x === 'string') as string[];
        const dimensions: Record<string, string> = {};
        for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i]] = pairs[i + 1];
        return { where: `widget "${w.properties.title}"`, name: m[1] as string, dimensions, statistic: options.stat ?? 'Average' };
      }),
  );
};

const reads = [...alarmReads(), ...dashboardReads()];

describe('the service’s own metrics', () => {
  it('are read somewhere (a check that finds none would pass anything)', () => {
    expect(alarmReads().map((r) => r.name).sort()).toEqual(['EventsFailed', 'LapsedHoldsUnreleased']);
    expect(dashboardReads().length).toBeGreaterThanOrEqual(Object.keys(METRICS).length);
  });

  it('read by the alarms and the dashboard, are the ones the functions emit, with their dimensions and a statistic that suits them', () => {
    const wrong = reads.flatMap((r) => {
      const emitted = METRICS[r.name as MetricName];
      if (!emitted) return [`${r.where} reads ${r.name}, which no function emits`];
      const expected = r.name === 'HoldsReleased' ? ['path', 'service'] : ['service'];
      const problems: string[] = [];
      if (JSON.stringify(Object.keys(r.dimensions).sort()) !== JSON.stringify(expected)) problems.push(`${r.where} reads ${r.name} with dimensions ${Object.keys(r.dimensions)}, emitted with ${expected}`);
      if (r.dimensions.service !== 'inventory') problems.push(`${r.where} reads ${r.name} of service ${r.dimensions.service}`);
      if (r.name === 'HoldsReleased' && !['sweeper', 'reclaim', 'ttl'].includes(r.dimensions.path)) problems.push(`${r.where} reads HoldsReleased of path ${r.dimensions.path}`);
      const statistic = emitted.kind === 'counter' ? 'Sum' : 'Maximum';
      if (r.statistic !== statistic) problems.push(`${r.where} reads the ${r.statistic} of ${r.name}, a ${emitted.kind}: ${statistic}`);
      return problems;
    });
    expect(wrong).toEqual([]);
  });

  it('emitted by the functions, are all on the dashboard (HoldsReleased for each path)', () => {
    const shown = new Set(dashboardReads().map((r) => (r.dimensions.path ? `${r.name} ${r.dimensions.path}` : r.name)));
    const emitted = Object.keys(METRICS).flatMap((n) => (n === 'HoldsReleased' ? ['sweeper', 'reclaim', 'ttl'].map((p) => `${n} ${p}`) : [n]));
    expect(emitted.filter((n) => !shown.has(n))).toEqual([]);
  });
});
