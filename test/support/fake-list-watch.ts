/* eslint-disable @typescript-eslint/no-misused-spread -- copies of plain JSON objects typed as client-node classes */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ListResult } from '../../src/kube/informer.js';
import type { WatchFn } from '../../src/kube/watch-stream.js';
import { objectKey } from '../../src/kube/object-key.js';

interface Stream {
  readonly onEvent: (type: string, obj: unknown) => void;
  readonly onDone: (err: unknown) => void;
  open: boolean;
}

/** An error shaped like client-node's ApiException. */
export function apiError(code: number, message = `failure ${code}`): Error {
  return Object.assign(new Error(`HTTP-Code: ${code}`), {
    code,
    body: JSON.stringify({ kind: 'Status', status: 'Failure', message, code }),
  });
}

/** An error shaped like a node-fetch network error. */
export function networkError(code = 'ECONNREFUSED'): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1`), { name: 'FetchError', code, type: 'system' });
}

/**
 * An in-memory list+watch endpoint for informer unit tests: keeps objects and an event history with
 * resourceVersions, replays history to watches that start from an old version, and lets tests inject
 * failures, close streams, and expire history (410).
 */
export class FakeListWatch<T extends KubernetesObject = KubernetesObject> {
  readonly objects = new Map<string, T>();
  readonly watchQueries: Record<string, string | number | boolean | undefined>[] = [];
  listCalls = 0;
  /** Errors thrown by the next list calls, in order. */
  readonly listErrors: Error[] = [];
  /** Errors reported (via onDone) by the next watch calls, in order. */
  readonly watchErrors: Error[] = [];
  /** Watches starting at a resourceVersion below this get a 410 ERROR event. */
  oldestWatchableRv = 0;
  #rv = 100;
  readonly #history: { rv: number; type: string; obj: T }[] = [];
  readonly #streams = new Set<Stream>();

  get openStreams(): number {
    return this.#streams.size;
  }

  list = (_selectors: unknown, each?: (item: T) => T): Promise<ListResult<T>> => {
    this.listCalls += 1;
    const err = this.listErrors.shift();
    if (err !== undefined) return Promise.reject(err);
    const items = [...this.objects.values()];
    return Promise.resolve({
      items: each === undefined ? items : items.map(each),
      metadata: { resourceVersion: String(this.#rv) },
    });
  };

  watch: WatchFn = (_path, query, onEvent, onDone) => {
    this.watchQueries.push(query);
    const err = this.watchErrors.shift();
    if (err !== undefined) {
      onDone(err);
      return Promise.resolve({ abort: () => undefined });
    }
    const stream: Stream = { onEvent, onDone, open: true };
    const from = Number(query.resourceVersion ?? 0);
    this.#streams.add(stream);
    // Like a real server: response headers first (the watch call resolves), then the body.
    setImmediate(() => {
      if (!stream.open) return;
      if (from < this.oldestWatchableRv) {
        onEvent('ERROR', {
          kind: 'Status',
          code: 410,
          reason: 'Expired',
          message: 'too old resource version',
        });
        this.#end(stream, null);
        return;
      }
      for (const e of this.#history) if (e.rv > from) onEvent(e.type, e.obj);
    });
    return Promise.resolve({
      abort: () => {
        stream.open = false;
        this.#streams.delete(stream);
      },
    });
  };

  /** Creates or updates an object (new resourceVersion) and tells open watches. */
  put(obj: T): T {
    const key = objectKey(obj);
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.#rv) } } as T;
    this.objects.set(key, stored);
    this.#record(type, stored);
    return stored;
  }

  remove(key: string): void {
    const old = this.objects.get(key);
    if (!old) return;
    this.objects.delete(key);
    this.#record('DELETED', {
      ...old,
      metadata: { ...old.metadata, resourceVersion: String(++this.#rv) },
    });
  }

  /** Sends a BOOKMARK with the current resourceVersion to open watches. */
  bookmark(): void {
    for (const s of this.#streams) s.onEvent('BOOKMARK', { metadata: { resourceVersion: String(this.#rv) } });
  }

  /** Changes state without any watch seeing it, and forgets all history (as after a long outage). */
  silently(mutate: (objects: Map<string, T>) => void): void {
    mutate(this.objects);
    this.#rv += 10;
    this.#history.length = 0;
    this.oldestWatchableRv = this.#rv;
  }

  /** Ends every open watch, cleanly (null) or with an error. */
  closeAll(err: unknown = null): void {
    for (const s of [...this.#streams]) this.#end(s, err);
  }

  #record(type: string, obj: T): void {
    this.#history.push({ rv: Number(obj.metadata?.resourceVersion), type, obj });
    for (const s of this.#streams) s.onEvent(type, obj);
  }

  #end(stream: Stream, err: unknown): void {
    if (!stream.open) return;
    stream.open = false;
    this.#streams.delete(stream);
    stream.onDone(err);
  }
}
