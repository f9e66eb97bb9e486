/**
 * Coalescing for a level-triggered reconcile that is expensive per run (the BGP speaker recomputes its
 * whole desired set and lists gobgpd's RIB each time). Holding the queue key for a moment after a run
 * lets a burst of changes pile up into one next run; but holding after *every* run delays an isolated
 * change that arrives during the hold, and a steady trickle of changes (one Service every ~100 ms, as
 * the `bgp` benchmark's latency samples come) then always arrives during one. So the hold applies
 * only in a burst: when the reconcile was asked for at least BURST_KICKS times within the settle time.
 */
import { sleep, type Clock } from '../kube/clock.js';

/** Kicks within the settle time that make a burst. One change with an unrelated one next to it is not. */
export const BURST_KICKS = 3;

/** Tells a burst of changes from isolated ones by the rate of kicks (the last few kick times). */
export class BurstDetector {
  /** The last `kicks` kick times, oldest first. */
  readonly #times: number[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    private readonly kicks = BURST_KICKS,
  ) {}

  /** Records a request for a reconcile. */
  kicked(): void {
    this.#times.push(this.clock.now());
    if (this.#times.length > this.kicks) this.#times.shift();
  }

  /** At least `kicks` kicks happened within the last `windowMs`. */
  inBurst(): boolean {
    const oldest = this.#times[0];
    return (
      this.#times.length >= this.kicks && oldest !== undefined && this.clock.now() - oldest <= this.windowMs
    );
  }
}

/**
 * Wraps a queue handler so that a run ending in a burst (`inBurst`) holds the key for `settleMs`
 * afterwards, while any other run returns at once.
 */
export function withBurstSettle<R>(
  handler: (key: string, signal: AbortSignal) => Promise<R>,
  clock: Clock,
  settleMs: number,
  inBurst: () => boolean,
): (key: string, signal: AbortSignal) => Promise<R> {
  return async (key, signal) => {
    const result = await handler(key, signal);
    if (inBurst()) await sleep(clock, settleMs, signal);
    return result;
  };
}
