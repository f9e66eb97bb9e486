import { afterEach, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';

let api: LocalApi | undefined;
const aborts: AbortController[] = [];

afterEach(async () => {
  for (const a of aborts.splice(0)) a.abort();
  await api?.stop();
  api = undefined;
});

async function start(): Promise<LocalApi> {
  api = await startLocalApi({ crdDir: null });
  return api;
}

async function codeOf(p: Promise<unknown>): Promise<number | string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof k8s.ApiException) return err.code;
    return err instanceof Error ? `error:${err.constructor.name}` : 'error';
  }
}

async function watchEvents(
  kc: k8s.KubeConfig,
  path: string,
  query: Record<string, string | number | boolean | undefined> = {},
) {
  const events: { type: string; code?: unknown }[] = [];
  let resolveEnd: (err: unknown) => void = () => undefined;
  const ended = new Promise<unknown>((r) => {
    resolveEnd = r;
  });
  const ctrl = await new k8s.Watch(kc).watch(
    path,
    query,
    (type: string, obj: Record<string, unknown>) => events.push({ type, code: obj['code'] }),
    (err: unknown) => {
      resolveEnd(err);
    },
  );
  aborts.push(ctrl);
  return { events, ended };
}

describe('fault injection', () => {
  it('fails the next N matching requests with a Status body', async () => {
    const a = await start();
    const core = a.kubeConfig().makeApiClient(k8s.CoreV1Api);
    a.faults.failNext(2, 503, { method: 'GET', pathIncludes: '/configmaps' });
    expect(await codeOf(core.listNamespacedConfigMap({ namespace: 'default' }))).toBe(503);
    expect(await codeOf(core.listNamespacedService({ namespace: 'default' }))).toBe('ok');
    expect(await codeOf(core.listNamespacedConfigMap({ namespace: 'default' }))).toBe(503);
    expect(await codeOf(core.listNamespacedConfigMap({ namespace: 'default' }))).toBe('ok');
    a.faults.failNext(1, 500);
    const res = await fetch(`${a.url}/api/v1/namespaces`);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'InternalError',
      code: 500,
    });
  });

  it('partitions one user and heals', async () => {
    const a = await start();
    const alice = a.kubeConfig('alice').makeApiClient(k8s.CoreV1Api);
    const bob = a.kubeConfig('bob').makeApiClient(k8s.CoreV1Api);
    a.faults.partition({ user: 'alice' });
    expect(await codeOf(alice.listNamespace())).toMatch(/^error/);
    expect(await codeOf(bob.listNamespace())).toBe('ok');
    a.faults.heal();
    expect(await codeOf(alice.listNamespace())).toBe('ok');
  });

  it('adds latency to matching requests and clears it', async () => {
    const a = await start();
    const core = a.kubeConfig().makeApiClient(k8s.CoreV1Api);
    a.faults.latency(150, { pathIncludes: '/namespaces' });
    const t0 = performance.now();
    await core.listNamespace();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    a.faults.latency(0);
    const t1 = performance.now();
    await core.listNamespace();
    expect(performance.now() - t1).toBeLessThan(140);
  });

  it('drops open watches', async () => {
    const a = await start();
    const w = await watchEvents(a.kubeConfig(), '/api/v1/namespaces');
    a.faults.dropWatches();
    expect(await w.ended).toBeNull();
  });

  it('answers the next watch with 410 Expired', async () => {
    const a = await start();
    a.faults.goneOnNextWatch();
    const w = await watchEvents(a.kubeConfig(), '/api/v1/namespaces', { resourceVersion: '1' });
    await w.ended;
    expect(w.events).toEqual([{ type: 'ERROR', code: 410 }]);
    const next = await watchEvents(a.kubeConfig(), '/api/v1/namespaces');
    await new Promise((r) => setTimeout(r, 30));
    expect(next.events.every((e) => e.type === 'ADDED')).toBe(true);
  });

  it('restarts keeping state while clients see their connections reset', async () => {
    const a = await start();
    const core = a.kubeConfig().makeApiClient(k8s.CoreV1Api);
    const cm = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'keep' } },
    });
    const w = await watchEvents(a.kubeConfig(), '/api/v1/namespaces/default/configmaps');
    const port = a.port;
    await a.restart();
    await w.ended;
    expect(a.port).toBe(port);
    const again = await core.readNamespacedConfigMap({ name: 'keep', namespace: 'default' });
    expect(again.metadata?.resourceVersion).toBe(cm.metadata?.resourceVersion);
    const next = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'after' } },
    });
    expect(Number(next.metadata?.resourceVersion)).toBeGreaterThan(Number(cm.metadata?.resourceVersion));
  });

  it('is driven over HTTP by another process', async () => {
    const a = await start();
    const post = (action: string, body: unknown) =>
      fetch(`${a.url}/__lab/faults/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (await post('failNext', { count: 1, status: 429, match: { pathIncludes: '/api/v1/nodes' } })).status,
    ).toBe(200);
    expect((await fetch(`${a.url}/api/v1/nodes`)).status).toBe(429);
    expect((await fetch(`${a.url}/api/v1/nodes`)).status).toBe(200);
    expect((await post('partition', { match: { user: 'x' } })).status).toBe(200);
    expect((await post('clear', {})).status).toBe(200);
    const bad = await post('failNext', { count: 'x' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ reason: 'BadRequest' });
    expect((await post('nonsense', {})).status).toBe(400);
  });
});
