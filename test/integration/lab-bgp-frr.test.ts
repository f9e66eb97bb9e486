// The product end to end in the virtual lab with FRR: the controller assigns Service IPs, each node's
// `openelb-manager speaker` drives its bare gobgpd from BgpConf/BgpPeer, and the router gets ECMP
// routes through every eligible node (IPv4 and IPv6 over IPv6 sessions). A node labelled exclude is
// withdrawn; a killed and restarted gobgpd is re-converged. Needs root.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL_EXCLUDE_FROM_LB } from '../../src/api/keys.js';
import { startGobgpd } from '../lab/topology/gobgp.js';
import { planLab, type LabOptions, type LabPlan } from '../lab/topology/plan.js';
import type { LabState } from '../lab/topology/state.js';
import { runIn } from '../lab/topology/sh.js';
import { waitFor } from '../support/wait.js';
import { setVip } from '../lab/topology/vip.js';
import { downTestLab, httpFromClient, tempStateDir, upTestLab, waitNextHops } from './lab-harness.js';
import { labelNode } from '../lab/scenarios/objects.js';
import { labKubeConfig, setupBgpInLab, waitServiceIp, webService } from '../lab/scenarios/bgp.js';

const OPTIONS: LabOptions = { nodes: 3, router: 'frr', ipv6: true, gobgpd: 'speaker', managers: true };
const plan: LabPlan = planLab(OPTIONS);
const stateDir = tempStateDir('oelb-lab-bgp-');
let state: LabState | undefined;
let vip4 = '';
const v4Hops = plan.nodes.map((n) => n.lan.v4);
const v6Hops = plan.nodes.map((n) => n.lan.v6 ?? '');

/** The openelb_ samples of a process's /metrics in a lab namespace, by series. */
async function metricsIn(ns: string, port: number): Promise<Record<string, number>> {
  const r = await runIn(ns, 'curl', ['-s', '--max-time', '3', `http://127.0.0.1:${String(port)}/metrics`]);
  const out: Record<string, number> = {};
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('openelb_')) continue;
    const at = line.lastIndexOf(' ');
    out[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return out;
}

/** The speaker's (port 50053 in its node namespace). */
const speakerMetrics = (ns: string): Promise<Record<string, number>> => metricsIn(ns, 50053);

beforeAll(async () => {
  state = await upTestLab(OPTIONS, stateDir);
  await setupBgpInLab(labKubeConfig(stateDir), plan);
}, 60_000);

afterAll(async () => {
  await downTestLab(stateDir);
}, 30_000);

describe('BGP speaker in the lab (FRR, 3 nodes)', () => {
  it('gives the router an ECMP route through all three nodes for an IPv4 Service, and HTTP spreads', async () => {
    const kc = labKubeConfig(stateDir);
    await webService(kc, 'web', 'pool', plan);
    vip4 = await waitServiceIp(kc, 'default', 'web');
    expect(vip4).toMatch(/^198\.51\.100\./);
    const ms = await waitNextHops(plan, vip4, v4Hops, 15_000);
    expect(ms).toBeLessThan(15_000);
    expect(
      await setVip(
        'add',
        vip4,
        plan.nodes.map((n) => n.ns),
      ),
    ).toEqual([]);
    const replies = await httpFromClient(plan, `http://${vip4}/`, 30);
    expect(new Set(replies).size).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it('announces an IPv6 Service over the IPv6 sessions with each node as next hop', async () => {
    const kc = labKubeConfig(stateDir);
    await webService(kc, 'web6', 'pool6', plan, 'Cluster', 'IPv6');
    const vip6 = await waitServiceIp(kc, 'default', 'web6');
    expect(vip6).toMatch(/^2001:db8:100::/);
    await waitNextHops(plan, vip6, v6Hops, 10_000);
  }, 20_000);

  it('withdraws a node labelled exclude-from-external-load-balancers, and re-adds it', async () => {
    const kc = labKubeConfig(stateDir);
    const node3 = plan.nodes[2];
    if (node3 === undefined) throw new Error('no node3');
    await labelNode(kc, node3.name, LABEL_EXCLUDE_FROM_LB, '');
    await waitNextHops(plan, vip4, v4Hops.slice(0, 2), 5000);
    await labelNode(kc, node3.name, LABEL_EXCLUDE_FROM_LB, null);
    await waitNextHops(plan, vip4, v4Hops, 5000);
  }, 15_000);

  it('recovers the routes of a node whose gobgpd was killed and restarted', async () => {
    const node1 = plan.nodes[0];
    const gobgpd = state?.processes.find((p) => p.role === 'gobgpd' && p.ns === node1?.ns);
    if (node1 === undefined || gobgpd === undefined) throw new Error('no gobgpd on node1');
    const reachable = `openelb_gobgp_reachable{node="${node1.name}"}`;
    const before = await speakerMetrics(node1.ns);
    expect(before[reachable]).toBe(1);
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(before[`openelb_build_info{version="${version}",role="speaker"}`]).toBe(1);
    const controller = await metricsIn(plan.ns.mgmt, 50052);
    expect(controller[`openelb_build_info{version="${version}",role="controller"}`]).toBe(1);
    process.kill(gobgpd.pid, 'SIGKILL');
    await waitNextHops(plan, vip4, v4Hops.slice(1), 15_000);
    // The speaker says so on /metrics (the alert OpenELBGobgpUnreachable reads this gauge).
    await waitFor(
      'openelb_gobgp_reachable 0',
      async () => (await speakerMetrics(node1.ns))[reachable] === 0,
      5000,
      100,
    );
    const down = await speakerMetrics(node1.ns);
    const unavailable = Object.entries(down).filter(
      ([k, v]) =>
        k.startsWith('openelb_gobgp_requests_total{') && k.includes('outcome="unavailable"') && v > 0,
    );
    expect(unavailable.length).toBeGreaterThan(0);
    const restarted = Date.now();
    await startGobgpd(plan, node1, join(stateDir, node1.name), 'speaker');
    await waitNextHops(plan, vip4, v4Hops, 10_000);
    // gobgpd up -> speaker re-adds config, peer, paths -> router reconnects (connect timer 1 s).
    expect(Date.now() - restarted).toBeLessThan(10_000);
    expect((await speakerMetrics(node1.ns))[reachable]).toBe(1);
  }, 30_000);
});
