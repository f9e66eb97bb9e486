import { describe, expect, it } from 'vitest';
import { nodeMayChangeLayer2 } from '../../src/speaker/layer2-relevance.js';

const node = (
  over: {
    rv?: string;
    ready?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ip?: string;
    networkUnavailable?: string;
    deleting?: boolean;
  } = {},
): object => ({
  metadata: {
    name: 'node2',
    resourceVersion: over.rv ?? '1',
    labels: over.labels ?? {},
    ...(over.annotations === undefined ? {} : { annotations: over.annotations }),
    ...(over.deleting === true ? { deletionTimestamp: '2026-11-24T00:00:00Z' } : {}),
  },
  status: {
    addresses: [{ type: 'InternalIP', address: over.ip ?? '192.0.2.12' }],
    images: [{ names: [`img:${over.rv ?? '1'}`] }],
    conditions: [
      { type: 'Ready', status: over.ready ?? 'True', lastHeartbeatTime: over.rv ?? '1' },
      { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: over.rv ?? '1' },
      ...(over.networkUnavailable === undefined
        ? []
        : [{ type: 'NetworkUnavailable', status: over.networkUnavailable }]),
    ],
  },
});

describe('nodeMayChangeLayer2', () => {
  it('ignores heartbeats, images and other conditions of any node', () => {
    expect(nodeMayChangeLayer2(node(), node({ rv: '2' }))).toBe(false);
  });

  it.each([
    ['Ready', node({ ready: 'False' })],
    ['NetworkUnavailable', node({ networkUnavailable: 'True' })],
    [
      'the exclude label',
      node({ labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } }),
    ],
    ['the NIC annotation', node({ annotations: { 'layer2.openelb.kubesphere.io/v1alpha1': '192.0.2.12' } })],
    ['its addresses', node({ ip: '192.0.2.99' })],
    ['deletion', node({ deleting: true })],
  ])("reacts to any node's %s", (_desc, after) => {
    expect(nodeMayChangeLayer2(node(), after)).toBe(true);
  });

  it('reacts to a node added or deleted', () => {
    expect(nodeMayChangeLayer2({}, node())).toBe(true);
    expect(nodeMayChangeLayer2(node(), {})).toBe(true);
  });
});
