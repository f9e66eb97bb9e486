/**
 * The controller's metrics (prefix `openelb_`), behind a narrow port so reconcilers stay testable:
 * - `openelb_allocator_addresses_total{eip}` / `openelb_allocator_addresses_in_use_total{eip}`
 *   (MetalLB's names, which OpenELB registered but never set), and
 *   `openelb_allocator_addresses_available{eip}`: what automatic allocation can still hand out. A
 *   /24 never hands out its network and broadcast addresses nor Nodes' own ones, so "in use equals
 *   total" never happens there: exhaustion is "available is 0";
 * - `openelb_allocation_failures_total{reason}`;
 * - `openelb_controller_reconcile_duration_seconds{kind,result}`;
 * - `openelb_controller_initial_pass_done`: 1 once the leader's first pass over every key finished;
 * - `openelb_services_pending{reason}`: Services refused what they need now (a level, unlike the
 *   failure counter, which also counts the periodic retries of the same Services).
 * Queue depth comes from queueMetrics (`openelb_workqueue_depth{name}`) and the leader gauge from
 * leader election (`openelb_leader_is_leader`).
 */
import type { PoolCounters } from '../ipam/index.js';
import { toSafeCount } from '../ip/range.js';
import { METRIC_PREFIX, type Metrics } from '../observability/metrics.js';

/** What the controller reports. */
export interface ControllerMetrics {
  pools(pools: readonly PoolCounters[]): void;
  allocationFailed(reason: string): void;
  reconciled(kind: 'service' | 'eip', seconds: number, result: string): void;
  initialPassDone(done: boolean): void;
  /** Services pending now, by reason (a level: every reason seen before and absent now reads 0). */
  pending(counts: ReadonlyMap<string, number>): void;
}

/** A port that records nothing. */
export const noControllerMetrics: ControllerMetrics = {
  pools: () => undefined,
  allocationFailed: () => undefined,
  reconciled: () => undefined,
  initialPassDone: () => undefined,
  pending: () => undefined,
};

/** ControllerMetrics on the project's registry. */
export function controllerMetrics(metrics: Metrics): ControllerMetrics {
  const total = metrics.gauge({
    name: `${METRIC_PREFIX}allocator_addresses_total`,
    help: 'Addresses in the Eip (saturated at 2^53-1 for huge IPv6 pools)',
    labelNames: ['eip'] as const,
  });
  const inUse = metrics.gauge({
    name: `${METRIC_PREFIX}allocator_addresses_in_use_total`,
    help: 'Distinct addresses of the Eip held by Services',
    labelNames: ['eip'] as const,
  });
  const available = metrics.gauge({
    name: `${METRIC_PREFIX}allocator_addresses_available`,
    help: "Addresses the Eip can still hand out automatically (network/broadcast and Nodes' own addresses excluded); 0: exhausted",
    labelNames: ['eip'] as const,
  });
  const failures = metrics.counter({
    name: `${METRIC_PREFIX}allocation_failures_total`,
    help: 'Services refused an address, by reason (EipExhausted, NoEipForNamespace, IPInUse, ...)',
    labelNames: ['reason'] as const,
  });
  const latency = metrics.histogram({
    name: `${METRIC_PREFIX}controller_reconcile_duration_seconds`,
    help: 'Time to reconcile one key, writes included',
    labelNames: ['kind', 'result'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  });
  const pendingGauge = metrics.gauge({
    name: `${METRIC_PREFIX}services_pending`,
    help: 'OpenELB Services without the addresses they need, by the reason of their refusal (EipExhausted, ...)',
    labelNames: ['reason'] as const,
  });
  const pendingReasons = new Set<string>();
  const initial = metrics.gauge({
    name: `${METRIC_PREFIX}controller_initial_pass_done`,
    help: '1 once the leader rebuilt its allocator and processed every key once',
  });
  let known = new Set<string>();
  return {
    pools: (pools) => {
      const now = new Set<string>();
      for (const p of pools) {
        now.add(p.eip);
        total.set({ eip: p.eip }, toSafeCount(p.size));
        inUse.set({ eip: p.eip }, p.inUse);
        available.set({ eip: p.eip }, toSafeCount(p.available));
      }
      for (const gone of known) {
        if (!now.has(gone)) {
          total.remove({ eip: gone });
          inUse.remove({ eip: gone });
          available.remove({ eip: gone });
        }
      }
      known = now;
    },
    allocationFailed: (reason) => {
      failures.inc({ reason });
    },
    reconciled: (kind, seconds, result) => {
      latency.observe({ kind, result }, seconds);
    },
    initialPassDone: (done) => {
      initial.set(done ? 1 : 0);
    },
    pending: (counts) => {
      for (const reason of counts.keys()) pendingReasons.add(reason);
      for (const reason of pendingReasons) pendingGauge.set({ reason }, counts.get(reason) ?? 0);
    },
  };
}
