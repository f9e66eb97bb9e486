// `npm run bench -- bgp` (root): BGP route latency in the lab, measured in the router's kernel FIB.
// Baseline first, in a lab whose gobgpds are peered from TOML and driven directly (gobgp CLI, and a
// burst of AddPath gRPC calls); then the product, in a lab with the controller and one speaker per
// node, where each route starts as a LoadBalancer Service. Both labs are built in the same run.
// The Services' EndpointSlices are created before the timed Service creates (in a cluster they
// usually exist already, and the endpoint controller is not part of this project).
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { formatIp, ipFromValue, parseIp } from '../src/ip/address.js';
import { labDown, labUp } from '../test/lab/topology/lab.js';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OPTIONS, planLab, type LabOptions, type LabPlan } from '../test/lab/topology/plan.js';
import { runIn } from '../test/lab/topology/sh.js';
import { tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { labKubeConfig } from '../test/lab/scenarios/bgp.js';
import { bgpConf, bgpEip, bgpPeer, setEndpoints } from '../test/lab/scenarios/objects.js';
import { FibMonitor } from './fib-monitor.js';

const LATENCY_SAMPLES = Number(process.env['BENCH_BGP_SAMPLES'] ?? 50);
const BURST = Number(process.env['BENCH_BGP_BURST'] ?? 1000);
const CONCURRENCY = 32;
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
  };
}

interface Figures {
  readonly p50: number;
  readonly p95: number;
  readonly burstMs: number;
  /** Product only: when the controller had written every burst Service's IP. */
  readonly assignedMs?: number;
}

async function withLab(
  options: LabOptions,
  body: (plan: LabPlan, kc: KubeConfig) => Promise<Figures>,
): Promise<Figures> {
  const stateDir = mkdtempSync(join(tmpdir(), 'oelb-bench-bgp-'));
  const plan = planLab(options);
  await labUp({ options, stateDir });
  try {
    return await body(plan, labKubeConfig(stateDir));
  } finally {
    await labDown(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function runBaseline(plan: LabPlan): Promise<Figures> {
  const node = firstNode(plan);
  const fib = new FibMonitor(plan.ns.router);
  try {
    const gobgpAdd = (prefix: string) =>
      runIn(node.ns, 'gobgp', ['global', 'rib', 'add', `${prefix}/32`, '-a', 'ipv4']);
    await gobgpAdd('198.18.0.1');
    await fib.waitFor('198.18.0.1', 30_000); // sessions are up
    const samples: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const prefix = ipAfter(LATENCY_BASE, i);
      const start = performance.now();
      await gobgpAdd(prefix);
      samples.push((await fib.waitFor(prefix, 10_000)) - start);
    }
    const prefixes = Array.from({ length: BURST }, (_, n) => ipAfter(BURST_BASE, n));
    const start = performance.now();
    const runner = fileURLToPath(new URL('./runners/addpath-burst.js', import.meta.url));
    const r = await runIn(
      node.ns,
      process.execPath,
      [runner, String(BURST), BURST_BASE, node.lan.v4, String(CONCURRENCY)],
      120_000,
    );
    if (!r.ok) throw new Error(`addpath-burst: ${r.stderr}`);
    const burstMs = (await fib.waitForAll(prefixes, 120_000)) - start;
    return { ...percentiles(samples), burstMs: round(burstMs) };
  } finally {
    fib.stop();
  }
}

async function runProduct(plan: LabPlan, kc: KubeConfig): Promise<Figures> {
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = plan.nodes.map((n) => n.name);
  await bgpConf(kc, plan.nodeAsn, 179);
  await bgpPeer(kc, 'router', plan.router.lan.v4, plan.routerAsn);
  await bgpEip(kc, 'bench', '198.18.0.0/21');
  const fib = new FibMonitor(plan.ns.router);
  const create = async (name: string, ip: string): Promise<void> => {
    await core.createNamespacedService({ namespace: 'default', body: service(name, ip) });
  };
  try {
    await setEndpoints(kc, 'default', 'warm', nodes);
    await create('warm', '198.18.0.1');
    await fib.waitFor('198.18.0.1', 30_000); // controller leading, sessions up
    const samples: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const ip = ipAfter(LATENCY_BASE, i);
      await setEndpoints(kc, 'default', `lat-${i}`, nodes);
      const start = performance.now();
      await create(`lat-${i}`, ip);
      samples.push((await fib.waitFor(ip, 10_000)) - start);
    }
    await inParallel(BURST, CONCURRENCY, (n) => setEndpoints(kc, 'default', `burst-${n}`, nodes));
    const prefixes = Array.from({ length: BURST }, (_, n) => ipAfter(BURST_BASE, n));
    const start = performance.now();
    const assigned = allAssigned(core, 'burst-', BURST).then((t) => t - start);
    await inParallel(BURST, CONCURRENCY, (n) => create(`burst-${n}`, ipAfter(BURST_BASE, n)));
    const burstMs = (await fib.waitForAll(prefixes, 300_000)) - start;
    return { ...percentiles(samples), burstMs: round(burstMs), assignedMs: round(await assigned) };
  } finally {
    fib.stop();
  }
}

/** Resolves with the time every Service named `<prefix><n>` has an ingress IP in its status. */
async function allAssigned(core: CoreV1Api, prefix: string, count: number): Promise<number> {
  for (;;) {
    const list = await core.listNamespacedService({ namespace: 'default' });
    const done = list.items.filter(
      (s) =>
        s.metadata?.name?.startsWith(prefix) === true && (s.status?.loadBalancer?.ingress?.length ?? 0) > 0,
    ).length;
    if (done >= count) return performance.now();
    await new Promise((r) => setTimeout(r, 100));
  }
}

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

async function inParallel(
  count: number,
  width: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
