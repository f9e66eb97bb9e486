import { describe, expect, it } from 'vitest';
import { buildStatusView } from '../../src/status/model.js';
import type { ClusterSnapshot, EventWire } from '../../src/status/gather.js';
import { rendezvousOrder } from '../../src/layer2/announce-election.js';
import { NO_EVENT_YET } from '../../src/status/view.js';
import { NOW, event, service, snapshot } from './status-fixtures.js';

const opts = { nowMs: NOW, speakerNamespace: 'openelb-system' };

/** A BgpPeer whose one session (node-a) is in `state` with gobgp's message counters. */
function sessionPeer(state: string, messages: object | undefined): ClusterSnapshot['bgpPeers'][number] {
  return {
    metadata: { name: 'tor' },
    spec: { conf: { neighborAddress: '172.18.0.100', peerAs: 65001 } },
    status: {
      nodesPeerStatus: {
        'node-a': { peerState: { sessionState: state, ...(messages === undefined ? {} : { messages }) } },
      },
    },
  };
}

describe('status model', () => {
  const view = buildStatusView(snapshot(), opts);

  it('lists every Eip with protocol, usage from status or counted from Services, flags and problems', () => {
    expect(view.eips.map((e) => e.name)).toEqual(['eip-bgp', 'eip-l2', 'eip-overlap']);
    const [bgp, l2, overlap] = view.eips;
    expect(bgp).toMatchObject({
      protocol: 'bgp',
      usage: 2,
      poolSize: 256,
      usageFrom: 'status',
      default: true,
    });
    expect(bgp?.problems).toEqual([]);
    // No status yet: size from the range (10..20 = 11), usage from the one Service labelled with it.
    expect(l2).toMatchObject({
      protocol: 'layer2',
      interface: 'eth0',
      address: '10.0.0.10-10.0.0.20',
      usage: 1,
      poolSize: 11,
      usageFrom: 'services',
      disabled: true,
      default: false,
    });
    expect(overlap?.problems).toEqual([
      { type: 'Valid', reason: 'AddressOverlap', message: 'overlaps Eip eip-bgp (192.168.0.0/24)' },
      { type: 'Ready', reason: 'Invalid', message: 'the Eip is not valid: see the Valid condition' },
    ]);
  });

  it("lists the Nodes' own addresses inside each Eip's range, in address order", () => {
    expect(view.eips.map((e) => e.nodeAddresses)).toEqual([[], [], []]);
    const base = snapshot();
    const withNodes = buildStatusView(
      {
        ...base,
        nodes: [
          ...base.nodes,
          {
            metadata: { name: 'edge' },
            status: { addresses: [{ type: 'ExternalIP', address: '10.0.0.20' }] },
          },
          {
            metadata: { name: 'lan' },
            status: { addresses: [{ type: 'InternalIP', address: '10.0.0.12' }] },
          },
        ],
      },
      opts,
    );
    expect(withNodes.eips.find((e) => e.name === 'eip-l2')?.nodeAddresses).toEqual([
      '10.0.0.12 (Node lan)',
      '10.0.0.20 (Node edge)',
    ]);
  });

  it('shows only OpenELB Services, sorted, with their Eip and protocol', () => {
    expect(view.services.map((s) => `${s.namespace}/${s.name}`)).toEqual([
      'default/l2',
      'default/local',
      'default/pend',
      'default/quiet',
      'default/web',
    ]);
    expect(view.services.find((s) => s.name === 'l2')).toMatchObject({ eip: 'eip-l2', protocol: 'layer2' });
  });

  it('bgp: every eligible node with a live speaker Lease announces a Cluster Service', () => {
    const web = view.services.find((s) => s.name === 'web');
    // node-c serves the endpoint, but its speaker Lease expired 45 s ago.
    expect(web?.addresses).toEqual([
      {
        ip: '192.168.0.1',
        announcers: ['node-a', 'node-b'],
        inferred: false,
        reason: '2 node(s) announce 192.168.0.1',
      },
    ]);
  });

  it('bgp: externalTrafficPolicy Local restricts announcers to nodes with a ready endpoint', () => {
    const local = view.services.find((s) => s.name === 'local');
    expect(local?.addresses[0]?.announcers).toEqual(['node-b']);
  });

  it('bgp: says why nobody announces', () => {
    const v = buildStatusView(snapshot({ endpointSlices: [] }), opts);
    const web = v.services.find((s) => s.name === 'web');
    expect(web?.addresses[0]).toMatchObject({ announcers: [], reason: 'the Service has no ready endpoint' });
    const none = buildStatusView(snapshot({ nodes: [] }), opts);
    expect(none.services.find((s) => s.name === 'web')?.addresses[0]?.reason).toBe('no Node is known');
  });

  it('layer2: one node, elected like the speakers do, marked inferred', () => {
    const l2 = view.services.find((s) => s.name === 'l2');
    const expected = rendezvousOrder(['node-a', 'node-b'], '10.0.0.10')[0];
    expect(l2?.addresses[0]).toMatchObject({ ip: '10.0.0.10', announcers: [expected], inferred: true });
    expect(l2?.addresses[0]?.reason).toBe(`${String(expected)} ranks first of 2 candidate(s) for 10.0.0.10`);
  });

  it('layer2: a dead speaker never wins, and no candidate means nobody', () => {
    const leases = snapshot().leases.filter((l) => l.metadata?.name === 'openelb-speaker-node-b');
    const v = buildStatusView(snapshot({ leases }), opts);
    expect(v.services.find((s) => s.name === 'l2')?.addresses[0]?.announcers).toEqual(['node-b']);
    const dead = buildStatusView(snapshot({ leases: [] }), opts);
    expect(dead.services.find((s) => s.name === 'l2')?.addresses[0]).toMatchObject({
      announcers: [],
      inferred: false,
      reason:
        'no node can announce 10.0.0.10: speaker Lease openelb-speaker-node-a does not exist yet (on node-a); ' +
        'speaker Lease openelb-speaker-node-b does not exist yet (on node-b); ' +
        'speaker Lease openelb-speaker-node-c does not exist yet (on node-c)',
    });
  });

  it('pending: the newest AssignIPFailed Event of this Service (not of an older one with its name)', () => {
    expect(view.pending).toEqual([
      {
        namespace: 'default',
        name: 'pend',
        reason: 'Eip eip-l2 is disabled',
        eventTime: new Date(NOW - 5_000).toISOString(),
      },
      { namespace: 'default', name: 'quiet', reason: NO_EVENT_YET, eventTime: null },
    ]);
  });

  it('pending: a Service meant for OpenELB that does not opt in, with why, in name order', () => {
    const base = snapshot();
    const services = [
      ...base.services,
      service('capital', { annotations: { 'lb.kubesphere.io/v1alpha1': 'OpenELB' } }),
      service('aaa-pinned', { annotations: { 'eip.openelb.kubesphere.io/v1alpha2': 'eip-bgp' } }),
    ] as typeof base.services;
    const v = buildStatusView({ ...base, services }, opts);
    expect(v.pending.map((p) => p.name)).toEqual(['aaa-pinned', 'capital', 'pend', 'quiet']);
    expect(v.pending[0]?.reason).toMatch(/has eip\.openelb\.kubesphere\.io\/v1alpha2 but does not opt in/);
    expect(v.pending[1]).toMatchObject({
      reason: expect.stringMatching(/is "OpenELB"/) as string,
      eventTime: null,
    });
    // Not ours: no row under SERVICES.
    expect(v.services.map((s) => s.name)).not.toContain('capital');
  });

  it('pending: Events of other kinds, reasons or types do not count', () => {
    const events = [
      event('quiet', 'a Normal event', 1, { type: 'Normal' }),
      event('quiet', 'another reason', 1, { reason: 'AssignIP' }),
      event('quiet', 'about an Eip', 1, { involvedObject: { kind: 'Eip', name: 'quiet' } }),
    ];
    const v = buildStatusView(snapshot({ events }), opts);
    expect(v.pending.find((p) => p.name === 'quiet')?.reason).toBe(NO_EVENT_YET);
  });

  it('address conflicts: each message once, newest first, only for this Service', () => {
    const conflict = (message: string, ago: number, extra = {}): EventWire =>
      event('l2', message, ago, { reason: 'Layer2AddressConflict', ...extra });
    const conflictEvents = [
      conflict('node-a: another host, 02:00:5e:00:53:01 on eth0, also uses 10.0.0.10: ...', 60_000),
      conflict('node-b: another host, 02:00:5e:00:53:02 on eth0, also uses 10.0.0.10: ...', 2_000),
      conflict('node-a: another host, 02:00:5e:00:53:01 on eth0, also uses 10.0.0.10: ...', 1_000, {
        metadata: { name: 'l2.again', namespace: 'default' },
      }),
      conflict('about an older Service named l2', 500, {
        involvedObject: { kind: 'Service', namespace: 'default', name: 'l2', uid: 'old-uid' },
      }),
      conflict('a Normal one', 500, { type: 'Normal' }),
    ];
    expect(buildStatusView(snapshot({ conflictEvents }), opts).conflicts).toEqual([
      {
        namespace: 'default',
        name: 'l2',
        message: 'node-a: another host, 02:00:5e:00:53:01 on eth0, also uses 10.0.0.10: ...',
        eventTime: new Date(NOW - 1_000).toISOString(),
      },
      {
        namespace: 'default',
        name: 'l2',
        message: 'node-b: another host, 02:00:5e:00:53:02 on eth0, also uses 10.0.0.10: ...',
        eventTime: new Date(NOW - 2_000).toISOString(),
      },
    ]);
    expect(view.conflicts).toEqual([]);
  });

  it('BGP sessions per node and peer, with uptime and negotiated hold time only while established', () => {
    expect(view.bgpSessions).toEqual([
      {
        node: 'node-a',
        bgpPeer: 'tor',
        peerAddress: '172.18.0.100',
        peerAs: 65001,
        state: 'ACTIVE',
        since: null,
        uptimeSeconds: null,
        holdTimeSeconds: null,
        hint: null,
      },
      {
        node: 'node-b',
        bgpPeer: 'tor',
        peerAddress: '172.18.0.100',
        peerAs: 65001,
        state: 'ESTABLISHED',
        since: new Date(NOW - 3_723_000).toISOString(),
        uptimeSeconds: 3723,
        holdTimeSeconds: 9,
        hint: null,
      },
    ]);
  });

  it.each([
    [
      'gobgpd sent NOTIFICATIONs',
      { sent: { notification: '3' }, received: { open: '3' } },
      /^gobgpd refused the peer \(3 NOTIFICATION\(s\) sent\).*peerAs/,
    ],
    [
      'the peer sent NOTIFICATIONs',
      { sent: { open: '2' }, received: { notification: '2', open: '1' } },
      /^the peer refused this node \(2 NOTIFICATION\(s\) received\).*spec\.as/,
    ],
    [
      'no OPEN came from the peer',
      { sent: { open: '1' }, received: { open: '0' } },
      /^no OPEN from the peer yet/,
    ],
  ])('a session that is down says why when %s', (_desc, messages, hint) => {
    const v = buildStatusView(snapshot({ bgpPeers: [sessionPeer('ACTIVE', messages)] }), opts);
    expect(v.bgpSessions[0]?.hint).toMatch(hint);
  });

  it('a BgpPeer whose nodeSelector matches no Node gets a NO NODE row that says so', () => {
    const peer = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpPeer',
      metadata: { name: 'rack9' },
      spec: {
        conf: { neighborAddress: '172.18.0.9', peerAs: 65009 },
        nodeSelector: { matchLabels: { rack: '9' } },
      },
    } as ClusterSnapshot['bgpPeers'][number];
    const v = buildStatusView(snapshot({ bgpPeers: [peer] }), opts);
    expect(v.bgpSessions).toEqual([
      expect.objectContaining({
        node: '',
        bgpPeer: 'rack9',
        peerAddress: '172.18.0.9',
        peerAs: 65009,
        state: 'NO NODE',
        hint: expect.stringMatching(/^spec\.nodeSelector matches none of the 3 Node\(s\)/) as string,
      }),
    ]);
    // Selecting one of the Nodes: no such row (and no session reported yet: no row at all).
    const selected = { ...peer, spec: { ...peer.spec, nodeSelector: { matchLabels: {} } } };
    expect(buildStatusView(snapshot({ bgpPeers: [selected] }), opts).bgpSessions).toEqual([]);
  });

  it('no hint for an established session (its counters count old flaps) or one without counters', () => {
    const flapped = { sent: { notification: '4' }, received: { notification: '1', open: '5' } };
    const up = buildStatusView(snapshot({ bgpPeers: [sessionPeer('ESTABLISHED', flapped)] }), opts);
    expect(up.bgpSessions[0]?.hint).toBeNull();
    const bare = buildStatusView(snapshot({ bgpPeers: [sessionPeer('IDLE', undefined)] }), opts);
    expect(bare.bgpSessions[0]?.hint).toBeNull();
  });

  it('never throws on malformed objects', () => {
    const junk = snapshot({
      eips: [{ metadata: { name: 'x' }, spec: { address: 'not-an-ip' }, status: { conditions: 'nope' } }],
      services: [
        {
          metadata: { name: 's', namespace: 'd', annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb' } },
          spec: { type: 'LoadBalancer' },
          status: { loadBalancer: { ingress: [{ ip: 'garbage' }] } },
        },
      ],
      bgpPeers: [{ metadata: { name: 'p' }, status: { nodesPeerStatus: { n: 'str', m: { peerState: 7 } } } }],
    });
    const v = buildStatusView(junk, opts);
    expect(v.eips[0]).toMatchObject({ name: 'x', poolSize: null, usage: 0, problems: [] });
    expect(v.services[0]?.addresses[0]).toMatchObject({ ip: 'garbage', announcers: [] });
    expect(v.bgpSessions).toEqual([
      {
        node: 'm',
        bgpPeer: 'p',
        peerAddress: '',
        peerAs: null,
        state: 'UNKNOWN',
        since: null,
        uptimeSeconds: null,
        holdTimeSeconds: null,
        hint: null,
      },
    ]);
  });
});

describe('status nodes', () => {
  const fresh = (name: string): object => ({
    metadata: { name: `openelb-speaker-${name}`, namespace: 'openelb-system' },
    spec: { holderIdentity: name, leaseDurationSeconds: 15, renewTime: new Date(NOW - 1000).toISOString() },
  });
  const node = (
    name: string,
    conditions: Record<string, string>,
    labels: Record<string, string> = {},
    addresses = ['192.0.2.1', '2001:db8::1'],
  ): object => ({
    metadata: { name, labels },
    status: {
      addresses: addresses.map((address) => ({ type: 'InternalIP', address })),
      conditions: Object.entries(conditions).map(([type, status]) => ({ type, status })),
    },
  });

  it('says which nodes may announce and why the others may not, by the speakers rules', () => {
    const names = ['ok', 'notready', 'nocni', 'excluded', 'nolease', 'cni-ok'];
    const base = snapshot();
    const view = buildStatusView(
      {
        ...base,
        nodes: [
          node('ok', { Ready: 'True' }),
          node('notready', { Ready: 'False' }),
          node('nocni', { Ready: 'True', NetworkUnavailable: 'True' }),
          node(
            'excluded',
            { Ready: 'True' },
            { 'node.kubernetes.io/exclude-from-external-load-balancers': '' },
          ),
          node('nolease', { Ready: 'True' }),
          node('cni-ok', { Ready: 'True', NetworkUnavailable: 'False' }, {}, ['192.0.2.6']),
          node('ok', { Ready: 'False' }), // a duplicate name: the first one counts
          { metadata: {} },
        ] as never,
        leases: names.filter((n) => n !== 'nolease').map(fresh),
      },
      opts,
    );
    expect(view.nodes.map((n) => [n.name, n.eligible, n.reason])).toEqual([
      ['cni-ok', true, 'Ready, speaker Lease fresh'],
      [
        'excluded',
        false,
        'Node excluded is labelled node.kubernetes.io/exclude-from-external-load-balancers',
      ],
      ['nocni', false, 'Node nocni has NetworkUnavailable=True: its network (CNI, routes) is not set up'],
      ['nolease', false, 'speaker Lease openelb-speaker-nolease does not exist yet'],
      ['notready', false, 'Node notready is not Ready (Ready=False)'],
      ['ok', true, 'Ready, speaker Lease fresh'],
    ]);
    expect(view.nodes.find((n) => n.name === 'ok')?.addresses).toEqual(['192.0.2.1', '2001:db8::1']);
    expect(view.nodes.find((n) => n.name === 'cni-ok')?.addresses).toEqual(['192.0.2.6']);
  });
});
