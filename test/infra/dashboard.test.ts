// Proves the CloudWatch dashboard exists and shows what on-call looks at: traffic, latency, errors, holds, releases, alerts, events, queues, the stream, functions and the table.
import { Template } from 'aws-cdk-lib/assertions';
import { InventoryStack } from '../../lib/inventory-stack';
import { testApp } from './app';

const template = Template.fromStack(new InventoryStack(testApp(), 'Test'));

type Widget = { type: string; properties: { title?: string; markdown?: string; metrics?: unknown[][]; alarms?: unknown[] } };

/** The dashboard body as JSON: CloudFormation references (to alarms, functions, queues) stand in as "<ref>". */
const body = (): { widgets: Widget[] } => {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as { Properties: { DashboardBody: unknown } }[];
  const render = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const join = (v as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    return join ? join[1].map(render).join(join[0]) : '<ref>';
  };
  return JSON.parse(render(dashboard.Properties.DashboardBody));
};

/** Each metric a widget graphs, as "Namespace/MetricName", plus its dimension values when they are literal. */
const metricsOf = (w: Widget): string[] =>
  (w.properties.metrics ?? []).flatMap((m) => {
    const [namespace, name, ...rest] = m as string[];
    if (typeof namespace !== 'string' || namespace === '...' || !name || typeof name !== 'string' || namespace.startsWith('{')) return [];
    const literal = rest.filter((x) => typeof x === 'string' && x !== '<ref>');
    return [[`${namespace}/${name}`, ...literal].join(' ')];
  });

describe('the dashboard', () => {
  template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  const widgets = body().widgets;
  const titled = (title: string) => {
    const w = widgets.find((x) => x.properties.title === title);
    if (!w) throw new Error(`no widget "${title}" among ${widgets.map((x) => x.properties.title).join(', ')}`);
    return w;
  };

  it('opens with where the runbook is and every alarm’s state', () => {
    expect(widgets[0].properties.markdown).toContain('docs/operations.md');
    const alarmWidget = widgets.find((w) => w.type === 'alarm')!;
    expect(alarmWidget.properties.alarms).toHaveLength(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length);
  });

  it('shows the API’s traffic, latency (p50 and p99) and errors (4xx, 5xx)', () => {
    expect(metricsOf(titled('API traffic (requests)'))).toEqual(['AWS/ApiGateway/Count ApiId Stage $default']);
    const latency = JSON.stringify(titled('API latency (ms)').properties.metrics);
    expect(latency).toContain('"stat":"p50"');
    expect(latency).toContain('"stat":"p99"');
    expect(metricsOf(titled('API errors (4xx, 5xx)'))).toEqual(expect.arrayContaining(['AWS/ApiGateway/4xx ApiId Stage $default', 'AWS/ApiGateway/5xx ApiId Stage $default']));
  });

  it('shows holds granted and refused, releases by path, alerts opened and cleared, events published and failed', () => {
    expect(metricsOf(titled('Holds granted and refused'))).toEqual(
      expect.arrayContaining(['Inventory/HoldsGranted service inventory', 'Inventory/HoldsRefused service inventory', 'Inventory/ConflictsRetried service inventory', 'Inventory/Checkouts service inventory']),
    );
    expect(metricsOf(titled('Holds released, by path (cart lines)'))).toEqual(
      expect.arrayContaining(['sweeper', 'reclaim', 'ttl'].map((p) => `Inventory/HoldsReleased path ${p} service inventory`)),
    );
    expect(metricsOf(titled('Low-stock alerts and events'))).toEqual(
      expect.arrayContaining(['AlertsOpened', 'AlertsCleared', 'EventsPublished', 'EventsFailed'].map((m) => `Inventory/${m} service inventory`)),
    );
  });

  it('shows queue depths, the stream’s iterator age and batch age, rule failures, functions, and the table’s capacity and throttles', () => {
    expect(metricsOf(titled('Queue depths (messages visible)')).filter((m) => m.startsWith('AWS/SQS/ApproximateNumberOfMessagesVisible'))).toHaveLength(5);
    expect(metricsOf(titled('Stream iterator age and batch age (ms)'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^AWS\/Lambda\/IteratorAge/), 'Inventory/StreamBatchAge service inventory']),
    );
    expect(JSON.stringify(titled('EventBridge rule failures').properties.metrics)).toContain('FailedInvocations');
    expect(metricsOf(titled('Function errors and throttles')).filter((m) => /AWS\/Lambda\/(Errors|Throttles)/.test(m))).toHaveLength(6);
    expect(metricsOf(titled('DynamoDB consumed capacity (units)'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/ConsumedReadCapacityUnits/), expect.stringMatching(/ConsumedWriteCapacityUnits/)]),
    );
    const throttles = JSON.stringify(titled('DynamoDB throttles and system errors').properties.metrics);
    for (const m of ['ThrottledRequests', 'ReadThrottleEvents', 'WriteThrottleEvents', 'SystemErrors']) expect(throttles).toContain(m);
  });
});
