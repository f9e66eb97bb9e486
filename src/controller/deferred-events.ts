/**
 * Events yield to Service writes. During a burst (10,000 new Services) an Event per assignment
 * would add a third API write per Service and slow convergence by half; Events are best effort
 * while status is the truth. So the Event writer waits while the Service queue is busy, but never
 * longer than `maxDelayMs` per busy period: after that Events flow again, so a sustained load
 * delays them, never starves them. With one Service at a time the queue empties within
 * milliseconds and Events appear at once.
 */
import { sleep, type Clock } from '../kube/clock.js';
import type { EventWriter } from '../kube/events.js';

/** Options of {@link deferWhileBusy}. */
export interface DeferOptions {
  readonly busy: () => boolean;
  readonly clock: Clock;
  /** Longest wait in one busy period. @default 30_000 */
  readonly maxDelayMs?: number;
  /** How often `busy` is checked. @default 50 */
  readonly pollMs?: number;
  /** Stops waiting at once (the leadership term ended). */
  readonly signal: AbortSignal;
}

/** Wraps an EventWriter so its writes wait for the Service queue to go idle (bounded). */
export function deferWhileBusy(writer: EventWriter, o: DeferOptions): EventWriter {
  const maxDelayMs = o.maxDelayMs ?? 30_000;
  const pollMs = o.pollMs ?? 50;
  let busySince: number | undefined;
  const gate = async (): Promise<void> => {
    while (o.busy() && !o.signal.aborted) {
      busySince ??= o.clock.now();
      if (o.clock.now() - busySince >= maxDelayMs) return;
      await sleep(o.clock, pollMs, o.signal);
    }
    busySince = undefined;
  };
  const stopped = { kind: 'error', reason: 'stopped', message: 'the leadership term ended' } as const;
  return {
    create: async (namespace, event) => {
      await gate();
      return o.signal.aborted ? stopped : writer.create(namespace, event);
    },
    patch: async (namespace, name, patch) => {
      await gate();
      return o.signal.aborted ? stopped : writer.patch(namespace, name, patch);
    },
  };
}
