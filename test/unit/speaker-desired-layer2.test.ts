import { describe, expect, it } from 'vitest';
import { formatIp, type IpAddress } from '../../src/ip/address.js';
import { formatRange, type AddressRange } from '../../src/ip/range.js';
import type { NicLookup } from '../../src/layer2/announce-nic.js';
import { rendezvousOrder } from '../../src/layer2/announce-election.js';
import {
  ANNOTATION_LAYER2_EIPS,
  ANNOTATION_LAYER2_EIPS_UNUSABLE,
  availabilityAnnotations,
} from '../../src/layer2/availability.js';
import { desiredLayer2, type Layer2World } from '../../src/speaker/desired-layer2.js';
import type { NodeObject, ServiceObject } from '../../src/speaker/objects.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const IP = '192.0.2.10';
const NODES = ['node1', 'node2', 'node3'];
// Which node wins IP among all three, and the order, computed once so the tables below read plainly.
const ORDER = rendezvousOrder(NODES, IP);
const FIRST = ORDER[0] ?? '';
const SECOND = ORDER[1] ?? '';

function node(
  name: string,
  over: {
    ready?: string;
    annotation?: string;
    labels?: Record<string, string>;
    networkUnavailable?: string;
  } = {},
): NodeObject {
  return {
    metadata: {
      name,
      labels: over.labels ?? {},
      annotations:
        over.annotation === undefined ? {} : { 'layer2.openelb.kubesphere.io/v1alpha1': over.annotation },
    },
    status: {
      conditions: [
        { type: 'Ready', status: over.ready ?? 'True' },
        ...(over.networkUnavailable === undefined
          ? []
          : [{ type: 'NetworkUnavailable', status: over.networkUnavailable }]),
      ],
    },
  };
}

function service(name: string, ips: string[], etp = 'Cluster', eip = 'lan'): ServiceObject {
  return {
    metadata: { name, namespace: 'default', labels: { 'eip.openelb.kubesphere.io/v1alpha2': eip } },
    spec: { type: 'LoadBalancer', externalTrafficPolicy: etp } as ServiceObject['spec'],
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
  };
}

function slice(svc: string, nodes: string[]): object {
  return {
    metadata: { name: `${svc}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    endpoints: nodes.map((nodeName) => ({ nodeName, conditions: { ready: true } })),
  };
}

const lease = (n: string): object => ({
  metadata: { name: `openelb-speaker-${n}` },
  spec: { holderIdentity: n, leaseDurationSeconds: 2, renewTime: '2025-12-31T23:59:59.500000Z' },
});

const eip = (name: string, address: string, iface?: string, protocol = 'layer2'): object => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'Eip',
  metadata: { name },
  spec: { address, protocol, ...(iface !== undefined && { interface: iface }) },
});

/** A host with eth1 = 192.0.2.5/24 and eth2 = 198.51.100.5/24. */
const lookup: NicLookup = {
  holding: (ip: IpAddress) =>
    formatIp(ip) === '192.0.2.5'
      ? { ok: true, value: 'eth1' }
      : formatIp(ip) === '198.51.100.5'
        ? { ok: true, value: 'eth2' }
        : { ok: false, error: `no NIC has ${formatIp(ip)}` },
  holdingIn: (range: AddressRange) =>
    formatRange(range) === '198.51.100.0/24'
      ? { ok: true, value: 'eth2' }
      : { ok: false, error: 'none in range' },
  named: (name) =>
    ['eth1', 'eth2'].includes(name) ? { ok: true, value: name } : { ok: false, error: 'no such NIC' },
  routeTo: (ip, serviceIps) =>
    serviceIps.has(formatIp(ip)) ? { ok: false, error: 'is a Service IP' } : { ok: true, value: 'eth1' },
};

function world(over: Partial<Layer2World> = {}): Layer2World {
  return {
    nodeName: FIRST,
    nowMs: NOW,
    nodes: NODES.map((n) => node(n)),
    services: [service('web', [IP])],
    eips: [eip('lan', '192.0.2.0/24', 'eth1')],
    endpointSlices: [slice('web', ['node1'])],
    leases: NODES.map((n) => lease(n) as never),
    nic: lookup,
    ...over,
  };
}

describe('desiredLayer2', () => {
  it('the winning node answers on the Eip interface', () => {
    const d = desiredLayer2(world());
    expect(d.owned).toEqual([{ ip: IP, nic: 'eth1', eip: 'lan', services: ['default/web'] }]);
    expect([...d.nics]).toEqual([['eth1', [IP]]]);
    expect(d.elections.get(IP)?.announcer).toBe(FIRST);
    expect(d.problems).toEqual([]);
  });

  it('a losing node answers nothing and says who does', () => {
    const d = desiredLayer2(world({ nodeName: SECOND }));
    expect(d.owned).toEqual([]);
    expect(d.skipped).toEqual([{ subject: IP, reason: `announced by ${FIRST}` }]);
  });

  it.each([
    ['its node is NotReady', { nodes: NODES.map((n) => node(n, n === FIRST ? { ready: 'False' } : {})) }],
    [
      'its network is unavailable (NetworkUnavailable=True)',
      { nodes: NODES.map((n) => node(n, n === FIRST ? { networkUnavailable: 'True' } : {})) },
    ],
    ['its Lease is gone', { leases: NODES.filter((n) => n !== FIRST).map((n) => lease(n) as never) }],
    [
      'it is excluded',
      {
        nodes: NODES.map((n) =>
          node(
            n,
            n === FIRST ? { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } } : {},
          ),
        ),
      },
    ],
  ])('the next node takes over when the winner fails because %s', (_why, over) => {
    expect(desiredLayer2(world({ ...over, nodeName: FIRST })).owned).toEqual([]);
    expect(desiredLayer2(world({ ...over, nodeName: SECOND })).owned.map((o) => o.ip)).toEqual([IP]);
  });

  it('the node annotation (IP) picks the NIC over spec.interface', () => {
    const nodes = NODES.map((n) => node(n, { annotation: '198.51.100.5' }));
    expect(desiredLayer2(world({ nodes })).owned[0]?.nic).toBe('eth2');
  });

  it('the node annotation (CIDR) picks the NIC holding an address in it', () => {
    const nodes = NODES.map((n) => node(n, { annotation: '198.51.100.0/24' }));
    expect(desiredLayer2(world({ nodes })).owned[0]?.nic).toBe('eth2');
  });

  it('can_reach resolves through the route lookup, which is told the Service IPs', () => {
    expect(
      desiredLayer2(world({ eips: [eip('lan', '192.0.2.0/24', 'can_reach:192.0.2.1')] })).owned[0]?.nic,
    ).toBe('eth1');
    const d = desiredLayer2(world({ eips: [eip('lan', '192.0.2.0/24', `can_reach:${IP}`)] }));
    expect(d.owned).toEqual([]);
    expect(d.problems).toEqual([
      {
        subject: 'Eip lan',
        reason: 'Layer2NoInterface',
        message: `Eip lan asks for can_reach:${IP}: is a Service IP`,
      },
    ]);
  });

  it('a bad annotation or a missing NIC makes this node no candidate, with a problem to report', () => {
    const nodes = NODES.map((n) => node(n, n === FIRST ? { annotation: 'eth1' } : {}));
    const d = desiredLayer2(world({ nodes }));
    expect(d.owned).toEqual([]);
    expect(d.problems[0]?.message).toContain('"eth1" is not an IP address');
    // Every other speaker sees the same bad annotation, so they do not wait for the broken node.
    expect(desiredLayer2(world({ nodes, nodeName: SECOND })).owned.map((o) => o.ip)).toEqual([IP]);

    const missing = desiredLayer2(world({ eips: [eip('lan', '192.0.2.0/24', 'eth9')] }));
    expect(missing.owned).toEqual([]);
    expect(missing.problems).toEqual([
      { subject: 'Eip lan', reason: 'Layer2NoInterface', message: 'Eip lan names NIC eth9: no such NIC' },
    ]);
  });

  it("a Service IP that is a node's own address is announced by nobody, and that node reports it", () => {
    // SECOND's InternalIP is the Service IP (an Eip range overlapping the nodes' subnet).
    const nodes = NODES.map((n) =>
      n === SECOND
        ? { ...node(n), status: { ...node(n).status, addresses: [{ type: 'InternalIP', address: IP }] } }
        : node(n),
    );
    const perNode = NODES.map((n) => desiredLayer2(world({ nodes, nodeName: n })));
    expect(perNode.flatMap((d) => d.owned)).toEqual([]);
    expect(perNode[0]?.skipped).toContainEqual({
      subject: `default/web ${IP}`,
      reason: `${IP} is the address of Node ${SECOND}: announcing it would take it from the node; remove it from Eip lan's range`,
    });
    const problems = perNode.flatMap((d) => d.problems);
    expect(problems).toEqual([
      {
        subject: 'Eip lan',
        reason: 'Layer2NodeAddress',
        message: expect.stringContaining(
          `default/web holds ${IP}, an address of this node: not announced`,
        ) as string,
      },
    ]);
    expect(NODES.filter((n) => desiredLayer2(world({ nodes, nodeName: n })).problems.length > 0)).toEqual([
      SECOND,
    ]);
  });

  it('externalTrafficPolicy Local: only a node with an endpoint announces', () => {
    const services = [service('web', [IP], 'Local')];
    const endpointSlices = [slice('web', [SECOND]) as never];
    expect(desiredLayer2(world({ services, endpointSlices })).owned).toEqual([]);
    const d = desiredLayer2(world({ services, endpointSlices, nodeName: SECOND }));
    expect(d.owned.map((o) => o.ip)).toEqual([IP]);
  });

  it('Services sharing an IP land on one node, listed together', () => {
    const services = [service('b', [IP]), service('a', [IP])];
    const endpointSlices = [slice('a', ['node1']) as never, slice('b', ['node2']) as never];
    const owners = NODES.filter(
      (n) => desiredLayer2(world({ services, endpointSlices, nodeName: n })).owned.length > 0,
    );
    expect(owners).toEqual([FIRST]);
    expect(desiredLayer2(world({ services, endpointSlices })).owned[0]?.services).toEqual([
      'default/a',
      'default/b',
    ]);
  });

  it('exactly one node owns each IP, and IPs spread over the nodes', () => {
    const ips = Array.from({ length: 30 }, (_, i) => `192.0.2.${String(i + 20)}`);
    const services = [service('web', ips)];
    const perNode = NODES.map((n) => desiredLayer2(world({ services, nodeName: n })).owned.map((o) => o.ip));
    expect(perNode.flat().sort()).toEqual([...ips].sort());
    for (const owned of perNode) expect(owned.length).toBeGreaterThan(0);
  });

  it('ignores bgp Eips, IPs outside the Eip, Services being deleted, and bad objects', () => {
    const deleting = service('gone', ['192.0.2.30']);
    deleting.metadata = { ...deleting.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' };
    const d = desiredLayer2(
      world({
        eips: [
          eip('lan', '192.0.2.0/24', 'eth1'),
          eip('bgp', '203.0.113.0/24', undefined, 'bgp'),
          { spec: 7 } as never,
        ],
        services: [
          service('web', [IP, '198.51.100.9']),
          service('b', ['203.0.113.1'], 'Cluster', 'bgp'),
          deleting,
          {},
        ],
      }),
    );
    expect(d.owned.map((o) => o.ip)).toEqual([IP]);
    expect(d.skipped).toEqual([
      { subject: 'default/web 198.51.100.9', reason: '198.51.100.9 is not in Eip lan' },
    ]);
    expect([...d.elections.keys()]).toEqual([IP]);
  });

  it('a Service without ready endpoints is not announced, with the reason', () => {
    const d = desiredLayer2(world({ endpointSlices: [] }));
    expect(d.owned).toEqual([]);
    expect(d.skipped).toEqual([
      {
        subject: IP,
        reason: expect.stringMatching(
          `^no node can announce ${IP}: default/web has no ready endpoint \\(on `,
        ) as string,
      },
    ]);
    expect(d.elections.get(IP)?.rejected[0]?.reason).toBe('default/web has no ready endpoint');
  });
});

describe('desiredLayer2 with the NIC availability peers publish on their Leases', () => {
  const published = (n: string, annotations: Record<string, string>): never =>
    ({ ...(lease(n) as { spec: object }), metadata: { name: `openelb-speaker-${n}`, annotations } }) as never;
  const leasesWith = (first: Record<string, string>): Layer2World['leases'] =>
    NODES.map((n) => (n === FIRST ? published(n, first) : (lease(n) as never)));
  const asSecond = (first: Record<string, string>): string[] =>
    desiredLayer2(world({ nodeName: SECOND, leases: leasesWith(first) })).owned.map((o) => o.ip);

  it('leaves the IP to the winner that publishes the Eip as servable', () => {
    expect(asSecond({ [ANNOTATION_LAYER2_EIPS]: 'lan', [ANNOTATION_LAYER2_EIPS_UNUSABLE]: '' })).toEqual([]);
  });

  it('takes the IP over from a winner that publishes the Eip as unusable', () => {
    expect(asSecond({ [ANNOTATION_LAYER2_EIPS]: '', [ANNOTATION_LAYER2_EIPS_UNUSABLE]: 'lan' })).toEqual([
      IP,
    ]);
  });

  it('does not take over an Eip the winner has not considered yet (in neither list): it infers instead', () => {
    // The winner published before Eip "lan" existed. Reading that as "cannot serve lan" made two nodes
    // answer ARP until the winner published again.
    expect(asSecond({ [ANNOTATION_LAYER2_EIPS]: 'other', [ANNOTATION_LAYER2_EIPS_UNUSABLE]: '' })).toEqual(
      [],
    );
  });

  it('reads a missing Eip as unusable from a speaker that publishes only the first annotation', () => {
    expect(asSecond({ [ANNOTATION_LAYER2_EIPS]: 'other' })).toEqual([IP]);
  });

  it('publishes what this node can serve and what it cannot', () => {
    const d = desiredLayer2(
      world({ eips: [eip('lan', '192.0.2.0/24', 'eth1'), eip('far', '203.0.113.0/24', 'eth9')] }),
    );
    expect(d.available).toEqual(['lan']);
    expect(d.unusable).toEqual(['far']);
    expect(availabilityAnnotations(d.available, d.unusable)).toEqual({
      [ANNOTATION_LAYER2_EIPS]: 'lan',
      [ANNOTATION_LAYER2_EIPS_UNUSABLE]: 'far',
    });
  });
});
