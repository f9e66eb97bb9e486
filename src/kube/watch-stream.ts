import type { KubernetesObject } from '@kubernetes/client-node';
import { classifyApiError, failureFromStatus, type ApiFailure } from './api-errors.js';
import type { Clock, TimerHandle } from './clock.js';

/**
 * Opens one watch stream. Shaped like client-node's `Watch.watch` so a `Watch` instance fits
 * directly (`(p, q, e, d) => watch.watch(p, q, e, d)`); tests can pass a fake.
 * `onDone` is called once when the stream ends, with an error or null.
 */
export type WatchFn = (
  path: string,
  query: Record<string, string | number | boolean | undefined>,
  onEvent: (type: string, obj: unknown) => void,
  onDone: (err: unknown) => void,
) => Promise<{ abort(): void }>;

/** Event types that carry an object for the cache. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/** How one watch stream ended. */
export type WatchOutcome = { readonly events: number; readonly durationMs: number } & (
  | { readonly kind: 'closed' }
  | { readonly kind: 'idle' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'gone'; readonly failure: ApiFailure }
  | { readonly kind: 'failed'; readonly failure: ApiFailure }
);

/** One watch request. */
export interface WatchRequest {
  readonly watch: WatchFn;
  readonly path: string;
  readonly query: Record<string, string | number | boolean | undefined>;
  readonly clock: Clock;
  /** End the watch as `idle` when nothing (not even a bookmark) arrives for this long. */
  readonly idleTimeoutMs: number;
  /** Aborting ends the watch as `cancelled`. */
  readonly signal: AbortSignal;
  readonly onConnected: () => void;
  readonly onEvent: (type: WatchEventType, obj: KubernetesObject) => void;
}

const OBJECT_EVENTS = new Set<string>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK']);

function isObject(value: unknown): value is KubernetesObject {
  return typeof value === 'object' && value !== null;
}

/**
 * Runs one watch to its end and says how it ended; never rejects. ERROR events end the stream
 * (410 as `gone`, anything else as `failed`), which client-node's Watch leaves to the caller.
 */
export function runWatch(req: WatchRequest): Promise<WatchOutcome> {
  const { clock, signal } = req;
  const started = clock.now();
  let events = 0;
  let settled = false;
  let handle: { abort(): void } | undefined;
  let idleTimer: TimerHandle;

  return new Promise<WatchOutcome>((resolve) => {
    type Ending =
      { kind: 'closed' | 'idle' | 'cancelled' } | { kind: 'gone' | 'failed'; failure: ApiFailure };
    const finish = (ending: Ending): void => {
      if (settled) return;
      settled = true;
      if (idleTimer !== undefined) clock.clearTimeout(idleTimer);
      signal.removeEventListener('abort', onAbort);
      handle?.abort();
      resolve({ ...ending, events, durationMs: clock.now() - started });
    };
    const failWith = (failure: ApiFailure): void => {
      finish(failure.status === 410 ? { kind: 'gone', failure } : { kind: 'failed', failure });
    };
    const armIdle = (): void => {
      if (idleTimer !== undefined) clock.clearTimeout(idleTimer);
      idleTimer = clock.setTimeout(() => {
        finish({ kind: 'idle' });
      }, req.idleTimeoutMs);
    };
    const onAbort = (): void => {
      finish({ kind: 'cancelled' });
    };

    if (signal.aborted) {
      finish({ kind: 'cancelled' });
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    armIdle();

    const onEvent = (type: string, obj: unknown): void => {
      if (settled) return;
      events += 1;
      armIdle();
      if (type === 'ERROR') {
        failWith(failureFromStatus(obj));
        return;
      }
      if (OBJECT_EVENTS.has(type) && isObject(obj)) req.onEvent(type as WatchEventType, obj);
    };
    const onDone = (err: unknown): void => {
      if (err === null || err === undefined) finish({ kind: 'closed' });
      else failWith(classifyApiError(err));
    };
    req.watch(req.path, req.query, onEvent, onDone).then(
      (h) => {
        handle = h;
        if (settled) h.abort();
        else req.onConnected();
      },
      (err: unknown) => {
        onDone(err ?? new Error('watch request failed'));
      },
    );
  });
}
