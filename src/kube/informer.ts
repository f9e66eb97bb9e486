import type { KubernetesObject } from '@kubernetes/client-node';
import { isAborted, linkedSignal, settleUnlessAborted } from './abortable.js';
import { classifyApiError, type ApiFailure } from './api-errors.js';
import { Backoff, type BackoffPolicy, type RandomFn } from './backoff.js';
import { repeat, sleep, systemClock, type Clock } from './clock.js';
import {
  ignoreHealth,
  type InformerHealthEvent,
  type InformerHealthSink,
  type RelistReason,
} from './informer-health.js';
import { HandlerSet, type InformerHandlers } from './informer-handlers.js';
import { ObjectCache, type ObjectReader } from './object-cache.js';
import { runWatch, type WatchEventType, type WatchFn, type WatchOutcome } from './watch-stream.js';

/** One page of a list, as the API returns it (objects in wire form: plain JSON). */
export interface ListResult<T> {
  readonly items: readonly T[];
  readonly metadata?: { readonly resourceVersion?: string };
}

/**
 * Lists the resource with the informer's selectors; see informers.ts for client-node adapters. When
 * `each` is given, every item comes back as `each(item)`, applied as the items arrive: an informer's
 * transform then runs page by page, so a large collection is never held whole at full size (the
 * speaker's 10,000 Services and EndpointSlices; `npm run bench -- speaker`).
 */
export type ListFn<T> = (
  selectors: {
    labelSelector?: string;
    fieldSelector?: string;
  },
  each?: (item: T) => T,
) => Promise<ListResult<T>>;

/** Options of an Informer. */
export interface InformerOptions<T> {
  /** Name in logs and metric labels, e.g. `services`. */
  readonly resource: string;
  /** The collection path watched, e.g. `/api/v1/services`. */
  readonly path: string;
  readonly list: ListFn<T>;
  readonly watch: WatchFn;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Re-deliver every cached object to onUpdate this often; 0 = never. @default 0 */
  readonly resyncIntervalMs?: number;
  /** List again this often (±10 % jitter) even when the watch is healthy; 0 = never. @default 0 */
  readonly relistIntervalMs?: number;
  /** Server-side timeout of each watch. @default random in [300, 600) s, as client-go */
  readonly watchTimeoutSeconds?: number;
  /** Abort a watch that delivered nothing (not even a bookmark) for this long. @default watch timeout + 30 s */
  readonly idleTimeoutMs?: number;
  /** A watch closing sooner than this without any event counts as a failure (no hot loop). @default 1000 */
  readonly minWatchDurationMs?: number;
  /** Restart backoff after failures. @default { baseMs: 1000, capMs: 30_000, jitter: 0.2 } */
  readonly backoff?: BackoffPolicy;
  readonly clock?: Clock;
  readonly random?: RandomFn;
  readonly health?: InformerHealthSink;
  /**
   * Applied to every listed or watched object before it is cached or delivered (controller-runtime's
   * cache TransformFunc): return a slimmer object holding only what the readers use, so a large
   * cluster costs less memory. It must keep `metadata.name`, `namespace` and `resourceVersion`, and
   * should not throw (if it does, the object is kept whole and a HandlerError is reported).
   * @default none: objects are cached as received
   */
  readonly transform?: (obj: T) => T;
}

export const DEFAULT_INFORMER_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 30_000, jitter: 0.2 };

type Step =
  | { readonly ok: true }
  | { readonly ok: false; readonly phase: 'list' | 'watch'; readonly failure: ApiFailure };

/**
 * A list+watch cache of one resource that never gives up (client-go's reflector, supervised):
 * - any list or watch failure (network, 5xx, 403, ...) restarts after exponential backoff with jitter;
 * - an expired resourceVersion (410) relists at once, and the relist diff delivers deletes for
 *   objects that vanished meanwhile;
 * - watch timeouts and server closes are not errors: it re-watches from the last resourceVersion,
 *   with bookmarks on, so nothing is missed and nothing is listed again;
 * - health is reported as typed events to one sink.
 * Objects are kept in wire form (plain JSON): timestamps are strings even if T says Date.
 */
export class Informer<T extends KubernetesObject> implements ObjectReader<T> {
  readonly resource: string;
  readonly #opts: InformerOptions<T>;
  readonly #clock: Clock;
  readonly #random: RandomFn;
  readonly #health: InformerHealthSink;
  readonly #cache = new ObjectCache<T>();
  readonly #handlers: HandlerSet<T>;
  #resourceVersion = '';
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #relistRequested = false;
  #watchAbort: AbortController | undefined;
  #started = false;

  constructor(options: InformerOptions<T>) {
    this.resource = options.resource;
    this.#opts = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#health = options.health ?? ignoreHealth;
    this.#handlers = new HandlerSet<T>((handler, err) => {
      this.#emit({ type: 'HandlerError', handler, err: err instanceof Error ? err.message : String(err) });
    });
  }

  /** Registers handlers; added after the initial sync, they first receive onAdd for every cached object. */
  addHandlers(handlers: InformerHandlers<T>): void {
    this.#handlers.add(handlers);
    if (this.#synced) for (const obj of this.#cache.list()) this.#handlers.deliverTo(handlers, 'add', obj);
  }

  get(key: string): T | undefined {
    return this.#cache.get(key);
  }

  getByName(name: string, namespace?: string): T | undefined {
    return this.#cache.getByName(name, namespace);
  }

  list(namespace?: string): T[] {
    return this.#cache.list(namespace);
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion the next watch starts from ('' before the first list). */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  /** Resolves true once synced, or false if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    if (signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  /**
   * Runs until `signal` aborts; the promise resolves once stopped (even if the API hangs).
   * Rejects only when called twice.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.#started) throw new Error(`informer ${this.resource} was already started`);
    this.#started = true;
    const timers = [
      repeat(
        this.#clock,
        this.#opts.resyncIntervalMs ?? 0,
        () => 1,
        () => {
          this.#resync();
        },
      ),
      repeat(
        this.#clock,
        this.#opts.relistIntervalMs ?? 0,
        () => 0.9 + 0.2 * this.#random(),
        () => {
          this.#requestRelist();
        },
      ),
    ];
    try {
      await this.#loop(signal);
    } finally {
      for (const cancel of timers) cancel();
      this.#emit({ type: 'Stopped' });
    }
  }

  async #loop(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.#opts.backoff ?? DEFAULT_INFORMER_BACKOFF, this.#random);
    let listReason: RelistReason | undefined = 'initial';
    while (!signal.aborted) {
      // A periodic relist that fell due while we were backing off.
      if (this.#relistRequested && listReason === undefined) listReason = 'periodic';
      let step: Step = { ok: true };
      if (listReason !== undefined) {
        step = await this.#listAndReplace(listReason, signal);
        if (isAborted(signal)) return;
        if (step.ok) {
          listReason = undefined;
          backoff.reset();
        }
      }
      if (step.ok) {
        const outcome = await this.#watchOnce(signal);
        if (outcome.events > 0) backoff.reset();
        const next = this.#afterWatch(outcome);
        if (next === 'stop') return;
        if (next === 'relist-gone' || next === 'relist-periodic') {
          listReason = next === 'relist-gone' ? 'gone' : 'periodic';
          this.#emit({ type: 'Relisting', reason: listReason });
          continue;
        }
        step = next;
      }
      if (!step.ok) {
        const { failure, phase } = step;
        this.#emit({
          type: 'WatchError',
          phase,
          reason: failure.reason,
          status: failure.status,
          err: failure.message,
        });
        const delayMs = backoff.next();
        this.#emit({ type: 'Backoff', delayMs, attempt: backoff.attempt, reason: failure.reason });
        await sleep(this.#clock, delayMs, signal);
      }
    }
  }

  async #listAndReplace(reason: RelistReason, signal: AbortSignal): Promise<Step> {
    const each = this.#opts.transform === undefined ? undefined : (o: T): T => this.#transform(o);
    const listed = await settleUnlessAborted(this.#opts.list(this.#selectors(), each), signal);
    if (listed.kind === 'aborted') return { ok: true }; // the caller sees the abort and stops
    if (listed.kind === 'rejected')
      return { ok: false, phase: 'list', failure: classifyApiError(listed.error) };
    const result = listed.value;
    const diff = this.#cache.replace(result.items);
    this.#resourceVersion = result.metadata?.resourceVersion ?? '';
    this.#relistRequested = false;
    for (const obj of diff.deleted) this.#handlers.deliver('delete', obj);
    for (const obj of diff.added) this.#handlers.deliver('add', obj);
    for (const { old, current } of diff.updated) this.#handlers.deliver('update', current, old);
    this.#emit({ type: 'Synced', reason, objects: this.#cache.size, resourceVersion: this.#resourceVersion });
    if (!this.#synced) {
      this.#synced = true;
      for (const wake of this.#syncWaiters.splice(0)) wake();
    }
    return { ok: true };
  }

  async #watchOnce(signal: AbortSignal): Promise<WatchOutcome> {
    const timeoutSeconds = this.#opts.watchTimeoutSeconds ?? Math.floor(300 * (1 + this.#random()));
    this.#watchAbort = new AbortController();
    const from = this.#resourceVersion;
    // One per watch (every 5-10 min for the life of the process): not AbortSignal.any, which would
    // leave an entry on `signal` each time (see linkedSignal).
    const linked = linkedSignal([signal, this.#watchAbort.signal]);
    try {
      return await this.#runWatch(linked.signal, from, timeoutSeconds);
    } finally {
      linked.dispose();
    }
  }

  #runWatch(signal: AbortSignal, from: string, timeoutSeconds: number): Promise<WatchOutcome> {
    return runWatch({
      watch: this.#opts.watch,
      path: this.#opts.path,
      query: { ...this.#selectors(), resourceVersion: from, allowWatchBookmarks: true, timeoutSeconds },
      clock: this.#clock,
      idleTimeoutMs: this.#opts.idleTimeoutMs ?? timeoutSeconds * 1000 + 30_000,
      signal,
      onConnected: () => {
        this.#emit({ type: 'Connected', resourceVersion: from });
      },
      onEvent: (type, obj) => {
        this.#apply(type, obj as T);
      },
    });
  }

  #afterWatch(outcome: WatchOutcome): Step | 'stop' | 'relist-gone' | 'relist-periodic' {
    const { events, durationMs } = outcome;
    switch (outcome.kind) {
      case 'cancelled':
        return this.#relistRequested ? 'relist-periodic' : 'stop';
      case 'gone':
        return 'relist-gone';
      case 'failed':
        return { ok: false, phase: 'watch', failure: outcome.failure };
      case 'idle':
        this.#emit({ type: 'WatchEnded', reason: 'idle', events, durationMs });
        return { ok: true };
      case 'closed':
        this.#emit({ type: 'WatchEnded', reason: 'closed', events, durationMs });
        if (events === 0 && durationMs < (this.#opts.minWatchDurationMs ?? 1000)) {
          const message = `watch closed after ${durationMs} ms without any event`;
          return { ok: false, phase: 'watch', failure: { reason: 'closed_early', message } };
        }
        return { ok: true };
    }
  }

  #apply(type: WatchEventType, obj: T): void {
    const rv = obj.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '') this.#resourceVersion = rv;
    if (type === 'BOOKMARK') return;
    obj = this.#transform(obj);
    if (type === 'DELETED') {
      if (this.#cache.remove(obj) !== undefined) this.#handlers.deliver('delete', obj);
      return;
    }
    const change = this.#cache.upsert(obj);
    if (change.kind === 'added') this.#handlers.deliver('add', obj);
    else if (change.kind === 'updated') this.#handlers.deliver('update', obj, change.old);
  }

  #transform(obj: T): T {
    const transform = this.#opts.transform;
    if (transform === undefined) return obj;
    try {
      return transform(obj);
    } catch (err) {
      this.#emit({
        type: 'HandlerError',
        handler: 'transform',
        err: err instanceof Error ? err.message : String(err),
      });
      return obj;
    }
  }

  #resync(): void {
    if (!this.#synced) return;
    const objects = this.#cache.list();
    for (const obj of objects) this.#handlers.deliver('update', obj, obj);
    this.#emit({ type: 'Resynced', objects: objects.length });
  }

  #requestRelist(): void {
    this.#relistRequested = true;
    this.#watchAbort?.abort();
  }

  #selectors(): { labelSelector?: string; fieldSelector?: string } {
    const { labelSelector, fieldSelector } = this.#opts;
    return {
      ...(labelSelector === undefined ? {} : { labelSelector }),
      ...(fieldSelector === undefined ? {} : { fieldSelector }),
    };
  }

  #emit(event: DistributiveOmit<InformerHealthEvent, 'resource' | 'at'>): void {
    this.#health({ ...event, resource: this.resource, at: this.#clock.now() });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
