import { describe, it, expect, afterEach } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { Informer, type InformerOptions } from '../../src/kube/informer.js';
import type { InformerHealthEvent } from '../../src/kube/informer-health.js';
import { enqueueHandlers } from '../../src/kube/informer-handlers.js';
import { WorkQueue } from '../../src/kube/queue.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeListWatch, apiError, networkError } from '../support/fake-list-watch.js';
import { dependantsAfterOneAny, signalDependants } from '../support/signal-dependants.js';

const svc = (name: string, data = ''): KubernetesObject & { data: string } => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  data,
});

interface Harness {
  clock: FakeClock;
  api: FakeListWatch;
  informer: Informer<KubernetesObject>;
  calls: string[];
  health: InformerHealthEvent[];
  types: () => string[];
  stop: () => Promise<void>;
  /** The signal the informer runs with. */
  signal: AbortSignal;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function harness(
  opts: Partial<InformerOptions<KubernetesObject>> = {},
  seed: string[] = [],
  before: (api: FakeListWatch) => void = () => undefined,
): Harness {
  const clock = new FakeClock();
  const api = new FakeListWatch();
  for (const name of seed) api.put(svc(name));
  before(api);
  const health: InformerHealthEvent[] = [];
  const informer = new Informer<KubernetesObject>({
    resource: 'services',
    path: '/api/v1/services',
    list: api.list,
    watch: api.watch,
    watchTimeoutSeconds: 300,
    clock,
    random: () => 0.5,
    health: (e) => health.push(e),
    ...opts,
  });
  const calls: string[] = [];
  const name = (o: KubernetesObject): string => o.metadata?.name ?? '?';
  informer.addHandlers({
    onAdd: (o) => calls.push(`add ${name(o)}`),
    onUpdate: (old, cur) =>
      calls.push(`update ${name(cur)} ${old.metadata?.resourceVersion}->${cur.metadata?.resourceVersion}`),
    onDelete: (o) => calls.push(`delete ${name(o)}`),
  });
  const ac = new AbortController();
  const running = informer.start(ac.signal);
  const stop = async (): Promise<void> => {
    ac.abort();
    await running;
  };
  cleanups.push(stop);
  return {
    clock,
    api,
    informer,
    calls,
    health,
    types: () => health.map((e) => e.type),
    stop,
    signal: ac.signal,
  };
}

describe('Informer', () => {
  it('lists, syncs, then watches from the list resourceVersion with bookmarks on', async () => {
    const h = harness({}, ['a', 'b']);
    expect(h.informer.hasSynced()).toBe(false);
    const synced = h.informer.waitForSync();
    await h.clock.settle();
    await expect(synced).resolves.toBe(true);
    expect(h.calls).toEqual(['add a', 'add b']);
    expect(h.informer.list().map((o) => o.metadata?.name)).toEqual(['a', 'b']);
    expect(h.informer.getByName('a', 'default')?.metadata?.resourceVersion).toBe('101');
    expect(h.api.watchQueries).toEqual([
      { resourceVersion: '102', allowWatchBookmarks: true, timeoutSeconds: 300 },
    ]);
    expect(h.types()).toEqual(['Synced', 'Connected']);
    expect(h.health[0]).toMatchObject({
      type: 'Synced',
      reason: 'initial',
      objects: 2,
      resource: 'services',
    });
  });

  it('delivers adds, updates and deletes from the watch and tracks bookmarks', async () => {
    const h = harness({}, ['a']);
    await h.clock.settle();
    h.api.put(svc('b'));
    h.api.put(svc('a', 'changed'));
    h.api.remove('default/b');
    h.api.bookmark();
    await h.clock.settle();
    expect(h.calls).toEqual(['add a', 'add b', 'update a 101->103', 'delete b']);
    expect(h.informer.get('default/a')).toMatchObject({ data: 'changed' });
    expect(h.informer.get('default/b')).toBeUndefined();
    expect(h.informer.resourceVersion).toBe('104');
  });

  it('re-watches from the last resourceVersion after a clean close, without relisting or losing events', async () => {
    const h = harness({}, ['a']);
    await h.clock.advance(5000);
    h.api.closeAll();
    h.api.put(svc('b')); // happens while no watch is open
    await h.clock.settle();
    expect(h.api.listCalls).toBe(1);
    expect(h.api.watchQueries.map((q) => q.resourceVersion)).toEqual(['101', '101']);
    expect(h.calls).toEqual(['add a', 'add b']);
    expect(h.types()).toEqual(['Synced', 'Connected', 'WatchEnded', 'Connected']);
  });

  it('leaves nothing behind on the signal it runs with, however often the watch restarts', async () => {
    expect(dependantsAfterOneAny()).toBe(1); // the probe sees what any() leaves
    const h = harness();
    for (let i = 0; i < 5; i++) {
      await h.clock.advance(5000);
      h.api.closeAll();
      await h.clock.settle();
    }
    expect(h.api.watchQueries.length).toBeGreaterThanOrEqual(6);
    expect(signalDependants(h.signal)).toBe(0);
  });

  it('relists on 410 Gone and delivers deletes for objects that vanished meanwhile', async () => {
    const h = harness({}, ['a', 'b', 'c']);
    await h.clock.settle();
    h.api.closeAll(networkError('ECONNRESET'));
    h.api.silently((objects) => {
      objects.delete('default/b');
      objects.delete('default/c');
    });
    h.api.put(svc('d'));
    await h.clock.advance(1000); // one backoff step (base 1 s, jitter 0)
    expect(h.calls).toEqual(['add a', 'add b', 'add c', 'delete b', 'delete c', 'add d']);
    expect(h.informer.list().map((o) => o.metadata?.name)).toEqual(['a', 'd']);
    expect(h.api.listCalls).toBe(2);
    expect(h.types()).toEqual([
      'Synced',
      'Connected',
      'WatchError',
      'Backoff',
      'Connected',
      'Relisting',
      'Synced',
      'Connected',
    ]);
    expect(h.health[5]).toMatchObject({ type: 'Relisting', reason: 'gone' });
    expect(h.health[6]).toMatchObject({ type: 'Synced', reason: 'gone', objects: 2 });
  });

  it('backs off exponentially on list failures and recovers', async () => {
    const h = harness({ backoff: { baseMs: 1000, capMs: 5000, jitter: 0.2 } }, ['a'], (api) =>
      api.listErrors.push(
        apiError(500, 'etcd down'),
        apiError(500),
        apiError(403),
        networkError(),
        networkError(),
      ),
    );
    await h.clock.settle();
    const delays: (number | undefined)[] = [];
    for (let i = 0; i < 5; i++) delays.push(await h.clock.advanceToNext());
    expect(delays).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(h.informer.hasSynced()).toBe(true);
    const backoffs = h.health.filter((e) => e.type === 'Backoff');
    expect(backoffs.map((e) => [e.attempt, e.delayMs, e.reason])).toEqual([
      [1, 1000, 'http_500'],
      [2, 2000, 'http_500'],
      [3, 4000, 'http_403'],
      [4, 5000, 'network'],
      [5, 5000, 'network'],
    ]);
    expect(h.health.find((e) => e.type === 'WatchError')).toMatchObject({
      phase: 'list',
      status: 500,
      err: 'etcd down',
    });
    expect(h.types().slice(-2)).toEqual(['Synced', 'Connected']);
  });

  it('resets the backoff once a watch delivers events again', async () => {
    const h = harness({}, ['a']);
    await h.clock.settle();
    h.api.watchErrors.push(apiError(500), apiError(500));
    h.api.closeAll(apiError(503));
    await h.clock.advance(1000 + 2000 + 4000);
    h.api.put(svc('b'));
    await h.clock.settle();
    h.api.closeAll(apiError(503));
    await h.clock.settle();
    const backoffs = h.health.filter((e) => e.type === 'Backoff').map((e) => e.delayMs);
    expect(backoffs).toEqual([1000, 2000, 4000, 1000]);
    expect(h.api.listCalls).toBe(1);
  });

  it('treats a watch that closes at once with nothing in it as a failure, not a hot loop', async () => {
    const h = harness({}, ['a']);
    await h.clock.settle();
    await h.clock.advance(10);
    h.api.closeAll();
    await h.clock.settle();
    expect(h.health.at(-1)).toMatchObject({ type: 'Backoff', reason: 'closed_early', delayMs: 1000 });
    expect(h.api.watchQueries).toHaveLength(1);
  });

  it('restarts a watch that stays silent past the idle timeout', async () => {
    const h = harness({ idleTimeoutMs: 60_000 }, ['a']);
    await h.clock.settle();
    await h.clock.advance(59_000);
    h.api.bookmark(); // any traffic re-arms the watchdog
    await h.clock.advance(59_000);
    expect(h.api.watchQueries).toHaveLength(1);
    await h.clock.advance(1000);
    expect(h.api.watchQueries).toHaveLength(2);
    expect(h.health.find((e) => e.type === 'WatchEnded')).toMatchObject({ reason: 'idle', events: 1 });
  });

  it('resyncs cached objects to onUpdate periodically', async () => {
    const h = harness({ resyncIntervalMs: 10_000 }, ['a', 'b']);
    await h.clock.advance(9_999);
    expect(h.calls).toEqual(['add a', 'add b']);
    await h.clock.advance(1);
    expect(h.calls.slice(2)).toEqual(['update a 101->101', 'update b 102->102']);
    expect(h.health.at(-1)).toMatchObject({ type: 'Resynced', objects: 2 });
  });

  it('relists periodically when asked, delivering only real changes', async () => {
    const h = harness({ relistIntervalMs: 60_000 }, ['a']);
    await h.clock.settle();
    h.api.silently((objects) => objects.delete('default/a'));
    await h.clock.advance(60_000); // random 0.5 → exactly the interval
    expect(h.api.listCalls).toBe(2);
    expect(h.calls).toEqual(['add a', 'delete a']);
    expect(h.health.find((e) => e.type === 'Relisting')).toMatchObject({ reason: 'periodic' });
  });

  it('survives a throwing handler and reports it', async () => {
    const h = harness({}, ['a']);
    h.informer.addHandlers({
      onAdd: () => {
        throw new Error('handler bug');
      },
    });
    await h.clock.settle();
    h.api.put(svc('b'));
    await h.clock.settle();
    expect(h.calls).toEqual(['add a', 'add b']);
    expect(h.health.filter((e) => e.type === 'HandlerError')).toHaveLength(2);
  });

  it('gives late handlers the cached objects as adds', async () => {
    const h = harness({}, ['a', 'b']);
    await h.clock.settle();
    const late: string[] = [];
    h.informer.addHandlers({ onAdd: (o) => late.push(o.metadata?.name ?? '') });
    expect(late).toEqual(['a', 'b']);
  });

  it('stops on abort: closes the watch, clears its timers and reports Stopped', async () => {
    const h = harness({ resyncIntervalMs: 1000, relistIntervalMs: 5000 }, ['a']);
    await h.clock.settle();
    expect(h.api.openStreams).toBe(1);
    await h.stop();
    expect(h.api.openStreams).toBe(0);
    expect(h.clock.pendingTimers).toBe(0);
    expect(h.types().at(-1)).toBe('Stopped');
  });

  it('stops while backing off', async () => {
    const h = harness({}, ['a'], (api) => api.listErrors.push(apiError(500)));
    await h.clock.settle();
    await h.stop();
    expect(h.clock.pendingTimers).toBe(0);
    expect(h.types()).toEqual(['WatchError', 'Backoff', 'Stopped']);
    await expect(h.informer.waitForSync(AbortSignal.abort())).resolves.toBe(false);
  });

  it('stops even while a list never answers', async () => {
    const clock = new FakeClock();
    const informer = new Informer<KubernetesObject>({
      resource: 'services',
      path: '/api/v1/services',
      list: () => new Promise(() => undefined),
      watch: () => Promise.reject(new Error('not reached')),
      clock,
    });
    const ac = new AbortController();
    const running = informer.start(ac.signal);
    await clock.settle();
    ac.abort();
    await running;
    expect(informer.hasSynced()).toBe(false);
    await expect(informer.start(ac.signal)).rejects.toThrow(/already started/);
  });

  it('feeds a work queue with keys, deduplicated, through enqueueHandlers', async () => {
    const h = harness({}, ['a', 'b']);
    const queue = new WorkQueue({ clock: h.clock });
    h.informer.addHandlers(enqueueHandlers(queue));
    const toEip = new WorkQueue({ clock: h.clock });
    h.informer.addHandlers(
      enqueueHandlers(toEip, (o) => (o.metadata?.name === 'a' ? 'eip-pool' : undefined)),
    );
    await h.clock.settle();
    h.api.put(svc('a', 'v2'));
    h.api.remove('default/b');
    await h.clock.settle();
    expect(queue.depth).toBe(2); // default/a and default/b, each once
    expect(toEip.depth).toBe(1);
  });
});
