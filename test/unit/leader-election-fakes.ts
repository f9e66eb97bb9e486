// Test doubles for leader election: an in-memory Lease with resourceVersion semantics, per-client
// partitions, and clocks offset from a shared fake clock.
import type { Clock } from '../../src/kube/clock.js';
import type {
  LeaseApi,
  LeaseObject,
  LeaseReadResult,
  LeaseWriteResult,
} from '../../src/kube/leader-election-lock.js';
import type { LeaderCallbacks } from '../../src/kube/leader-election.js';

export type Fault = 'none' | 'partition' | 'hang';

const SIX_DIGIT_MICROTIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** One Lease in memory; writes are JSON round-tripped and MicroTime-checked like a real API server. */
export class FakeLeaseStore {
  lease: LeaseObject | undefined;
  #rv = 100;
  /** Every accepted write body, as JSON, in order. */
  readonly writes: string[] = [];

  /** Overwrites the lease as another actor would (an admin, a rogue client). */
  forceWrite(spec: LeaseObject['spec']): void {
    this.lease = this.#stamp({ ...this.lease, spec });
  }

  /** A client whose requests fail ('partition') or hang until aborted ('hang') as `fault()` says. */
  client(fault: () => Fault = () => 'none'): LeaseApi {
    const gate = async (signal: AbortSignal): Promise<string | undefined> => {
      await Promise.resolve();
      if (fault() === 'hang' && !signal.aborted) {
        await new Promise((resolve) => {
          signal.addEventListener('abort', resolve, { once: true });
        });
      }
      if (signal.aborted) return 'request aborted';
      if (fault() === 'partition') return 'socket hang up (partitioned)';
      return undefined;
    };
    return {
      description: 'openelb-system/test-lease',
      get: async (signal): Promise<LeaseReadResult> => {
        const failure = await gate(signal);
        if (failure !== undefined) return { kind: 'error', reason: failure };
        return this.lease ? { kind: 'found', lease: clone(this.lease) } : { kind: 'not-found' };
      },
      create: async (spec, signal): Promise<LeaseWriteResult> => {
        const failure = (await gate(signal)) ?? invalidTimes(spec);
        if (failure !== undefined) return { kind: 'error', reason: failure };
        if (this.lease) return { kind: 'conflict', reason: 'HTTP 409: leases "test-lease" already exists' };
        this.lease = this.#stamp({ metadata: { name: 'test-lease', namespace: 'openelb-system' }, spec });
        return { kind: 'ok', lease: clone(this.lease) };
      },
      replace: async (lease, signal): Promise<LeaseWriteResult> => {
        const failure = (await gate(signal)) ?? invalidTimes(lease.spec);
        if (failure !== undefined) return { kind: 'error', reason: failure };
        if (!this.lease) return { kind: 'error', reason: 'HTTP 404: not found' };
        if (lease.metadata?.resourceVersion !== this.lease.metadata?.resourceVersion) {
          return { kind: 'conflict', reason: 'HTTP 409: the object has been modified' };
        }
        this.lease = this.#stamp(lease);
        return { kind: 'ok', lease: clone(this.lease) };
      },
    };
  }

  #stamp(lease: LeaseObject): LeaseObject {
    this.#rv += 1;
    const stamped = clone({ ...lease, metadata: { ...lease.metadata, resourceVersion: String(this.#rv) } });
    this.writes.push(JSON.stringify(stamped));
    return stamped;
  }
}

function clone(lease: LeaseObject): LeaseObject {
  return JSON.parse(JSON.stringify(lease)) as LeaseObject;
}

function invalidTimes(spec: LeaseObject['spec']): string | undefined {
  for (const t of [spec?.acquireTime, spec?.renewTime]) {
    if (t !== undefined && !SIX_DIGIT_MICROTIME.test(t)) return `HTTP 400: bad MicroTime ${t}`;
  }
  return undefined;
}

/** A clock reading `offsetMs` ahead of (or behind) `base`, sharing its timers. */
export function skewedClock(base: Clock, offsetMs: number): Clock {
  return {
    now: () => base.now() + offsetMs,
    setTimeout: (fn, ms) => base.setTimeout(fn, ms),
    clearTimeout: (h) => {
      base.clearTimeout(h);
    },
  };
}

/**
 * Tracks which candidates are leading right now, from onStartedLeading until their leaderSignal
 * aborts, and records every moment two were leading at once.
 */
export class LeadershipLog {
  readonly active = new Set<string>();
  readonly overlaps: string[] = [];
  readonly starts: { id: string; at: number }[] = [];
  readonly stops: { id: string; at: number }[] = [];

  constructor(private readonly now: () => number) {}

  callbacks(id: string, work?: (signal: AbortSignal) => Promise<void>): LeaderCallbacks {
    return {
      onStartedLeading: (signal) => {
        this.active.add(id);
        this.starts.push({ id, at: this.now() });
        if (this.active.size > 1) this.overlaps.push(`${[...this.active].join(' & ')} at ${this.now()}`);
        const stop = (): void => {
          this.active.delete(id);
          this.stops.push({ id, at: this.now() });
        };
        if (signal.aborted) stop();
        else signal.addEventListener('abort', stop, { once: true });
        return work?.(signal);
      },
    };
  }

  leader(): string | undefined {
    return this.active.size === 1 ? [...this.active][0] : undefined;
  }
}
