import { describe, expect, it } from 'vitest';
import { DEFAULT_HEAP_GROWING_PERCENT, heapGrowingPercent } from '../../src/controller/heap-tuning.js';
import type { EipObject, NamespaceObject, ServiceObject } from '../../src/controller/objects.js';
import { serviceIntent } from '../../src/controller/service-intent.js';
import { slimEip, slimNamespace, slimService } from '../../src/controller/slim.js';
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
