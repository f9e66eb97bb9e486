import { describe, expect, it } from 'vitest';
import { DEFAULT_HEAP_GROWING_PERCENT, heapGrowingPercent } from '../../src/observability/heap-tuning.js';
import {
  nodeAddressesChanged,
  nodeAddressesMessage,
  nodeAddressInput,
} from '../../src/controller/node-addresses.js';
import type { EipObject, NamespaceObject, NodeObject, ServiceObject } from '../../src/controller/objects.js';
import { serviceIntent } from '../../src/controller/service-intent.js';
import { slimEip, slimNamespace, slimNode, slimService } from '../../src/controller/slim.js';
import { LAST_APPLIED_ANNOTATION } from '../../src/kube/informer-transform.js';

const wire = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'web',
    namespace: 'ns',
    uid: 'u-1',
    resourceVersion: '42',
    creationTimestamp: '2024-01-01T00:00:00Z',
    labels: { app: 'web' },
    annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb', [LAST_APPLIED_ANNOTATION]: '{"huge":1}' },
    finalizers: ['finalizer.lb.kubesphere.io/v1alpha1'],
    managedFields: [{ manager: 'kubectl', fieldsV1: {} }],
    ownerReferences: [{ name: 'x' }],
  },
  spec: {
    type: 'LoadBalancer',
    loadBalancerIP: '10.0.0.9',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    ports: [{ name: 'http', protocol: 'UDP', port: 53, targetPort: 5353, nodePort: 30053 }],
    clusterIP: '10.96.0.1',
    clusterIPs: ['10.96.0.1'],
    sessionAffinity: 'None',
    selector: { app: 'web' },
  },
  status: { loadBalancer: { ingress: [{ ip: '10.0.0.9', ipMode: 'VIP' }] }, conditions: [] },
};

describe('slimService', () => {
  it('keeps exactly what the controller reads', () => {
    expect(slimService(wire as ServiceObject)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        namespace: 'ns',
        uid: 'u-1',
        resourceVersion: '42',
        creationTimestamp: '2024-01-01T00:00:00Z',
        labels: { app: 'web' },
        annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb' },
        finalizers: ['finalizer.lb.kubesphere.io/v1alpha1'],
      },
      spec: {
        type: 'LoadBalancer',
        loadBalancerIP: '10.0.0.9',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        ports: [{ protocol: 'UDP', port: 53 }],
      },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.9', ipMode: 'VIP' }] } },
    });
  });

  it('gives the same intent as the whole object', () => {
    const whole = serviceIntent(wire, {}, true);
    expect(serviceIntent(slimService(wire as ServiceObject), {}, true)).toEqual(whole);
  });

  it('never throws on malformed input', () => {
    const bad = [null, 'text', { metadata: 'x', spec: { ports: 'nope' }, status: { loadBalancer: 3 } }];
    for (const b of bad) expect(() => slimService(b as unknown as ServiceObject)).not.toThrow();
    expect(
      slimService({ spec: { ports: [null, { port: 80 }] } } as unknown as ServiceObject).spec?.ports,
    ).toEqual([{}, { port: 80 }]);
  });
});

describe('slimNamespace and slimEip', () => {
  it('keeps a Namespace identity and labels only', () => {
    const ns = {
      metadata: {
        name: 'ns',
        resourceVersion: '3',
        labels: { 'kubesphere.io/workspace': 'w' },
        annotations: { a: 'b' },
      },
      spec: { finalizers: ['kubernetes'] },
    } as NamespaceObject;
    expect(slimNamespace(ns)).toEqual({
      metadata: { name: 'ns', resourceVersion: '3', labels: { 'kubesphere.io/workspace': 'w' } },
    });
  });

  it('keeps an Eip spec and status whole and drops its bookkeeping', () => {
    const eip = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: {
        name: 'p',
        generation: 2,
        managedFields: [{}],
        annotations: { [LAST_APPLIED_ANNOTATION]: '{}' },
      },
      spec: { address: '10.0.0.0/24', protocol: 'layer2' },
      status: { used: { '10.0.0.1': 'ns/a' } },
    } as unknown as EipObject;
    expect(slimEip(eip)).toEqual({
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name: 'p', generation: 2, annotations: {} },
      spec: { address: '10.0.0.0/24', protocol: 'layer2' },
      status: { used: { '10.0.0.1': 'ns/a' } },
    });
  });
});

describe('heapGrowingPercent', () => {
  it('reads the override and falls back to the default on anything else', () => {
    expect(heapGrowingPercent({})).toBe(DEFAULT_HEAP_GROWING_PERCENT);
    expect(heapGrowingPercent({ OPENELB_HEAP_GROWING_PERCENT: '0' })).toBe(0);
    expect(heapGrowingPercent({ OPENELB_HEAP_GROWING_PERCENT: ' 40 ' })).toBe(40);
    for (const bad of ['', '-5', '1.5', 'lots', '5000'])
      expect(heapGrowingPercent({ OPENELB_HEAP_GROWING_PERCENT: bad })).toBe(DEFAULT_HEAP_GROWING_PERCENT);
  });
});

describe('Nodes: slim copies and their addresses', () => {
  const wireNode = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', uid: 'u', resourceVersion: '9', labels: { big: 'x' }, annotations: { a: 'b' } },
    spec: { podCIDR: '10.244.0.0/24' },
    status: {
      addresses: [
        { type: 'InternalIP', address: '192.0.2.11', extra: 1 },
        { type: 'Hostname', address: 'n1' },
        'garbage',
      ],
      images: [{ names: ['a'], sizeBytes: 1 }],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  } as unknown as NodeObject;

  it('keeps identity, labels and addresses only; malformed entries become empty', () => {
    expect(slimNode(wireNode)).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', uid: 'u', resourceVersion: '9', labels: { big: 'x' } },
      status: {
        addresses: [{ type: 'InternalIP', address: '192.0.2.11' }, { type: 'Hostname', address: 'n1' }, {}],
      },
    });
    expect(nodeAddressInput([slimNode(wireNode), { metadata: {} }]).map((a) => a.node)).toEqual(['n1']);
  });

  it('an update matters only when the addresses change', () => {
    const slim = slimNode(wireNode);
    const relabelled = { ...slim, metadata: { ...slim.metadata, resourceVersion: '10' } };
    expect(nodeAddressesChanged(slim, relabelled)).toBe(false);
    expect(nodeAddressesChanged(slim, { ...slim, status: { addresses: [] } })).toBe(true);
  });

  it('the Eip Warning names up to eight addresses and counts the rest', () => {
    expect(nodeAddressesMessage('lan', [])).toBeUndefined();
    const found = Array.from({ length: 10 }, (_, i) => ({
      address: `10.0.0.${String(i)}`,
      node: `n${String(i)}`,
    }));
    const message = nodeAddressesMessage('lan', found) ?? '';
    expect(message).toMatch(
      /^10 addresses of Eip lan belong to Nodes and are never handed out: 10\.0\.0\.0 \(Node n0\)/,
    );
    expect(message).toContain('10.0.0.7 (Node n7), and 2 more.');
    expect(nodeAddressesMessage('lan', found.slice(0, 1))).toMatch(
      /^1 address of Eip lan belongs to a Node and is never handed out: 10\.0\.0\.0 \(Node n0\)\. /,
    );
  });
});
