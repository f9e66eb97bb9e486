// Layer2 behaviour in the virtual lab (3 nodes, needs root), one bring-up: exactly one node answers ARP and NDP
// (tcpdump on the LAN proves nobody else did); another host using a Service IP is reported (and loses IPv6
// DAD for it); externalTrafficPolicy Local follows the endpoints; Services sharing
// an IP stay on one node; adding or removing a Node moves only the IPs whose election changes; the NIC comes from
// the node annotation (IP, CIDR) or else spec.interface; bad annotations and missing NICs give Events, no crash.
import { CoordinationV1Api, CoreV1Api, V1MicroTime, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electAll, type ElectionNode, type IpClaim } from '../../src/layer2/announce-election.js';
import { ANNOTATION_LAYER2_EIPS } from '../../src/layer2/availability.js';
import { planLab, type LabOptions, type LabPlan } from '../lab/topology/plan.js';
import type { LabState } from '../lab/topology/state.js';
import { alive } from '../lab/topology/processes.js';
import { nodeObject } from '../lab/topology/nodes.js';
import { runIn } from '../lab/topology/sh.js';
import { gatherSnapshot, kubeLister } from '../../src/status/gather.js';
import { buildStatusView } from '../../src/status/model.js';
import { downTestLab, tempStateDir, upTestLab } from './lab-harness.js';
import { applyOpenElb, setEndpoints } from '../lab/scenarios/objects.js';
import { labKubeConfig, waitServiceIp, webService } from '../lab/scenarios/bgp.js';
import {
  arpingFromRouter,
  captureLan,
  expectedAnnouncer,
  macOfNode,
  ndiscFromRouter,
  waitOnlyArpAnswer,
} from '../lab/scenarios/layer2.js';

const OPTIONS: LabOptions = { nodes: 3, router: 'frr', ipv6: false, gobgpd: 'speaker', managers: true };
const plan: LabPlan = planLab(OPTIONS);
const stateDir = tempStateDir('oelb-lab-l2m-');
const NODES = plan.nodes.map((n) => n.name);
const [A = '', B = '', C = ''] = NODES;
const SPEAKER_NS = 'openelb-system';
const NIC_ANNOTATION = 'layer2.openelb.kubesphere.io/v1alpha1';
let state: LabState | undefined;
let kc: KubeConfig;

beforeAll(async () => {
  state = await upTestLab(OPTIONS, stateDir);
  kc = labKubeConfig(stateDir);
  const eips: [string, string, string][] = [
    ['lan', '192.0.2.200-192.0.2.209', 'eth0'],
    ['many', '192.0.2.210-192.0.2.239', 'eth0'],
    ['annot', '192.0.2.240-192.0.2.245', 'eth9'],
    ['lan6', '2001:db8:0:1::200-2001:db8:0:1::210', 'eth0'],
  ];
  for (const [name, address, iface] of eips)
    await applyOpenElb(kc, 'eips', 'Eip', name, { address, protocol: 'layer2', interface: iface });
}, 60_000);

afterAll(async () => {
  await downTestLab(stateDir);
}, 30_000);

/** Every speaker's announcer gauge: IP → the nodes whose speaker answers for it. */
async function announcers(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const n of plan.nodes) {
    const r = await runIn(n.ns, 'curl', ['-s', '--max-time', '2', 'http://127.0.0.1:50053/metrics'], 5000);
    for (const m of r.stdout.matchAll(/^openelb_layer2_announcer\{([^}]*)\} 1$/gm)) {
      const ip = /ip="([^"]+)"/.exec(m[1] ?? '')?.[1] ?? '';
      out.set(ip, [...(out.get(ip) ?? []), n.name].sort());
    }
  }
  return out;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function annotateNode(node: string, value: string | null): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const n = await core.readNode({ name: node });
  n.metadata ??= {};
  const annotations = Object.fromEntries(
    Object.entries(n.metadata.annotations ?? {}).filter(([k]) => k !== NIC_ANNOTATION),
  );
  if (value !== null) annotations[NIC_ANNOTATION] = value;
  n.metadata.annotations = annotations;
  await core.replaceNode({ name: node, body: n });
}

async function warning(kind: string, name: string, reason: string, text: string): Promise<true | undefined> {
  const events = await kc.makeApiClient(CoreV1Api).listEventForAllNamespaces();
  return events.items.some(
    (e) =>
      e.type === 'Warning' &&
      e.involvedObject.kind === kind &&
      e.involvedObject.name === name &&
      e.reason === reason &&
      (e.message ?? '').includes(text),
  )
    ? true
    : undefined;
}

/**
 * The router holds `ip` before any Service has it and sends nothing from it (a statically configured
 * host); then a Service gets `ip`, and the owner's probe must make the router's answer a reported conflict.
 */
async function expectSilentHolderReported(ip: string, evidence: string): Promise<void> {
  const router = plan.ns.router;
  const lan = plan.router.lan.name;
  const v6 = ip.includes(':');
  const name = v6 ? 'probed6' : 'probed';
  const addr = (op: 'add' | 'del') =>
    runIn(router, 'ip', [v6 ? '-6' : '-4', 'addr', op, `${ip}/${v6 ? '128' : '32'}`, 'dev', lan]);
  const added = await addr('add');
  expect(added.ok, added.stderr).toBe(true);
  try {
    // IPv6: its DAD succeeds (nobody has the address yet); then it stays silent.
    await until('the address is usable on the router', async () => {
      const shown = await runIn(router, 'ip', ['addr', 'show', 'dev', lan]);
      return shown.stdout.includes(ip) && !shown.stdout.includes('tentative') ? true : undefined;
    });
    await applyOpenElb(kc, 'eips', 'Eip', `idle-${name}`, {
      address: ip,
      protocol: 'layer2',
      interface: 'eth0',
    });
    await webService(kc, name, `idle-${name}`, plan, 'Cluster', v6 ? 'IPv6' : 'IPv4');
    expect(await waitServiceIp(kc, 'default', name)).toBe(ip);
    const routerMac = plan.router.lan.mac.toLowerCase();
    await until(`the probe found ${ip} on the router`, () =>
      warning('Service', name, 'Layer2AddressConflict', `${routerMac} on eth0, also uses ${ip}: ${evidence}`),
    );
  } finally {
    await addr('del');
    await kc.makeApiClient(CoreV1Api).deleteNamespacedService({ namespace: 'default', name });
  }
}

describe('Layer2 in the lab (3 nodes)', () => {
  it('ARP and NDP: exactly one answer each, with the owner MAC; tcpdump sees no other node answer', async () => {
    await webService(kc, 'web4', 'lan', plan);
    await webService(kc, 'web6', 'lan6', plan, 'Cluster', 'IPv6');
    const ip4 = await waitServiceIp(kc, 'default', 'web4');
    const ip6 = await waitServiceIp(kc, 'default', 'web6');
    const owner4 = macOfNode(plan, expectedAnnouncer(ip4, NODES) ?? '');
    const owner6 = macOfNode(plan, expectedAnnouncer(ip6, NODES) ?? '');
    await waitOnlyArpAnswer(plan, ip4, owner4, 10_000);
    await until('NDP answer', async () => ((await ndiscFromRouter(plan, ip6)).length > 0 ? true : undefined));

    // Past the takeover's gratuitous bursts (5 s), so every NA seen answers our solicitation.
    await new Promise((r) => setTimeout(r, 5500));
    const capture = await captureLan(plan);
    const arp = await arpingFromRouter(plan, ip4, 2);
    const ndp = await ndiscFromRouter(plan, ip6);
    const seen = await capture.stop();
    expect(arp).toEqual([owner4, owner4]);
    expect(ndp).toEqual([owner6]);
    const nodeMacs = new Set(plan.nodes.map((n) => n.lan.mac.toLowerCase()));
    const replies4 = seen.filter((r) => r.kind === 'arp' && r.line.includes(ip4)).map((r) => r.srcMac);
    const replies6 = seen
      .filter((r) => r.kind === 'na' && r.line.includes(`tgt is ${ip6}`))
      .map((r) => r.srcMac);
    expect(replies4.length).toBeGreaterThanOrEqual(2);
    expect(replies6.length).toBeGreaterThanOrEqual(1);
    expect(new Set(replies4.filter((m) => nodeMacs.has(m)))).toEqual(new Set([owner4]));
    expect(new Set(replies6.filter((m) => nodeMacs.has(m)))).toEqual(new Set([owner6]));
  }, 30_000);

  it('another host using a Service IP: a Warning on the Service; IPv6 DAD for it fails', async () => {
    const ip4 = await waitServiceIp(kc, 'default', 'web4');
    const ip6 = await waitServiceIp(kc, 'default', 'web6');
    const router = plan.ns.router;
    const lan = plan.router.lan.name;
    const routerMac = plan.router.lan.mac.toLowerCase();
    const ip = async (...args: string[]): Promise<string> => {
      const r = await runIn(router, 'ip', args);
      if (!r.ok) throw new Error(`${r.cmd}: ${r.stderr}`);
      return r.stdout;
    };
    // The router stands in for a host statically configured with the Services' addresses.
    await ip('addr', 'add', `${ip4}/32`, 'dev', lan);
    try {
      const arping = await runIn(router, 'arping', [
        '-c',
        '1',
        '-w',
        '2',
        '-I',
        lan,
        '-s',
        ip4,
        plan.nodes[0]?.lan.v4 ?? '',
      ]);
      expect(arping.ok, arping.stderr).toBe(true);
      await until('IPv4 conflict Event', () =>
        warning(
          'Service',
          'web4',
          'Layer2AddressConflict',
          `${routerMac} on eth0, also uses ${ip4}: it sent an ARP request`,
        ),
      );
      // `openelb-manager status` lists it.
      const gathered = await gatherSnapshot(kubeLister(kc), SPEAKER_NS);
      if (!gathered.ok) throw new Error(gathered.error);
      const view = buildStatusView(gathered.snapshot, { nowMs: Date.now(), speakerNamespace: SPEAKER_NS });
      expect(view.conflicts.map((c) => c.name)).toContain('web4');
      // Configuring the IPv6 one starts DAD; the owner's answer makes it fail, and is reported.
      await ip('-6', 'addr', 'add', `${ip6}/64`, 'dev', lan);
      await until('IPv6 conflict Event', () =>
        warning(
          'Service',
          'web6',
          'Layer2AddressConflict',
          `${routerMac} on eth0, also uses ${ip6}: it tried to configure`,
        ),
      );
      await until('the router gave the address up', async () =>
        (await ip('-6', 'addr', 'show', 'dev', lan)).includes('dadfailed') ? true : undefined,
      );
    } finally {
      await runIn(router, 'ip', ['addr', 'del', `${ip4}/32`, 'dev', lan]);
      await runIn(router, 'ip', ['-6', 'addr', 'del', `${ip6}/64`, 'dev', lan]);
    }
    // The owner kept answering for both throughout.
    await waitOnlyArpAnswer(plan, ip4, macOfNode(plan, expectedAnnouncer(ip4, NODES) ?? ''), 5000);
  }, 30_000);

  it("a silent host that already holds the IP answers the speaker's ARP probe and is reported", async () => {
    await expectSilentHolderReported('192.0.2.247', 'it sent an ARP reply');
  }, 30_000);

  it("the same for IPv6: a silent holder answers the NS probe from the node's link-local address", async () => {
    await expectSilentHolderReported('2001:db8:0:1::247', 'it answered a Neighbor Solicitation');
  }, 30_000);

  it("a node's own address is never handed out; a Service that held it before keeps it, unannounced", async () => {
    const node2 = plan.nodes[1];
    if (node2 === undefined) throw new Error('the lab has no second node');
    const core = kc.makeApiClient(CoreV1Api);
    // An Eip that is node2's InternalIP and nothing else: nothing to hand out, and the Eip says why.
    await applyOpenElb(kc, 'eips', 'Eip', 'nodes', {
      address: `${node2.lan.v4}/32`,
      protocol: 'layer2',
      interface: 'eth0',
    });
    await webService(kc, 'on-node', 'nodes', plan);
    await until('NodeAddressesInRange Warning', () =>
      warning('Eip', 'nodes', 'NodeAddressesInRange', `${node2.lan.v4} (Node ${node2.name})`),
    );
    await until('AssignIPFailed naming the node address', () =>
      warning('Service', 'on-node', 'AssignIPFailed', "1 of its addresses is a Node's own"),
    );
    const pending = await core.readNamespacedService({ namespace: 'default', name: 'on-node' });
    expect(pending.status?.loadBalancer?.ingress ?? []).toEqual([]);
    await core.deleteNamespacedService({ namespace: 'default', name: 'on-node' });

    // A Service holds an IP, then node2 gets that address too (kernel and Node status).
    const ip = '192.0.2.246';
    await applyOpenElb(kc, 'eips', 'Eip', 'later', { address: ip, protocol: 'layer2', interface: 'eth0' });
    await webService(kc, 'kept', 'later', plan);
    expect(await waitServiceIp(kc, 'default', 'kept')).toBe(ip);
    const node = await core.readNode({ name: node2.name });
    const before = node.status?.addresses ?? [];
    await runIn(node2.ns, 'ip', ['addr', 'add', `${ip}/32`, 'dev', node2.lan.name]);
    try {
      node.status ??= {};
      node.status.addresses = [...before, { type: 'ExternalIP', address: ip }];
      await core.replaceNodeStatus({ name: node2.name, body: node });
      await until('NodeAddressesInRange Warning on the Eip', () =>
        warning('Eip', 'later', 'NodeAddressesInRange', `${ip} (Node ${node2.name})`),
      );
      await until('Layer2NodeAddress Warning from node2', () =>
        warning('Eip', 'later', 'Layer2NodeAddress', `default/kept holds ${ip}, an address of this node`),
      );
      // Only node2's kernel answers for its own address; no speaker takes it over; the IP did not move.
      expect(await arpingFromRouter(plan, ip, 2)).toEqual([
        node2.lan.mac.toLowerCase(),
        node2.lan.mac.toLowerCase(),
      ]);
      expect((await announcers()).get(ip)).toBeUndefined();
      expect(await waitServiceIp(kc, 'default', 'kept')).toBe(ip);
    } finally {
      await runIn(node2.ns, 'ip', ['addr', 'del', `${ip}/32`, 'dev', node2.lan.name]);
      const latest = await core.readNode({ name: node2.name });
      latest.status ??= {};
      latest.status.addresses = before;
      await core.replaceNodeStatus({ name: node2.name, body: latest });
      await core.deleteNamespacedService({ namespace: 'default', name: 'kept' });
    }
  }, 40_000);

  it('externalTrafficPolicy Local: ownership follows the EndpointSlice', async () => {
    await webService(kc, 'web-local', 'lan', plan, 'Local');
    const ip = await waitServiceIp(kc, 'default', 'web-local');
    for (const node of [B, C, A]) {
      await setEndpoints(kc, 'default', 'web-local', [node]);
      await waitOnlyArpAnswer(plan, ip, macOfNode(plan, node), 8000);
      await until(`only ${node} in the gauge`, async () =>
        (await announcers()).get(ip)?.join() === node ? true : undefined,
      );
    }
  }, 40_000);

  it('two Services sharing one IP (different ports) stay on one node', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const ip = '192.0.2.209';
    for (const [name, port] of [
      ['share-a', 80],
      ['share-b', 8080],
    ] as const) {
      await core.createNamespacedService({
        namespace: 'default',
        body: {
          metadata: {
            name,
            annotations: {
              'lb.kubesphere.io/v1alpha1': 'openelb',
              'eip.openelb.kubesphere.io/v1alpha2': 'lan',
              'eip.openelb.kubesphere.io/v1alpha1': ip,
            },
          },
          spec: { type: 'LoadBalancer', ports: [{ port }] },
        },
      });
      // Endpoints on different nodes: still one announcer for the IP.
      await setEndpoints(kc, 'default', name, name === 'share-a' ? [A, B] : [C]);
      expect(await waitServiceIp(kc, 'default', name)).toBe(ip);
    }
    const owner = expectedAnnouncer(ip, NODES) ?? '';
    await waitOnlyArpAnswer(plan, ip, macOfNode(plan, owner), 8000);
    expect((await announcers()).get(ip)).toEqual([owner]);
  }, 30_000);

  it('a Node added or removed moves only the IPs whose election changes', async () => {
    const ips: string[] = [];
    for (let i = 0; i < 20; i++) await webService(kc, `many-${String(i)}`, 'many', plan);
    for (let i = 0; i < 20; i++) ips.push(await waitServiceIp(kc, 'default', `many-${String(i)}`));
    const elect = (nodes: readonly string[]): Map<string, string> => {
      const ok = { ok: true } as const;
      const claims = new Map<string, IpClaim[]>(
        ips.map((ip) => [
          ip,
          [{ service: ip, eip: 'many', localOnly: false, anyReady: true, servingNodes: new Set(NODES) }],
        ]),
      );
      const en: ElectionNode[] = nodes.map((name) => ({ name, eligible: ok, alive: ok }));
      return new Map([...electAll(en, claims, () => ok)].map(([ip, e]) => [ip, e.announcer ?? '']));
    };
    const owners = async (): Promise<Map<string, string>> => {
      const a = await announcers();
      return new Map(ips.map((ip) => [ip, (a.get(ip) ?? []).join()]));
    };
    const converge = async (want: Map<string, string>): Promise<void> => {
      await until('gauges match the election', async () => {
        const got = await owners();
        return ips.every((ip) => got.get(ip) === want.get(ip)) ? true : undefined;
      });
    };
    const before = elect(NODES);
    await converge(before);

    // node4: a Node object and a fresh speaker Lease publishing "many", but no speaker: the IPs it wins go quiet.
    const extra = planLab({ ...OPTIONS, nodes: 4 }).nodes[3];
    if (extra === undefined) throw new Error('no 4th node in the plan');
    const core = kc.makeApiClient(CoreV1Api);
    const body = nodeObject(extra, new Date());
    const created = await core.createNode({ body });
    created.status = body.status;
    await core.replaceNodeStatus({ name: extra.name, body: created });
    await kc.makeApiClient(CoordinationV1Api).createNamespacedLease({
      namespace: SPEAKER_NS,
      body: {
        metadata: {
          name: `openelb-speaker-${extra.name}`,
          annotations: { [ANNOTATION_LAYER2_EIPS]: 'many' },
        },
        spec: { holderIdentity: extra.name, leaseDurationSeconds: 600, renewTime: new V1MicroTime() },
      },
    });
    const withFour = elect([...NODES, extra.name]);
    const moved = ips.filter((ip) => withFour.get(ip) !== before.get(ip));
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((ip) => withFour.get(ip) === extra.name)).toBe(true);
    const expected = new Map(ips.map((ip) => [ip, moved.includes(ip) ? '' : (before.get(ip) ?? '')]));
    await converge(expected);
    console.log(`node added: ${String(moved.length)} of ${String(ips.length)} IPs moved (to the new node)`);

    // Removing node4 restores exactly the old owners; removing a real node moves only its own IPs.
    await core.deleteNode({ name: extra.name });
    await converge(before);
    await core.deleteNode({ name: C });
    const withoutC = elect([A, B]);
    const movedFromC = ips.filter((ip) => withoutC.get(ip) !== before.get(ip));
    expect(movedFromC.length).toBeGreaterThan(0);
    expect(movedFromC.every((ip) => before.get(ip) === C)).toBe(true);
    await converge(withoutC);
    const cPlan = plan.nodes.find((n) => n.name === C);
    if (cPlan === undefined) throw new Error(`no ${C}`);
    const cBody = nodeObject(cPlan, new Date());
    const cNode = await core.createNode({ body: cBody });
    cNode.status = cBody.status;
    await core.replaceNodeStatus({ name: C, body: cNode });
    await converge(before);
  }, 60_000);

  it('NIC from the node annotation (IP, CIDR) or spec.interface; bad annotations and missing NICs: Events, no crash', async () => {
    await webService(kc, 'web-annot', 'annot', plan);
    const ip = await waitServiceIp(kc, 'default', 'web-annot');
    // No annotation: spec.interface (eth9) decides, and no node has it.
    for (const node of NODES)
      await until(`Event from ${node}`, () =>
        warning('Eip', 'annot', 'Layer2NoInterface', `${node}: Eip annot names NIC eth9`),
      );
    expect(await arpingFromRouter(plan, ip, 1)).toEqual([]);

    const nodeA = plan.nodes.find((n) => n.name === A);
    await annotateNode(A, nodeA?.lan.v4 ?? '');
    await waitOnlyArpAnswer(plan, ip, macOfNode(plan, A), 8000);
    await annotateNode(B, '192.0.2.0/24');
    const ab = expectedAnnouncer(ip, [A, B]) ?? '';
    await waitOnlyArpAnswer(plan, ip, macOfNode(plan, ab), 8000);

    await annotateNode(C, 'garbage');
    await until('bad annotation Event', () =>
      warning('Node', C, 'Layer2BadAnnotation', '"garbage" is not an IP address'),
    );
    await annotateNode(C, '192.0.2.99');
    await until('foreign IP Event', () => warning('Node', C, 'Layer2NoInterface', 'no NIC holds 192.0.2.99'));
    await waitOnlyArpAnswer(plan, ip, macOfNode(plan, ab), 8000);
    const speakers = (state?.processes ?? []).filter((p) => p.role === 'speaker');
    expect(speakers).toHaveLength(3);
    expect(speakers.every((p) => alive(p.pid))).toBe(true);
    for (const node of NODES) await annotateNode(node, null);
  }, 60_000);
});
