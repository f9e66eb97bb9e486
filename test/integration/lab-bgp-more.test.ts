// More BGP scenarios in the virtual lab with FRR (issue #4, "Tests (in the lab)"): next hops follow
// the endpoints of an externalTrafficPolicy Local Service; a NotReady node, or one whose network is
// unavailable, is withdrawn; a BgpPeer nodeSelector peers only the selected nodes; a BgpConf edit of a
// non-restart field does not flap the sessions (an `as` change does); a killed and restarted FRR gets the
// routes back; a hung node stops getting traffic within the hold time its BgpPeer sets. Needs root.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frrRunDir, startFrr, vtysh } from '../lab/topology/frr.js';
import { planLab, type LabOptions, type LabPlan } from '../lab/topology/plan.js';
import { alive } from '../lab/topology/processes.js';
import { run, sleep, waitFor } from '../lab/topology/sh.js';
import { statePaths, type LabState } from '../lab/topology/state.js';
import {
  downTestLab,
  httpFromClient,
  routerNextHops,
  tempStateDir,
  upTestLab,
  waitNextHops,
} from './lab-harness.js';
import { setVip } from '../lab/topology/vip.js';
import {
  applyOpenElb,
  bgpConf,
  bgpPeer,
  labelNode,
  readOpenElb,
  setEndpoints,
  setNodeCondition,
  setNodeReady,
} from '../lab/scenarios/objects.js';
import { labKubeConfig, setupBgpInLab, waitServiceIp, webService } from '../lab/scenarios/bgp.js';

const OPTIONS: LabOptions = { nodes: 3, router: 'frr', ipv6: false, gobgpd: 'speaker', managers: true };
const plan: LabPlan = planLab(OPTIONS);
const stateDir = tempStateDir('oelb-lab-bgp-more-');
const routerDir = statePaths(stateDir).router;
let state: LabState | undefined;
/** The Cluster Service every scenario after the first watches. */
let vip = '';
const names = plan.nodes.map((n) => n.name);
const hops = plan.nodes.map((n) => n.lan.v4);

/** One IPv4 neighbour of the router as FRR reports it. */
interface RouterSession {
  readonly state: string;
  readonly established: number;
  /** The hold time the session negotiated (the lower of both sides' offers). */
  readonly holdMs: number;
}

/** The router's IPv4 sessions to the nodes, by node address (`show bgp neighbors json`). */
async function routerSessions(): Promise<Map<string, RouterSession>> {
  const r = await vtysh(plan, routerDir, ['show bgp neighbors json']);
  if (!r.ok) throw new Error(`vtysh: ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as Record<
    string,
    { bgpState?: string; connectionsEstablished?: number; bgpTimerHoldTimeMsecs?: number }
  >;
  const out = new Map<string, RouterSession>();
  for (const node of plan.nodes) {
    const n = doc[node.lan.v4];
    out.set(node.lan.v4, {
      state: n?.bgpState ?? 'absent',
      established: n?.connectionsEstablished ?? 0,
      holdMs: n?.bgpTimerHoldTimeMsecs ?? 0,
    });
  }
  return out;
}

/** Addresses whose sessions are Established at the router (`show bgp summary json`). */
async function establishedAtRouter(): Promise<string[]> {
  const r = await vtysh(plan, routerDir, ['show bgp summary json']);
  if (!r.ok) throw new Error(`vtysh: ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as { ipv4Unicast?: { peers?: Record<string, { state?: string }> } };
  return Object.entries(doc.ipv4Unicast?.peers ?? {})
    .filter(([, p]) => p.state === 'Established')
    .map(([addr]) => addr)
    .sort();
}

async function waitEstablished(expected: readonly string[], timeoutMs: number): Promise<void> {
  const want = [...expected].sort().join(',');
  const ok = await waitFor(
    async () => ((await establishedAtRouter()).join(',') === want ? true : undefined),
    timeoutMs,
    50,
  );
  if (ok === undefined)
    throw new Error(`Established at the router: ${(await establishedAtRouter()).join(',')}, want ${want}`);
}

function nodeName(i: number): string {
  const name = names[i];
  if (name === undefined) throw new Error(`no node ${String(i + 1)}`);
  return name;
}

beforeAll(async () => {
  state = await upTestLab(OPTIONS, stateDir, 180_000);
  const kc = labKubeConfig(stateDir);
  await setupBgpInLab(kc, plan);
  await webService(kc, 'web', 'pool', plan);
  vip = await waitServiceIp(kc, 'default', 'web');
  await waitNextHops(plan, vip, hops, 15_000);
}, 240_000);

afterAll(async () => {
  await downTestLab(stateDir);
}, 30_000);

describe('BGP speaker in the lab, more scenarios (FRR, 3 nodes)', () => {
  it('announces an externalTrafficPolicy Local Service only from nodes with endpoints, which follow them', async () => {
    const kc = labKubeConfig(stateDir);
    await webService(kc, 'local', 'pool', plan, 'Local');
    await setEndpoints(kc, 'default', 'local', [nodeName(0), nodeName(1)]);
    const ip = await waitServiceIp(kc, 'default', 'local');
    await waitNextHops(plan, ip, hops.slice(0, 2), 10_000);
    await setEndpoints(kc, 'default', 'local', [nodeName(2)]);
    await waitNextHops(plan, ip, hops.slice(2), 5000);
    // Cluster Services are untouched by another Service's endpoints.
    expect(await routerNextHops(plan, vip)).toEqual([...hops].sort());
  }, 30_000);

  it('withdraws a node whose Ready condition turns False, and re-adds it when Ready again', async () => {
    const kc = labKubeConfig(stateDir);
    await setNodeReady(kc, nodeName(1), false);
    await waitNextHops(plan, vip, [hops[0] ?? '', hops[2] ?? ''], 5000);
    await setNodeReady(kc, nodeName(1), true);
    await waitNextHops(plan, vip, hops, 5000);
  }, 15_000);

  it('withdraws a node whose CNI reports NetworkUnavailable=True, and re-adds it when False', async () => {
    const kc = labKubeConfig(stateDir);
    const network = (unavailable: boolean): Promise<void> =>
      setNodeCondition(kc, nodeName(2), {
        type: 'NetworkUnavailable',
        status: unavailable ? 'True' : 'False',
        reason: unavailable ? 'NoRouteCreated' : 'CalicoIsUp',
        message: unavailable ? 'lab: the CNI has not set up this node' : 'lab: the CNI is up',
      });
    await network(true);
    await waitNextHops(plan, vip, hops.slice(0, 2), 5000);
    await network(false);
    await waitNextHops(plan, vip, hops, 5000);
  }, 15_000);

  it('peers only the nodes a BgpPeer nodeSelector selects', async () => {
    const kc = labKubeConfig(stateDir);
    await labelNode(kc, nodeName(0), 'rack', 'a');
    await labelNode(kc, nodeName(1), 'rack', 'a');
    await applyOpenElb(kc, 'bgppeers', 'BgpPeer', 'router', { nodeSelector: { matchLabels: { rack: 'a' } } });
    await waitEstablished(hops.slice(0, 2), 10_000);
    await waitNextHops(plan, vip, hops.slice(0, 2), 5000);
    // The unselected node keeps announcing nothing to nobody: it has no session at all.
    expect((await routerSessions()).get(hops[2] ?? '')?.state).not.toBe('Established');
    await labelNode(kc, nodeName(2), 'rack', 'a');
    await waitEstablished(hops, 10_000);
    await waitNextHops(plan, vip, hops, 5000);
  }, 40_000);

  it('applies a BgpConf edit of a non-restart field without flapping, and restarts BGP on an as change', async () => {
    const kc = labKubeConfig(stateDir);
    await waitEstablished(hops, 10_000);
    const before = await routerSessions();
    expect([...before.values()].map((s) => s.state)).toEqual(['Established', 'Established', 'Established']);
    await bgpConf(kc, plan.nodeAsn, 179, { gracefulRestart: { enabled: true, restartTime: 90 } });
    // No event to wait for when nothing changes on the wire: give every speaker time to react.
    await sleep(3000);
    expect(await routerSessions()).toEqual(before);
    expect(await routerNextHops(plan, vip)).toEqual([...hops].sort());
    // The same path with a restart field: the sessions drop (the router expects the old AS) ...
    await bgpConf(kc, plan.nodeAsn + 1, 179, { gracefulRestart: { enabled: true, restartTime: 90 } });
    await waitEstablished([], 10_000);
    await waitNextHops(plan, vip, [], 10_000);
    // ... and come back as new sessions once the AS is back.
    await bgpConf(kc, plan.nodeAsn, 179);
    await waitEstablished(hops, 15_000);
    await waitNextHops(plan, vip, hops, 5000);
    for (const [addr, s] of await routerSessions())
      expect(s.established, addr).toBeGreaterThan(before.get(addr)?.established ?? 0);
  }, 60_000);

  it('gets the routes back after the router FRR is killed and started again', async () => {
    const frr = (state?.processes ?? []).filter((p) => p.role === 'zebra' || p.role === 'bgpd');
    expect(frr.map((p) => p.role).sort()).toEqual(['bgpd', 'zebra']);
    for (const p of frr) process.kill(p.pid, 'SIGKILL');
    const gone = await waitFor(() => Promise.resolve(frr.every((p) => !alive(p.pid)) || undefined), 5000, 20);
    expect(gone).toBe(true);
    // A killed zebra leaves its routes in the kernel: remove the route so only a relearned one counts,
    // and the stale socket so the new bgpd waits for the new zebra.
    await run('ip', ['-n', plan.ns.router, 'route', 'del', `${vip}/32`]);
    expect(await routerNextHops(plan, vip)).toEqual([]);
    rmSync(join(frrRunDir(routerDir), 'zserv.api'), { force: true });
    const restarted = Date.now();
    await startFrr(plan, routerDir);
    await waitNextHops(plan, vip, hops, 15_000);
    expect(Date.now() - restarted).toBeLessThan(15_000);
  }, 40_000);

  it('stops routing to a hung node within the hold time its BgpPeer sets, and routes to it again on resume', async () => {
    const kc = labKubeConfig(stateDir);
    // Keepalive 1 s, hold 3 s. The router offers 9 s and the lower offer wins; a timer change resets
    // the sessions, which is how BGP renegotiates them.
    await bgpPeer(kc, 'router', plan.router.lan.v4, plan.routerAsn, {
      timers: { config: { holdTime: 3, keepaliveInterval: 1 } },
    });
    const negotiated = await waitFor(
      async () =>
        [...(await routerSessions()).values()].every((s) => s.state === 'Established' && s.holdMs === 3000) ||
        undefined,
      20_000,
      100,
    );
    expect(negotiated).toBe(true);
    // Each node's speaker reports the negotiated hold time in the BgpPeer status.
    const reported = await waitFor(
      async () => {
        const peer = await readOpenElb(kc, 'bgppeers', 'router');
        const byNode = (
          peer.status as
            | { nodesPeerStatus?: Record<string, { timersState?: { negotiatedHoldTime?: string } }> }
            | undefined
        )?.nodesPeerStatus;
        return names.every((n) => byNode?.[n]?.timersState?.negotiatedHoldTime === '3') || undefined;
      },
      10_000,
      100,
    );
    expect(reported).toBe(true);
    await waitNextHops(plan, vip, hops, 15_000);
    // Every node serves HTTP on the Service IP, so the client sees which nodes it is routed to.
    const nodeNamespaces = plan.nodes.map((n) => n.ns);
    expect(await setVip('add', vip, nodeNamespaces)).toEqual([]);

    // A hung node: everything in its namespace (gobgpd, speaker, HTTP responder) stops, its link stays
    // up, so only the missing keepalives can tell the router.
    const node2 = plan.nodes[1];
    if (node2 === undefined) throw new Error('no node2');
    const pids = (await run('ip', ['netns', 'pids', node2.ns])).stdout.split('\n').filter((l) => l !== '');
    expect(pids.length).toBeGreaterThanOrEqual(3);
    const hung = Date.now();
    for (const pid of pids) process.kill(Number(pid), 'SIGSTOP');
    try {
      const others = hops.filter((h) => h !== node2.lan.v4);
      await waitNextHops(plan, vip, others, 10_000);
      expect(Date.now() - hung).toBeLessThan(4500);
      // The client is no longer sent there: every request is answered (by the two other nodes).
      const replies = await httpFromClient(plan, `http://${vip}/`, 12);
      expect(replies).toHaveLength(12);
      expect(replies).not.toContain(node2.name);
    } finally {
      for (const pid of pids) process.kill(Number(pid), 'SIGCONT');
    }
    await waitNextHops(plan, vip, hops, 20_000);
  }, 60_000);
});
