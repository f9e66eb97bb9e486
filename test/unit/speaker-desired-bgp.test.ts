import { describe, expect, it } from 'vitest';
import { desiredBgp, type BgpWorld } from '../../src/speaker/desired-bgp.js';
import type { NodeObject, ServiceObject } from '../../src/speaker/objects.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const v4 = '192.0.2.11';
const v6 = '2001:db8:0:1::11';

function node(
  over: {
    labels?: Record<string, string>;
    ready?: string;
    addresses?: string[];
    networkUnavailable?: string;
  } = {},
): NodeObject {
  return {
    metadata: { name: 'node1', labels: over.labels ?? { rack: 'a' } },
    status: {
      addresses: (over.addresses ?? [v4, v6]).map((address) => ({ type: 'InternalIP', address })),
      conditions: [
        { type: 'Ready', status: over.ready ?? 'True' },
        ...(over.networkUnavailable === undefined
          ? []
          : [{ type: 'NetworkUnavailable', status: over.networkUnavailable }]),
      ],
    },
  };
}

function service(name: string, ips: string[], etp = 'Cluster', eip = 'pool'): ServiceObject {
  return {
    metadata: { name, namespace: 'default', labels: { 'eip.openelb.kubesphere.io/v1alpha2': eip } },
    spec: { type: 'LoadBalancer', externalTrafficPolicy: etp } as ServiceObject['spec'],
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
  };
}

function slice(svc: string, endpoints: { node: string; ready?: boolean; serving?: boolean }[]): object {
  return {
    metadata: { name: `${svc}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    endpoints: endpoints.map((e) => ({
      nodeName: e.node,
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true },
    })),
  };
}

const lease = {
  metadata: { name: 'openelb-speaker-node1' },
  spec: { holderIdentity: 'node1', leaseDurationSeconds: 2, renewTime: '2025-12-31T23:59:59.500000Z' },
};

const eip = (name: string, address: string, protocol = 'bgp'): object => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'Eip',
  metadata: { name },
  spec: { address, protocol, ...(protocol === 'layer2' && { interface: 'eth0' }) },
});

const conf = (spec: Record<string, unknown> = {}): object => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpConf',
  metadata: { name: 'default' },
  spec: { as: 64512, listenPort: 179, ...spec },
});

const peer = (name: string, spec: Record<string, unknown>): object => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpPeer',
  metadata: { name },
  spec,
});

function world(over: Partial<BgpWorld> = {}): BgpWorld {
  return {
    nodeName: 'node1',
    speakerNamespace: 'openelb-system',
    nowMs: NOW,
    node: node(),
    services: [service('web', ['198.51.100.10'])],
    eips: [
      eip('pool', '198.51.100.0/24'),
      eip('pool6', '2001:db8:100::/120'),
      eip('l2', '198.51.101.0/24', 'layer2'),
    ],
    endpointSlices: [slice('web', [{ node: 'node2' }])],
    leases: [lease],
    bgpConfs: [conf()],
    bgpPeers: [
      peer('router', {
        conf: { neighborAddress: '192.0.2.1', peerAs: 64500 },
        transport: { passiveMode: true },
      }),
    ],
    secret: () => ({ ok: false, error: 'no secrets' }),
    ...over,
  };
}

const prefixes = (w: BgpWorld): string[] =>
  desiredBgp(w).paths.map((p) => `${p.route.prefix}/${String(p.route.prefixLen)} ${p.route.nextHop}`);

describe('desiredBgp global config', () => {
  it('uses BgpConf default with this node IPv4 as router id (not a shared one, #315) and listen port', () => {
    expect(desiredBgp(world()).global).toEqual({
      kind: 'config',
      config: { asn: 64512, routerId: v4, listenPort: 179, listenAddresses: [], useMultiplePaths: false },
    });
  });

  it.each([
    ['listenPort 0 means 179', { listenPort: 0 }, { listenPort: 179 }],
    ['a fixed routerId is used as written', { routerId: '10.9.9.9' }, { routerId: '10.9.9.9' }],
    [
      'asPerRack overrides as and forces the node IP',
      { routerId: '10.9.9.9', asPerRack: { a: 65001 } },
      { asn: 65001, routerId: v4 },
    ],
  ])('%s', (_name, spec, want) => {
    const g = desiredBgp(
      world({
        bgpConfs: [conf(spec)],
        node: { ...node(), metadata: { name: 'node1', labels: { 'openelb.kubesphere.io/rack': 'a' } } },
      }),
    ).global;
    expect(g.kind === 'config' && g.config).toMatchObject(want);
  });

  it('is absent without a BgpConf named default, and ignores other names', () => {
    const other = { ...(conf() as { metadata: object }), metadata: { name: 'mine' } };
    expect(desiredBgp(world({ bgpConfs: [other] })).global.kind).toBe('absent');
  });

  it('is invalid (with a node-scoped problem) when there is no routerId and no IPv4 InternalIP', () => {
    const d = desiredBgp(world({ node: node({ addresses: [v6] }) }));
    expect(d.global.kind).toBe('invalid');
    expect(d.problems).toEqual([expect.objectContaining({ kind: 'BgpConf', scope: 'node' })]);
  });

  it('blames the missing Node, not the BgpConf, when the speaker names a Node that does not exist', () => {
    const d = desiredBgp(world({ node: undefined }));
    expect(d.global.kind).toBe('invalid');
    expect(d.global.kind === 'invalid' && d.global.reason).toContain('Node node1 does not exist');
    expect(d.problems).toEqual([]);
  });
});

describe('desiredBgp peers', () => {
  it('maps BgpPeer fields and defaults the family from the neighbour address', () => {
    const d = desiredBgp(
      world({
        bgpPeers: [
          peer('r6', {
            conf: { neighborAddress: '2001:db8:0:1::1', peerAs: 64500, authPassword: 'pw' },
            ebgpMultihop: { enabled: true, multihopTtl: 3 },
            timers: { config: { holdTime: '9', keepaliveInterval: '3' } },
            transport: { passiveMode: true, remotePort: 1790 },
          }),
        ],
      }),
    );
    expect(d.peers).toEqual([
      {
        bgpPeer: 'r6',
        config: {
          neighborAddress: '2001:db8:0:1::1',
          peerAsn: 64500,
          authPassword: 'pw',
          ebgpMultihop: { enabled: true, multihopTtl: 3 },
          timers: { holdTime: 9, keepaliveInterval: 3 },
          transport: { passiveMode: true, remotePort: 1790 },
          afiSafis: [{ family: 'ipv6-unicast', enabled: true, addPaths: { receive: false, sendMax: 10 } }],
        },
      },
    ]);
  });

  it('passes the AS-path options to gobgpd (OpenELB does), and not the settings gobgpd ignores', () => {
    const d = desiredBgp(
      world({
        bgpPeers: [
          peer('r', {
            conf: {
              neighborAddress: '192.0.2.1',
              peerAs: 64500,
              removePrivateAs: 'REPLACE',
              allowOwnAs: 1,
              replacePeerAs: true,
              routeFlapDamping: true,
              sendCommunity: 3,
            },
          }),
        ],
      }),
    );
    expect(d.peers[0]?.config).toEqual({
      neighborAddress: '192.0.2.1',
      peerAsn: 64500,
      removePrivate: 'replace',
      allowOwnAsn: 1,
      replacePeerAsn: true,
      transport: { passiveMode: false },
      afiSafis: [{ family: 'ipv4-unicast', enabled: true, addPaths: { receive: false, sendMax: 10 } }],
    });
    const none = desiredBgp(
      world({
        bgpPeers: [
          peer('r', { conf: { neighborAddress: '192.0.2.1', peerAs: 64500, removePrivateAs: 'NONE' } }),
        ],
      }),
    );
    expect(none.peers[0]?.config.removePrivate).toBeUndefined();
  });

  it('keeps only BgpPeers whose nodeSelector matches this node', () => {
    const d = desiredBgp(
      world({
        bgpPeers: [
          peer('a', {
            conf: { neighborAddress: '192.0.2.1', peerAs: 64500 },
            nodeSelector: { matchLabels: { rack: 'a' } },
          }),
          peer('b', {
            conf: { neighborAddress: '192.0.2.2', peerAs: 64500 },
            nodeSelector: { matchLabels: { rack: 'b' } },
          }),
        ],
      }),
    );
    expect(d.peers.map((p) => p.bgpPeer)).toEqual(['a']);
    expect(d.unselectedPeers).toEqual(['b']);
  });

  it('reads the MD5 password from the referenced Secret, in the speaker namespace by default', () => {
    const d = desiredBgp(
      world({
        bgpPeers: [
          peer('s', {
            conf: {
              neighborAddress: '192.0.2.1',
              peerAs: 64500,
              authPasswordSecretRef: { name: 'x', key: 'k' },
            },
          }),
        ],
        secret: (ns, name, key) => ({ ok: true, value: `${ns}/${name}/${key}` }),
      }),
    );
    expect(d.peers[0]?.config.authPassword).toBe('openelb-system/x/k');
  });

  it('reports a missing Secret as a problem and leaves the peer out', () => {
    const d = desiredBgp(
      world({
        bgpPeers: [
          peer('s', {
            conf: {
              neighborAddress: '192.0.2.1',
              peerAs: 64500,
              authPasswordSecretRef: { name: 'x', key: 'k' },
            },
          }),
        ],
      }),
    );
    expect(d.peers).toEqual([]);
    expect(d.problems[0]?.message).toMatch(/authPasswordSecretRef: no secrets/);
  });
});

describe('desiredBgp paths and eligibility', () => {
  it('announces a bgp Service IP as /32 via the node IPv4 and an IPv6 one as /128 via the node IPv6', () => {
    const w = world({
      services: [
        service('web', ['198.51.100.10']),
        service('web6', ['2001:db8:100::10'], 'Cluster', 'pool6'),
      ],
      endpointSlices: [slice('web', [{ node: 'node2' }]), slice('web6', [{ node: 'node3' }])],
    });
    expect(prefixes(w)).toEqual([`198.51.100.10/32 ${v4}`, `2001:db8:100::10/128 ${v6}`]);
  });

  it('hands the same route object again for an unchanged Service, a new one when the next hop moves', () => {
    const svc = service('web', ['198.51.100.10']);
    const first = desiredBgp(world({ services: [svc] })).paths[0]?.route;
    expect(first).toEqual({ prefix: '198.51.100.10', prefixLen: 32, nextHop: v4 });
    expect(desiredBgp(world({ services: [svc] })).paths[0]?.route).toBe(first);
    const moved = desiredBgp(world({ services: [svc], node: node({ addresses: ['192.0.2.99'] }) }));
    expect(moved.paths[0]?.route).toEqual({ prefix: '198.51.100.10', prefixLen: 32, nextHop: '192.0.2.99' });
    const replaced = desiredBgp(world({ services: [service('web', ['198.51.100.11'])] }));
    expect(replaced.paths.map((p) => p.route.prefix)).toEqual(['198.51.100.11']);
  });

  it('skips an IP whose family the node has no address of', () => {
    const w = world({
      node: node({ addresses: [v4] }),
      services: [service('web6', ['2001:db8:100::10'], 'Cluster', 'pool6')],
      endpointSlices: [slice('web6', [{ node: 'n' }])],
    });
    expect(prefixes(w)).toEqual([]);
    expect(desiredBgp(w).skipped[0]?.reason).toMatch(/no IPv6 InternalIP/);
  });

  it("does not announce a Service IP that is a node's own address (InternalIP or ExternalIP)", () => {
    const other: NodeObject = {
      metadata: { name: 'node2' },
      status: { addresses: [{ type: 'ExternalIP', address: '198.51.100.10' }] },
    };
    const w = world({ nodes: [node(), other] });
    expect(prefixes(w)).toEqual([]);
    expect(desiredBgp(w).skipped).toContainEqual({
      subject: 'default/web 198.51.100.10',
      reason:
        "198.51.100.10 is the address of Node node2: announcing it would take it from the node; remove it from Eip pool's range",
    });
    // Without the list, this node's own addresses still count.
    expect(prefixes(world({ node: node({ addresses: [v4, '198.51.100.10'] }) }))).toEqual([]);
  });

  it('never uses a loopback InternalIP as next hop', () => {
    expect(prefixes(world({ node: node({ addresses: ['127.0.0.1', v4] }) }))).toEqual([
      `198.51.100.10/32 ${v4}`,
    ]);
    expect(prefixes(world({ node: node({ addresses: ['127.0.0.1'] }) }))).toEqual([]);
  });

  it.each([
    ['Cluster with a ready endpoint elsewhere', 'Cluster', [{ node: 'node2' }], true],
    [
      'Cluster without any ready endpoint',
      'Cluster',
      [{ node: 'node1', ready: false, serving: false }],
      false,
    ],
    ['Cluster with no EndpointSlice', 'Cluster', undefined, false],
    ['Local with a ready endpoint on this node', 'Local', [{ node: 'node1' }], true],
    [
      'Local with a serving (terminating) endpoint on this node',
      'Local',
      [{ node: 'node1', ready: false, serving: true }],
      true,
    ],
    ['Local with endpoints only elsewhere', 'Local', [{ node: 'node2' }], false],
  ] as const)('%s -> announced %s', (_n, etp, endpoints, announced) => {
    const w = world({
      services: [service('web', ['198.51.100.10'], etp)],
      endpointSlices: endpoints === undefined ? [] : [slice('web', [...endpoints])],
    });
    expect(prefixes(w).length).toBe(announced ? 1 : 0);
  });

  it.each([
    ['NotReady', { node: node({ ready: 'False' }) }, /not Ready/],
    [
      'NetworkUnavailable (CNI not set up)',
      { node: node({ networkUnavailable: 'True' }) },
      /NetworkUnavailable=True/,
    ],
    [
      'labelled exclude',
      { node: node({ labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } }) },
      /exclude-from-external/,
    ],
    ['missing', { node: undefined }, /does not exist/],
    ['speaker Lease missing', { leases: [] }, /does not exist yet/],
    ['speaker Lease expired', { nowMs: NOW + 5000 }, /expired/],
    [
      'speaker Lease released',
      { leases: [{ ...lease, spec: { ...lease.spec, holderIdentity: '' } }] },
      /released/,
    ],
  ] as const)('announces nothing when the node is %s', (_n, over, reason) => {
    const d = desiredBgp(world(over));
    expect(d.paths).toEqual([]);
    expect(d.skipped[0]?.reason).toMatch(reason);
  });

  it('keeps announcing when its Lease went stale only because the API does not take renewals (ADR 0019)', () => {
    expect(prefixes(world({ nowMs: NOW + 5000, apiInDoubt: true }))).toEqual(prefixes(world()));
    expect(prefixes(world())).toHaveLength(1);
    // A Lease this speaker released (it is stopping) still withdraws, doubt or not.
    const released = { ...lease, spec: { ...lease.spec, holderIdentity: '' } };
    const d = desiredBgp(world({ leases: [released], apiInDoubt: true }));
    expect(d.paths).toEqual([]);
    expect(d.skipped[0]?.reason).toMatch(/released/);
  });

  it('announces from a node whose NetworkUnavailable is False, as from one without that condition', () => {
    expect(prefixes(world({ node: node({ networkUnavailable: 'False' }) }))).toEqual(prefixes(world()));
    expect(prefixes(world())).toHaveLength(1);
  });

  it('ignores layer2 Eips and Services without the Eip label; skips IPs outside their Eip', () => {
    const unlabelled: ServiceObject = {
      ...service('x', ['198.51.100.20']),
      metadata: { name: 'x', namespace: 'default' },
    };
    const w = world({
      services: [
        service('l2', ['198.51.101.1'], 'Cluster', 'l2'),
        unlabelled,
        service('out', ['203.0.113.5']),
      ],
      endpointSlices: [
        slice('l2', [{ node: 'n' }]),
        slice('x', [{ node: 'n' }]),
        slice('out', [{ node: 'n' }]),
      ],
    });
    const d = desiredBgp(w);
    expect(d.paths).toEqual([]);
    expect(d.skipped).toEqual([
      { subject: 'default/out 203.0.113.5', reason: '203.0.113.5 is not in Eip pool' },
    ]);
  });
});
