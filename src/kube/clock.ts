/** An opaque timer handle; only the clock that created it can clear it. */
export type TimerHandle = unknown;

/**
 * Time as the kube layer sees it. Everything time-based (backoff, resync, event windows, shutdown
 * bounds) goes through this so tests can drive it with a fake clock instead of waiting.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: Date.now and the global timers (unref'd so a forgotten timer never keeps a process alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * Waits `ms` on `clock`. Resolves `true` after the full delay, `false` as soon as `signal` aborts
 * (never rejects, so callers can loop on it without try/catch).
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      resolve(false);
    };
    const handle = clock.setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `fn` every `intervalMs` · `factor()` (a fresh factor per period, for jitter) until the
 * returned canceller runs. An interval ≤ 0 disables it.
 */
export function repeat(clock: Clock, intervalMs: number, factor: () => number, fn: () => void): () => void {
  if (intervalMs <= 0) return () => undefined;
  let handle: TimerHandle;
  let cancelled = false;
  const arm = (): void => {
    handle = clock.setTimeout(() => {
      if (cancelled) return;
      fn();
      arm();
    }, intervalMs * factor());
  };
  arm();
  return () => {
    cancelled = true;
    if (handle !== undefined) clock.clearTimeout(handle);
  };
}
