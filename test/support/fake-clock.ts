import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Clock, TimerHandle } from '../../src/kube/clock.js';

interface FakeTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A manual clock for tests. Time moves only through `advance()`, which fires due timers in time order
 * and lets pending promise chains settle after each one, so async code driven by timers runs to its
 * next wait before the clock moves on.
 */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, FakeTimer>();

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Delays (relative to now) of the waiting timers, soonest first. */
  pendingDelays(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#now).sort((a, b) => a - b);
  }

  /** Lets queued promise callbacks run (several macrotask turns, no time passes). */
  async settle(turns = 5): Promise<void> {
    for (let i = 0; i < turns; i++) await nextMacrotask();
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await this.settle();
    for (;;) {
      const due = this.#earliest();
      if (!due || due.at > target) break;
      this.#timers.delete(due.id);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
      await this.settle();
    }
    this.#now = target;
    await this.settle();
  }

  /** Advances to the next timer (if any) and fires it; returns the delay that passed. */
  async advanceToNext(): Promise<number | undefined> {
    await this.settle();
    const due = this.#earliest();
    if (!due) return undefined;
    const delay = due.at - this.#now;
    await this.advance(delay);
    return delay;
  }

  #earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers.values()) {
      if (!best || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    }
    return best;
  }
}
