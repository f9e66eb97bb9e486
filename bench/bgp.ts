// `npm run bench -- bgp` (root): BGP route latency in the lab, measured in the router's kernel FIB.
// Baseline first, in a lab whose gobgpds are peered from TOML and driven directly (gobgp CLI, and a
// burst of AddPath gRPC calls); then the product, in a lab with the controller and one speaker per
// node, where each route starts as a LoadBalancer Service. Both labs are built in the same run.
// Each lab runs its burst twice: a first (`cold`) one, then, once everything it added is withdrawn,
// the measured one. Both sides' processes are running before either clock starts.
// The Services' EndpointSlices are created before the timed Service creates (in a cluster they
// usually exist already, and the endpoint controller is not part of this project).
import { basename, join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { formatIp, ipFromValue, parseIp } from '../src/ip/address.js';
import { defaultSpeakerCommand, labDown, labUp, type SpeakerCommand } from '../test/lab/topology/lab.js';
import { DEFAULT_OPTIONS, planLab, type LabOptions, type LabPlan } from '../test/lab/topology/plan.js';
import { runIn } from '../test/lab/topology/sh.js';
import { tmpdir } from 'node:os';
import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { labKubeConfig } from '../test/lab/scenarios/bgp.js';
import { bgpConf, bgpEip, bgpPeer, setEndpoints } from '../test/lab/scenarios/objects.js';
import { acquireLabLock } from '../test/integration/lab-harness.js';
import { reuseConnections } from '../src/kube/connection-reuse.js';
import { FibMonitor } from './fib-monitor.js';
import {
  apiRequests,
  cpuDelta,
  labCpu,
  medianLag,
  RibMonitor,
  scrapeMetrics,
  ServiceIpWatch,
  summarizeRequests,
  waitForQuietApi,
} from './bgp-stages.js';
import { reconvergeFigures } from './bgp-reconverge.js';
import { inParallel, round } from './util.js';
import { leanRequest } from './lean-create.js';
import { AddPathRunner } from './addpath-runner.js';

const LATENCY_SAMPLES = Number(process.env['BENCH_BGP_SAMPLES'] ?? 50);
const BURST = Number(process.env['BENCH_BGP_BURST'] ?? 1000);
const CONCURRENCY = 32;
/** BENCH_BGP_RECONVERGE=0 skips the speaker / gobgpd kill-and-restart figures. */
const RECONVERGE = process.env['BENCH_BGP_RECONVERGE'] !== '0';
const LATENCY_BASE = '198.18.0.10';
const BURST_BASE = '198.18.4.0';

export async function bgpBench(): Promise<Record<string, number>> {
  const baseline = await withLab({ ...DEFAULT_OPTIONS, managers: false, gobgpd: 'toml' }, runBaseline);
  const product = await withLab({ ...DEFAULT_OPTIONS, managers: true, gobgpd: 'speaker' }, runProduct);
  return {
    services: LATENCY_SAMPLES,
    baseline_p50_ms: baseline.p50,
    baseline_p95_ms: baseline.p95,
    product_p50_ms: product.p50,
    product_p95_ms: product.p95,
    p50_ratio: round(product.p50 / baseline.p50, 2),
    burst: BURST,
    baseline_burst_ms: baseline.burstMs,
    product_burst_ms: product.burstMs,
    product_burst_all_ips_assigned_ms: product.assignedMs ?? NaN,
    burst_ratio: round(product.burstMs / baseline.burstMs, 2),
    // The first burst, in processes that had never handled one (see runProduct).
    cold_burst_ratio: round(
      (product.extra?.['product_cold_burst_ms'] ?? NaN) / (baseline.extra?.['baseline_cold_burst_ms'] ?? NaN),
      2,
    ),
    ...baseline.extra,
    ...product.extra,
  };
}

interface Figures {
  readonly p50: number;
  readonly p95: number;
  readonly burstMs: number;
  /** Product only: when the controller had written every burst Service's IP. */
  readonly assignedMs?: number;
  /** Further figures, already named for the final JSON line. */
  readonly extra?: Record<string, number>;
}

async function withLab(
  options: LabOptions,
  body: (plan: LabPlan, kc: KubeConfig, stateDir: string) => Promise<Figures>,
): Promise<Figures> {
  // Lab tests of other sessions build labs too: one lab at a time on this machine.
  const release = await acquireLabLock(15 * 60_000);
  const stateDir = mkdtempSync(join(tmpdir(), 'oelb-bench-bgp-'));
  try {
    const plan = planLab(options);
    await labUp({ options, stateDir, ...profiledSpeakers() });
    try {
      return await body(plan, reuseConnections(labKubeConfig(stateDir)), stateDir);
    } finally {
      keepLogs(stateDir);
      await labDown(stateDir);
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
    release();
  }
}

/**
 * BENCH_BGP_CPU_PROF=<dir>: the speakers, the controller and the local API run with --cpu-prof and write their
 * profiles there when the lab goes down (NODE_OPTIONS may not carry --cpu-prof). For diagnosis; it
 * slows them.
 */
function profiledSpeakers(): {
  speaker?: SpeakerCommand;
  controllerNodeArgs?: string[];
  apiNodeArgs?: string[];
} {
  const dir = process.env['BENCH_BGP_CPU_PROF'];
  if (dir === undefined || dir === '') return {};
  return {
    controllerNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    apiNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    speaker: (node, ctx) => {
      const spec = defaultSpeakerCommand(node, ctx);
      const [node_, ...rest] = spec.argv;
      return { ...spec, argv: [node_ ?? process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`, ...rest] };
    },
  };
}

/** BENCH_BGP_LOG_DIR=<dir>: copy the lab's logs there before the lab goes down (for diagnosis). */
function keepLogs(stateDir: string): void {
  const dir = process.env['BENCH_BGP_LOG_DIR'];
  if (dir === undefined || dir === '') return;
  cpSync(stateDir, join(dir, basename(stateDir)), {
    recursive: true,
    filter: (src) => statSync(src).isDirectory() || src.endsWith('.log'),
  });
}

async function runBaseline(plan: LabPlan): Promise<Figures> {
  const node = firstNode(plan);
  const fib = new FibMonitor(plan.ns.router);
  // No next-hop filter: the CLI's routes have next hop 0.0.0.0, and only this node originates any.
  const rib = new RibMonitor(node.ns);
  try {
    const gobgpAdd = (prefix: string) =>
      runIn(node.ns, 'gobgp', ['global', 'rib', 'add', `${prefix}/32`, '-a', 'ipv4']);
    await gobgpAdd('198.18.0.1');
    await fib.waitFor('198.18.0.1', 30_000); // sessions are up
    const samples: number[] = [];
    const sampleStart: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const prefix = ipAfter(LATENCY_BASE, i);
      const start = performance.now();
      sampleStart.push(start);
      await gobgpAdd(prefix);
      samples.push((await fib.waitFor(prefix, 10_000)) - start);
    }
    const samplePrefixes = samples.map((_, i) => ipAfter(LATENCY_BASE, i));
    const sampleRib = samplePrefixes.map((p) => rib.firstSeen.get(p));
    const latencyStages = {
      baseline_latency_cli_to_rib_p50_ms: medianLag(sampleStart, sampleRib),
      baseline_latency_rib_to_fib_p50_ms: medianLag(
        sampleRib,
        samplePrefixes.map((p) => fib.seenAt(p)),
      ),
    };
    const prefixes = Array.from({ length: BURST }, (_, n) => ipAfter(BURST_BASE, n));
    const runner = await AddPathRunner.start(
      node.ns,
      [String(BURST), BURST_BASE, node.lan.v4, String(CONCURRENCY)],
      30_000,
    );
    const burst = (command: 'add' | 'delete'): Promise<void> => runner.run(command, 120_000);
    const timedBurst = async (): Promise<{
      burstMs: number;
      extra: { baseline_burst_first_rib_ms: number; baseline_burst_rib_all_ms: number };
    }> => {
      fib.forget(prefixes);
      rib.forget(prefixes);
      const start = performance.now();
      await burst('add');
      const burstMs = (await fib.waitForAll(prefixes, 120_000)) - start;
      const ribTimes = prefixes.map((p) => rib.firstSeen.get(p) ?? NaN);
      const extra = {
        baseline_burst_first_rib_ms: round(Math.min(...ribTimes) - start),
        baseline_burst_rib_all_ms: round(Math.max(...ribTimes) - start),
      };
      return { burstMs: round(burstMs), extra };
    };
    // The same rounds as the product's (see runProduct): the first burst, then, after a withdrawal
    // of everything it added, the measured one.
    let cold, warm;
    try {
      cold = await timedBurst();
      await burst('delete');
      await fib.waitForNone(prefixes, 120_000);
      warm = await timedBurst();
    } finally {
      runner.stop();
    }
    const extra = {
      ...latencyStages,
      ...warm.extra,
      baseline_cold_burst_ms: cold.burstMs,
      baseline_cold_burst_rib_all_ms: cold.extra.baseline_burst_rib_all_ms,
    };
    const burstMs = warm.burstMs;
    return { ...percentiles(samples), burstMs, extra };
  } finally {
    fib.stop();
    rib.stop();
  }
}

async function runProduct(plan: LabPlan, kc: KubeConfig, stateDir: string): Promise<Figures> {
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = plan.nodes.map((n) => n.name);
  await bgpConf(kc, plan.nodeAsn, 179);
  await bgpPeer(kc, 'router', plan.router.lan.v4, plan.routerAsn);
  await bgpEip(kc, 'bench', '198.18.0.0/21');
  const fib = new FibMonitor(plan.ns.router);
  const watch = new ServiceIpWatch(kc, 'default');
  // Started once BGP runs: `gobgp monitor` exits at once while gobgpd has not started BGP.
  let ribs: RibMonitor[] = [];
  const create = async (name: string, ip: string): Promise<void> => {
    await core.createNamespacedService({ namespace: 'default', body: service(name, ip) });
  };
  try {
    await watch.start();
    await setEndpoints(kc, 'default', 'warm', nodes);
    await create('warm', '198.18.0.1');
    await fib.waitFor('198.18.0.1', 30_000); // controller leading, sessions up
    ribs = plan.nodes.map((n) => new RibMonitor(n.ns, n.lan.v4));
    const samples: number[] = [];
    const sampleStart: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const ip = ipAfter(LATENCY_BASE, i);
      await setEndpoints(kc, 'default', `lat-${i}`, nodes);
      const start = performance.now();
      sampleStart.push(start);
      await create(`lat-${i}`, ip);
      samples.push((await fib.waitFor(ip, 10_000)) - start);
    }
    const announced = ['198.18.0.1', ...samples.map((_, i) => ipAfter(LATENCY_BASE, i))];
    const latencyStages = stageLags(
      sampleStart,
      samples.map((_, i) => watch.assigned.get(`lat-${i}`)),
      { ribs, prefixes: samples.map((_, i) => ipAfter(LATENCY_BASE, i)), fib },
    );
    console.log(JSON.stringify({ detail: 'bgp-latency-stages', ...latencyStages }));
    for (const rib of ribs) rib.stop();
    const reconvergence = RECONVERGE
      ? await reconvergeFigures({ plan, kc, stateDir, announced, create, ipAfter })
      : {};
    await inParallel(BURST, CONCURRENCY, (n) => setEndpoints(kc, 'default', `burst-${n}`, nodes));
    const names = Array.from({ length: BURST }, (_, n) => `burst-${n}`);
    const prefixes = Array.from({ length: BURST }, (_, n) => ipAfter(BURST_BASE, n));
    const send = leanRequest(kc);
    const burstRound = async (
      label: 'cold' | 'warm',
    ): Promise<{
      burstMs: number;
      assignedMs: number;
      stages: Record<string, number>;
      api: Record<string, number>;
    }> => {
      fib.forget(prefixes);
      watch.forget(names);
      ribs = plan.nodes.map((n) => new RibMonitor(n.ns, n.lan.v4));
      try {
        await apiRequests(kc, true);
        const cpuBefore = await labCpu();
        const created: number[] = [];
        const start = performance.now();
        // Same objects, same concurrency, same clock; only the benchmark's own client work is lighter.
        await inParallel(BURST, CONCURRENCY, async (n) => {
          await send(
            'POST',
            '/api/v1/namespaces/default/services',
            service(names[n] ?? '', prefixes[n] ?? ''),
          );
          created[n] = performance.now();
        });
        const createdMs = performance.now() - start;
        const assignedMs = (await watch.waitForAll(names, 300_000)) - start;
        const burstMs = (await fib.waitForAll(prefixes, 300_000)) - start;
        const cpu = cpuDelta(cpuBefore, await labCpu());
        const api = summarizeRequests(await apiRequests(kc), BURST);
        const stages = burstStages(
          { start, createdMs, burstMs, assignedMs },
          created,
          names.map((n) => watch.assigned.get(n)),
          { ribs, prefixes, fib },
        );
        const controller = await scrapeMetrics(plan.ns.mgmt, 50052, METRICS_OF_INTEREST);
        const speaker = await scrapeMetrics(firstNode(plan).ns, 50053, METRICS_OF_INTEREST);
        console.log(JSON.stringify({ detail: 'bgp-burst-stages', round: label, ...stages, ...api }));
        console.log(JSON.stringify({ detail: 'bgp-burst-cpu', round: label, ...cpu }));
        console.log(JSON.stringify({ detail: 'bgp-burst-controller-metrics', round: label, ...controller }));
        console.log(JSON.stringify({ detail: 'bgp-burst-speaker1-metrics', round: label, ...speaker }));
        return { burstMs: round(burstMs), assignedMs: round(assignedMs), stages, api };
      } finally {
        for (const rib of ribs) rib.stop();
        ribs = [];
      }
    };
    // Two rounds. The first burst runs in processes that have never handled one: V8 compiles the hot
    // paths with TurboFan during it (a system-wide `perf record` over a first burst put ~23 % of all
    // CPU on the box in V8's optimising compiler, a third of each speaker's). A controller or speaker
    // in a cluster has long been warm when Services come in bulk, so the figure compared with the
    // baseline is the second burst, after every Service of the first was deleted and withdrawn; the
    // first is reported as `*_cold_*`. The baseline runs the same two rounds in one runner process
    // (its AddPath loop is Node too, and its second burst took half the time of its first).
    const cold = await burstRound('cold');
    await inParallel(BURST, CONCURRENCY, (n) =>
      send('DELETE', `/api/v1/namespaces/default/services/${names[n] ?? ''}`),
    );
    await fib.waitForNone(prefixes, 300_000);
    await watch.waitForGone(names, 300_000);
    await waitForQuietApi(kc, 1000, 60_000);
    const warm = await burstRound('warm');
    return {
      ...percentiles(samples),
      burstMs: warm.burstMs,
      assignedMs: warm.assignedMs,
      extra: {
        ...latencyStages,
        ...warm.stages,
        api_writes_per_service: warm.api['api_writes_per_service'] ?? NaN,
        product_cold_burst_ms: cold.burstMs,
        product_cold_burst_all_ips_assigned_ms: cold.assignedMs,
        ...reconvergence,
      },
    };
  } finally {
    fib.stop();
    watch.stop();
    for (const rib of ribs) rib.stop();
  }
}

/** Where the stage timestamps come from: each node's RIB monitor and the router's FIB, per prefix. */
interface StageSources {
  readonly ribs: readonly RibMonitor[];
  readonly prefixes: readonly string[];
  readonly fib: FibMonitor;
}

/** One burst's stages: creates, IPs in status, paths in each node's gobgpd, routes in the FIB. */
function burstStages(
  clock: { start: number; createdMs: number; burstMs: number; assignedMs: number },
  created: readonly number[],
  assigned: readonly (number | undefined)[],
  { ribs, prefixes, fib }: StageSources,
): Record<string, number> {
  const { start, createdMs, burstMs, assignedMs } = clock;
  const inRib = ribs.map((rib) => prefixes.map((p) => rib.firstSeen.get(p)));
  const firstRib = firstSeenInAnyRib(ribs, prefixes);
  return {
    // 1: the burst's creates are plain JSON POSTs (bench/lean-create.ts), not client-node's typed call.
    burst_create_lean_http: 1,
    burst_create_all_ms: round(createdMs),
    burst_ip_all_ms: round(assignedMs),
    // `gobgp monitor` may miss updates under load: the last one seen, and how many were not seen.
    ...Object.fromEntries(
      inRib.flatMap((r, k) => [
        [`burst_rib_last_node${String(k + 1)}_ms`, round(Math.max(...r.map((t) => t ?? 0)) - start)],
        [`burst_rib_unseen_node${String(k + 1)}`, r.filter((t) => t === undefined).length],
      ]),
    ),
    burst_fib_all_ms: round(burstMs),
    // The benchmark's own creates are neither product nor baseline work: what remains after them.
    burst_fib_after_last_create_ms: round(burstMs - createdMs),
    lag_create_to_ip_p50_ms: medianLag(created, assigned),
    lag_ip_to_rib_p50_ms: medianLag(assigned, firstRib),
    lag_rib_to_fib_p50_ms: medianLag(
      firstRib,
      prefixes.map((p) => fib.seenAt(p)),
    ),
  };
}

/** Per prefix, when the first node's gobgpd had it (undefined: no monitor saw it). */
function firstSeenInAnyRib(ribs: readonly RibMonitor[], prefixes: readonly string[]): (number | undefined)[] {
  return prefixes.map((p) => {
    const seen = ribs.map((r) => r.firstSeen.get(p)).filter((t) => t !== undefined);
    return seen.length === 0 ? undefined : Math.min(...seen);
  });
}

/** The single-Service samples split into stages: create -> IP in status -> path in gobgpd -> FIB. */
function stageLags(
  start: readonly number[],
  assigned: readonly (number | undefined)[],
  { ribs, prefixes, fib }: StageSources,
): Record<string, number> {
  const inRib = firstSeenInAnyRib(ribs, prefixes);
  return {
    latency_create_to_ip_p50_ms: medianLag(start, assigned),
    latency_ip_to_rib_p50_ms: medianLag(assigned, inRib),
    latency_rib_to_fib_p50_ms: medianLag(
      inRib,
      prefixes.map((p) => fib.seenAt(p)),
    ),
    latency_rib_unseen: inRib.filter((t) => t === undefined).length,
  };
}

const METRICS_OF_INTEREST =
  /workqueue_(work|queue)_duration_seconds_(sum|count)|reconcile_duration_seconds_(sum|count)|workqueue_(adds|retries)_total/;

function service(name: string, ip: string): object {
  return {
    metadata: {
      name,
      annotations: {
        'lb.kubesphere.io/v1alpha1': 'openelb',
        'eip.openelb.kubesphere.io/v1alpha2': 'bench',
        'eip.openelb.kubesphere.io/v1alpha1': ip,
      },
    },
    spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80 }] },
  };
}

function firstNode(plan: LabPlan): LabPlan['nodes'][number] {
  const node = plan.nodes[0];
  if (node === undefined) throw new Error('the lab has no nodes');
  return node;
}

function ipAfter(base: string, n: number): string {
  const parsed = parseIp(base);
  if (!parsed.ok) throw new Error(`bad base ${base}`);
  return formatIp(ipFromValue('IPv4', parsed.value.value + BigInt(n)));
}

function percentiles(samples: number[]): { p50: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: round(at(0.5), 1), p95: round(at(0.95), 1) };
}
