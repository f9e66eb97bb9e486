import { sleep, type Clock } from './clock.js';
import { linkedSignal } from './abortable.js';

/** Something to stop. */
export interface Disposable {
  dispose(): void;
}

/**
 * Aborts `target` once `deadline()` has passed on `clock`. The deadline may move later (each
 * successful renewal pushes it out); the watchdog re-arms itself until it is reached or disposed.
 */
export function deadlineWatchdog(clock: Clock, deadline: () => number, target: AbortController): Disposable {
  let handle: unknown;
  const check = (): void => {
    const remaining = deadline() - clock.now();
    if (remaining <= 0) target.abort(new Error('deadline passed'));
    else handle = clock.setTimeout(check, remaining);
  };
  check();
  return {
    dispose: () => {
      clock.clearTimeout(handle);
    },
  };
}

/** A signal that aborts with `parent` or after `ms` on `clock`, whichever comes first. */
export function timeoutSignal(
  clock: Clock,
  parent: AbortSignal | undefined,
  ms: number,
): Disposable & { readonly signal: AbortSignal } {
  const own = new AbortController();
  const handle = clock.setTimeout(() => {
    own.abort(new Error(`timed out after ${ms} ms`));
  }, ms);
  // Not AbortSignal.any: a follower makes one of these per retry (every retryPeriod, for as long as
  // it follows), and any() would leave an entry on the parent for each (see linkedSignal).
  const linked = parent === undefined ? undefined : linkedSignal([parent, own.signal]);
  return {
    signal: linked?.signal ?? own.signal,
    dispose: () => {
      clock.clearTimeout(handle);
      linked?.dispose();
    },
  };
}

/** True if `task` settles within `ms` on `clock` (it must never reject), false otherwise. */
export async function settlesWithin(clock: Clock, task: Promise<void>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const settled = await Promise.race([
    task.then(() => true),
    sleep(clock, ms, timer.signal).then(() => false),
  ]);
  timer.abort();
  return settled;
}
