// Throughput of the local Kubernetes API for 10,000 objects, measured through the real
// @kubernetes/client-node, with raw HTTP side by side so the client's own cost shows as a ratio.
import { CoreV1Api, Watch, type V1ConfigMap } from '@kubernetes/client-node';
import { startLocalApi } from '../test/lab/apiserver/index.js';
import { inParallel, round } from './util.js';

const OBJECTS = Number(process.env['BENCH_OBJECTS'] ?? 10_000);
const CONCURRENCY = 32;

export async function apiserverListWatch(): Promise<Record<string, number>> {
  const api = await startLocalApi({ crdDir: null, historyLimit: OBJECTS * 3 });
  try {
    const kc = api.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const rssBefore = process.memoryUsage().rss;

    // A live watch sees every create; it must deliver all of them.
    const live = countWatchEvents(new Watch(kc), OBJECTS, {});

    const createStart = performance.now();
    await inParallel(OBJECTS, CONCURRENCY, (i) =>
      core.createNamespacedConfigMap({ namespace: 'default', body: configMap(i) }),
    );
    const createMs = performance.now() - createStart;
    const liveMs = await live.done;

    const listStart = performance.now();
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const listClientMs = performance.now() - listStart;
    if (list.items.length !== OBJECTS) throw new Error(`listed ${list.items.length} of ${OBJECTS}`);

    const rawStart = performance.now();
    const raw = await fetch(`${api.url}/api/v1/namespaces/default/configmaps`, {
      headers: { authorization: 'Bearer admin' },
    });
    const rawBody = (await raw.json()) as { items: unknown[] };
    const listRawMs = performance.now() - rawStart;
    if (rawBody.items.length !== OBJECTS) throw new Error(`raw listed ${rawBody.items.length}`);

    // A watch without resourceVersion first replays the current state as ADDED events.
    const replay = countWatchEvents(new Watch(kc), OBJECTS, {});
    const replayMs = await replay.done;

    const rssAfter = process.memoryUsage().rss;
    return {
      objects: OBJECTS,
      create_per_s: round((OBJECTS / createMs) * 1000),
      live_watch_events_per_s: round((OBJECTS / liveMs) * 1000),
      list_client_ms: round(listClientMs),
      list_raw_http_ms: round(listRawMs),
      list_client_over_raw_ratio: round(listClientMs / listRawMs, 2),
      watch_replay_ms: round(replayMs),
      watch_replay_events_per_s: round((OBJECTS / replayMs) * 1000),
      watch_replay_over_list_ratio: round(replayMs / listClientMs, 2),
      process_rss_growth_mib: round((rssAfter - rssBefore) / 2 ** 20, 1),
    };
  } finally {
    await api.stop();
  }
}

function configMap(i: number): V1ConfigMap {
  return {
    metadata: { name: `cm-${i}`, labels: { bench: 'yes', shard: String(i % 16) } },
    data: { index: String(i), payload: 'x'.repeat(200) },
  };
}

function countWatchEvents(
  watch: Watch,
  expected: number,
  query: Record<string, string>,
): { done: Promise<number> } {
  const start = performance.now();
  let seen = 0;
  let abort: AbortController | undefined;
  const done = new Promise<number>((resolve, reject) => {
    watch
      .watch(
        '/api/v1/namespaces/default/configmaps',
        query,
        (phase) => {
          if (phase !== 'ADDED') return;
          seen++;
          if (seen === expected) {
            resolve(performance.now() - start);
            abort?.abort();
          }
        },
        (err: unknown) => {
          if (seen < expected) reject(new Error(`watch ended after ${seen} events: ${String(err)}`));
        },
      )
      .then((controller) => {
        abort = controller;
      }, reject);
  });
  return { done };
}
