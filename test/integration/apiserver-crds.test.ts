import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';

const GROUP = 'lab.example.com';

function widgetCrd(scope: 'Namespaced' | 'Cluster' = 'Namespaced'): k8s.V1CustomResourceDefinition {
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: { size: { type: 'integer', minimum: 1 }, color: { type: 'string', default: 'blue' } },
      },
      status: { type: 'object', properties: { ready: { type: 'boolean' } } },
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${GROUP}` },
    spec: {
      group: GROUP,
      scope,
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: false,
          schema: { openAPIV3Schema: schema },
          subresources: { status: {} },
        },
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema },
          subresources: { status: {} },
          additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
        },
      ],
    },
  };
}

let api: LocalApi | undefined;
const tmpDirs: string[] = [];

afterEach(async () => {
  await api?.stop();
  api = undefined;
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${api!.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('CustomResourceDefinitions', () => {
  it('registers resources when a CRD is created through the API and removes them on delete', async () => {
    api = await startLocalApi({ crdDir: null });
    const kc = api.kubeConfig();
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    const created = await ext.createCustomResourceDefinition({ body: widgetCrd() });
    expect(created.status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual([
      'NamesAccepted=True',
      'Established=True',
    ]);
    expect(created.status?.acceptedNames?.kind).toBe('Widget');
    expect(created.status?.storedVersions).toEqual(['v1']);

    const group = await getJson(`/apis/${GROUP}`);
    expect(group.body['preferredVersion']).toEqual({ groupVersion: `${GROUP}/v1`, version: 'v1' });
    const rl = await getJson(`/apis/${GROUP}/v1`);
    const names = (rl.body['resources'] as { name: string; shortNames?: string[] }[]).map((r) => r.name);
    expect(names).toEqual(['widgets', 'widgets/status']);

    const objs = kc.makeApiClient(k8s.CustomObjectsApi);
    const w = (await objs.createNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha1',
      namespace: 'default',
      plural: 'widgets',
      body: { apiVersion: `${GROUP}/v1alpha1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 1 } },
    })) as Record<string, unknown>;
    expect(w['apiVersion']).toBe(`${GROUP}/v1alpha1`);
    const asV1 = (await objs.getNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace: 'default',
      plural: 'widgets',
      name: 'w1',
    })) as Record<string, unknown>;
    expect(asV1['apiVersion']).toBe(`${GROUP}/v1`);

    await ext.deleteCustomResourceDefinition({ name: `widgets.${GROUP}` });
    expect((await getJson(`/apis/${GROUP}/v1`)).status).toBe(404);
    expect((await getJson(`/apis/${GROUP}/v1/namespaces/default/widgets`)).status).toBe(404);
    const groups = (await getJson('/apis')).body['groups'] as { name: string }[];
    expect(groups.map((g) => g.name)).not.toContain(GROUP);
  });

  it('bumps generation only on spec changes and keeps status to the subresource', async () => {
    api = await startLocalApi({ crdDir: null });
    const kc = api.kubeConfig();
    await kc
      .makeApiClient(k8s.ApiextensionsV1Api)
      .createCustomResourceDefinition({ body: widgetCrd('Cluster') });
    const objs = kc.makeApiClient(k8s.CustomObjectsApi);
    const base = { group: GROUP, version: 'v1', plural: 'widgets', name: 'c1' };
    await objs.createClusterCustomObject({
      group: GROUP,
      version: 'v1',
      plural: 'widgets',
      body: {
        apiVersion: `${GROUP}/v1`,
        kind: 'Widget',
        metadata: { name: 'c1' },
        spec: { size: 2 },
        status: { ready: true },
      },
    });
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    let o = (await objs.getClusterCustomObject(base)) as {
      metadata: { generation: number };
      status?: unknown;
    };
    expect(o.metadata.generation).toBe(1);
    expect(o.status).toBeUndefined();
    o = (await objs.patchClusterCustomObject(
      { ...base, body: { metadata: { labels: { a: 'b' } } } },
      merge,
    )) as typeof o;
    expect(o.metadata.generation).toBe(1);
    o = (await objs.patchClusterCustomObjectStatus(
      { ...base, body: { status: { ready: true }, spec: { size: 9 } } },
      merge,
    )) as typeof o & {
      spec: { size: number };
    };
    expect(o.metadata.generation).toBe(1);
    expect(o.status).toEqual({ ready: true });
    expect((o as unknown as { spec: { size: number } }).spec.size).toBe(2);
    o = (await objs.patchClusterCustomObject(
      { ...base, body: { spec: { size: 3 }, status: { ready: false } } },
      merge,
    )) as typeof o;
    expect(o.metadata.generation).toBe(2);
    expect(o.status).toEqual({ ready: true });
  });

  it('refuses strategic merge patches on custom resources with 415', async () => {
    api = await startLocalApi({ crdDir: null });
    const kc = api.kubeConfig();
    await kc
      .makeApiClient(k8s.ApiextensionsV1Api)
      .createCustomResourceDefinition({ body: widgetCrd('Cluster') });
    await kc.makeApiClient(k8s.CustomObjectsApi).createClusterCustomObject({
      group: GROUP,
      version: 'v1',
      plural: 'widgets',
      body: { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 's' }, spec: { size: 1 } },
    });
    const res = await fetch(`${api.url}/apis/${GROUP}/v1/widgets/s`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/strategic-merge-patch+json' },
      body: '{"spec":{"size":2}}',
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ reason: 'UnsupportedMediaType', code: 415 });
  });

  it('installs every CRD of crdDir at start and tolerates a missing directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crds-'));
    tmpDirs.push(dir);
    writeFileSync(
      join(dir, 'widgets.yaml'),
      `# comment\n---\n${stringify(widgetCrd())}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ignored}\n`,
    );
    writeFileSync(join(dir, 'README.md'), 'not yaml');
    api = await startLocalApi({ crdDir: dir });
    expect((await getJson(`/apis/${GROUP}/v1/widgets`)).status).toBe(200);
    await api.stop();
    api = await startLocalApi({ crdDir: join(dir, 'missing') });
    expect((await getJson(`/apis/${GROUP}/v1/widgets`)).status).toBe(404);
  });

  it('rejects an invalid CRD with 422', async () => {
    api = await startLocalApi({ crdDir: null });
    const bad = widgetCrd();
    bad.metadata = { name: 'wrong.name' };
    const res = await fetch(`${api.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(bad),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      reason: 'Invalid',
      details: { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
    });
  });

  it('reports pruned unknown fields: 400 under fieldValidation=Strict, a Warning header otherwise', async () => {
    api = await startLocalApi({ crdDir: null });
    // Raw JSON: client-node's serializer knows the schema's `default` only as `_default` and would drop it.
    const crd = await fetch(`${api.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(widgetCrd('Cluster')),
    });
    expect(crd.status).toBe(201);
    const post = (query: string, name: string) =>
      fetch(`${api!.url}/apis/${GROUP}/v1/widgets${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          apiVersion: `${GROUP}/v1`,
          kind: 'Widget',
          metadata: { name },
          spec: { size: 1, bogus: 1 },
        }),
      });
    const strict = await post('?fieldValidation=Strict', 'u1');
    expect(strict.status).toBe(400);
    expect(await strict.json()).toMatchObject({
      reason: 'BadRequest',
      message:
        'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.bogus"',
    });
    const warn = await post('', 'u2');
    expect(warn.status).toBe(201);
    expect(warn.headers.get('warning')).toBe('299 - "unknown field \\"spec.bogus\\""');
    const stored = (await warn.json()) as { spec: Record<string, unknown> };
    expect(stored.spec).toEqual({ size: 1, color: 'blue' });
  });
});
