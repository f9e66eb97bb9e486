/**
 * Coalesced Eip status writes. Reconcilers only mark an Eip dirty; every `intervalMs` the writer
 * computes each dirty Eip's desired status once and patches it only if it differs from what the Eip
 * shows (or what we last wrote, which the cache may not show yet). So 10,000 allocations from one
 * Eip cost a handful of writes, not 10,000 rewrites of an ever larger `status.used` map; while the
 * Service queue is busy the flushes are spaced further apart (but a change never waits longer than
 * `maxLagMs`), and each patch carries only the entries that changed.
 */
import { isAborted } from '../kube/abortable.js';
import { backoffDelay } from '../kube/backoff.js';
import { sleep, type Clock } from '../kube/clock.js';
import type { WriteResult } from '../kube/status.js';
import type { Logger } from '../observability/logger.js';
import type { PoolCounters, PoolStatus } from '../ipam/index.js';
import {
  conditionsOf,
  desiredEipStatus,
  eipStatusPatch,
  statusMatches,
  type DesiredEipStatus,
  type EipValidity,
} from './decide-eip.js';
import type { EipObject, Reader } from './objects.js';

/** Where the writer reads the state it publishes. */
export interface EipStatusSource {
  /** undefined: the Eip is unknown to the controller (e.g. just deleted). */
  validity(name: string): EipValidity | undefined;
  pool(name: string): PoolStatus | undefined;
}

/** Dependencies of the writer. */
export interface EipStatusWriterDeps {
  readonly eips: Reader<EipObject>;
  readonly source: EipStatusSource;
  readonly write: (name: string, patch: object) => Promise<WriteResult>;
  /** Called when an Eip's Valid condition turns False (or changes reason): record a Warning Event. */
  readonly onInvalid: (eip: EipObject, validity: Extract<EipValidity, { kind: 'invalid' }>) => void;
  /** Called after each flush with every pool, for metrics. */
  readonly onPools?: (pools: readonly PoolCounters[]) => void;
  /** Counters of every pool (without `used` maps: building those per flush is what costs). */
  readonly allPools?: () => readonly PoolCounters[];
  readonly clock: Clock;
  readonly intervalMs: number;
  /**
   * True during a burst of Service work. Then a flush waits until the oldest unwritten change is
   * about to be `maxLagMs` old: each write of a large `used` map comes back as a full Eip twice (the
   * answer and the watch event), so during 10,000 allocations fewer, larger steps cost much less
   * memory and CPU than one per interval. @default never busy
   */
  readonly busy?: () => boolean;
  /**
   * While busy, the longest a change waits before it is written (plus the write itself). Busy
   * flushes used to be spaced 10 intervals apart: Eip status lagged up to 5 s behind Service status.
   * 2 intervals (1 s) was measured too: 3–10× the writes of 5 s and the controller's peak RSS over
   * 200 MB in `bench converge` (each write comes back as the full Eip twice). @default 4 × intervalMs
   */
  readonly maxLagMs?: number;
  readonly log: Logger;
}

/** The longest wait before retrying an Eip whose status writes keep failing. */
const MAX_RETRY_MS = 30_000;

/** Marks, coalesces and writes Eip status. One instance per leadership term. */
export class EipStatusWriter {
  readonly #deps: EipStatusWriterDeps;
  #dirty = new Set<string>();
  /** Clock time of the oldest change not yet flushed (undefined: nothing dirty). */
  #dirtySince: number | undefined;
  readonly #lastWritten = new Map<string, DesiredEipStatus>();
  /**
   * Eips whose last write failed: how many times in a row, and when to try again. The wait doubles
   * from one interval up to MAX_RETRY_MS: a write that keeps failing (an RBAC rule missing for
   * eips/status, an API server answering 429) was retried and logged at every flush, twice a second
   * per Eip, for as long as it failed.
   */
  readonly #retries = new Map<string, { readonly failures: number; readonly at: number }>();
  #writes = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(deps: EipStatusWriterDeps) {
    this.#deps = deps;
  }

  /** Status writes made so far (for tests and the bench). */
  get writes(): number {
    return this.#writes;
  }

  /** Schedules the Eip for the next flush. */
  markDirty(name: string): void {
    this.#dirty.add(name);
    this.#dirtySince ??= this.#deps.clock.now();
  }

  /** Resolves after the next flush that leaves nothing dirty. */
  settled(): Promise<void> {
    if (this.#dirty.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Flushes every `intervalMs` until `signal` aborts; nothing is written after that. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, intervalMs, busy } = this.#deps;
    const maxLagMs = this.#deps.maxLagMs ?? 4 * intervalMs;
    while (await sleep(clock, intervalMs, signal)) {
      // While busy, wait while the oldest change would still be within maxLagMs at the next tick.
      const since = this.#dirtySince;
      if (since !== undefined && busy?.() === true && clock.now() - since + intervalMs <= maxLagMs) continue;
      await this.flush(signal);
    }
  }

  /** Writes every dirty Eip once. */
  async flush(signal: AbortSignal): Promise<void> {
    const now = this.#deps.clock.now();
    const dirty = this.#dirty;
    this.#dirty = new Set();
    this.#dirtySince = undefined;
    const names: string[] = [];
    for (const name of dirty) {
      if ((this.#retries.get(name)?.at ?? now) <= now) names.push(name);
      else this.markDirty(name); // after failures: not due yet
    }
    await Promise.all(names.map((name) => this.#flushOne(name, signal)));
    if (names.length > 0 && this.#deps.onPools !== undefined && this.#deps.allPools !== undefined) {
      this.#deps.onPools(this.#deps.allPools());
    }
    if (this.#dirty.size === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  async #flushOne(name: string, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const eip = this.#deps.eips.get(name);
    const validity = this.#deps.source.validity(name);
    if (eip === undefined || validity === undefined) {
      this.#lastWritten.delete(name);
      return;
    }
    const current = eip.status;
    const last = this.#lastWritten.get(name);
    // Our last write is newer than (or as new as) the cache: its conditions carry the transition times.
    const existing = last === undefined ? conditionsOf(current) : last.conditions;
    const now = new Date(this.#deps.clock.now()).toISOString();
    const desired = desiredEipStatus(
      validity,
      this.#deps.source.pool(name),
      existing,
      now,
      eip.metadata?.generation,
    );
    if (statusMatches(desired, current) || (last !== undefined && statusMatches(desired, { ...last })))
      return;
    if (validity.kind === 'invalid') {
      const before = existing.find((c) => c.type === 'Valid');
      if (before === undefined || before.status !== 'False' || before.reason !== validity.reason) {
        this.#deps.onInvalid(eip, validity);
      }
    }
    const result = await this.#deps.write(name, eipStatusPatch(desired, current, last?.used));
    if (result.kind === 'ok') {
      this.#writes++;
      this.#lastWritten.set(name, desired);
      this.#retries.delete(name);
      return;
    }
    this.#lastWritten.delete(name);
    if (result.kind !== 'notFound' && !isAborted(signal)) {
      const { clock, intervalMs } = this.#deps;
      const failures = (this.#retries.get(name)?.failures ?? 0) + 1;
      // No jitter: retries fall on the flush ticks anyway.
      const retryMs = backoffDelay(
        failures,
        { baseMs: intervalMs, capMs: MAX_RETRY_MS, jitter: 0 },
        Math.random,
      );
      this.#retries.set(name, { failures, at: clock.now() + retryMs });
      this.#deps.log.warn(
        {
          event: 'eip_status_write_failed',
          eip: name,
          reason: result.kind,
          err: result.message,
          failures,
          retryMs,
        },
        'could not write Eip status; retrying later',
      );
      this.markDirty(name);
    }
  }
}
