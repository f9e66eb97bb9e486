/**
 * Events yield to Service writes. During a burst (10,000 new Services) an Event per assignment
 * would add a third API write per Service and slow convergence by half; Events are best effort
 * while status is the truth. So the Event writer waits while the Service queue is busy, but no
 * Event waits once it is `maxDelayMs` old (counted from when it was recorded, its
 * firstTimestamp, or lastTimestamp for an update). The bound is on the Event's age, not on one busy
 * period: under sustained churn the queue goes idle for moments between Services, and a bound per
 * busy period let Events out only in those moments, one at a time, so they piled up by the
 * thousand (measured by `npm run bench -- soak`). With one Service at a time the queue empties
 * within milliseconds and Events appear at once.
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import { sleep, type Clock } from '../kube/clock.js';
import type { EventWriter } from '../kube/events.js';

/** Options of {@link deferWhileBusy}. */
export interface DeferOptions {
  readonly busy: () => boolean;
  readonly clock: Clock;
  /** The oldest an Event gets before it is written even while busy. @default 10_000 */
  readonly maxDelayMs?: number;
  /** How often `busy` is checked. @default 50 */
  readonly pollMs?: number;
  /** Stops waiting at once (the leadership term ended). */
  readonly signal: AbortSignal;
}

/** Milliseconds since the epoch of an Event timestamp, or undefined when absent or unreadable. */
function timeOf(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Wraps an EventWriter so its writes wait for the Service queue to go idle (bounded by age). */
export function deferWhileBusy(writer: EventWriter, o: DeferOptions): EventWriter {
  const maxDelayMs = o.maxDelayMs ?? 10_000;
  const pollMs = o.pollMs ?? 50;
  const gate = async (recordedAt: number | undefined): Promise<void> => {
    const since = recordedAt ?? o.clock.now();
    while (o.busy() && !o.signal.aborted) {
      if (o.clock.now() - since >= maxDelayMs) return;
      await sleep(o.clock, pollMs, o.signal);
    }
  };
  const stopped = { kind: 'error', reason: 'stopped', message: 'the leadership term ended' } as const;
  return {
    create: async (namespace, event: CoreV1Event) => {
      await gate(timeOf(event.firstTimestamp) ?? timeOf(event.lastTimestamp));
      return o.signal.aborted ? stopped : writer.create(namespace, event);
    },
    patch: async (namespace, name, patch) => {
      const last = (patch as { lastTimestamp?: unknown }).lastTimestamp;
      await gate(typeof last === 'string' ? timeOf(last) : undefined);
      return o.signal.aborted ? stopped : writer.patch(namespace, name, patch);
    },
  };
}
