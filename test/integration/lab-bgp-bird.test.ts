// The product's BGP announcements against BIRD 2 instead of FRR (issue #4: "the same announcement
// checks against BIRD"): the controller assigns the IP, each node's speaker drives its bare gobgpd,
// and BIRD merges the three equal paths into one ECMP kernel route. Needs root and bird2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import { LABEL_EXCLUDE_FROM_LB } from '../../src/api/keys.js';
import { planLab, type LabOptions, type LabPlan } from '../lab/topology/plan.js';
import { setVip } from '../lab/topology/vip.js';
import { downTestLab, httpFromClient, tempStateDir, upTestLab, waitNextHops } from './lab-harness.js';
import { labelNode } from '../lab/scenarios/objects.js';
import { labKubeConfig, setupBgpInLab, waitServiceIp, webService } from '../lab/scenarios/bgp.js';

const OPTIONS: LabOptions = { nodes: 3, router: 'bird', ipv6: false, gobgpd: 'speaker', managers: true };
const plan: LabPlan = planLab(OPTIONS);
const stateDir = tempStateDir('oelb-lab-bgp-bird-');
let vip = '';
const hops = plan.nodes.map((n) => n.lan.v4);

beforeAll(async () => {
  await upTestLab(OPTIONS, stateDir, 180_000);
  await setupBgpInLab(labKubeConfig(stateDir), plan);
}, 240_000);

afterAll(async () => {
  await downTestLab(stateDir);
}, 30_000);

describe('BGP speaker in the lab (BIRD, 3 nodes)', () => {
  it('gives BIRD an ECMP route through all three nodes for an IPv4 Service, and HTTP spreads', async () => {
    const kc = labKubeConfig(stateDir);
    await webService(kc, 'web', 'pool', plan);
    vip = await waitServiceIp(kc, 'default', 'web');
    expect(vip).toMatch(/^198\.51\.100\./);
    await waitNextHops(plan, vip, hops, 15_000);
    expect(
      await setVip(
        'add',
        vip,
        plan.nodes.map((n) => n.ns),
      ),
    ).toEqual([]);
    const replies = await httpFromClient(plan, `http://${vip}/`, 30);
    expect(new Set(replies).size).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it('withdraws a node labelled exclude-from-external-load-balancers, and re-adds it', async () => {
    const kc = labKubeConfig(stateDir);
    const node3 = plan.nodes[2];
    if (node3 === undefined) throw new Error('no node3');
    await labelNode(kc, node3.name, LABEL_EXCLUDE_FROM_LB, '');
    await waitNextHops(plan, vip, hops.slice(0, 2), 5000);
    await labelNode(kc, node3.name, LABEL_EXCLUDE_FROM_LB, null);
    await waitNextHops(plan, vip, hops, 5000);
  }, 15_000);

  it('withdraws the route from every node when the Service is deleted', async () => {
    const kc = labKubeConfig(stateDir);
    await kc.makeApiClient(CoreV1Api).deleteNamespacedService({ name: 'web', namespace: 'default' });
    await waitNextHops(plan, vip, [], 5000);
  }, 10_000);
});
