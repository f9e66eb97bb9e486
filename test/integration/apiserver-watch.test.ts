import { afterEach, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startLocalApi, type LocalApi, type LocalApiOptions } from '../lab/apiserver/index.js';

interface Seen {
  type: string;
  name: string;
  rv: string;
  code?: number;
  annotations?: Record<string, string>;
}

let api: LocalApi | undefined;
const aborts: AbortController[] = [];

afterEach(async () => {
  for (const a of aborts.splice(0)) a.abort();
  await api?.stop();
  api = undefined;
});

async function start(
  opts: LocalApiOptions = {},
): Promise<{ api: LocalApi; core: k8s.CoreV1Api; kc: k8s.KubeConfig }> {
  api = await startLocalApi({ crdDir: null, ...opts });
  const kc = api.kubeConfig();
  return { api, core: kc.makeApiClient(k8s.CoreV1Api), kc };
}

/** Watch with the real client-node Watch; resolves `ended` when the server closes the stream. */
async function watch(
  kc: k8s.KubeConfig,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
) {
  const events: Seen[] = [];
  let resolveEnd: (err: unknown) => void = () => undefined;
  const ended = new Promise<unknown>((r) => {
    resolveEnd = r;
  });
  const ctrl = await new k8s.Watch(kc).watch(
    path,
    query,
    (type: string, obj: Record<string, unknown>) => {
      const meta = (obj['metadata'] ?? {}) as Record<string, unknown>;
      events.push({
        type,
        name: typeof meta['name'] === 'string' ? meta['name'] : '',
        rv: typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : '',
        ...(type === 'ERROR' ? { code: obj['code'] as number } : {}),
        ...(meta['annotations'] !== undefined
          ? { annotations: meta['annotations'] as Record<string, string> }
          : {}),
      });
    },
    (err: unknown) => {
      resolveEnd(err);
    },
  );
  aborts.push(ctrl);
  return { events, ended };
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('watch', () => {
  it('sends the current state, then live ADDED/MODIFIED/DELETED', async () => {
    const { core, kc } = await start();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'before' } } });
    const w = await watch(kc, '/api/v1/namespaces/default/configmaps', {});
    await until(() => w.events.length === 1);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'after' } } });
    await core.patchNamespacedConfigMap(
      { name: 'after', namespace: 'default', body: { data: { a: 'b' } } },
      merge,
    );
    await core.deleteNamespacedConfigMap({ name: 'after', namespace: 'default' });
    await until(() => w.events.length === 4);
    expect(w.events.map((e) => `${e.type}:${e.name}`)).toEqual([
      'ADDED:before',
      'ADDED:after',
      'MODIFIED:after',
      'DELETED:after',
    ]);
    const rvs = w.events.slice(1).map((e) => Number(e.rv));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
    expect(new Set(rvs).size).toBe(3);
  });

  it('replays history after a resourceVersion', async () => {
    const { core, kc } = await start();
    const a = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'a' } },
    });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b' } } });
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' });
    const w = await watch(kc, '/api/v1/namespaces/default/configmaps', {
      resourceVersion: a.metadata?.resourceVersion,
    });
    await until(() => w.events.length === 2);
    expect(w.events.map((e) => `${e.type}:${e.name}`)).toEqual(['ADDED:b', 'DELETED:a']);
  });

  it('answers a resourceVersion older than the history with an ERROR 410 Expired event', async () => {
    const { core, kc } = await start({ historyLimit: 3 });
    const first = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'x0' } },
    });
    for (let i = 1; i <= 5; i++) {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `x${i}` } } });
    }
    const w = await watch(kc, '/api/v1/namespaces/default/configmaps', {
      resourceVersion: first.metadata?.resourceVersion,
    });
    await w.ended;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({ type: 'ERROR', code: 410 });
    const raw = await fetch(
      `${api!.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${first.metadata?.resourceVersion}`,
    );
    const line = JSON.parse((await raw.text()).trim()) as { object: Record<string, unknown> };
    expect(line.object).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect(String(line.object['message'])).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });

  it('turns selector transitions into ADDED and DELETED for that watcher', async () => {
    const { core, kc } = await start();
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 's', labels: { app: 'no' } } },
    });
    const w = await watch(kc, '/api/v1/namespaces/default/configmaps', { labelSelector: 'app=yes' });
    await core.patchNamespacedConfigMap(
      { name: 's', namespace: 'default', body: { metadata: { labels: { app: 'yes' } } } },
      merge,
    );
    await core.patchNamespacedConfigMap(
      { name: 's', namespace: 'default', body: { data: { k: 'v' } } },
      merge,
    );
    await core.patchNamespacedConfigMap(
      { name: 's', namespace: 'default', body: { metadata: { labels: { app: 'no' } } } },
      merge,
    );
    await until(() => w.events.length === 3);
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });

  it('filters by namespace and field selector', async () => {
    const { core, kc } = await start();
    const w = await watch(kc, '/api/v1/configmaps', { fieldSelector: 'metadata.namespace=kube-system' });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'd' } } });
    await core.createNamespacedConfigMap({ namespace: 'kube-system', body: { metadata: { name: 'k' } } });
    await until(() => w.events.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(w.events.map((e) => e.name)).toEqual(['k']);
  });

  it('sends bookmarks with the current resourceVersion when allowed', async () => {
    const { core, kc } = await start({ watchBookmarkIntervalMs: 20 });
    const w = await watch(kc, '/api/v1/namespaces/default/configmaps', { allowWatchBookmarks: true });
    const cm = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'b' } },
    });
    await until(() =>
      w.events.some((e) => e.type === 'BOOKMARK' && Number(e.rv) >= Number(cm.metadata?.resourceVersion)),
    );
    const plain = await watch(kc, '/api/v1/namespaces/default/configmaps', {});
    await new Promise((r) => setTimeout(r, 60));
    expect(plain.events.some((e) => e.type === 'BOOKMARK')).toBe(false);
  });

  it('marks the end of initial events with an annotated bookmark (sendInitialEvents)', async () => {
    const { core, kc } = await start();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'i' } } });
    const w = await watch(kc, '/api/v1/namespaces/default/configmaps', {
      sendInitialEvents: true,
      allowWatchBookmarks: true,
      resourceVersionMatch: 'NotOlderThan',
    });
    await until(() => w.events.length === 2);
    expect(w.events[0]?.type).toBe('ADDED');
    expect(w.events[1]).toMatchObject({
      type: 'BOOKMARK',
      annotations: { 'k8s.io/initial-events-end': 'true' },
    });
  });

  it('ends the stream after timeoutSeconds', async () => {
    const { kc } = await start();
    const t0 = Date.now();
    const w = await watch(kc, '/api/v1/namespaces/default/configmaps', { timeoutSeconds: 1 });
    await w.ended;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('drives a client-node informer through create, update and delete', async () => {
    const { core, kc } = await start();
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'default' }),
    );
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add:${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update:${o.metadata?.name}`));
    informer.on('delete', (o) => seen.push(`delete:${o.metadata?.name}`));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'inf' } } });
      await core.patchNamespacedConfigMap(
        { name: 'inf', namespace: 'default', body: { data: { a: '1' } } },
        merge,
      );
      await core.deleteNamespacedConfigMap({ name: 'inf', namespace: 'default' });
      await until(() => seen.length === 3);
      expect(seen).toEqual(['add:inf', 'update:inf', 'delete:inf']);
    } finally {
      await informer.stop();
    }
  });

  it('serves Table watch events when asked for as=Table', async () => {
    const { core } = await start();
    const ctrl = new AbortController();
    aborts.push(ctrl);
    const res = await fetch(`${api!.url}/api/v1/namespaces/default/configmaps?watch=true`, {
      headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
      signal: ctrl.signal,
    });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 't' } } });
    const reader = res.body!.getReader();
    const { value } = (await reader.read()) as { value: Uint8Array };
    const first = JSON.parse(new TextDecoder().decode(value).split('\n')[0]!) as {
      type: string;
      object: Record<string, unknown>;
    };
    expect(first.type).toBe('ADDED');
    expect(first.object['kind']).toBe('Table');
    ctrl.abort();
  });
});
