// The lab under the shipped RBAC (`lab up --rbac`): the local API enforces deploy/controller/rbac.yaml and
// deploy/speaker/rbac.yaml, the controller and every speaker use their own ServiceAccount token, and BGP
// and layer2 still work end to end with zero refused requests. A refusal names the missing permission.
// Needs root.
import { get as httpsGet } from 'node:https';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DenialReport } from '../lab/apiserver/index.js';
import { labKubeConfig, setupBgpInLab, waitServiceIp, webService } from '../lab/scenarios/bgp.js';
import { arpingFromRouter } from '../lab/scenarios/layer2.js';
import { applyOpenElb } from '../lab/scenarios/objects.js';
import { planLab, type LabOptions, type LabPlan } from '../lab/topology/plan.js';
import type { LabState } from '../lab/topology/state.js';
import { downTestLab, tempStateDir, upTestLab, waitNextHops } from './lab-harness.js';

const OPTIONS: LabOptions = {
  nodes: 3,
  router: 'frr',
  ipv6: false,
  gobgpd: 'speaker',
  managers: true,
  rbac: true,
};
const plan: LabPlan = planLab(OPTIONS);
const stateDir = tempStateDir('oelb-lab-rbac-');
const CONTROLLER = 'system:serviceaccount:openelb-system:openelb-controller';
const SPEAKER = 'system:serviceaccount:openelb-system:openelb-speaker';
let state: LabState | undefined;

beforeAll(async () => {
  state = await upTestLab(OPTIONS, stateDir);
  await setupBgpInLab(labKubeConfig(stateDir), plan);
}, 60_000);

afterAll(async () => {
  await downTestLab(stateDir);
}, 30_000);

/** GET /__lab/authz through the host forwarder (the API's certificate is self-signed). */
function denials(): Promise<DenialReport> {
  const url = `${state?.hostApiUrl ?? ''}/__lab/authz`;
  return new Promise((resolve, reject) => {
    httpsGet(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as DenialReport);
        } catch (err) {
          reject(new Error(`${url}: HTTP ${String(res.statusCode)}: ${body}`, { cause: err }));
        }
      });
    }).on('error', reject);
  });
}

/** What the roles were refused, one line each, so a failure says which rule deploy/ lacks. */
function refusedLines(report: DenialReport): string[] {
  return report.recent
    .filter((d) => d.user === CONTROLLER || d.user === SPEAKER || d.user === '')
    .map((d) => `${d.user || '(401)'}: ${d.verb} ${d.resource} ${d.namespace}/${d.name}: ${d.message}`);
}

describe('lab under the shipped RBAC (3 nodes, FRR)', () => {
  it('runs the controller and the speakers as their ServiceAccounts', async () => {
    expect(state?.hostApiUrl).toMatch(/^https:/);
    // Their Leases exist only if their tokens may write them: the leader Lease and one per speaker.
    const leases = labKubeConfig(stateDir).makeApiClient(CoordinationV1Api);
    const deadline = Date.now() + 15_000;
    let names: string[] = [];
    while (Date.now() < deadline) {
      const list = await leases.listNamespacedLease({ namespace: 'openelb-system' });
      names = list.items.map((l) => l.metadata?.name ?? '').sort();
      if (names.length > plan.nodes.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(names).toContain('openelb-manager');
    expect(names.filter((n) => n.startsWith('openelb-speaker')).length).toBe(plan.nodes.length);
    const report = await denials();
    expect(report.allowedByUser[CONTROLLER] ?? 0).toBeGreaterThan(0);
    expect(report.allowedByUser[SPEAKER] ?? 0).toBeGreaterThan(0);
    // Nothing in the lab still uses the admin token except this test's own kubeconfig.
  }, 20_000);

  it('a BGP Service gets an IP and the router an ECMP route through every node', async () => {
    const kc = labKubeConfig(stateDir);
    await webService(kc, 'web', 'pool', plan);
    const ip = await waitServiceIp(kc, 'default', 'web', 15_000);
    expect(ip).toMatch(/^198\.51\.100\./);
    await waitNextHops(
      plan,
      ip,
      plan.nodes.map((n) => n.lan.v4),
      20_000,
    );
  }, 40_000);

  it('a layer2 Service IP is answered over ARP by exactly one node', async () => {
    const kc = labKubeConfig(stateDir);
    await applyOpenElb(kc, 'eips', 'Eip', 'lan', {
      address: '192.0.2.200-192.0.2.210',
      protocol: 'layer2',
      interface: plan.nodes[0]?.lan.name ?? 'eth0',
    });
    await webService(kc, 'web-l2', 'lan', plan);
    const ip = await waitServiceIp(kc, 'default', 'web-l2', 15_000);
    const nodeMacs = new Set(plan.nodes.map((n) => n.lan.mac.toLowerCase()));
    const deadline = Date.now() + 20_000;
    let macs: string[] = [];
    while (Date.now() < deadline) {
      macs = await arpingFromRouter(plan, ip, 2);
      if (macs.length > 0 && new Set(macs).size === 1) break;
    }
    expect(macs.length).toBeGreaterThan(0);
    expect(new Set(macs).size).toBe(1);
    expect(nodeMacs.has(macs[0] ?? '')).toBe(true);
  }, 40_000);

  it('refused nothing the controller or the speakers asked for', async () => {
    const report = await denials();
    expect(refusedLines(report)).toEqual([]);
    expect(report.byUser[CONTROLLER] ?? 0).toBe(0);
    expect(report.byUser[SPEAKER] ?? 0).toBe(0);
  }, 10_000);
});
