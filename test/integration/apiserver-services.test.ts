import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';

let api: LocalApi;
let core: k8s.CoreV1Api;

beforeAll(async () => {
  api = await startLocalApi({ crdDir: null });
  core = api.kubeConfig().makeApiClient(k8s.CoreV1Api);
});

afterAll(async () => {
  await api.stop();
});

async function failure(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof k8s.ApiException) {
      return {
        code: err.code,
        body: (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as Record<string, unknown>,
      };
    }
    throw err;
  }
  throw new Error('expected failure');
}

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('Service defaults of a real API server', () => {
  it('defaults a ClusterIP Service', async () => {
    const s = await core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'plain' }, spec: { ports: [{ port: 80 }] } },
    });
    expect(s.spec).toMatchObject({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    });
    expect(s.spec?.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    expect(s.spec?.clusterIPs).toEqual([s.spec?.clusterIP]);
    expect(s.spec?.ports?.[0]?.nodePort).toBeUndefined();
    expect(s.spec?.externalTrafficPolicy).toBeUndefined();
    expect(s.status).toEqual({ loadBalancer: {} });
  });

  it('allocates distinct node ports for LoadBalancer Services unless disabled', async () => {
    const lb = await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'lb' },
        spec: {
          type: 'LoadBalancer',
          ports: [
            { name: 'http', port: 80 },
            { name: 'https', port: 443 },
          ],
        },
      },
    });
    const ports = lb.spec?.ports?.map((p) => p.nodePort) ?? [];
    expect(ports).toHaveLength(2);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(30000);
    expect(new Set(ports).size).toBe(2);
    expect(lb.spec?.externalTrafficPolicy).toBe('Cluster');
    expect(lb.spec?.allocateLoadBalancerNodePorts).toBe(true);
    const noNp = await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'lb-nonp' },
        spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80 }] },
      },
    });
    expect(noNp.spec?.ports?.[0]?.nodePort).toBeUndefined();
  });

  it('keeps allocations on updates that omit them and refuses to change clusterIP', async () => {
    const lb = await core.readNamespacedService({ name: 'lb', namespace: 'default' });
    const replaced = await core.replaceNamespacedService({
      name: 'lb',
      namespace: 'default',
      body: {
        metadata: { name: 'lb', labels: { x: 'y' } },
        spec: {
          type: 'LoadBalancer',
          ports: [
            { name: 'http', port: 80 },
            { name: 'https', port: 443 },
          ],
        },
      },
    });
    expect(replaced.spec?.clusterIP).toBe(lb.spec?.clusterIP);
    expect(replaced.spec?.ports?.map((p) => p.nodePort)).toEqual(lb.spec?.ports?.map((p) => p.nodePort));
    const changed = await failure(
      core.patchNamespacedService(
        { name: 'lb', namespace: 'default', body: { spec: { clusterIP: '10.96.99.99' } } },
        merge,
      ),
    );
    expect(changed.code).toBe(422);
    expect(changed.body['message']).toBe(
      'Service "lb" is invalid: spec.clusterIPs[0]: Invalid value: "10.96.99.99": may not change once set',
    );
  });

  it('allocates both families for dual-stack policies in the requested order', async () => {
    const ds = await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'ds' },
        spec: { ipFamilyPolicy: 'PreferDualStack', ports: [{ port: 53, protocol: 'UDP' }] },
      },
    });
    expect(ds.spec?.ipFamilies).toEqual(['IPv4', 'IPv6']);
    expect(ds.spec?.clusterIPs?.[0]).toMatch(/^10\./);
    expect(ds.spec?.clusterIPs?.[1]).toMatch(/^fd00:10:96::/);
    const v6 = await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'v6first' },
        spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6'], ports: [{ port: 80 }] },
      },
    });
    expect(v6.spec?.ipFamilies).toEqual(['IPv6', 'IPv4']);
    expect(v6.spec?.clusterIP).toMatch(/^fd00:10:96::/);
  });

  it('keeps status out of spec writes and lets /status set the ingress', async () => {
    await core.patchNamespacedService(
      {
        name: 'lb',
        namespace: 'default',
        body: { status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } },
      },
      merge,
    );
    expect((await core.readNamespacedService({ name: 'lb', namespace: 'default' })).status).toEqual({
      loadBalancer: {},
    });
    const st = await core.patchNamespacedServiceStatus(
      {
        name: 'lb',
        namespace: 'default',
        body: { status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } },
      },
      merge,
    );
    expect(st.status?.loadBalancer?.ingress).toEqual([{ ip: '1.2.3.4' }]);
  });

  it('validates type and reuses freed node ports', async () => {
    const bad = await failure(
      core.createNamespacedService({
        namespace: 'default',
        body: { metadata: { name: 'bad' }, spec: { type: 'Nope', ports: [{ port: 1 }] } },
      }),
    );
    expect(bad.code).toBe(422);
    expect(bad.body['message']).toBe(
      'Service "bad" is invalid: spec.type: Unsupported value: "Nope": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    );
    const badName = await failure(
      core.createNamespacedService({
        namespace: 'default',
        body: { metadata: { name: '1abc' }, spec: { ports: [{ port: 1 }] } },
      }),
    );
    expect(String(badName.body['message'])).toContain('a DNS-1035 label');
    const np = await core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 31000 }] } },
    });
    expect(np.spec?.ports?.[0]?.nodePort).toBe(31000);
    const clash = await core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'np2' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } },
    });
    expect(clash.spec?.ports?.[0]?.nodePort).not.toBe(31000);
  });
});

describe('node port conflicts', () => {
  it('refuses a node port that another Service holds or that is out of range', async () => {
    const taken = await failure(
      core.createNamespacedService({
        namespace: 'default',
        body: {
          metadata: { name: 'np3' },
          spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 31000 }] },
        },
      }),
    );
    expect(taken.body['message']).toBe(
      'Service "np3" is invalid: spec.ports[0].nodePort: Invalid value: 31000: provided port is already allocated',
    );
    const out = await failure(
      core.createNamespacedService({
        namespace: 'default',
        body: { metadata: { name: 'np4' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] } },
      }),
    );
    expect(out.code).toBe(422);
    await core.deleteNamespacedService({ name: 'np', namespace: 'default' });
    const reused = await core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'np5' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 31000 }] } },
    });
    expect(reused.spec?.ports?.[0]?.nodePort).toBe(31000);
  });
});

describe('exhausted node port range', () => {
  it('answers 500 InternalError like a real server once every node port is taken', async () => {
    const local = await startLocalApi({ crdDir: null });
    try {
      const c = local.kubeConfig().makeApiClient(k8s.CoreV1Api);
      // 2768 node ports in 30000-32767: 346 Services with 8 ports each take them all.
      const ports = Array.from({ length: 8 }, (_, i) => ({ name: `p${i}`, port: 1000 + i }));
      for (let i = 0; i < 346; i++) {
        await c.createNamespacedService({
          namespace: 'default',
          body: { metadata: { name: `np${i}` }, spec: { type: 'NodePort', ports } },
        });
      }
      const full = await failure(
        c.createNamespacedService({
          namespace: 'default',
          body: { metadata: { name: 'one-more' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } },
        }),
      );
      expect(full.code).toBe(500);
      expect(full.body['message']).toBe(
        'Internal error occurred: failed to allocate a nodePort: range is full',
      );
    } finally {
      await local.stop();
    }
  });
});
