// `npm run bench -- soak` (root): does anything grow while Services come and go? A lab with 2 nodes
// (FRR, the controller, a speaker + gobgpd per node) runs cycles of: create BENCH_SOAK_SERVICES
// LoadBalancer Services with endpoints, wait until all have IPs, delete them and their EndpointSlices,
// wait until they are gone. After each cycle it reads the controller's and each speaker's V8 heap in
// use and RSS from /metrics. A leak shows as a floor that rises: the figures compare the lowest heap
// of the first quarter of the cycles with that of the last quarter, per process, in the same run. At
// the end every IP must be back in its Eip and no speaker may announce anything.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, DiscoveryV1Api, type KubeConfig } from '@kubernetes/client-node';
import { labDown, labUp } from '../test/lab/topology/lab.js';
import { DEFAULT_OPTIONS, planLab, type LabOptions } from '../test/lab/topology/plan.js';
import { labKubeConfig, setupBgpInLab, webService } from '../test/lab/scenarios/bgp.js';
import { acquireLabLock } from '../test/integration/lab-harness.js';
import { scrapeMetrics } from './bgp-stages.js';
import { waitFor } from '../test/lab/topology/sh.js';
import { inParallel, round } from './util.js';

const CYCLES = Number(process.env['BENCH_SOAK_CYCLES'] ?? 200);
const SERVICES = Number(process.env['BENCH_SOAK_SERVICES'] ?? 100);
const CONCURRENCY = 10;
const OPTIONS: LabOptions = {
  ...DEFAULT_OPTIONS,
  nodes: 2,
  router: 'frr',
  managers: true,
  gobgpd: 'speaker',
};
const MIB = 2 ** 20;

interface Sample {
  readonly heapMib: number;
  readonly rssMib: number;
}

/** Runs the benchmark; see the file comment. */
export async function soakBench(): Promise<Record<string, number>> {
  if (CYCLES < 4) throw new Error('BENCH_SOAK_CYCLES must be at least 4');
  const release = await acquireLabLock(15 * 60_000);
  const stateDir = mkdtempSync(join(tmpdir(), 'oelb-bench-soak-'));
  try {
    const plan = planLab(OPTIONS);
    await labUp({ options: OPTIONS, stateDir });
    try {
      const kc = labKubeConfig(stateDir);
      await setupBgpInLab(kc, plan);
      const processes = [
        { name: 'controller', ns: plan.ns.mgmt, port: 50052 },
        ...plan.nodes.map((n) => ({ name: `speaker_${n.name}`, ns: n.ns, port: 50053 })),
      ];
      const samples = new Map<string, Sample[]>(processes.map((p) => [p.name, []]));
      const cycleMs: number[] = [];
      const started = Date.now();
      for (let c = 0; c < CYCLES; c++) {
        const t = Date.now();
        await cycle(kc, plan, c);
        cycleMs.push(Date.now() - t);
        for (const p of processes) samples.get(p.name)?.push(await sample(p.ns, p.port));
        if (c % 25 === 24) {
          // The lowest heap of each process over the last 25 cycles: a floor that keeps rising is a leak.
          const floors = [...samples].map(
            ([name, s]) => `${name} ${Math.min(...s.slice(-25).map((x) => x.heapMib)).toFixed(1)}`,
          );
          console.error(
            `soak: ${String(c + 1)}/${String(CYCLES)} cycles; heap floor MiB: ${floors.join(', ')}`,
          );
        }
      }
      const figures: Record<string, number> = {
        cycles: CYCLES,
        services_per_cycle: SERVICES,
        services_churned: CYCLES * SERVICES,
        duration_s: round((Date.now() - started) / 1000),
        cycle_ms_first_quarter: round(mean(quarter(cycleMs, 'first'))),
        cycle_ms_last_quarter: round(mean(quarter(cycleMs, 'last'))),
      };
      for (const [name, s] of samples) {
        const first = Math.min(...quarter(s, 'first').map((x) => x.heapMib));
        const last = Math.min(...quarter(s, 'last').map((x) => x.heapMib));
        figures[`${name}_heap_floor_first_mib`] = round(first, 1);
        figures[`${name}_heap_floor_last_mib`] = round(last, 1);
        figures[`${name}_heap_floor_ratio`] = round(last / first, 2);
        figures[`${name}_rss_first_mib`] = round(s[0]?.rssMib ?? NaN, 1);
        figures[`${name}_rss_last_mib`] = round(s.at(-1)?.rssMib ?? NaN, 1);
      }
      // Nothing may be left over: every IP back in its Eip, no path announced. Both are read from
      // /metrics, which the controller updates with its coalesced Eip status writes (every 500 ms at
      // most) and the speakers after each apply: they get a few seconds to settle.
      const leftOver = async (): Promise<{ inUse: number; announced: number }> => {
        const ctl = await scrapeMetrics(plan.ns.mgmt, 50052, /^openelb_allocator_addresses_in_use_total/);
        let announced = 0;
        for (const n of plan.nodes) {
          const sp = await scrapeMetrics(n.ns, 50053, /^openelb_bgp_announced_prefixes/);
          announced += sum(Object.values(sp));
        }
        return { inUse: sum(Object.values(ctl)), announced };
      };
      const settleStart = Date.now();
      const settled = await waitFor(async () => {
        const l = await leftOver();
        return l.inUse === 0 && l.announced === 0 ? l : undefined;
      }, 10_000);
      const left = settled ?? (await leftOver());
      figures['eip_addresses_in_use_after'] = left.inUse;
      figures['announced_prefixes_after'] = left.announced;
      figures['settled_after_ms'] = Date.now() - settleStart;
      return figures;
    } finally {
      await labDown(stateDir);
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
    release();
  }
}

/** Create the Services, wait for all their IPs, delete them and their slices, wait until gone. */
async function cycle(kc: KubeConfig, plan: ReturnType<typeof planLab>, cycleNo: number): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  // New names every cycle, as real Services have: anything kept per Service key would pile up.
  const names = Array.from({ length: SERVICES }, (_, i) => `soak-${String(cycleNo)}-${String(i)}`);
  await inParallel(names.length, CONCURRENCY, (i) => webService(kc, names[i] ?? '', 'pool', plan));
  await until(async () => {
    const list = await core.listNamespacedService({ namespace: 'default' });
    return list.items.filter(
      (s) => isSoak(s.metadata?.name) && (s.status?.loadBalancer?.ingress ?? []).length > 0,
    ).length;
  }, SERVICES);
  await inParallel(names.length, CONCURRENCY, async (i) => {
    const name = names[i] ?? '';
    await core.deleteNamespacedService({ name, namespace: 'default' });
    await discovery.deleteNamespacedEndpointSlice({ name: `${name}-lab`, namespace: 'default' });
  });
  // The finalizer goes once the controller has released the IP.
  await until(async () => {
    const list = await core.listNamespacedService({ namespace: 'default' });
    return list.items.filter((s) => isSoak(s.metadata?.name)).length;
  }, 0);
}

const isSoak = (name: string | undefined): boolean => name?.startsWith('soak-') === true;

/** Polls `count` until it returns `want`; fails after 60 s. */
async function until(count: () => Promise<number>, want: number): Promise<void> {
  if ((await waitFor(async () => ((await count()) === want ? true : undefined), 60_000, 50)) === undefined)
    throw new Error(`soak: ${String(await count())} Services, want ${String(want)}, after 60 s`);
}

async function sample(ns: string, port: number): Promise<Sample> {
  const m = await scrapeMetrics(
    ns,
    port,
    /^openelb_(nodejs_heap_size_used_bytes|process_resident_memory_bytes) /,
  );
  return {
    heapMib: (m['openelb_nodejs_heap_size_used_bytes'] ?? NaN) / MIB,
    rssMib: (m['openelb_process_resident_memory_bytes'] ?? NaN) / MIB,
  };
}

function quarter<T>(values: readonly T[], which: 'first' | 'last'): T[] {
  const n = Math.max(1, Math.floor(values.length / 4));
  return which === 'first' ? values.slice(0, n) : values.slice(-n);
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
