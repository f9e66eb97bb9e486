import { describe, expect, it } from 'vitest';
import {
  specMayChange,
  nodeMayChangeBgp,
  sliceMayChangeBgp,
  sliceOfAnnouncedService,
} from '../../src/speaker/bgp-relevance.js';

const node = (
  name: string,
  over: { rv?: string; ready?: string; label?: string; ip?: string; networkUnavailable?: string } = {},
): object => ({
  metadata: {
    name,
    resourceVersion: over.rv ?? '1',
    labels: over.label === undefined ? {} : { [over.label]: '' },
  },
  status: {
    addresses: [{ type: 'InternalIP', address: over.ip ?? '192.0.2.11' }],
    conditions: [
      { type: 'Ready', status: over.ready ?? 'True', lastHeartbeatTime: over.rv ?? '1' },
      { type: 'MemoryPressure', status: 'False' },
      ...(over.networkUnavailable === undefined
        ? []
        : [{ type: 'NetworkUnavailable', status: over.networkUnavailable }]),
    ],
  },
});

describe('nodeMayChangeBgp', () => {
  const relevant = nodeMayChangeBgp('node1');

  it("ignores other nodes' Ready and heartbeats, and heartbeats of its own", () => {
    expect(relevant(node('node2'), node('node2', { ready: 'False' }))).toBe(false);
    expect(relevant(node('node2'), node('node2', { rv: '2' }))).toBe(false);
    expect(relevant(node('node1'), node('node1', { rv: '2' }))).toBe(false);
  });

  it("reacts to another node's addresses (a Service IP that is one is not announced), add and delete", () => {
    expect(relevant(node('node2'), node('node2', { ip: '192.0.2.99' }))).toBe(true);
    expect(relevant({}, node('node2'))).toBe(true);
    expect(relevant(node('node2'), {})).toBe(true);
  });

  it('reacts to its own Ready, NetworkUnavailable, labels, InternalIP, add and delete', () => {
    expect(relevant(node('node1'), node('node1', { ready: 'False' }))).toBe(true);
    expect(relevant(node('node1'), node('node1', { networkUnavailable: 'True' }))).toBe(true);
    expect(
      relevant(node('node1', { networkUnavailable: 'True' }), node('node1', { networkUnavailable: 'False' })),
    ).toBe(true);
    expect(relevant(node('node2'), node('node2', { networkUnavailable: 'True' }))).toBe(false);
    expect(
      relevant(
        node('node1'),
        node('node1', { label: 'node.kubernetes.io/exclude-from-external-load-balancers' }),
      ),
    ).toBe(true);
    expect(relevant(node('node1'), node('node1', { ip: '192.0.2.99' }))).toBe(true);
    expect(relevant({}, node('node1'))).toBe(true);
    expect(relevant(node('node1'), {})).toBe(true);
  });
});

describe('specMayChange', () => {
  const eip = (over: { address?: string; used?: number; deleting?: boolean } = {}): object => ({
    metadata: {
      name: 'pool',
      resourceVersion: String(over.used ?? 0),
      ...(over.deleting === true ? { deletionTimestamp: '2026-11-24T00:00:00Z' } : {}),
    },
    spec: { address: over.address ?? '198.18.0.0/21', protocol: 'bgp' },
    status: { usage: over.used ?? 0, used: { '198.18.0.1': 'default/web' } },
  });

  it('ignores the usage status the controller writes on every allocation', () => {
    expect(specMayChange(eip(), eip({ used: 5 }))).toBe(false);
  });

  it("ignores a BgpPeer's status, which every speaker writes, and reacts to its spec", () => {
    const peer = (peerAs: number, nodes: Record<string, unknown>): object => ({
      metadata: { name: 'router', resourceVersion: String(Object.keys(nodes).length) },
      spec: { conf: { neighborAddress: '192.0.2.1', peerAs } },
      status: { nodesPeerStatus: nodes },
    });
    expect(specMayChange(peer(64500, {}), peer(64500, { node2: { peerState: {} } }))).toBe(false);
    expect(specMayChange(peer(64500, {}), peer(64501, {}))).toBe(true);
  });

  it('reacts to spec, deletion, add and delete', () => {
    expect(specMayChange(eip(), eip({ address: '198.18.8.0/21' }))).toBe(true);
    expect(specMayChange(eip(), eip({ deleting: true }))).toBe(true);
    expect(specMayChange({}, eip())).toBe(true);
    expect(specMayChange(eip(), {})).toBe(true);
  });
});

describe('sliceMayChangeBgp', () => {
  const slice = (
    over: { ready?: boolean; nodeName?: string; port?: number; address?: string } = {},
  ): object => ({
    metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    endpoints: [
      {
        addresses: [over.address ?? '10.0.0.1'],
        nodeName: over.nodeName ?? 'node1',
        conditions: { ready: over.ready ?? true },
      },
    ],
    ports: [{ port: over.port ?? 80 }],
  });

  it('ignores port and address edits', () => {
    expect(sliceMayChangeBgp(slice(), slice({ port: 8080, address: '10.0.0.2' }))).toBe(false);
  });

  it('reacts to readiness, the node of an endpoint, add and delete', () => {
    expect(sliceMayChangeBgp(slice(), slice({ ready: false }))).toBe(true);
    expect(sliceMayChangeBgp(slice(), slice({ nodeName: 'node2' }))).toBe(true);
    expect(sliceMayChangeBgp({}, slice())).toBe(true);
    expect(sliceMayChangeBgp(slice(), {})).toBe(true);
  });
});

describe('sliceOfAnnouncedService', () => {
  const slice = (service: string, ready = true): object => ({
    metadata: {
      name: `${service}-abc`,
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': service },
    },
    endpoints: [{ addresses: ['10.0.0.1'], nodeName: 'node1', conditions: { ready } }],
  });
  const withIp = new Set(['default/web']);
  const relevant = sliceOfAnnouncedService((ns, name) => withIp.has(`${ns}/${name}`));

  it('ignores slices of Services without an IP (created just before the Service)', () => {
    expect(relevant({}, slice('new'))).toBe(false);
    expect(relevant(slice('new'), slice('new', false))).toBe(false);
  });

  it('reacts to slices of announced Services, and still ignores their irrelevant edits', () => {
    expect(relevant({}, slice('web'))).toBe(true);
    expect(relevant(slice('web'), slice('web', false))).toBe(true);
    expect(relevant(slice('web'), {})).toBe(true);
    expect(relevant(slice('web'), slice('web'))).toBe(false);
  });
});
