// Layer2 end to end in the virtual lab: the controller assigns a Service IP from a layer2 Eip on the LAN,
// every node's `openelb-manager speaker` elects the same announcer, and only that node answers ARP from the
// router. Killing the announcing speaker (SIGKILL: its Lease must expire) and then stopping the next one
// (SIGTERM: its Lease is released) moves the answers to the next node in rendezvous order. Needs root.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rendezvousOrder } from '../../src/layer2/announce-election.js';
import { planLab, type LabOptions, type LabPlan } from '../lab/topology/plan.js';
import type { LabState } from '../lab/topology/state.js';
import { downTestLab, tempStateDir, upTestLab } from './lab-harness.js';
import { applyOpenElb } from '../lab/scenarios/objects.js';
import { labKubeConfig, waitServiceIp, webService } from '../lab/scenarios/bgp.js';
import { arpingFromRouter, waitArpAnswerChange, waitOnlyArpAnswer } from '../lab/scenarios/layer2.js';

const OPTIONS: LabOptions = { nodes: 3, router: 'frr', ipv6: false, gobgpd: 'speaker', managers: true };
const plan: LabPlan = planLab(OPTIONS);
const stateDir = tempStateDir('oelb-lab-l2-');
let state: LabState | undefined;

beforeAll(async () => {
  state = await upTestLab(OPTIONS, stateDir);
}, 60_000);

afterAll(async () => {
  if (process.env.OELB_KEEP_LOGS !== undefined)
    for (const n of plan.nodes)
      cpSync(join(stateDir, n.name, 'speaker.log'), join(process.env.OELB_KEEP_LOGS, `${n.name}.log`));
  await downTestLab(stateDir);
}, 30_000);

const macOf = new Map(plan.nodes.map((n) => [n.lan.mac.toLowerCase(), n.name]));

function speakerPid(node: string): number {
  const ns = plan.nodes.find((n) => n.name === node)?.ns;
  const p = state?.processes.find((x) => x.role === 'speaker' && x.ns === ns);
  if (p === undefined) throw new Error(`no speaker process recorded for ${node}`);
  return p.pid;
}

describe('Layer2 speaker in the lab (3 nodes, ARP)', () => {
  let ip = '';
  let order: string[] = [];

  it('answers ARP for a layer2 Service IP from exactly the elected node', async () => {
    const kc = labKubeConfig(stateDir);
    await applyOpenElb(kc, 'eips', 'Eip', 'lan', {
      address: '192.0.2.200-192.0.2.210',
      protocol: 'layer2',
      interface: plan.nodes[0]?.lan.name ?? 'eth0',
    });
    await webService(kc, 'web-l2', 'lan', plan);
    ip = await waitServiceIp(kc, 'default', 'web-l2');
    expect(ip).toMatch(/^192\.0\.2\.2(0\d|10)$/);
    order = rendezvousOrder(
      plan.nodes.map((n) => n.name),
      ip,
    );
    const macOfNode = new Map(plan.nodes.map((n) => [n.name, n.lan.mac.toLowerCase()]));
    await waitOnlyArpAnswer(plan, ip, macOfNode.get(order[0] ?? '') ?? '', 10_000);
    const macs = await arpingFromRouter(plan, ip, 2);
    expect(macs).toHaveLength(2);
    expect(new Set(macs.map((m) => macOf.get(m)))).toEqual(new Set([order[0]]));
    const core = kc.makeApiClient(CoreV1Api);
    const want = `announcing ${ip} from ${order[0] ?? ''} on eth0`;
    const deadline = Date.now() + 5000;
    let messages: string[] = [];
    while (!messages.includes(want) && Date.now() < deadline) {
      const events = await core.listNamespacedEvent({ namespace: 'default' });
      messages = events.items
        .filter((e) => e.involvedObject.name === 'web-l2' && e.reason === 'Layer2Announcing')
        .map((e) => e.message ?? '');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(messages).toContain(want);
  }, 30_000);

  it('fails over within 3 s when the announcing speaker is killed (SIGKILL)', async () => {
    const owner = order[0] ?? '';
    const oldMac = plan.nodes.find((n) => n.name === owner)?.lan.mac.toLowerCase() ?? '';
    const t0 = Date.now();
    process.kill(speakerPid(owner), 'SIGKILL');
    const { ms, mac } = await waitArpAnswerChange(plan, ip, oldMac, t0, 8000);
    console.log(`layer2 failover after SIGKILL of ${owner}'s speaker: ${String(ms)} ms`);
    expect(macOf.get(mac)).toBe(order[1]);
    expect(ms).toBeLessThan(3000);
    const macs = await arpingFromRouter(plan, ip, 2);
    expect(new Set(macs.map((m) => macOf.get(m)))).toEqual(new Set([order[1]]));
  }, 20_000);

  it('fails over within 0.5 s when the next announcer stops gracefully (SIGTERM)', async () => {
    const owner = order[1] ?? '';
    const oldMac = plan.nodes.find((n) => n.name === owner)?.lan.mac.toLowerCase() ?? '';
    const t0 = Date.now();
    process.kill(speakerPid(owner), 'SIGTERM');
    const { ms, mac } = await waitArpAnswerChange(plan, ip, oldMac, t0, 8000);
    console.log(`layer2 failover after SIGTERM of ${owner}'s speaker: ${String(ms)} ms`);
    expect(macOf.get(mac)).toBe(order[2]);
    expect(ms).toBeLessThan(500);
  }, 20_000);

  it('the takeovers raised no address conflict: each new owner probed the IP 1.1 s in, when nobody else answered', async () => {
    // The last takeover's probe goes out 1.1 s after it; leave it time to be answered, if anyone did.
    await new Promise((r) => setTimeout(r, 2000));
    const events = await labKubeConfig(stateDir).makeApiClient(CoreV1Api).listEventForAllNamespaces();
    expect(events.items.filter((e) => e.reason === 'Layer2AddressConflict').map((e) => e.message)).toEqual(
      [],
    );
  }, 10_000);
});
