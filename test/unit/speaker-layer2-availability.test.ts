// Published NIC availability in the election, and the layer2 warnings (bad node annotation, range off the NIC's
// subnet, kube-proxy IPVS without strictARP): pure decisions over wire objects.
import { describe, expect, it } from 'vitest';
import { formatIp } from '../../src/ip/address.js';
import { parseAddressRange, type AddressRange } from '../../src/ip/range.js';
import { rendezvousOrder } from '../../src/layer2/announce-election.js';
import type { NicLookup } from '../../src/layer2/announce-nic.js';
import { ANNOTATION_LAYER2_EIPS } from '../../src/layer2/availability.js';
import { desiredLayer2, type Layer2World } from '../../src/speaker/desired-layer2.js';
import type { LeaseWire, NodeObject, ServiceObject } from '../../src/speaker/objects.js';
import { STRICT_ARP_FIX, strictArpWarning } from '../../src/speaker/strict-arp.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const IP = '192.0.2.10';
const NODES = ['node1', 'node2', 'node3'];
const [FIRST = '', SECOND = '', THIRD = ''] = rendezvousOrder(NODES, IP);

const node = (name: string, annotation?: string): NodeObject => ({
  metadata: {
    name,
    annotations: annotation === undefined ? {} : { 'layer2.openelb.kubesphere.io/v1alpha1': annotation },
  },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

const lease = (n: string, published?: string): LeaseWire => ({
  metadata: {
    name: `openelb-speaker-${n}`,
    ...(published !== undefined && { annotations: { [ANNOTATION_LAYER2_EIPS]: published } }),
  },
  spec: { holderIdentity: n, leaseDurationSeconds: 2, renewTime: '2025-12-31T23:59:59.500000Z' },
});

const eip = (name: string, address: string, iface = 'eth1'): object => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'Eip',
  metadata: { name },
  spec: { address, protocol: 'layer2', interface: iface },
});

const service: ServiceObject = {
  metadata: { name: 'web', namespace: 'default', labels: { 'eip.openelb.kubesphere.io/v1alpha2': 'lan' } },
  spec: { type: 'LoadBalancer' },
  status: { loadBalancer: { ingress: [{ ip: IP }] } },
};
const slice = {
  metadata: { name: 'web-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
  endpoints: [{ nodeName: 'node1', conditions: { ready: true } }],
};

const range = (t: string): AddressRange => {
  const r = parseAddressRange(t);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

/** eth1 holds 192.0.2.5/24 and is up; eth2 (198.51.100.5/24) is down, so it is never found. */
const lookup: NicLookup = {
  holding: (ip) =>
    formatIp(ip) === '192.0.2.5'
      ? { ok: true, value: 'eth1' }
      : { ok: false, error: `no NIC has ${formatIp(ip)}` },
  holdingIn: () => ({ ok: false, error: 'none in range' }),
  named: (name) =>
    name === 'eth1'
      ? { ok: true, value: name }
      : { ok: false, error: name === 'eth2' ? 'eth2 is not usable (operstate down)' : 'no such NIC' },
  routeTo: () => ({ ok: true, value: 'eth1' }),
  subnets: (nic) => (nic === 'eth1' ? [range('192.0.2.0/24')] : []),
};

function world(over: Partial<Layer2World> = {}): Layer2World {
  return {
    nodeName: FIRST,
    nowMs: NOW,
    nodes: NODES.map((n) => node(n)),
    services: [service],
    eips: [eip('lan', '192.0.2.0/24'), eip('other', '192.0.2.200-192.0.2.210', 'eth2')],
    endpointSlices: [slice],
    leases: NODES.map((n) => lease(n)),
    nic: lookup,
    ...over,
  };
}

describe('published NIC availability', () => {
  it('this node publishes the Eips whose NIC it found and which has link', () => {
    const d = desiredLayer2(world());
    expect(d.available).toEqual(['lan']);
    expect(d.layer2Eips).toEqual(['lan', 'other']);
    expect(d.nicsInUse).toEqual(['eth1', 'eth2']);
  });

  it('a peer absent from its published list is no candidate; a Lease without it keeps the inference', () => {
    // Seen from the second node: the first publishes nothing for "lan", so the second wins.
    const leases = [lease(FIRST, 'other'), lease(SECOND, 'lan'), lease(THIRD)];
    const d = desiredLayer2(world({ nodeName: SECOND, leases }));
    expect(d.owned.map((o) => o.ip)).toEqual([IP]);
    const election = d.elections.get(IP);
    expect(election?.candidates).toEqual([SECOND, THIRD]);
    expect(election?.rejected).toEqual([
      { node: FIRST, reason: `${FIRST} publishes no usable NIC for Eip lan` },
    ]);
    // Publishing "lan" again makes it the announcer on every node.
    const back = [lease(FIRST, 'lan,other'), lease(SECOND, 'lan'), lease(THIRD)];
    expect(desiredLayer2(world({ nodeName: SECOND, leases: back })).owned).toEqual([]);
  });

  it('this node never trusts its own (possibly stale) annotation: its NIC decides', () => {
    const leases = [lease(FIRST, ''), lease(SECOND), lease(THIRD)];
    expect(desiredLayer2(world({ leases })).owned.map((o) => o.nic)).toEqual(['eth1']);
    const down: NicLookup = { ...lookup, named: () => ({ ok: false, error: 'eth1 is not usable' }) };
    const d = desiredLayer2(world({ nic: down }));
    expect(d.owned).toEqual([]);
    expect(d.available).toEqual([]);
  });
});

describe('layer2 warnings', () => {
  it('an Eip range off its NIC subnet is announced anyway, with a Layer2SubnetMismatch problem', () => {
    const d = desiredLayer2(world({ eips: [eip('lan', '203.0.113.0/24')], services: [] }));
    expect(d.available).toEqual(['lan']);
    expect(d.problems).toEqual([
      {
        subject: 'Eip lan',
        reason: 'Layer2SubnetMismatch',
        message:
          'range 203.0.113.0/24 of Eip lan is not on a subnet of eth1 (192.0.2.0/24); still announcing; ' +
          'add an address of that subnet to eth1 or fix the range',
      },
    ]);
    expect(desiredLayer2(world({ eips: [eip('lan', '192.0.2.200-192.0.2.210')] })).problems).toEqual([]);
  });

  it('a node annotation that is not an IP/CIDR, or an IP the node lacks, is one problem on the Node', () => {
    const bad = desiredLayer2(world({ nodes: NODES.map((n) => node(n, n === FIRST ? 'eth1' : undefined)) }));
    expect(bad.owned).toEqual([]);
    expect(bad.available).toEqual([]);
    expect(bad.problems).toHaveLength(1);
    expect(bad.problems[0]).toMatchObject({ subject: `Node ${FIRST}`, reason: 'Layer2BadAnnotation' });
    expect(bad.problems[0]?.message).toContain('"eth1" is not an IP address');

    const foreign = desiredLayer2(
      world({ nodes: NODES.map((n) => node(n, n === FIRST ? '192.0.2.99' : undefined)) }),
    );
    expect(foreign.owned).toEqual([]);
    expect(foreign.problems).toEqual([
      {
        subject: `Node ${FIRST}`,
        reason: 'Layer2NoInterface',
        message: expect.stringContaining('no NIC holds 192.0.2.99') as string,
      },
    ]);
    // The annotation is valid and held: every Eip uses its NIC, no problem.
    const good = desiredLayer2(world({ nodes: NODES.map((n) => node(n, '192.0.2.5')) }));
    expect(good.problems).toEqual([]);
    expect(good.available).toEqual(['lan', 'other']);
  });
});

describe('strictArpWarning', () => {
  const conf = (text: string): Record<string, string> => ({ 'config.conf': text });

  it.each([
    ['mode: ipvs\nipvs:\n  strictARP: false\n', true],
    ['mode: "ipvs"\n', true],
    ['mode: IPVS\nipvs: {}\n', true],
    ['mode: ipvs\nipvs:\n  strictARP: true\n', false],
    ['mode: iptables\n', false],
    ['mode: ""\n', false],
    ['{{ not yaml', false],
    ['', false],
  ])('%j → warn %s', (text, warn) => {
    expect(strictArpWarning(conf(text)) !== undefined).toBe(warn);
  });

  it('says how to fix it, and tolerates other data keys', () => {
    expect(strictArpWarning(conf('mode: ipvs'))).toContain(STRICT_ARP_FIX);
    expect(STRICT_ARP_FIX).toContain('kubectl edit configmap -n kube-system kube-proxy');
    expect(strictArpWarning({ 'custom.yaml': 'mode: ipvs' })).toBeDefined();
    expect(strictArpWarning({ kubeconfig: 'apiVersion: v1' })).toBeUndefined();
  });
});
