import { METRIC_PREFIX, type Metrics } from '../observability/metrics.js';
import type { QueueMetrics } from './queue.js';

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60];

/**
 * The prom-client side of a WorkQueue's metrics port, named like client-go's workqueue metrics:
 * `openelb_workqueue_{depth,adds_total,retries_total,queue_duration_seconds,work_duration_seconds}`
 * with a `name` label (and `outcome` on work duration).
 */
export function queueMetrics(metrics: Metrics, name: string): QueueMetrics {
  const depth = metrics.gauge({
    name: `${METRIC_PREFIX}workqueue_depth`,
    help: 'Keys waiting to be processed',
    labelNames: ['name'] as const,
  });
  const adds = metrics.counter({
    name: `${METRIC_PREFIX}workqueue_adds_total`,
    help: 'Keys added (including duplicates that were merged)',
    labelNames: ['name'] as const,
  });
  const retries = metrics.counter({
    name: `${METRIC_PREFIX}workqueue_retries_total`,
    help: 'Keys scheduled for a retry after a failure',
    labelNames: ['name'] as const,
  });
  const waited = metrics.histogram({
    name: `${METRIC_PREFIX}workqueue_queue_duration_seconds`,
    help: 'Time a key waited before a worker took it',
    labelNames: ['name'] as const,
    buckets: DURATION_BUCKETS,
  });
  const work = metrics.histogram({
    name: `${METRIC_PREFIX}workqueue_work_duration_seconds`,
    help: 'Time spent processing a key, by outcome',
    labelNames: ['name', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
  });
  return {
    added: () => {
      adds.inc({ name });
    },
    depth: (n) => {
      depth.set({ name }, n);
    },
    retried: () => {
      retries.inc({ name });
    },
    waited: (ms) => {
      waited.observe({ name }, ms / 1000);
    },
    processed: (ms, outcome) => {
      work.observe({ name, outcome }, ms / 1000);
    },
  };
}
