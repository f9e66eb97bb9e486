import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric this project exports starts with this prefix (MetalLB style: `<prefix>_<area>_<name>`). */
export const METRIC_PREFIX = 'openelb_';

/** What a metric needs to be created; labelNames fix its label set. */
export interface MetricSpec<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

/** A histogram additionally takes bucket bounds (seconds, by Prometheus convention). */
export interface HistogramSpec<L extends string> extends MetricSpec<L> {
  readonly buckets?: readonly number[];
}

/** Options for a Metrics instance. */
export interface MetricsOptions {
  /** Also export Node.js process metrics (heap, event loop lag, ...). @default false */
  readonly processMetrics?: boolean;
}

/**
 * Owns one prom-client Registry, so each process role (and each test) has its own metrics instead
 * of sharing prom-client's global registry. Areas (queue, informer, leader election, ...) ask it
 * for their metrics by spec; asking twice for the same name returns the same metric, so several
 * queues or informers can share one family distinguished by labels.
 */
export class Metrics {
  readonly registry = new Registry();

  constructor(options: MetricsOptions = {}) {
    if (options.processMetrics === true) {
      collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    }
  }

  counter<L extends string = string>(spec: MetricSpec<L>): Counter<L> {
    const existing = this.#existing(spec.name, Counter);
    if (existing) return existing as Counter<L>;
    return new Counter<L>({ ...this.#base(spec), registers: [this.registry] });
  }

  gauge<L extends string = string>(spec: MetricSpec<L>): Gauge<L> {
    const existing = this.#existing(spec.name, Gauge);
    if (existing) return existing as Gauge<L>;
    return new Gauge<L>({ ...this.#base(spec), registers: [this.registry] });
  }

  histogram<L extends string = string>(spec: HistogramSpec<L>): Histogram<L> {
    const existing = this.#existing(spec.name, Histogram);
    if (existing) return existing as Histogram<L>;
    return new Histogram<L>({
      ...this.#base(spec),
      ...(spec.buckets ? { buckets: [...spec.buckets] } : {}),
      registers: [this.registry],
    });
  }

  /** The Prometheus text exposition of every metric, for a /metrics endpoint. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type header value for `text()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  #base<L extends string>(spec: MetricSpec<L>): { name: string; help: string; labelNames: L[] } {
    return { name: spec.name, help: spec.help, labelNames: [...(spec.labelNames ?? [])] };
  }

  #existing(name: string, kind: abstract new (...args: never[]) => object): object | undefined {
    const metric = this.registry.getSingleMetric(name);
    if (metric === undefined) return undefined;
    if (!(metric instanceof kind)) {
      // A programming error (two areas picked the same name for different kinds): fail loudly at startup.
      throw new Error(`metric ${name} is already registered with a different type`);
    }
    return metric;
  }
}

/** The roles that export metrics. */
export type Role = 'controller' | 'speaker';

/**
 * `openelb_build_info{version,role}` = 1: which version of which role a process runs, so a dashboard or
 * an alert can tell a half-finished rollout (two versions at once) from a finished one.
 */
export function buildInfo(metrics: Metrics, role: Role, version: string): void {
  metrics
    .gauge<'version' | 'role'>({
      name: `${METRIC_PREFIX}build_info`,
      help: 'Always 1; the labels say which version of openelb-manager and which role this process runs',
      labelNames: ['version', 'role'],
    })
    .set({ version, role }, 1);
}
