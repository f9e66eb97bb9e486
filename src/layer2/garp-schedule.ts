/**
 * When a node takes over an IP, neighbours still map it to the old owner's MAC until their cache entry ages
 * out. Gratuitous ARP / unsolicited NA rewrites those entries; one packet can be lost, so MetalLB's schedule is
 * kept: a burst at once, then one every 1.1 s until 5 s after the gain (5 bursts). Losing the IP cancels it.
 */
import type { Clock, TimerHandle } from '../kube/clock.js';

/** Timing of the bursts. */
export interface GarpTiming {
  /** Time between bursts (ms). */
  readonly intervalMs: number;
  /** No burst later than this after the gain (ms). */
  readonly windowMs: number;
}

/** MetalLB's values (#172): every 1100 ms for 5 s. */
export const DEFAULT_GARP_TIMING: GarpTiming = { intervalMs: 1100, windowMs: 5000 };

/**
 * Sends bursts for IPs on one NIC. `burst(ip, index)` does the sending, `index` counting the bursts since
 * the gain from 0; it must not throw (errors are the caller's to count and log). Idempotent per IP:
 * gaining an IP again restarts its window.
 */
export class GarpSchedule {
  readonly #timers = new Map<string, TimerHandle>();
  #stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly burst: (ip: string, index: number) => void,
    private readonly timing: GarpTiming = DEFAULT_GARP_TIMING,
  ) {}

  /** Start (or restart) the schedule for `ip`: the first burst is sent before this returns. */
  gained(ip: string): void {
    if (this.#stopped) return;
    this.lost(ip);
    const deadline = this.clock.now() + this.timing.windowMs;
    this.burst(ip, 0);
    this.#arm(ip, deadline, 1);
  }

  /** Cancel the remaining bursts of `ip`. */
  lost(ip: string): void {
    const handle = this.#timers.get(ip);
    if (handle === undefined) return;
    this.clock.clearTimeout(handle);
    this.#timers.delete(ip);
  }

  /** IPs that still have bursts to come. */
  pending(): string[] {
    return [...this.#timers.keys()].sort();
  }

  /** Cancel everything; later gains are ignored. */
  stop(): void {
    this.#stopped = true;
    for (const ip of [...this.#timers.keys()]) this.lost(ip);
  }

  #arm(ip: string, deadline: number, index: number): void {
    if (this.timing.intervalMs <= 0 || this.clock.now() + this.timing.intervalMs > deadline) return;
    const handle = this.clock.setTimeout(() => {
      // A burst that fires after lost()/stop() cleared it cannot happen with a correct Clock; guard anyway.
      if (this.#timers.get(ip) !== handle) return;
      this.#timers.delete(ip);
      this.burst(ip, index);
      this.#arm(ip, deadline, index + 1);
    }, this.timing.intervalMs);
    this.#timers.set(ip, handle);
  }
}
