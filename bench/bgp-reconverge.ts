// Reconvergence figures for the `bgp` benchmark, with 100 Services announced by every node:
// (a) node 1's speaker is killed (-9) and restarted: the router's FIB must keep every route via that
//     node meanwhile (gobgpd keeps announcing) and the speaker must be in sync within 2 s of restart;
// (b) node 1's gobgpd is killed (-9) and restarted: time until the router's FIB has every route via
//     that node again, and how much of it is the BGP session the router establishes.
import type { KubeConfig } from '@kubernetes/client-node';
import { setEndpoints } from '../test/lab/scenarios/objects.js';
import { startGobgpd } from '../test/lab/topology/gobgp.js';
import { nsPids } from '../test/lab/topology/netns.js';
import { readFileSync } from 'node:fs';
import { defaultSpeakerCommand, speakerFlags } from '../test/lab/topology/lab.js';
import type { LabPlan, NodePlan } from '../test/lab/topology/plan.js';
import { spawnDetached } from '../test/lab/topology/processes.js';
import { runIn, sleep } from '../test/lab/topology/sh.js';
import { loadState, statePaths } from '../test/lab/topology/state.js';
import { RibMonitor } from './bgp-stages.js';
import { round } from './util.js';

const SERVICES = 100;
const RC_BASE = '198.18.2.0';
/** Long enough for the killed speaker's 2 s Lease to expire, as in a real pod restart. */
const SPEAKER_DOWN_MS = 3000;

export interface ReconvergeInput {
  readonly plan: LabPlan;
  readonly kc: KubeConfig;
  readonly stateDir: string;
  /** IPs of the Services already announced (by every node). */
  readonly announced: readonly string[];
  readonly create: (name: string, ip: string) => Promise<void>;
  readonly ipAfter: (base: string, n: number) => string;
}

/** Runs (a) and (b) on the first node; returns figures named for the final JSON line. */
export async function reconvergeFigures(input: ReconvergeInput): Promise<Record<string, number>> {
  const { plan, kc, create, ipAfter } = input;
  const node = plan.nodes[0];
  if (node === undefined) throw new Error('the lab has no nodes');
  const nodes = plan.nodes.map((n) => n.name);
  const ips = [...input.announced];
  for (let i = 0; ips.length < SERVICES - 1; i++) {
    await setEndpoints(kc, 'default', `rc-${String(i)}`, nodes);
    await create(`rc-${String(i)}`, ipAfter(RC_BASE, i));
    ips.push(ipAfter(RC_BASE, i));
  }
  await waitCount(plan, node, ips, ips.length, 30_000);
  const speaker = await speakerRestart(input, node, ips);
  const gobgpd = await gobgpdRestart(input, node, [...ips, ipAfter(RC_BASE, 200)]);
  return { ...speaker, ...gobgpd };
}

async function speakerRestart(
  input: ReconvergeInput,
  node: NodePlan,
  ips: readonly string[],
): Promise<Record<string, number>> {
  const { plan, kc, stateDir, create, ipAfter } = input;
  const state = loadState(stateDir);
  const record =
    state === undefined || 'error' in state
      ? undefined
      : state.processes.find((p) => p.role === 'speaker' && p.ns === node.ns);
  if (record === undefined) throw new Error(`no speaker recorded for ${node.name}`);
  const poll = new ViaPoller(plan, node, ips);
  const rib = new RibMonitor(node.ns, node.lan.v4);
  try {
    process.kill(record.pid, 'SIGKILL');
    // Desired state changes while the speaker is down: the restarted speaker must catch up.
    const newIp = ipAfter(RC_BASE, 200);
    await setEndpoints(
      kc,
      'default',
      'rc-new',
      plan.nodes.map((n) => n.name),
    );
    await create('rc-new', newIp);
    await sleep(SPEAKER_DOWN_MS);
    const paths = statePaths(stateDir);
    const spec = defaultSpeakerCommand(node, {
      plan,
      kubeconfig: paths.kubeconfigInLab,
      dir: paths.node(node.name),
      speakerFlags: await speakerFlags(),
    });
    const restarted = performance.now();
    await spawnDetached(spec);
    const inRib = await until(() => rib.firstSeen.get(newIp), 15_000);
    const ready = await until(async () => ((await readyz(node)) ? performance.now() : undefined), 15_000);
    await sleep(1500); // a late withdrawal (e.g. on a stale Lease) would show up here
    const fibMin = await poll.stop();
    return {
      speaker_restart_rib_synced_ms: round(inRib - restarted),
      speaker_restart_ready_ms: round(ready - restarted),
      speaker_restart_fib_min_routes_via_node: fibMin,
      speaker_restart_fib_routes: ips.length,
    };
  } finally {
    rib.stop();
    await poll.stop();
  }
}

async function gobgpdRestart(
  input: ReconvergeInput,
  node: NodePlan,
  ips: readonly string[],
): Promise<Record<string, number>> {
  const { plan, stateDir } = input;
  // pidof is not namespace-aware: pick the gobgpd whose network namespace is this node's.
  for (const pid of await nsPids(node.ns)) if (commOf(pid) === 'gobgpd') process.kill(pid, 'SIGKILL');
  const killed = performance.now();
  const withdrawn = await waitCount(plan, node, ips, 0, 10_000);
  await startGobgpd(plan, node, statePaths(stateDir).node(node.name), 'speaker');
  const restarted = performance.now();
  const session = until(async () => ((await established(node)) ? performance.now() : undefined), 20_000);
  const all = await waitCount(plan, node, ips, ips.length, 20_000);
  // Polled through the gobgp CLI (~100 ms a call under load): routes in the FIB prove the session was up.
  const up = Math.min(await session, all);
  return {
    gobgpd_kill_to_withdrawn_ms: round(withdrawn - killed),
    gobgpd_restart_to_session_ms: round(up - restarted),
    gobgpd_restart_to_fib_all_ms: round(all - restarted),
    gobgpd_session_to_fib_all_ms: round(all - up),
    gobgpd_restart_routes: ips.length,
  };
}

/** How many of `ips` the router's FIB routes via `node`. */
async function routesVia(plan: LabPlan, node: NodePlan, ips: ReadonlySet<string>): Promise<number> {
  const r = await runIn(plan.ns.router, 'ip', ['-j', 'route', 'show']);
  let routes: RouteJson[];
  try {
    routes = JSON.parse(r.stdout) as RouteJson[];
  } catch {
    return -1;
  }
  return routes.filter(
    (rt) =>
      ips.has(rt.dst) &&
      (rt.gateway === node.lan.v4 || (rt.nexthops ?? []).some((h) => h.gateway === node.lan.v4)),
  ).length;
}

interface RouteJson {
  readonly dst: string;
  readonly gateway?: string;
  readonly nexthops?: readonly { readonly gateway?: string }[];
}

/** Resolves with the time the FIB routes exactly `want` of `ips` via `node`. */
async function waitCount(
  plan: LabPlan,
  node: NodePlan,
  ips: readonly string[],
  want: number,
  timeoutMs: number,
): Promise<number> {
  const set = new Set(ips);
  return until(
    async () => ((await routesVia(plan, node, set)) === want ? performance.now() : undefined),
    timeoutMs,
  );
}

/** Polls the router's FIB every 100 ms and keeps the fewest routes via `node` it saw. */
class ViaPoller {
  #min = Infinity;
  #stopped = false;
  readonly #done: Promise<void>;

  constructor(plan: LabPlan, node: NodePlan, ips: readonly string[]) {
    const set = new Set(ips);
    this.#done = (async (): Promise<void> => {
      while (!this.#stopped) {
        const n = await routesVia(plan, node, set);
        if (n >= 0) this.#min = Math.min(this.#min, n);
        await sleep(100);
      }
    })();
  }

  async stop(): Promise<number> {
    this.#stopped = true;
    await this.#done;
    return this.#min;
  }
}

async function readyz(node: NodePlan): Promise<boolean> {
  const r = await runIn(node.ns, 'curl', [
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '--max-time',
    '1',
    'http://127.0.0.1:50053/readyz',
  ]);
  return r.stdout.trim() === '200';
}

async function established(node: NodePlan): Promise<boolean> {
  const r = await runIn(node.ns, 'gobgp', ['neighbor']);
  return /Establ/.test(r.stdout);
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`not reached within ${String(timeoutMs)} ms`);
    await sleep(50);
  }
}

function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${String(pid)}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
