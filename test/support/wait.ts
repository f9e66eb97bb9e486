import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `check` until it returns true (for integration tests against real servers, where time is
 * real). Throws with `what` if it does not happen within `timeoutMs`.
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  intervalMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await delay(intervalMs);
  }
}
