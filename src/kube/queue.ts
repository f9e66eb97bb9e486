import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import { backoffDelay, type BackoffPolicy, type RandomFn } from './backoff.js';
import { sleep, systemClock, type Clock, type TimerHandle } from './clock.js';

/** What a handler tells the queue about one run for a key. */
export type QueueResult =
  | { readonly kind: 'done' }
  | { readonly kind: 'retry'; readonly reason: string }
  | { readonly kind: 'requeueAfter'; readonly delayMs: number; readonly reason?: string };

/** Constructors for QueueResult values. */
export const QueueResult = {
  /** Success: forget the key's failures; it runs again only when added again. */
  done: (): QueueResult => ({ kind: 'done' }),
  /** Failure: run the key again after its next backoff delay. */
  retry: (reason: string): QueueResult => ({ kind: 'retry', reason }),
  /** Success, but look again after `delayMs` (e.g. waiting for something time-based). */
  requeueAfter: (delayMs: number, reason?: string): QueueResult =>
    reason === undefined ? { kind: 'requeueAfter', delayMs } : { kind: 'requeueAfter', delayMs, reason },
} as const;

/** Processes one key. A thrown error counts as `retry` with the error's message as reason. */
export type KeyHandler = (key: string, signal: AbortSignal) => Promise<QueueResult>;

/** How a run ended, for metrics: a QueueResult kind, or `aborted` when the queue stopped meanwhile. */
export type RunOutcome = QueueResult['kind'] | 'aborted';

/** Narrow metrics port of the queue; see `queueMetrics()` for the prom-client implementation. */
export interface QueueMetrics {
  /** add()/addAfter() was called (including calls that were deduplicated). */
  added(): void;
  /** The number of keys waiting to run changed. */
  depth(waiting: number): void;
  /** A key was scheduled for a retry after a failure. */
  retried(): void;
  /** A key waited `ms` between becoming ready and a worker taking it. */
  waited(ms: number): void;
  /** A handler run finished. */
  processed(ms: number, outcome: RunOutcome): void;
}

/** Options of a WorkQueue; every field has a default. */
export interface WorkQueueOptions {
  /** Name used in logs. @default 'queue' */
  readonly name?: string;
  /** Number of keys processed at the same time (a key is never processed twice at once). @default 1 */
  readonly concurrency?: number;
  /** Per-key retry backoff. @default { baseMs: 100, capMs: 60_000, jitter: 0.2 } */
  readonly backoff?: BackoffPolicy;
  /** How long stop() waits for running handlers before giving up on them. @default 10_000 */
  readonly shutdownTimeoutMs?: number;
  readonly clock?: Clock;
  readonly random?: RandomFn;
  readonly metrics?: QueueMetrics;
  readonly logger?: Logger;
}

export const DEFAULT_QUEUE_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 60_000, jitter: 0.2 };

const noMetrics: QueueMetrics = {
  added: () => undefined,
  depth: () => undefined,
  retried: () => undefined,
  waited: () => undefined,
  processed: () => undefined,
};

type State = 'idle' | 'running' | 'stopping' | 'stopped';

/**
 * A keyed, deduplicating work queue with per-key exponential backoff (client-go workqueue semantics).
 * Keys are strings ("namespace/name" or "name"); the handler reads the current object from a cache,
 * so the queue is level-triggered: ten events for a key while it waits still mean one run.
 * - adding a waiting key is a no-op; adding a key that is running marks it dirty: it runs once more
 *   after the current run;
 * - a failed key is retried after base·2^(n-1) (capped, jittered); success forgets its failures;
 * - stop() aborts the handlers' signal, waits (bounded) for running handlers, drops waiting keys.
 */
export class WorkQueue {
  readonly #name: string;
  readonly #concurrency: number;
  readonly #backoff: BackoffPolicy;
  readonly #shutdownTimeoutMs: number;
  readonly #clock: Clock;
  readonly #random: RandomFn;
  readonly #metrics: QueueMetrics;
  readonly #log: Logger;

  /** Keys ready to run, in FIFO order, with the time they became ready. */
  readonly #ready = new Map<string, number>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #delayed = new Map<string, { at: number; handle: TimerHandle }>();
  readonly #failures = new Map<string, number>();
  #wakeups: (() => void)[] = [];

  #state: State = 'idle';
  readonly #runAbort = new AbortController();
  #workers: Promise<void> = Promise.resolve();
  #stopped: Promise<void> | undefined;
  #onStopped: () => void = () => undefined;

  constructor(options: WorkQueueOptions = {}) {
    this.#name = options.name ?? 'queue';
    this.#concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    this.#backoff = options.backoff ?? DEFAULT_QUEUE_BACKOFF;
    this.#shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#metrics = options.metrics ?? noMetrics;
    this.#log = options.logger ?? silentLogger();
  }

  /** Number of keys waiting to run now (not counting delayed or running keys). */
  get depth(): number {
    return this.#ready.size;
  }

  /** Number of keys being processed right now. */
  get inFlight(): number {
    return this.#processing.size;
  }

  /** Number of keys scheduled for later (retries and addAfter). */
  get delayedCount(): number {
    return this.#delayed.size;
  }

  /** Consecutive failures recorded for `key` (0 after success or forget). */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Makes `key` ready to run now (deduplicated; see class docs). Ignored once stopping. */
  add(key: string): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    this.#metrics.added();
    this.#enqueue(key);
  }

  /** Makes `key` ready after `delayMs`; an earlier pending schedule for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    this.#metrics.added();
    this.#schedule(key, delayMs);
  }

  /** Clears the failure count of `key`, so its next retry starts from the base delay. */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /**
   * Runs `handler` on `concurrency` workers until `signal` aborts or stop() is called. The promise
   * resolves once the queue has stopped. Keys added before start() are kept and run first.
   */
  start(handler: KeyHandler, signal?: AbortSignal): Promise<void> {
    if (this.#state !== 'idle') throw new Error(`work queue ${this.#name} was already started`);
    this.#state = 'running';
    const workers = Array.from({ length: this.#concurrency }, () => this.#work(handler));
    this.#workers = Promise.all(workers).then(() => undefined);
    if (signal?.aborted === true) return this.stop();
    signal?.addEventListener('abort', () => void this.stop(), { once: true });
    return new Promise((resolve) => {
      // Resolved by stop(); keeping the resolver on the instance avoids a second code path.
      this.#onStopped = resolve;
    });
  }

  /** Stops the queue: aborts handler signals, waits up to shutdownTimeoutMs for them, drops the rest. */
  stop(): Promise<void> {
    if (this.#stopped) return this.#stopped;
    if (this.#state === 'idle') {
      this.#state = 'stopped';
      this.#stopped = Promise.resolve();
      return this.#stopped;
    }
    this.#state = 'stopping';
    this.#runAbort.abort(new Error(`work queue ${this.#name} stopped`));
    for (const wake of this.#wakeups.splice(0)) wake();
    this.#stopped = this.#drain().then(() => {
      this.#state = 'stopped';
      this.#onStopped();
    });
    return this.#stopped;
  }

  async #drain(): Promise<void> {
    const timeout = new AbortController();
    const finished = await Promise.race([
      this.#workers.then(() => true),
      sleep(this.#clock, this.#shutdownTimeoutMs, timeout.signal).then(() => false),
    ]);
    timeout.abort();
    if (!finished) {
      this.#log.warn(
        { event: 'queue_stop_timeout', queue: this.#name, inFlight: [...this.#processing] },
        'handlers still running at shutdown; abandoning them',
      );
    }
    for (const { handle } of this.#delayed.values()) this.#clock.clearTimeout(handle);
    const dropped = this.#ready.size + this.#delayed.size;
    this.#ready.clear();
    this.#delayed.clear();
    this.#dirty.clear();
    this.#metrics.depth(0);
    this.#log.debug({ event: 'queue_stopped', queue: this.#name, dropped }, 'work queue stopped');
  }

  #enqueue(key: string): void {
    const delayed = this.#delayed.get(key);
    if (delayed) {
      this.#clock.clearTimeout(delayed.handle);
      this.#delayed.delete(key);
    }
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#ready.has(key)) return;
    this.#ready.set(key, this.#clock.now());
    this.#metrics.depth(this.#ready.size);
    this.#wakeups.shift()?.();
  }

  #schedule(key: string, delayMs: number): void {
    if (this.#ready.has(key)) return; // it runs sooner than asked anyway
    const at = this.#clock.now() + delayMs;
    const existing = this.#delayed.get(key);
    if (existing) {
      if (existing.at <= at) return;
      this.#clock.clearTimeout(existing.handle);
    }
    const handle = this.#clock.setTimeout(() => {
      this.#delayed.delete(key);
      if (this.#state === 'stopping' || this.#state === 'stopped') return;
      this.#enqueue(key);
    }, delayMs);
    this.#delayed.set(key, { at, handle });
  }

  async #work(handler: KeyHandler): Promise<void> {
    while (this.#state === 'running') {
      const key = this.#take();
      if (key === undefined) {
        await new Promise<void>((resolve) => this.#wakeups.push(resolve));
        continue;
      }
      await this.#process(key, handler);
    }
  }

  #take(): string | undefined {
    const first = this.#ready.entries().next();
    if (first.done === true) return undefined;
    const [key, readySince] = first.value;
    this.#ready.delete(key);
    this.#processing.add(key);
    this.#metrics.depth(this.#ready.size);
    this.#metrics.waited(this.#clock.now() - readySince);
    return key;
  }

  async #process(key: string, handler: KeyHandler): Promise<void> {
    const started = this.#clock.now();
    let result: QueueResult;
    try {
      result = await handler(key, this.#runAbort.signal);
    } catch (err) {
      result = QueueResult.retry(err instanceof Error ? err.message : String(err));
    }
    const aborted = this.#state !== 'running';
    this.#metrics.processed(this.#clock.now() - started, aborted ? 'aborted' : result.kind);
    if (!aborted) this.#apply(key, result);
    this.#processing.delete(key);
    if (this.#dirty.delete(key) && !aborted) this.#enqueue(key);
  }

  #apply(key: string, result: QueueResult): void {
    switch (result.kind) {
      case 'done':
        this.forget(key);
        return;
      case 'requeueAfter':
        this.forget(key);
        this.#schedule(key, Math.max(0, result.delayMs));
        return;
      case 'retry': {
        const attempt = (this.#failures.get(key) ?? 0) + 1;
        this.#failures.set(key, attempt);
        const delayMs = backoffDelay(attempt, this.#backoff, this.#random);
        this.#metrics.retried();
        this.#log.debug(
          { event: 'queue_retry', queue: this.#name, key, reason: result.reason, attempt, delayMs },
          'key failed; retrying after backoff',
        );
        this.#schedule(key, delayMs);
        return;
      }
    }
  }
}
