import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  type V1Service,
} from '@kubernetes/client-node';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';
import { createInformer, makeListFn } from '../../src/kube/informers.js';
import type { Informer } from '../../src/kube/informer.js';
import type { InformerHealthEvent } from '../../src/kube/informer-health.js';
import { waitFor } from '../support/wait.js';
import { installWidgetCrd, TEST_GROUP } from '../support/test-crd.js';

let api: LocalApi;
let kc: KubeConfig;
let core: CoreV1Api;
const stops: (() => Promise<void>)[] = [];

beforeEach(async () => {
  api = await startLocalApi({ crdDir: null });
  kc = api.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
});

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await api.stop();
});

const createSvc = (name: string, namespace = 'default'): Promise<V1Service> =>
  core.createNamespacedService({ namespace, body: { metadata: { name }, spec: { ports: [{ port: 80 }] } } });

interface Running {
  informer: Informer<V1Service>;
  calls: string[];
  health: InformerHealthEvent[];
  types: () => string[];
}

function startServiceInformer(labelSelector?: string): Running {
  const health: InformerHealthEvent[] = [];
  const informer = createInformer<V1Service>(
    kc,
    { group: '', version: 'v1', plural: 'services' },
    {
      ...(labelSelector === undefined ? {} : { labelSelector }),
      backoff: { baseMs: 20, capMs: 200, jitter: 0 },
      minWatchDurationMs: 0,
      watchTimeoutSeconds: 60,
      health: (e) => health.push(e),
    },
  );
  const calls: string[] = [];
  const name = (o: V1Service): string => `${o.metadata?.namespace}/${o.metadata?.name}`;
  informer.addHandlers({
    onAdd: (o) => calls.push(`add ${name(o)}`),
    onUpdate: (_old, o) => calls.push(`update ${name(o)}`),
    onDelete: (o) => calls.push(`delete ${name(o)}`),
  });
  const ac = new AbortController();
  const running = informer.start(ac.signal);
  stops.push(async () => {
    ac.abort();
    await running;
  });
  return { informer, calls, health, types: () => health.map((e) => e.type) };
}

function serverNames(items: V1Service[]): string[] {
  return items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`).sort();
}

describe('Informer on the local Kubernetes API', () => {
  it('syncs, then delivers adds, updates and deletes', async () => {
    await createSvc('a');
    await createSvc('b', 'kube-system');
    const r = startServiceInformer();
    expect(await r.informer.waitForSync(AbortSignal.timeout(5000))).toBe(true);
    expect(r.calls.sort()).toEqual(['add default/a', 'add kube-system/b']);
    await createSvc('c');
    await core.patchNamespacedService({
      name: 'a',
      namespace: 'default',
      body: [{ op: 'add', path: '/metadata/labels', value: { x: 'y' } }],
    });
    await core.deleteNamespacedService({ name: 'b', namespace: 'kube-system' });
    await waitFor('3 more calls', () => r.calls.length === 5);
    expect(r.calls.slice(2)).toEqual(['add default/c', 'update default/a', 'delete kube-system/b']);
    expect(r.informer.getByName('a', 'default')?.metadata?.labels).toEqual({ x: 'y' });
    // Cached objects are wire JSON, the same whether they came from the list or the watch.
    expect(typeof r.informer.getByName('c', 'default')?.metadata?.creationTimestamp).toBe('string');
    expect(typeof r.informer.getByName('a', 'default')?.metadata?.creationTimestamp).toBe('string');
    expect(r.types()).toEqual(['Synced', 'Connected']);
  });

  it('reconnects from its resourceVersion after dropped watches without losing or repeating events', async () => {
    const r = startServiceInformer();
    await r.informer.waitForSync(AbortSignal.timeout(5000));
    const connects = (): number => r.types().filter((t) => t === 'Connected').length;
    for (let i = 0; i < 20; i++) {
      if (i % 4 === 0) {
        await waitFor('watch connected', () => connects() > i / 4);
        const before = connects();
        api.faults.dropWatches();
        await createSvc(`s${i}`); // most likely while no watch is open
        await waitFor('reconnected', () => connects() === before + 1);
      } else {
        await createSvc(`s${i}`);
      }
    }
    await waitFor('20 adds', () => r.calls.length >= 20);
    const listed = await core.listServiceForAllNamespaces();
    expect(serverNames(r.informer.list())).toEqual(serverNames(listed.items));
    expect(r.calls).toHaveLength(20);
    expect(new Set(r.calls).size).toBe(20);
    // Reconnects resumed from a resourceVersion: only the initial list happened.
    expect(r.health.filter((e) => e.type === 'Synced')).toHaveLength(1);
    expect(r.health.filter((e) => e.type === 'WatchEnded')).toHaveLength(5);
  });

  it('relists after 410 Gone and delivers deletes for objects that vanished while disconnected', async () => {
    for (const n of ['a', 'b', 'c']) await createSvc(n);
    const r = startServiceInformer();
    await r.informer.waitForSync(AbortSignal.timeout(5000));
    await waitFor('watch connected', () => r.types().includes('Connected'));
    api.faults.partition({ pathIncludes: 'watch=' });
    api.faults.dropWatches();
    await core.deleteNamespacedService({ name: 'b', namespace: 'default' });
    await core.deleteNamespacedService({ name: 'c', namespace: 'default' });
    await createSvc('d');
    api.faults.goneOnNextWatch();
    api.faults.heal();
    await waitFor(
      'deletes after relist',
      () => r.calls.includes('delete default/c') && r.calls.includes('add default/d'),
    );
    expect(r.calls.slice(3).sort()).toEqual(['add default/d', 'delete default/b', 'delete default/c']);
    expect(serverNames(r.informer.list())).toEqual(['default/a', 'default/d']);
    const relisting = r.health.findIndex((e) => e.type === 'Relisting');
    expect(r.health[relisting]).toMatchObject({ reason: 'gone' });
    expect(r.health[relisting + 1]).toMatchObject({ type: 'Synced', reason: 'gone', objects: 2 });
  });

  it('backs off through failNext(5, 500) on the watch and recovers, reporting health in order', async () => {
    const r = startServiceInformer();
    await r.informer.waitForSync(AbortSignal.timeout(5000));
    await waitFor('watch connected', () => r.types().includes('Connected'));
    api.faults.failNext(5, 500, { pathIncludes: 'watch=' });
    api.faults.dropWatches();
    await waitFor('reconnected', () => r.types().filter((t) => t === 'Connected').length === 2);
    await createSvc('after');
    await waitFor('add after recovery', () => r.calls.includes('add default/after'));
    const pairs = ['WatchError', 'Backoff'];
    expect(r.types()).toEqual([
      'Synced',
      'Connected',
      'WatchEnded',
      ...[1, 2, 3, 4, 5].flatMap(() => pairs),
      'Connected',
    ]);
    const backoffs = r.health.flatMap((e) =>
      e.type === 'Backoff' ? [[e.attempt, e.delayMs, e.reason]] : [],
    );
    expect(backoffs).toEqual([
      [1, 20, 'http_500'],
      [2, 40, 'http_500'],
      [3, 80, 'http_500'],
      [4, 160, 'http_500'],
      [5, 200, 'http_500'],
    ]);
    expect(r.health.find((e) => e.type === 'WatchError')).toMatchObject({ phase: 'watch', status: 500 });
  });

  it('retries a failing initial list and syncs once the API answers', async () => {
    await createSvc('a');
    api.faults.failNext(3, 503, { method: 'GET', pathIncludes: '/services' });
    const r = startServiceInformer();
    expect(await r.informer.waitForSync(AbortSignal.timeout(5000))).toBe(true);
    expect(r.types().slice(0, 6)).toEqual([
      'WatchError',
      'Backoff',
      'WatchError',
      'Backoff',
      'WatchError',
      'Backoff',
    ]);
    expect(r.health[0]).toMatchObject({ phase: 'list', reason: 'http_503' });
    expect(r.calls).toEqual(['add default/a']);
  });

  it('keeps working across a restart of the API server', async () => {
    await createSvc('a');
    const r = startServiceInformer();
    await r.informer.waitForSync(AbortSignal.timeout(5000));
    await waitFor('watch connected', () => r.types().includes('Connected'));
    await api.restart();
    await createSvc('b');
    await waitFor('add after restart', () => r.calls.includes('add default/b'));
    await core.deleteNamespacedService({ name: 'a', namespace: 'default' });
    await waitFor('delete after restart', () => r.calls.includes('delete default/a'));
    expect(r.calls).toEqual(['add default/a', 'add default/b', 'delete default/a']);
    expect(r.health.filter((e) => e.type === 'Connected').length).toBeGreaterThanOrEqual(2);
  });

  it('honours label selectors: an object that stops matching is deleted from the cache', async () => {
    await core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'web', labels: { app: 'web' } }, spec: { ports: [{ port: 80 }] } },
    });
    await createSvc('other');
    const r = startServiceInformer('app=web');
    await r.informer.waitForSync(AbortSignal.timeout(5000));
    expect(r.calls).toEqual(['add default/web']);
    await core.patchNamespacedService({
      name: 'web',
      namespace: 'default',
      body: [{ op: 'replace', path: '/metadata/labels/app', value: 'db' }],
    });
    await waitFor('delete on label change', () => r.calls.length === 2);
    expect(r.calls).toEqual(['add default/web', 'delete default/web']);
    expect(r.informer.list()).toEqual([]);
  });

  it('informs on cluster-scoped custom resources', async () => {
    await installWidgetCrd(kc);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const create = (name: string): Promise<unknown> =>
      custom.createClusterCustomObject({
        group: TEST_GROUP,
        version: 'v1',
        plural: 'widgets',
        body: { apiVersion: `${TEST_GROUP}/v1`, kind: 'Widget', metadata: { name }, spec: { size: 1 } },
      });
    await create('w1');
    const informer = createInformer<KubernetesObject & { spec?: { size?: number } }>(kc, {
      group: TEST_GROUP,
      version: 'v1',
      plural: 'widgets',
    });
    const seen: string[] = [];
    informer.addHandlers({ onAdd: (o) => seen.push(o.metadata?.name ?? '') });
    const ac = new AbortController();
    const running = informer.start(ac.signal);
    stops.push(async () => {
      ac.abort();
      await running;
    });
    await informer.waitForSync(AbortSignal.timeout(5000));
    await create('w2');
    await waitFor('w2', () => seen.length === 2);
    expect(seen).toEqual(['w1', 'w2']);
    expect(informer.get('w1')).toMatchObject({
      apiVersion: `${TEST_GROUP}/v1`,
      kind: 'Widget',
      spec: { size: 1 },
    });
  });
});

describe('makeListFn', () => {
  it('lists every page (500 per request) and applies `each` to every item exactly once', async () => {
    for (let start = 0; start < 1203; start += 16)
      await Promise.all(
        Array.from({ length: Math.min(16, 1203 - start) }, (_, k) => createSvc(`s${String(start + k)}`)),
      );
    const list = makeListFn<V1Service>(kc, { group: '', version: 'v1', plural: 'services' });
    const seen: string[] = [];
    const result = await list({}, (o) => {
      seen.push(o.metadata?.name ?? '');
      return { metadata: o.metadata, kind: 'Slim' };
    });
    expect(result.items).toHaveLength(1203);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(result.items.map((o) => o.metadata?.name ?? '').sort());
    expect(result.items.every((o) => o.kind === 'Slim' && o.spec === undefined)).toBe(true);
    const plain = await list({});
    expect(plain.items.every((o) => o.kind === 'Service' && o.spec !== undefined)).toBe(true);
  }, 30_000);
});
