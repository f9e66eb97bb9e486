/**
 * An AbortSignal that fires on the first SIGTERM or SIGINT. Long-running roles take it and must
 * return once it fires; a second signal exits at once so a stuck shutdown can still be interrupted.
 */
export function shutdownSignal(onSecond: () => never = () => process.exit(130)): AbortSignal {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) onSecond();
    controller.abort(new Error(`received ${sig}`));
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return controller.signal;
}

/**
 * Resolves when the signal aborts. It holds a timer meanwhile: a pending promise alone does not
 * keep Node's event loop alive, and the process would exit with code 13 (unsettled top-level await).
 */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => undefined, 1 << 30);
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(keepAlive);
        resolve();
      },
      { once: true },
    );
  });
}
