import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { LAST_APPLIED_ANNOTATION } from '../../src/kube/informer-transform.js';
import { endpointsByService, nodeAddresses, nodeEligible } from '../../src/speaker/eligibility.js';
import type { EndpointSliceObject, NodeObject } from '../../src/speaker/objects.js';
import { slimEndpointSlice, slimNode, slimService } from '../../src/speaker/slim.js';
import { announcementsMayChange } from '../../src/speaker/service-relevance.js';

/** A Node as a kubelet reports it: most of it is status the speaker never reads. */
function kubeletNode(name: string, ready: 'True' | 'False' = 'True'): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: `uid-${name}`,
      resourceVersion: '812',
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: {
        'kubernetes.io/hostname': name,
        'node.kubernetes.io/exclude-from-external-load-balancers': '',
      },
      annotations: {
        'layer2.openelb.kubesphere.io/v1alpha1': '192.168.0.0/24',
        [LAST_APPLIED_ANNOTATION]: '{"big":true}',
        'node.alpha.kubernetes.io/ttl': '0',
      },
      managedFields: [{ manager: 'kubelet', operation: 'Update', fieldsV1: { 'f:status': {} } }],
    },
    spec: {
      podCIDR: '10.244.1.0/24',
      podCIDRs: ['10.244.1.0/24'],
      providerID: 'kind://x',
      unschedulable: true,
    },
    status: {
      addresses: [
        { type: 'InternalIP', address: '192.168.0.11' },
        { type: 'InternalIP', address: 'fd00::11' },
        { type: 'Hostname', address: name },
      ],
      conditions: [
        {
          type: 'MemoryPressure',
          status: 'False',
          reason: 'KubeletHasSufficientMemory',
          message: 'kubelet has sufficient memory available',
          lastHeartbeatTime: '2026-11-24T00:00:00Z',
          lastTransitionTime: '2026-11-01T00:00:00Z',
        },
        { type: 'Ready', status: ready, reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      capacity: { cpu: '8', memory: '32Gi', pods: '110' },
      allocatable: { cpu: '8', memory: '31Gi', pods: '110' },
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: { kernelVersion: '6.1.0', kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12' },
      images: Array.from({ length: 40 }, (_, i) => ({
        names: [
          `registry.example/app-${String(i)}@sha256:${'a'.repeat(64)}`,
          `registry.example/app-${String(i)}:v1`,
        ],
        sizeBytes: 123_456_789,
      })),
    },
  } as unknown as KubernetesObject;
}

describe('slimNode', () => {
  it('keeps what eligibility, addresses and the layer2 NIC choice read, and drops the rest', () => {
    const full = kubeletNode('n1');
    const slim = slimNode(full) as NodeObject;
    expect(slim).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: 'n1',
        uid: 'uid-n1',
        resourceVersion: '812',
        creationTimestamp: '2026-01-01T00:00:00Z',
        labels: {
          'kubernetes.io/hostname': 'n1',
          'node.kubernetes.io/exclude-from-external-load-balancers': '',
        },
        annotations: {
          'layer2.openelb.kubesphere.io/v1alpha1': '192.168.0.0/24',
          'node.alpha.kubernetes.io/ttl': '0',
        },
      },
      spec: { unschedulable: true },
      status: {
        addresses: (full as NodeObject).status?.addresses,
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
      },
    });
    // A fraction of the wire size (the images list dominates a real Node).
    expect(JSON.stringify(slim).length * 10).toBeLessThan(JSON.stringify(full).length);
    expect(full.metadata?.managedFields).toHaveLength(1); // the input is not modified
  });

  it('gives the speaker the same answers as the full object', () => {
    for (const ready of ['True', 'False'] as const) {
      const full = kubeletNode('n2', ready) as NodeObject;
      const slim = slimNode(full as KubernetesObject) as NodeObject;
      expect(nodeEligible(slim, 'n2')).toEqual(nodeEligible(full, 'n2'));
      expect(nodeAddresses(slim)).toEqual(nodeAddresses(full));
    }
  });

  it('never throws on malformed input', () => {
    for (const bad of [
      {},
      { metadata: 'x', spec: 5, status: [] },
      { status: { addresses: 'no', conditions: [null, 3, { type: 'Ready' }] } },
    ]) {
      expect(() => slimNode(bad as KubernetesObject)).not.toThrow();
    }
    expect(
      slimNode({ status: { conditions: [null, { type: 'Ready', status: 'True', x: 1 }] } } as never),
    ).toEqual({
      status: { conditions: [{}, { type: 'Ready', status: 'True' }] },
    });
  });
});

describe('slimEndpointSlice', () => {
  const slice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'web-abc12',
      namespace: 'default',
      resourceVersion: '7',
      labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'x' },
      ownerReferences: [{ kind: 'Service', name: 'web' }],
      managedFields: [{ manager: 'kube-controller-manager' }],
    },
    addressType: 'IPv4',
    endpoints: [
      {
        addresses: ['10.244.1.5'],
        nodeName: 'n1',
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', name: 'web-1', namespace: 'default', uid: 'p1' },
        zone: 'z1',
        hints: { forZones: [{ name: 'z1' }] },
      },
      {
        addresses: ['10.244.2.5'],
        nodeName: 'n2',
        conditions: { ready: false, serving: true, terminating: true },
      },
    ],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  } as unknown as KubernetesObject;

  it('keeps the addresses, node and conditions of each endpoint', () => {
    const slim = slimEndpointSlice(slice) as EndpointSliceObject;
    expect(slim.metadata).toEqual({
      name: 'web-abc12',
      namespace: 'default',
      resourceVersion: '7',
      labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'x' },
    });
    expect(slim.addressType).toBe('IPv4');
    expect(slim.endpoints).toEqual([
      {
        addresses: ['10.244.1.5'],
        nodeName: 'n1',
        conditions: { ready: true, serving: true, terminating: false },
      },
      {
        addresses: ['10.244.2.5'],
        nodeName: 'n2',
        conditions: { ready: false, serving: true, terminating: true },
      },
    ]);
    expect('ports' in slim).toBe(false);
    expect(endpointsByService([slim])).toEqual(endpointsByService([slice as EndpointSliceObject]));
  });

  it('keeps `endpoints: null` and never throws on malformed input', () => {
    expect(
      (slimEndpointSlice({ ...slice, endpoints: null } as KubernetesObject) as EndpointSliceObject).endpoints,
    ).toBeNull();
    expect(() => slimEndpointSlice({ endpoints: [1, null, 'x'] } as never)).not.toThrow();
  });
});

describe('slimService', () => {
  const full = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'uid-web',
      resourceVersion: '77',
      creationTimestamp: '2026-01-01T00:00:00Z',
      deletionTimestamp: '2026-01-02T00:00:00Z',
      labels: { 'eip.openelb.kubesphere.io/v1alpha2': 'pool', app: 'web' },
      annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb', [LAST_APPLIED_ANNOTATION]: '{"big":true}' },
      finalizers: ['finalizer.lb.kubesphere.io/v1alpha1'],
      managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }],
    },
    spec: {
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      clusterIP: '10.96.0.10',
      clusterIPs: ['10.96.0.10'],
      ipFamilies: ['IPv4'],
      ports: [{ port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 31000 }],
      selector: { app: 'web' },
    },
    status: { loadBalancer: { ingress: [{ ip: '198.51.100.7', ipMode: 'VIP' }] }, conditions: [] },
  };
  // Wire JSON (timestamps are strings), as informers deliver it.
  const slim = (o: object): KubernetesObject => slimService(o);

  it('keeps what both sides read (identity, labels, deletion, externalTrafficPolicy, ingress) and drops the rest', () => {
    const { annotations, finalizers, managedFields, ...identity } = full.metadata;
    expect([annotations, finalizers, managedFields].every((v) => Object.keys(v).length > 0)).toBe(true);
    expect(slim(full)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: identity,
      spec: { externalTrafficPolicy: 'Local' },
      status: { loadBalancer: { ingress: [{ ip: '198.51.100.7', ipMode: 'VIP' }] } },
    });
    expect(full.metadata.managedFields).toHaveLength(1); // input untouched
  });

  it('changes nothing the speakers decide: the relevance of every update is the same', () => {
    const moved = {
      ...full,
      status: { loadBalancer: { ingress: [{ ip: '198.51.100.8' }] } },
    };
    const annotated = {
      ...full,
      metadata: { ...full.metadata, annotations: { other: 'x' } },
    };
    for (const [before, after] of [
      [full, moved],
      [full, annotated],
      [{}, full],
    ] as const) {
      expect(announcementsMayChange(slim(before), slim(after))).toBe(announcementsMayChange(before, after));
    }
  });

  it('never throws on malformed input', () => {
    for (const bad of [{}, { metadata: 'x', spec: 5, status: [] }, { status: { loadBalancer: 'no' } }])
      expect(() => slim(bad)).not.toThrow();
  });
});
