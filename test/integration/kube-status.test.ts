import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';
import {
  clientNodePatchCall,
  createPatcher,
  patcherFrom,
  type ObjectPatcher,
  type ObjectRef,
} from '../../src/kube/status.js';
import { mergePatchCall } from '../../src/kube/merge-patch-http.js';
import { FIELD_MANAGER } from '../../src/kube/constants.js';
import { kubeConfigFor } from '../support/kube-http-fixtures.js';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.js';
import { installWidgetCrd, TEST_GROUP as GROUP } from '../support/test-crd.js';

let api: LocalApi;
let proxy: RecordingProxy;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let patcher: ObjectPatcher;

const widget = (name: string): ObjectRef => ({ group: GROUP, version: 'v1', plural: 'widgets', name });
const service = (name: string): ObjectRef => ({
  group: '',
  version: 'v1',
  plural: 'services',
  namespace: 'default',
  name,
});

beforeAll(async () => {
  api = await startLocalApi({ crdDir: null });
  proxy = await startRecordingProxy(api.url);
  const kc = api.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  patcher = createPatcher(kubeConfigFor(proxy.url, 'admin'));
  await installWidgetCrd(kc);
});

afterAll(async () => {
  await proxy.close();
  await api.stop();
});

async function newService(name: string): Promise<string> {
  const svc = await core.createNamespacedService({
    namespace: 'default',
    body: { metadata: { name }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
  });
  return svc.metadata?.resourceVersion ?? '';
}

describe('status and metadata merge patches on the local API', () => {
  it('patches Service status with a resourceVersion precondition, as a merge patch with our field manager', async () => {
    const rv = await newService('web');
    const ingress = { loadBalancer: { ingress: [{ ip: '192.168.0.10' }] } };
    const res = await patcher.patchStatus(service('web'), { status: ingress }, { resourceVersion: rv });
    expect(res.kind).toBe('ok');
    if (res.kind !== 'ok') return;
    expect(res.object).toMatchObject({ status: ingress, metadata: { name: 'web' } });
    // Wire form: client-node's Date objects come back as the RFC 3339 strings the server sent.
    expect(
      typeof (res.object as { metadata: { creationTimestamp: unknown } }).metadata.creationTimestamp,
    ).toBe('string');
    const read = await core.readNamespacedService({ name: 'web', namespace: 'default' });
    expect(read.status?.loadBalancer?.ingress).toEqual([{ ip: '192.168.0.10' }]);
    const wire = proxy.seen.at(-1)!;
    expect(wire.method).toBe('PATCH');
    expect(wire.url).toMatch(/^\/api\/v1\/namespaces\/default\/services\/web\/status\?/);
    expect(new URL(wire.url, 'http://x').searchParams.get('fieldManager')).toBe(FIELD_MANAGER);
    expect(wire.headers['content-type']).toBe('application/merge-patch+json');
    expect(JSON.parse(wire.body)).toEqual({ status: ingress, metadata: { resourceVersion: rv } });
  });

  it('answers conflict for a stale resourceVersion and notFound for a missing object', async () => {
    const rv = await newService('stale');
    await core.patchNamespacedService({
      name: 'stale',
      namespace: 'default',
      body: [{ op: 'add', path: '/metadata/labels', value: { bump: '1' } }],
    });
    const stale = await patcher.patchStatus(
      service('stale'),
      { status: { loadBalancer: {} } },
      { resourceVersion: rv },
    );
    expect(stale.kind).toBe('conflict');
    if (stale.kind === 'conflict') expect(stale.message).toMatch(/the object has been modified/);
    const missing = await patcher.patchStatus(service('nope'), { status: {} });
    expect(missing).toMatchObject({ kind: 'notFound', message: 'services "nope" not found' });
  });

  it('patches labels, annotations and finalizers on the main resource', async () => {
    const rv = await newService('meta');
    const res = await patcher.patchObject(
      service('meta'),
      {
        metadata: {
          labels: { 'eip.openelb.kubesphere.io/v1alpha2': 'pool' },
          finalizers: ['finalizer.lb.kubesphere.io/v1alpha1'],
        },
      },
      { resourceVersion: rv },
    );
    expect(res.kind).toBe('ok');
    const read = await core.readNamespacedService({ name: 'meta', namespace: 'default' });
    expect(read.metadata?.labels).toEqual({ 'eip.openelb.kubesphere.io/v1alpha2': 'pool' });
    expect(read.metadata?.finalizers).toEqual(['finalizer.lb.kubesphere.io/v1alpha1']);
    const cleared = await patcher.patchObject(service('meta'), { metadata: { finalizers: null } });
    expect(cleared.kind).toBe('ok');
    expect(
      (await core.readNamespacedService({ name: 'meta', namespace: 'default' })).metadata?.finalizers,
    ).toBeUndefined();
  });

  it('patches custom resource status and metadata through the same interface', async () => {
    const created = (await custom.createClusterCustomObject({
      group: GROUP,
      version: 'v1',
      plural: 'widgets',
      body: { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 1 } },
    })) as { metadata: { resourceVersion: string } };
    const rv = created.metadata.resourceVersion;
    const ok = await patcher.patchStatus(widget('w1'), { status: { used: 3 } }, { resourceVersion: rv });
    expect(ok).toMatchObject({ kind: 'ok', object: { status: { used: 3 }, spec: { size: 1 } } });
    const stale = await patcher.patchStatus(widget('w1'), { status: { used: 4 } }, { resourceVersion: rv });
    expect(stale.kind).toBe('conflict');
    const annotated = await patcher.patchObject(widget('w1'), { metadata: { annotations: { a: 'b' } } });
    expect(annotated).toMatchObject({
      kind: 'ok',
      object: { metadata: { annotations: { a: 'b' } }, status: { used: 3 } },
    });
    expect(proxy.seen.at(-1)!.url).toMatch(new RegExp(`^/apis/${GROUP}/v1/widgets/w1\\?`));
  });

  it('returns errors as values: server failures and unsupported kinds', async () => {
    await newService('err');
    api.faults.failNext(1, 500, { method: 'PATCH' });
    const failed = await patcher.patchStatus(service('err'), { status: {} });
    expect(failed).toMatchObject({ kind: 'error', reason: 'http_500', status: 500 });
    const unsupported = await patcher.patchStatus(
      { group: '', version: 'v1', plural: 'pods', namespace: 'default', name: 'p' },
      {},
    );
    expect(unsupported).toMatchObject({
      kind: 'error',
      reason: 'unknown',
      message: 'patching core/v1 pods is not supported',
    });
  });

  it('sends the lean merge patch as client-node would and answers the same wire form', async () => {
    const kc = kubeConfigFor(proxy.url, 'admin');
    const lean = patcherFrom(mergePatchCall(kc));
    const typed = patcherFrom(clientNodePatchCall(kc));
    const rv = await newService('lean');
    const meta = { metadata: { labels: { 'eip.openelb.kubesphere.io/v1alpha2': 'pool' } } };
    const first = await lean.patchObject(service('lean'), meta, { resourceVersion: rv });
    expect(first.kind).toBe('ok');
    if (first.kind !== 'ok') return;
    const wire = proxy.seen.at(-1)!;
    expect(wire.method).toBe('PATCH');
    const url = new URL(wire.url, 'http://x');
    expect(url.pathname).toBe('/api/v1/namespaces/default/services/lean');
    expect(url.searchParams.get('fieldManager')).toBe(FIELD_MANAGER);
    expect(wire.headers['content-type']).toBe('application/merge-patch+json');
    expect(wire.headers.authorization).toBe('Bearer admin');
    expect(JSON.parse(wire.body)).toEqual({ ...meta, metadata: { ...meta.metadata, resourceVersion: rv } });
    // The same write through client-node's typed path gives the same object (apart from the version).
    const firstRv = (first.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const again = await typed.patchObject(service('lean'), meta, { resourceVersion: firstRv });
    expect(again.kind).toBe('ok');
    if (again.kind !== 'ok') return;
    // Timestamps: the lean path keeps the server's exact string (client-node's Date round trip adds
    // milliseconds), so they are compared as instants.
    const strip = (o: unknown): unknown => {
      const copy = JSON.parse(JSON.stringify(o)) as { metadata: Record<string, unknown> };
      delete copy.metadata['resourceVersion'];
      delete copy.metadata['managedFields'];
      copy.metadata['creationTimestamp'] = Date.parse(String(copy.metadata['creationTimestamp']));
      return copy;
    };
    expect(strip(first.object)).toEqual(strip(again.object));
    // Status subresource of a custom object, the stale precondition and a missing object.
    const created = (await custom.createClusterCustomObject({
      group: GROUP,
      version: 'v1',
      plural: 'widgets',
      body: { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'lean' }, spec: { size: 2 } },
    })) as { metadata: { resourceVersion: string } };
    const crRv = created.metadata.resourceVersion;
    const ok = await lean.patchStatus(widget('lean'), { status: { used: 1 } }, { resourceVersion: crRv });
    expect(ok).toMatchObject({ kind: 'ok', object: { status: { used: 1 }, spec: { size: 2 } } });
    expect(proxy.seen.at(-1)!.url).toMatch(new RegExp(`^/apis/${GROUP}/v1/widgets/lean/status\\?`));
    const stale = await lean.patchStatus(widget('lean'), { status: { used: 2 } }, { resourceVersion: crRv });
    expect(stale.kind).toBe('conflict');
    expect(await lean.patchStatus(service('gone'), { status: {} })).toMatchObject({
      kind: 'notFound',
      message: 'services "gone" not found',
    });
  });

  it('fails as a network error value when the API server is unreachable', async () => {
    const dead = patcherFrom(mergePatchCall(kubeConfigFor('http://127.0.0.1:1', 'admin')));
    expect(await dead.patchStatus(service('x'), { status: {} })).toMatchObject({
      kind: 'error',
      reason: 'network',
    });
  });
});
