import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';

const FIXED = new Date('2025-03-01T12:00:00.000Z');

let api: LocalApi;
let core: k8s.CoreV1Api;
let coord: k8s.CoordinationV1Api;

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof k8s.ApiException) {
      const body =
        typeof err.body === 'string'
          ? (JSON.parse(err.body) as Record<string, unknown>)
          : (err.body as Record<string, unknown>);
      return { code: err.code, body };
    }
    throw err;
  }
  throw new Error('expected the request to fail');
}

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

beforeAll(async () => {
  api = await startLocalApi({ crdDir: null, now: () => FIXED });
  core = api.kubeConfig().makeApiClient(k8s.CoreV1Api);
  coord = api.kubeConfig().makeApiClient(k8s.CoordinationV1Api);
});

afterAll(async () => {
  await api.stop();
});

describe('local API core verbs through @kubernetes/client-node', () => {
  it('serves the default namespaces', async () => {
    const list = await core.listNamespace();
    expect(list.items.map((n) => n.metadata?.name)).toEqual(
      expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease', 'openelb-system']),
    );
    expect(list.items[0]?.status?.phase).toBe('Active');
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('creates, gets, updates and stamps metadata', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'cm1', labels: { a: '1' } }, data: { k: 'v' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp?.toISOString()).toBe('2025-03-01T12:00:00.000Z');
    const rv1 = Number(created.metadata?.resourceVersion);
    const got = await core.readNamespacedConfigMap({ name: 'cm1', namespace: 'default' });
    expect(got.data).toEqual({ k: 'v' });
    got.data = { k: 'v2' };
    const updated = await core.replaceNamespacedConfigMap({ name: 'cm1', namespace: 'default', body: got });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(rv1);
    expect(updated.data).toEqual({ k: 'v2' });
    expect(updated.metadata?.uid).toBe(created.metadata?.uid);
  });

  it('rejects a stale resourceVersion with the real Conflict status', async () => {
    const cm = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'stale' }, data: {} },
    });
    await core.replaceNamespacedConfigMap({
      name: 'stale',
      namespace: 'default',
      body: Object.assign(new k8s.V1ConfigMap(), cm, { data: { a: 'b' } }),
    });
    const err = await apiError(
      core.replaceNamespacedConfigMap({
        name: 'stale',
        namespace: 'default',
        body: Object.assign(new k8s.V1ConfigMap(), cm, { data: { a: 'c' } }),
      }),
    );
    expect(err.code).toBe(409);
    expect(err.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'stale', kind: 'configmaps' },
      code: 409,
    });
  });

  it('answers 404 and 409 AlreadyExists with the real bodies', async () => {
    const missing = await apiError(core.readNamespacedService({ name: 'nope', namespace: 'default' }));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({
      reason: 'NotFound',
      message: 'services "nope" not found',
      details: { name: 'nope', kind: 'services' },
    });
    const lease = await apiError(coord.readNamespacedLease({ name: 'nope', namespace: 'default' }));
    expect(lease.body).toMatchObject({
      message: 'leases.coordination.k8s.io "nope" not found',
      details: { group: 'coordination.k8s.io' },
    });
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's1' } } });
    const dup = await apiError(
      core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's1' } } }),
    );
    expect(dup.code).toBe(409);
    expect(dup.body).toMatchObject({ reason: 'AlreadyExists', message: 'secrets "s1" already exists' });
  });

  it('refuses creates in a missing namespace and invalid names', async () => {
    const noNs = await apiError(
      core.createNamespacedConfigMap({ namespace: 'ghost', body: { metadata: { name: 'x' } } }),
    );
    expect(noNs.code).toBe(404);
    expect(noNs.body['message']).toBe('namespaces "ghost" not found');
    const bad = await apiError(
      core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'Bad_Name' } } }),
    );
    expect(bad.code).toBe(422);
    expect(bad.body['reason']).toBe('Invalid');
    expect(String(bad.body['message'])).toMatch(
      /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
  });

  it('refuses a resourceVersion on create', async () => {
    const err = await apiError(
      core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'rv', resourceVersion: '5' } },
      }),
    );
    expect(err.code).toBe(400);
    expect(err.body['message']).toBe('resourceVersion should not be set on objects to be created');
  });

  it('supports generateName', async () => {
    const cm = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { generateName: 'gen-' } },
    });
    expect(cm.metadata?.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('patches with merge, JSON and strategic merge patches', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'p1', labels: { a: '1', b: '2' } }, data: { x: '1' } },
    });
    const m = await core.patchNamespacedConfigMap(
      { name: 'p1', namespace: 'default', body: { metadata: { labels: { b: null, c: '3' } } } },
      merge,
    );
    expect(m.metadata?.labels).toEqual({ a: '1', c: '3' });
    const j = await core.patchNamespacedConfigMap({
      name: 'p1',
      namespace: 'default',
      body: [
        { op: 'add', path: '/data/y', value: '2' },
        { op: 'test', path: '/data/x', value: '1' },
      ],
    });
    expect(j.data).toEqual({ x: '1', y: '2' });
    const failed = await apiError(
      core.patchNamespacedConfigMap({
        name: 'p1',
        namespace: 'default',
        body: [{ op: 'test', path: '/data/x', value: 'nope' }],
      }),
    );
    expect(failed.code).toBe(422);
    const s = await core.patchNamespacedConfigMap(
      { name: 'p1', namespace: 'default', body: { metadata: { finalizers: ['a/b'] } } },
      strategic,
    );
    const s2 = await core.patchNamespacedConfigMap(
      { name: 'p1', namespace: 'default', body: { metadata: { finalizers: ['c/d'] } } },
      strategic,
    );
    expect(s.metadata?.finalizers).toEqual(['a/b']);
    expect(s2.metadata?.finalizers).toEqual(['a/b', 'c/d']);
    const s3 = await core.patchNamespacedConfigMap(
      {
        name: 'p1',
        namespace: 'default',
        body: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a/b', 'c/d'] } },
      },
      strategic,
    );
    expect(s3.metadata?.finalizers).toEqual([]);
  });

  it('merges Service ports by port in strategic merge patches', async () => {
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'smp' },
        spec: {
          ports: [
            { name: 'a', port: 80 },
            { name: 'b', port: 443 },
          ],
        },
      },
    });
    const p = await core.patchNamespacedService(
      {
        name: 'smp',
        namespace: 'default',
        body: {
          spec: {
            ports: [
              { port: 443, targetPort: 8443 },
              { port: 80, $patch: 'delete' },
            ],
          },
        },
      },
      strategic,
    );
    expect(p.spec?.ports?.map((x) => [x.name, x.port, x.targetPort])).toEqual([['b', 443, 8443]]);
  });

  it('keeps a finalized object until its finalizers are gone', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'fin', finalizers: ['example.com/x'] } },
    });
    await core.deleteNamespacedConfigMap({ name: 'fin', namespace: 'default' });
    const still = await core.readNamespacedConfigMap({ name: 'fin', namespace: 'default' });
    expect(still.metadata?.deletionTimestamp?.toISOString()).toBe('2025-03-01T12:00:00.000Z');
    expect(still.metadata?.deletionGracePeriodSeconds).toBe(0);
    await core.deleteNamespacedConfigMap({ name: 'fin', namespace: 'default' });
    const again = await core.readNamespacedConfigMap({ name: 'fin', namespace: 'default' });
    expect(again.metadata?.resourceVersion).toBe(still.metadata?.resourceVersion);
    const added = await apiError(
      core.patchNamespacedConfigMap(
        {
          name: 'fin',
          namespace: 'default',
          body: { metadata: { finalizers: ['example.com/x', 'new/one'] } },
        },
        merge,
      ),
    );
    expect(added.code).toBe(422);
    await core.patchNamespacedConfigMap(
      { name: 'fin', namespace: 'default', body: { metadata: { finalizers: null } } },
      merge,
    );
    const gone = await apiError(core.readNamespacedConfigMap({ name: 'fin', namespace: 'default' }));
    expect(gone.code).toBe(404);
  });

  it('filters lists by label and field selectors', async () => {
    await core.createNamespace({ body: { metadata: { name: 'sel' } } });
    for (const [name, labels] of [
      ['a', { app: 'web', tier: 'fe' }],
      ['b', { app: 'web', tier: 'be' }],
      ['c', { app: 'db' }],
    ] as const) {
      await core.createNamespacedConfigMap({ namespace: 'sel', body: { metadata: { name, labels } } });
    }
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await core.listNamespacedConfigMap({ namespace: 'sel', labelSelector, fieldSelector })).items.map(
        (i) => i.metadata?.name,
      );
    expect(await names('app=web')).toEqual(['a', 'b']);
    expect(await names('app==web,tier!=fe')).toEqual(['b']);
    expect(await names('tier in (fe, be)')).toEqual(['a', 'b']);
    expect(await names('app notin (web)')).toEqual(['c']);
    expect(await names('tier')).toEqual(['a', 'b']);
    expect(await names('!tier')).toEqual(['c']);
    expect(await names(undefined, 'metadata.name=b')).toEqual(['b']);
    expect(await names(undefined, 'metadata.name!=b,metadata.namespace=sel')).toEqual(['a', 'c']);
    const bad = await apiError(
      core.listNamespacedConfigMap({ namespace: 'sel', fieldSelector: 'spec.foo=1' }),
    );
    expect(bad.code).toBe(400);
    expect(bad.body['message']).toBe('field label not supported: spec.foo');
  });

  it('pages lists with limit and continue', async () => {
    const first = await core.listNamespacedConfigMap({ namespace: 'sel', limit: 2 });
    expect(first.items.map((i) => i.metadata?.name)).toEqual(['a', 'b']);
    expect(first.metadata?._continue).toBeTruthy();
    const rest = await core.listNamespacedConfigMap({
      namespace: 'sel',
      limit: 2,
      _continue: first.metadata?._continue,
    });
    expect(rest.items.map((i) => i.metadata?.name)).toEqual(['c']);
    expect(rest.metadata?._continue).toBeUndefined();
  });

  it('removes the objects of a deleted namespace', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'x' } } });
    await core.deleteNamespace({ name: 'doomed' });
    const all = await core.listConfigMapForAllNamespaces();
    expect(all.items.some((i) => i.metadata?.namespace === 'doomed')).toBe(false);
    const protectedNs = await apiError(core.deleteNamespace({ name: 'default' }));
    expect(protectedNs.code).toBe(403);
  });

  it('answers bad JSON with 400 BadRequest', async () => {
    const res = await fetch(`${api.url}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'BadRequest',
      code: 400,
    });
  });

  it('ignores status on the main resource and spec on /status', async () => {
    await core.createNode({
      body: {
        metadata: { name: 'n1' },
        spec: { podCIDR: '10.0.0.0/24' },
        status: { addresses: [{ type: 'InternalIP', address: '1.1.1.1' }] },
      },
    });
    const n = await core.patchNode(
      { name: 'n1', body: { spec: { unschedulable: true }, status: { addresses: [] } } },
      merge,
    );
    expect(n.spec?.unschedulable).toBe(true);
    expect(n.status?.addresses).toEqual([{ type: 'InternalIP', address: '1.1.1.1' }]);
    const s = await core.patchNodeStatus(
      {
        name: 'n1',
        body: {
          spec: { unschedulable: false },
          status: { addresses: [{ type: 'InternalIP', address: '2.2.2.2' }] },
        },
      },
      merge,
    );
    expect(s.spec?.unschedulable).toBe(true);
    expect(s.status?.addresses).toEqual([{ type: 'InternalIP', address: '2.2.2.2' }]);
  });
});

describe('server-side apply (simplified)', () => {
  const apply = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);

  it('creates a missing object, merges into an existing one, and needs a fieldManager', async () => {
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ssa', namespace: 'default' },
      data: { a: '1' },
    };
    const created = await core.patchNamespacedConfigMap(
      { name: 'ssa', namespace: 'default', body, fieldManager: 'test', force: true },
      apply,
    );
    expect(created.data).toEqual({ a: '1' });
    const merged = await core.patchNamespacedConfigMap(
      {
        name: 'ssa',
        namespace: 'default',
        body: { ...body, data: { b: '2' } },
        fieldManager: 'test',
        force: true,
      },
      apply,
    );
    expect(merged.data).toEqual({ a: '1', b: '2' });
    const noManager = await apiError(
      core.patchNamespacedConfigMap({ name: 'ssa', namespace: 'default', body }, apply),
    );
    expect(noManager.code).toBe(422);
    expect(noManager.body['message']).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
  });
});

describe('Lease MicroTime', () => {
  it('accepts six fractional digits and rejects three like a real server', async () => {
    const ok = await coord.createNamespacedLease({
      namespace: 'default',
      body: {
        metadata: { name: 'l1' },
        spec: {
          holderIdentity: 'a',
          leaseDurationSeconds: 15,
          renewTime: new k8s.V1MicroTime(FIXED.getTime()),
        },
      },
    });
    expect(ok.spec?.holderIdentity).toBe('a');
    const raw = await fetch(`${api.url}/apis/coordination.k8s.io/v1/namespaces/default/leases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer admin' },
      body: JSON.stringify({ metadata: { name: 'l2' }, spec: { renewTime: '2025-03-01T12:00:00.123Z' } }),
    });
    expect(raw.status).toBe(400);
    const body = (await raw.json()) as Record<string, unknown>;
    expect(body['reason']).toBe('BadRequest');
    expect(String(body['message'])).toContain('cannot parse ".123Z" as ".000000"');
    const plainDate = await apiError(
      coord.createNamespacedLease({
        namespace: 'default',
        body: { metadata: { name: 'l3' }, spec: { renewTime: FIXED } },
      }),
    );
    expect(plainDate.code).toBe(400);
  });

  it('rejects non-integer leaseDurationSeconds', async () => {
    const raw = await fetch(`${api.url}/apis/coordination.k8s.io/v1/namespaces/default/leases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'l4' }, spec: { leaseDurationSeconds: '15' } }),
    });
    expect(raw.status).toBe(400);
  });
});
