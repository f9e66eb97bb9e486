// Layer2 failover on link loss in the virtual lab (3 nodes, needs root). Link down: the owner's link monitor
// notices within ~200 ms, it stops answering and republishes its NIC availability on its Lease, and the next
// candidate takes over with gratuitous ARP. Node loss (LAN and management links down): nobody hears from the
// owner, so its Lease expires (2 s) and the next candidate takes over. Each is timed on the router's kernel
// neighbour entry (what a LAN client actually uses), 5 and 3 runs, and must stay within 3 s.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planLab, type LabOptions, type LabPlan } from '../lab/topology/plan.js';
import { downTestLab, tempStateDir, upTestLab } from './lab-harness.js';
import { applyOpenElb } from '../lab/scenarios/objects.js';
import { labKubeConfig, waitServiceIp, webService } from '../lab/scenarios/bgp.js';
import {
  expectedAnnouncer,
  macOfNode,
  median,
  nodeByMac,
  primeRouterNeighbour,
  setNodeLink,
  waitNeighbourChange,
  waitOnlyArpAnswer,
} from '../lab/scenarios/layer2.js';

const OPTIONS: LabOptions = { nodes: 3, router: 'frr', ipv6: false, gobgpd: 'speaker', managers: true };
const plan: LabPlan = planLab(OPTIONS);
const stateDir = tempStateDir('oelb-lab-l2f-');
const NODES = plan.nodes.map((n) => n.name);
const byMac = nodeByMac(plan);

beforeAll(async () => {
  await upTestLab(OPTIONS, stateDir);
}, 60_000);

afterAll(async () => {
  if (process.env.OELB_KEEP_LOGS !== undefined)
    for (const n of plan.nodes)
      cpSync(join(stateDir, n.name, 'speaker.log'), join(process.env.OELB_KEEP_LOGS, `l2f-${n.name}.log`));
  await downTestLab(stateDir);
}, 30_000);

/** One failover: take `links` of the owner down, time the router's neighbour entry, bring them back. */
async function failoverOnce(
  ip: string,
  links: readonly ('lan' | 'mgmt')[],
): Promise<{ ms: number; owner: string; next: string }> {
  const owner = expectedAnnouncer(ip, NODES) ?? '';
  const next = expectedAnnouncer(
    ip,
    NODES.filter((n) => n !== owner),
  );
  await waitOnlyArpAnswer(plan, ip, macOfNode(plan, owner), 8000);
  expect(await primeRouterNeighbour(plan, ip)).toBe(macOfNode(plan, owner));
  // Linux ignores an update within `locktime` (1 s) of the last one: let the primed entry age first.
  await new Promise((r) => setTimeout(r, 1100));
  const t0 = Date.now();
  for (const l of links) await setNodeLink(plan, owner, l, false);
  try {
    const { ms, mac } = await waitNeighbourChange(plan, ip, macOfNode(plan, owner), t0, 6000);
    expect(byMac.get(mac)).toBe(next);
    return { ms, owner, next: next ?? '' };
  } finally {
    for (const l of links) await setNodeLink(plan, owner, l, true);
  }
}

describe('Layer2 failover on link loss (3 nodes)', () => {
  let ip = '';

  it('gets a layer2 IP answered by the elected node', async () => {
    const kc = labKubeConfig(stateDir);
    await applyOpenElb(kc, 'eips', 'Eip', 'lan', {
      address: '192.0.2.200-192.0.2.210',
      protocol: 'layer2',
      interface: 'eth0',
    });
    await webService(kc, 'web-l2f', 'lan', plan);
    ip = await waitServiceIp(kc, 'default', 'web-l2f');
    await waitOnlyArpAnswer(plan, ip, macOfNode(plan, expectedAnnouncer(ip, NODES) ?? ''), 10_000);
  }, 20_000);

  it('link down on the owner: the next candidate takes over within 3 s; link up: back to the election', async () => {
    const times: number[] = [];
    for (let run = 0; run < 5; run++) {
      const { ms, owner } = await failoverOnce(ip, ['lan']);
      times.push(ms);
      // Link up: the owner is a candidate again and the rendezvous order gives the IP back to it.
      await waitOnlyArpAnswer(plan, ip, macOfNode(plan, owner), 5000);
    }
    console.log(`layer2 failover, link down: median ${String(median(times))} ms, runs [${times.join(', ')}]`);
    expect(Math.max(...times)).toBeLessThan(3000);
  }, 60_000);

  it('node loss (LAN and management links down): the Lease expires and the next node takes over within 3 s', async () => {
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      // Management link first: taken down second, it left a window of a few ms in which the owner's link
      // monitor could see its LAN down and publish that on its Lease, and the link-down path then won the
      // race (runs of 16-19 ms, in CI and on the build before ADR 0019 alike), which is not a node loss.
      const { ms, owner } = await failoverOnce(ip, ['mgmt', 'lan']);
      times.push(ms);
      await waitOnlyArpAnswer(plan, ip, macOfNode(plan, owner), 8000);
    }
    console.log(`layer2 failover, node loss: median ${String(median(times))} ms, runs [${times.join(', ')}]`);
    expect(Math.max(...times)).toBeLessThan(3000);
    // Nothing but the Lease's expiry (2 s) can tell the others: a faster run measured something else.
    expect(Math.min(...times)).toBeGreaterThan(1000);
  }, 60_000);
});
