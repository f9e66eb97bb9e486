// Fixed cluster objects for the status unit tests (wire form, as the API serves them).
import type { ClusterSnapshot, EventWire } from '../../src/status/gather.js';

export const NOW = Date.parse('2025-03-01T12:00:00Z');
const iso = (msAgo: number): string => new Date(NOW - msAgo).toISOString();

const cond = (type: string, status: string, reason: string, message: string): Record<string, unknown> => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: '2025-03-01T11:00:00Z',
});

const OPT_IN = { 'lb.kubesphere.io/v1alpha1': 'openelb' };
const LABEL = 'eip.openelb.kubesphere.io/v1alpha2';

const node = (name: string, ready = true): Record<string, unknown> => ({
  metadata: { name, labels: {} },
  status: {
    addresses: [{ type: 'InternalIP', address: `172.18.0.${String(name.charCodeAt(name.length - 1) - 96)}` }],
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
  },
});

const lease = (nodeName: string, renewedMsAgo: number): Record<string, unknown> => ({
  metadata: { name: `openelb-speaker-${nodeName}`, namespace: 'openelb-system' },
  spec: { holderIdentity: nodeName, leaseDurationSeconds: 15, renewTime: iso(renewedMsAgo) },
});

export const service = (
  name: string,
  o: { eip?: string; ips?: string[]; etp?: string; annotations?: Record<string, string>; uid?: string } = {},
): Record<string, unknown> => ({
  metadata: {
    name,
    namespace: 'default',
    uid: o.uid ?? `uid-${name}`,
    annotations: o.annotations ?? OPT_IN,
    labels: o.eip === undefined ? {} : { [LABEL]: o.eip },
  },
  spec: { type: 'LoadBalancer', ports: [{ port: 80 }], externalTrafficPolicy: o.etp ?? 'Cluster' },
  status: { loadBalancer: { ingress: (o.ips ?? []).map((ip) => ({ ip })) } },
});

const slice = (svc: string, nodes: string[]): Record<string, unknown> => ({
  metadata: { name: `${svc}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4',
  endpoints: nodes.map((n, i) => ({
    addresses: [`10.244.0.${String(i + 1)}`],
    nodeName: n,
    conditions: { ready: true },
  })),
});

export const event = (
  svc: string,
  message: string,
  lastMsAgo: number,
  extra: Partial<EventWire> = {},
): EventWire => ({
  metadata: { name: `${svc}.${String(lastMsAgo)}`, namespace: 'default' },
  type: 'Warning',
  reason: 'AssignIPFailed',
  message,
  involvedObject: { kind: 'Service', namespace: 'default', name: svc, uid: `uid-${svc}` },
  lastTimestamp: iso(lastMsAgo),
  ...extra,
});

/** Three nodes (node-c's speaker Lease expired), a bgp, a layer2 and an overlapping Eip, five Services. */
export function snapshot(over: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return {
    eips: [
      {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: 'eip-bgp', annotations: { 'eip.openelb.kubesphere.io/is-default-eip': 'true' } },
        spec: { address: '192.168.0.0/24', protocol: 'bgp' },
        status: { poolSize: 256, usage: 2, conditions: [cond('Valid', 'True', 'Valid', 'fine')] },
      },
      {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: 'eip-l2' },
        spec: { address: '10.0.0.10-10.0.0.20', protocol: 'layer2', interface: 'eth0', disable: true },
      },
      {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: 'eip-overlap' },
        spec: { address: '192.168.0.128/25', protocol: 'bgp' },
        status: {
          conditions: [
            cond('Valid', 'False', 'AddressOverlap', 'overlaps Eip eip-bgp (192.168.0.0/24)'),
            cond('Ready', 'False', 'Invalid', 'the Eip is not valid: see the Valid condition'),
          ],
        },
      },
    ],
    services: [
      service('web', { eip: 'eip-bgp', ips: ['192.168.0.1'] }),
      service('local', { eip: 'eip-bgp', ips: ['192.168.0.2'], etp: 'Local' }),
      service('l2', { eip: 'eip-l2', ips: ['10.0.0.10'] }),
      service('pend'),
      service('quiet'),
      service('other', { annotations: {}, ips: [] }),
    ],
    nodes: [node('node-a'), node('node-b'), node('node-c')],
    leases: [lease('node-a', 1000), lease('node-b', 2000), lease('node-c', 60_000)],
    endpointSlices: [slice('web', ['node-c']), slice('local', ['node-b']), slice('l2', ['node-a'])],
    bgpPeers: [
      {
        metadata: { name: 'tor' },
        spec: { conf: { neighborAddress: '172.18.0.100', peerAs: 65001 } },
        status: {
          nodesPeerStatus: {
            'node-b': {
              peerState: { neighborAddress: '172.18.0.100', peerAs: 65001, sessionState: 'ESTABLISHED' },
              timersState: { uptime: iso(3_723_000), negotiatedHoldTime: '9' },
            },
            // Not established: the hold time it reports (gobgp says 0 then) is not a negotiated one.
            'node-a': { peerState: { sessionState: 'ACTIVE' }, timersState: { negotiatedHoldTime: '90' } },
            'node-c': null,
          },
        },
      },
    ],
    events: [
      event('pend', 'no Eip has a free address', 120_000),
      event('pend', 'Eip eip-l2 is disabled', 5_000),
      event('pend', 'from an older Service with the same name', 1_000, {
        involvedObject: { kind: 'Service', namespace: 'default', name: 'pend', uid: 'old-uid' },
      }),
    ],
    conflictEvents: [],
    warnings: [],
    ...over,
  };
}
