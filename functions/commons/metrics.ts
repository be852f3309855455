/**
 * The MetricsSink port on Powertools Metrics: CloudWatch embedded metric format (EMF), one JSON line on stdout per
 * dimension set, which CloudWatch Logs turns into metrics in the namespace `Inventory` with the dimension
 * `service=inventory` (HoldsReleased also with `path`). No API call: the lines are in the function's log group.
 *
 * What an invocation records is kept apart from every other invocation's and written when it ends, whatever its outcome
 * (`invocation`). In Lambda one invocation runs at a time, but `npm start` runs the three handlers and many requests at
 * once in one process: a shared buffer would write one request's counts with another's. So the invocation's metrics
 * live in an AsyncLocalStorage, and the Powertools instance is only touched when they are written, synchronously.
 * Counters are summed over the invocation (one value per dimension set); gauges keep each value.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS, type CounterName, type GaugeName, type MetricDimensions, type MetricName, type MetricsSink } from '../core/ports';

interface Recorded {
  name: MetricName;
  dimensions: MetricDimensions;
  values: number[];
}

/** One invocation's metrics until they are written, by dimension set and name. */
class InvocationMetrics {
  readonly byDimensions = new Map<string, Map<MetricName, Recorded>>();

  add(name: MetricName, value: number, dimensions: MetricDimensions): void {
    const key = JSON.stringify(Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b)));
    let set = this.byDimensions.get(key);
    if (!set) this.byDimensions.set(key, (set = new Map()));
    const recorded = set.get(name);
    if (!recorded) set.set(name, { name, dimensions, values: [value] });
    else if (METRICS[name].kind === 'counter') recorded.values[0] += value;
    else recorded.values.push(value);
  }
}

export interface ServiceMetricsOptions {
  namespace: string;
  /** The `service` dimension. */
  service: string;
}

export class ServiceMetrics implements MetricsSink {
  private readonly current = new AsyncLocalStorage<InvocationMetrics>();
  private readonly emf: Metrics;

  constructor(options: ServiceMetricsOptions) {
    this.emf = new Metrics({ namespace: options.namespace, serviceName: options.service });
  }

  count(name: CounterName, value = 1, dimensions: MetricDimensions = {}): void {
    this.record(name, value, dimensions);
  }

  gauge(name: GaugeName, value: number): void {
    this.record(name, value, {});
  }

  /** Runs one invocation: what it records is written when it ends, resolved or thrown. */
  async invocation<T>(run: () => Promise<T>): Promise<T> {
    const recorded = new InvocationMetrics();
    try {
      return await this.current.run(recorded, run);
    } finally {
      this.write(recorded);
    }
  }

  /** Outside an invocation (a script, a test calling a command), a metric is written at once. */
  private record(name: MetricName, value: number, dimensions: MetricDimensions): void {
    const invocation = this.current.getStore();
    if (invocation) return invocation.add(name, value, dimensions);
    const once = new InvocationMetrics();
    once.add(name, value, dimensions);
    this.write(once);
  }

  /** One EMF line per dimension set. Synchronous: no other invocation's metrics can get in between. */
  private write(invocation: InvocationMetrics): void {
    for (const set of invocation.byDimensions.values()) {
      const metrics = [...set.values()];
      for (const [name, value] of Object.entries(metrics[0].dimensions)) this.emf.addDimension(name, value);
      for (const m of metrics) for (const v of m.values) this.emf.addMetric(m.name, MetricUnit[METRICS[m.name].unit], v);
      this.emf.publishStoredMetrics();
    }
  }
}

/** Runs one invocation of a handler in its own metrics (the service's sink); with any other sink or none, just runs it. */
export function inInvocation<T>(metrics: MetricsSink | undefined, run: () => Promise<T>): Promise<T> {
  return metrics instanceof ServiceMetrics ? metrics.invocation(run) : run();
}
