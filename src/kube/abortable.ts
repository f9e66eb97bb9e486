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
