/** How a promise ended, or that we stopped waiting for it. */
export type Settled<T> =
  | { readonly kind: 'fulfilled'; readonly value: T }
  | { readonly kind: 'rejected'; readonly error: unknown }
  | { readonly kind: 'aborted' };

/**
 * Waits for `promise` unless `signal` aborts first; never rejects. Used around client-node calls
 * that take no signal, so a request the API never answers cannot hold up a stop. The abandoned
 * promise is still observed, so its late rejection is not reported as unhandled.
 */
export function settleUnlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<Settled<T>> {
  const settled = promise.then(
    (value): Settled<T> => ({ kind: 'fulfilled', value }),
    (error: unknown): Settled<T> => ({ kind: 'rejected', error }),
  );
  if (signal.aborted) return Promise.resolve({ kind: 'aborted' });
  return new Promise((resolve) => {
    const onAbort = (): void => {
      resolve({ kind: 'aborted' });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void settled.then((result) => {
      signal.removeEventListener('abort', onAbort);
      resolve(result);
    });
  });
}

/** Reads `signal.aborted` through a call, so TypeScript does not keep an earlier narrowing across awaits. */
export function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** A signal that aborts when any of its sources does, until disposed. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Detaches from the sources (call once the work the signal guards is over). */
  dispose(): void;
}

/**
 * Like AbortSignal.any, but leaves nothing behind on the sources once disposed. Node 20 keeps a
 * WeakRef per AbortSignal.any call in every source's set of dependants for as long as the source
 * lives, so one any() per call over a long-lived signal grows without bound: a speaker held 23,000 of
 * them after 20,000 Services came and went (`npm run bench -- soak` and a heap snapshot). Use this
 * for per-call signals derived from long-lived ones.
 */
export function linkedSignal(sources: readonly AbortSignal[]): LinkedSignal {
  const controller = new AbortController();
  const detach: (() => void)[] = [];
  const dispose = (): void => {
    for (const undo of detach.splice(0)) undo();
  };
  const aborted = sources.find((s) => s.aborted);
  if (aborted !== undefined) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, dispose };
  }
  for (const source of sources) {
    const onAbort = (): void => {
      dispose();
      controller.abort(source.reason);
    };
    source.addEventListener('abort', onAbort, { once: true });
    detach.push(() => {
      source.removeEventListener('abort', onAbort);
    });
  }
  return { signal: controller.signal, dispose };
}
