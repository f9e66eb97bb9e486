// An outage of the Kubernetes API alone must not become an outage of the Services (ADR 0019). The lab's
// API server process is stopped (SIGSTOP: connections stay open and nothing answers, like a hung or
// overloaded API server) for 12 s, six times the speakers' 2 s Lease. Before the fix, every speaker's
// own Lease went stale, and until the API came back nobody answered ARP for the layer2 IP (from 3.0 s
// in, measured with this test on the old build) and the BGP routes were withdrawn (from 10.1 s, at the
// periodic resync). Now each speaker holds what it announces: the router keeps every next hop, and the
// layer2 IP keeps its one owner, during the outage and after the API returns. And a node cut off from
// the API alone still hands its layer2 IP over cleanly: it yields when the node elected in its place
// announces the IP (without that, it kept answering alongside). Under an API that answers renewals 1.5 s
// late every next hop stays and the layer2 IP keeps its owner, with no unanswered probe. Needs root.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planLab, type LabOptions, type LabPlan } from '../lab/topology/plan.js';
import type { LabState } from '../lab/topology/state.js';
import { applyOpenElb } from '../lab/scenarios/objects.js';
import { labKubeConfig, setupBgpInLab, waitServiceIp, webService } from '../lab/scenarios/bgp.js';
import {
  arpingFromRouter,
  expectedAnnouncer,
  macOfNode,
  setNodeLink,
  waitOnlyArpAnswer,
} from '../lab/scenarios/layer2.js';
import { downTestLab, routerNextHops, tempStateDir, upTestLab, waitNextHops } from './lab-harness.js';

const OPTIONS: LabOptions = { nodes: 3, router: 'frr', ipv6: false, gobgpd: 'speaker', managers: true };
const plan: LabPlan = planLab(OPTIONS);
const stateDir = tempStateDir('oelb-lab-api-outage-');
const NODES = plan.nodes.map((n) => n.name);
const HOPS = plan.nodes.map((n) => n.lan.v4).sort();
let state: LabState | undefined;

function apiPid(): number {
  const pid = state?.processes.find((p) => p.role === 'api')?.pid;
  if (pid === undefined) throw new Error('the lab has no API process');
  return pid;
}

/** Resumes the API even when a test failed midway, so `down` can talk to nothing stopped. */
function resumeApi(): void {
  try {
    process.kill(apiPid(), 'SIGCONT');
  } catch {
    // already gone
  }
}

beforeAll(async () => {
  state = await upTestLab(OPTIONS, stateDir);
}, 60_000);

afterAll(async () => {
  resumeApi();
  await downTestLab(stateDir);
}, 30_000);

interface Sample {
  readonly atMs: number;
  readonly hops: string;
  readonly macs: string;
}

/** What the router sees for `ms`: the BGP route's next hops and who answers ARP for the layer2 IP. */
async function watchRouter(bgpIp: string, l2Ip: string, ms: number, started: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const hops = (await routerNextHops(plan, `${bgpIp}/32`)).join(',');
    const macs = (await arpingFromRouter(plan, l2Ip, 1)).join(',');
    samples.push({ atMs: Date.now() - started, hops, macs });
  }
  return samples;
}

describe('Kubernetes API outage (3 nodes, BGP and layer2)', () => {
  it('the router keeps every next hop and the layer2 IP its owner, through the outage and after it', async () => {
    const kc = labKubeConfig(stateDir);
    await setupBgpInLab(kc, plan);
    await applyOpenElb(kc, 'eips', 'Eip', 'lan', {
      address: '192.0.2.200-192.0.2.210',
      protocol: 'layer2',
      interface: 'eth0',
    });
    await webService(kc, 'web-bgp', 'pool', plan);
    await webService(kc, 'web-l2', 'lan', plan);
    const bgpIp = await waitServiceIp(kc, 'default', 'web-bgp');
    const l2Ip = await waitServiceIp(kc, 'default', 'web-l2');
    await waitNextHops(plan, `${bgpIp}/32`, HOPS, 20_000);
    const ownerMac = macOfNode(plan, expectedAnnouncer(l2Ip, NODES) ?? '');
    await waitOnlyArpAnswer(plan, l2Ip, ownerMac, 10_000);

    const started = Date.now();
    process.kill(apiPid(), 'SIGSTOP');
    let during: Sample[];
    try {
      during = await watchRouter(bgpIp, l2Ip, 12_000, started);
    } finally {
      resumeApi();
    }
    const after = await watchRouter(bgpIp, l2Ip, 5000, started);
    const wanted = { hops: HOPS.join(','), macs: ownerMac };
    const off = [...during, ...after].filter((s) => s.hops !== wanted.hops || s.macs !== wanted.macs);
    console.log(
      `API stopped 12 s: ${String(during.length)} samples during, ${String(after.length)} after; off: ${JSON.stringify(off)}`,
    );
    expect(during.length).toBeGreaterThanOrEqual(5);
    expect(during.at(-1)?.atMs).toBeGreaterThan(11_000);
    expect(off).toEqual([]);
  }, 60_000);

  it("a node cut off from the API alone: the next node takes its layer2 IP, and it yields on that node's gratuitous ARP", async () => {
    const kc = labKubeConfig(stateDir);
    const l2Ip = await waitServiceIp(kc, 'default', 'web-l2');
    const owner = expectedAnnouncer(l2Ip, NODES) ?? '';
    const next =
      expectedAnnouncer(
        l2Ip,
        NODES.filter((n) => n !== owner),
      ) ?? '';
    await waitOnlyArpAnswer(plan, l2Ip, macOfNode(plan, owner), 10_000);
    // The owner's management link carries its API traffic only: its LAN stays up, so it keeps answering
    // while it holds, until the node elected in its place announces the IP.
    const started = Date.now();
    await setNodeLink(plan, owner, 'mgmt', false);
    try {
      await waitOnlyArpAnswer(plan, l2Ip, macOfNode(plan, next), 8000);
      const tookMs = Date.now() - started;
      const samples: string[] = [];
      const until = Date.now() + 3000;
      while (Date.now() < until) samples.push((await arpingFromRouter(plan, l2Ip, 1)).join(','));
      console.log(
        `cut off: only ${next} answers after ${String(tookMs)} ms; then ${String(samples.length)} samples`,
      );
      expect(samples.filter((m) => m !== macOfNode(plan, next))).toEqual([]);
    } finally {
      await setNodeLink(plan, owner, 'mgmt', true);
    }
    // Back on the API: its Lease is fresh again and the election gives the IP back to it.
    await waitOnlyArpAnswer(plan, l2Ip, macOfNode(plan, owner), 10_000);
  }, 40_000);

  it('renewals answered 1.5 s late: every next hop stays, and the layer2 IP keeps its owner, with no gap', async () => {
    const kc = labKubeConfig(stateDir);
    const bgpIp = await waitServiceIp(kc, 'default', 'web-bgp');
    const l2Ip = await waitServiceIp(kc, 'default', 'web-l2');
    const ownerMac = macOfNode(plan, expectedAnnouncer(l2Ip, NODES) ?? '');
    await waitOnlyArpAnswer(plan, l2Ip, ownerMac, 10_000);
    const fault = async (action: string, body: unknown): Promise<void> => {
      const r = await fetch(`${kc.getCurrentCluster()?.server ?? ''}/__lab/faults/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(r.status).toBe(200);
    };
    // Every speaker's Lease renewal is answered 1.5 s late: each speaker is in doubt half the time, and
    // judged its own Lease stale 0.5 s after each renewal landed (measured: 10 of 150 ARP probes
    // unanswered; 27 of 272 route samples with a next hop missing).
    await fault('latency', { ms: 1500, match: { method: 'PUT', pathIncludes: 'leases/openelb-speaker' } });
    const samples: Sample[] = [];
    try {
      samples.push(...(await watchRouter(bgpIp, l2Ip, 8000, Date.now())));
    } finally {
      await fault('latency', { ms: 0 });
    }
    expect(samples.length).toBeGreaterThanOrEqual(5);
    expect(samples.filter((s) => s.hops !== HOPS.join(',') || s.macs !== ownerMac)).toEqual([]);
  }, 30_000);
});
