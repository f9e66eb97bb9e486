// The allocator's throughput against a lowest-free linear-scan baseline in the same run:
// fill an IPv4 /16 one Service at a time, then 100,000 mixed release/allocate operations on the full
// pool, then 10,000 allocations from an IPv6 /64. The phases run on the same Allocator code, with the
// product's free-address table (five runs, medians reported) and with bench/linear-scan-baseline.ts
// injected (once), so the ratio is the data structure's. The raw table operations (no Service
// bookkeeping) are reported too, and so is the churn's floor on this machine (allocator-floor.ts:
// only the work any allocator must do per pair, on the same structures), alternated with the runs.
import { parseAddressRange } from '../src/ip/range.js';
import type { EipConfig } from '../src/api/index.js';
import {
  Allocator,
  FreeAddresses,
  serviceKey,
  type AllocationRequest,
  type FreeAddressFactory,
  type FreeAddressSet,
} from '../src/ipam/index.js';
import { linearScanAddresses } from './linear-scan-baseline.js';
import { floorChurnMs } from './allocator-floor.js';
import { collectGarbage } from './util.js';

const CHURN_OPS = 100_000;
const V6_ALLOCATIONS = 10_000;
/** The baseline's churn is quadratic-ish; stop it after this long and report the rate reached. */
const BASELINE_CHURN_BUDGET_MS = Number(process.env['BENCH_BASELINE_BUDGET_MS'] ?? 20_000);
/**
 * Runs of the product's phases; each figure is their median. One run of ~0.3 s swings by ±30 % on a
 * shared 2-core VM; the baseline's phases take seconds each and are run once.
 */
const RUNS = Number(process.env['BENCH_ALLOCATOR_RUNS'] ?? 5);

function pool(name: string, address: string): EipConfig {
  const range = parseAddressRange(address);
  if (!range.ok) throw new Error(range.error);
  return {
    name,
    apiVersion: 'v1alpha2',
    generation: 1,
    range: range.value,
    protocol: 'bgp',
    interface: undefined,
    disable: false,
    priority: 0,
    namespaces: [],
    namespaceSelector: undefined,
    isDefault: true,
    cni: undefined,
    deleting: false,
  };
}

/**
 * A request as the controller builds it: with its queue key (`namespace/name`, a flat string) as
 * `key`, so the allocator does not build one per call.
 */
function request(i: number, family: 'IPv4' | 'IPv6'): AllocationRequest {
  const namespace = `ns${i % 100}`;
  const name = `svc-${i}`;
  return {
    key: serviceKey({ namespace, name }),
    namespace,
    name,
    namespaceLabels: {},
    pinnedEips: [],
    requestedIps: [],
    ipFamilies: [family],
    ipFamilyPolicy: 'SingleStack',
    ports: [{ protocol: 'TCP', port: 80 }],
  };
}

/** Deterministic pseudo-random sequence (LCG), so both runs see the same operations. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const perSecond = (ops: number, ms: number): number => Math.round((ops / ms) * 1000);

interface RunFigures {
  fillMs: number;
  fillOps: number;
  churnMs: number;
  churnOps: number;
  v6Ms: number;
}

/** A /16 minus its network and broadcast addresses. */
const V4_SIZE = 65_534;

/**
 * The fill's Services, then the churn's: which filled slot each pair releases and the Service it
 * assigns. Built before any clock starts, identically for every run (and for the floor loop).
 */
function churnInputs(): { requests: AllocationRequest[]; slots: number[]; incoming: AllocationRequest[] } {
  const requests = Array.from({ length: V4_SIZE }, (_, i) => request(i, 'IPv4'));
  const random = lcg(42);
  const slots = Array.from({ length: CHURN_OPS / 2 }, () => Math.floor(random() * V4_SIZE));
  const incoming = slots.map((_, i) => request(V4_SIZE + i, 'IPv4'));
  return { requests, slots, incoming };
}

function run(factory: FreeAddressFactory, churnBudgetMs: number): RunFigures {
  const allocator = new Allocator({ freeAddresses: factory });
  allocator.setPools([pool('v4', '10.0.0.0/16')]);
  const size = V4_SIZE;
  const { requests, slots, incoming } = churnInputs();
  // The controller releases by its queue key, the same string its requests carry.
  const keys: string[] = requests.map(serviceKey);

  collectGarbage();
  let start = performance.now();
  for (const r of requests) {
    if (!allocator.assign(r).ok) throw new Error(`fill failed at ${r.name}`);
  }
  const fillMs = performance.now() - start;

  // Full pool: release a random Service, allocate a new one; each counts as one operation.
  let churnOps = 0;
  collectGarbage();
  start = performance.now();
  for (let i = 0; churnOps < CHURN_OPS; i++) {
    const slot = slots[i] ?? 0;
    const r = incoming[i] ?? request(0, 'IPv4');
    allocator.release(keys[slot] ?? '');
    keys[slot] = serviceKey(r);
    if (!allocator.assign(r).ok) throw new Error('churn allocation failed');
    churnOps += 2;
    if ((churnOps & 1023) === 0 && performance.now() - start > churnBudgetMs) break;
  }
  const churnMs = performance.now() - start;

  const v6 = new Allocator({ freeAddresses: factory });
  v6.setPools([pool('v6', '2001:db8:1:2::/64')]);
  collectGarbage();
  start = performance.now();
  for (let i = 0; i < V6_ALLOCATIONS; i++) {
    if (!v6.assign(request(i, 'IPv6')).ok) throw new Error('v6 allocation failed');
  }
  const v6Ms = performance.now() - start;
  console.error(
    `fill ${Math.round(fillMs)} ms, churn ${churnOps} ops in ${Math.round(churnMs)} ms, v6 ${Math.round(v6Ms)} ms`,
  );
  return { fillMs, fillOps: size, churnMs, churnOps, v6Ms };
}

/** The table alone: fill a /16, then CHURN_OPS free/take operations at random offsets. */
function rawTable(
  table: FreeAddressSet<true>,
  churnBudgetMs: number,
): { fillMs: number; churnMs: number; churnOps: number } {
  const size = 65_534;
  let start = performance.now();
  for (let i = 0; i < size; i++) table.take(true);
  const fillMs = performance.now() - start;
  const random = lcg(7);
  let churnOps = 0;
  start = performance.now();
  while (churnOps < CHURN_OPS) {
    table.free(1 + Math.floor(random() * size));
    table.take(true);
    churnOps += 2;
    if ((churnOps & 1023) === 0 && performance.now() - start > churnBudgetMs) break;
  }
  return { fillMs, churnMs: performance.now() - start, churnOps };
}

/** Each phase's median duration over the runs (the operation counts are the same in every run). */
function medianRun(runs: readonly RunFigures[]): RunFigures {
  const first = runs[0];
  if (first === undefined) throw new Error('BENCH_ALLOCATOR_RUNS must be at least 1');
  const median = (pick: (r: RunFigures) => number): number => {
    const sorted = runs.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? NaN;
  };
  return {
    ...first,
    fillMs: median((r) => r.fillMs),
    churnMs: median((r) => r.churnMs),
    v6Ms: median((r) => r.v6Ms),
  };
}

/** Runs the benchmark; see the file comment. */
export async function allocatorBench(): Promise<Record<string, number>> {
  await Promise.resolve();
  const floorRun = (): number => {
    const { requests, slots, incoming } = churnInputs();
    return floorChurnMs(requests, slots, incoming, [0, 65_535], collectGarbage);
  };
  run((size, reserved) => new FreeAddresses(size, reserved), Infinity); // warm-ups
  floorRun();
  // The product's runs alternate with the floor loop's (allocator-floor.ts), so both see the same
  // state of the machine; the floor's figure is the median of its runs too.
  const runs: RunFigures[] = [];
  const floorMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(run((size, reserved) => new FreeAddresses(size, reserved), Infinity));
    floorMs.push(floorRun());
  }
  const ours = medianRun(runs);
  floorMs.sort((a, b) => a - b);
  const floorChurn = perSecond(CHURN_OPS, floorMs[Math.floor(floorMs.length / 2)] ?? NaN);
  const base = run(linearScanAddresses, BASELINE_CHURN_BUDGET_MS);
  const reserved = [0, 65_535];
  const rawOurs = rawTable(new FreeAddresses<true>(65_536n, reserved), Infinity);
  const rawBase = rawTable(linearScanAddresses<true>(65_536n, reserved), BASELINE_CHURN_BUDGET_MS);

  const fill = perSecond(ours.fillOps, ours.fillMs);
  const fillBase = perSecond(base.fillOps, base.fillMs);
  const churn = perSecond(ours.churnOps, ours.churnMs);
  const churnBase = perSecond(base.churnOps, base.churnMs);
  const v6 = perSecond(V6_ALLOCATIONS, ours.v6Ms);
  const v6Base = perSecond(V6_ALLOCATIONS, base.v6Ms);
  const rawFill = perSecond(65_534, rawOurs.fillMs);
  const rawFillBase = perSecond(65_534, rawBase.fillMs);
  const rawChurn = perSecond(rawOurs.churnOps, rawOurs.churnMs);
  const rawChurnBase = perSecond(rawBase.churnOps, rawBase.churnMs);
  const ratio = (a: number, b: number): number => Math.round((a / b) * 10) / 10;
  return {
    runs: RUNS,
    v4_fill_services: ours.fillOps,
    v4_fill_ops_per_s: fill,
    baseline_v4_fill_ops_per_s: fillBase,
    v4_fill_ratio: ratio(fill, fillBase),
    churn_ops: ours.churnOps,
    churn_ops_per_s: churn,
    baseline_churn_ops_measured: base.churnOps,
    baseline_churn_ops_per_s: churnBase,
    churn_ratio: ratio(churn, churnBase),
    floor_churn_ops_per_s: floorChurn,
    churn_to_floor_ratio: Math.round((churn / floorChurn) * 100) / 100,
    v6_allocations: V6_ALLOCATIONS,
    v6_ops_per_s: v6,
    baseline_v6_ops_per_s: v6Base,
    v6_ratio: ratio(v6, v6Base),
    table_v4_fill_ops_per_s: rawFill,
    table_baseline_v4_fill_ops_per_s: rawFillBase,
    table_v4_fill_ratio: ratio(rawFill, rawFillBase),
    table_churn_ops_per_s: rawChurn,
    table_baseline_churn_ops_per_s: rawChurnBase,
    table_churn_ratio: ratio(rawChurn, rawChurnBase),
  };
}
