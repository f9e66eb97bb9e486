import { linkedSignal } from './abortable.js';
import { sleep, systemClock, type Clock } from './clock.js';
import { deadlineWatchdog, settlesWithin, timeoutSignal } from './leader-election-timers.js';
import {
  JITTER_FACTOR,
  validateTimings,
  type LeaderElectionConfig,
  type Parsed,
} from './leader-election-config.js';
import { decide, releasedRecord, type LeaseDecision } from './leader-election-decide.js';
import type { LeaderElectionEvent, StopReason } from './leader-election-events.js';
import type { LeaseApi, LeaseObject } from './leader-election-lock.js';
import { leaseSpecFromRecord, observe, recordFromLease, type Observation } from './leader-election-record.js';

/** What the caller runs as leader, and what it hears about leadership. */
export interface LeaderCallbacks {
  /**
   * Starts the leader's work. `leaderSignal` aborts the moment leadership is in doubt; the work must
   * stop promptly. The elector waits for the returned promise before it releases or re-acquires.
   */
  onStartedLeading(leaderSignal: AbortSignal): Promise<void> | void;
  /** After each leadership term, once the work has settled (and the lease was released, on shutdown). */
  onStoppedLeading?(): void;
  /** A different holder was observed (including ourselves); never called for an empty holder. */
  onNewLeader?(identity: string): void;
}

/** Narrow dependencies: the Lease API, time, randomness (jitter) and the event sink. */
export interface LeaderElectorDeps {
  readonly api: LeaseApi;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly onEvent?: (event: LeaderElectionEvent) => void;
}

type TryResult =
  | { readonly ok: true; readonly startedAt: number; readonly leaseTransitions: number }
  | { readonly ok: false; readonly reason: string; readonly holder?: string };

/** Reads `aborted` afresh after an await (TypeScript keeps the narrowing from before it). */
function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** Validates the timings (client-go's NewLeaderElector) and builds an elector, or says why not. */
export function createLeaderElector(
  config: LeaderElectionConfig,
  deps: LeaderElectorDeps,
): Parsed<LeaderElector> {
  const errors = validateTimings(config);
  if (config.identity === '') errors.push('identity must not be empty');
  if (config.leaseName === '' || config.leaseNamespace === '')
    errors.push('lease name and namespace are required');
  if (errors.length > 0) return { ok: false, error: errors.join('; ') };
  return { ok: true, value: new LeaderElector(config, deps) };
}

/**
 * client-go's LeaderElector over a coordination.k8s.io/v1 Lease. Unlike client-go's Run, which
 * returns after the first term, `run` goes back to following after losing leadership, until its
 * signal aborts. Safety argument (see docs/adr/0004-leader-election.md): a term's work stops no later
 * than renewDeadline after the START of the last successful write, while no other candidate can take
 * over earlier than leaseDuration after it SAW that write, which happened after it started.
 */
export class LeaderElector {
  readonly #config: LeaderElectionConfig;
  readonly #api: LeaseApi;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #emit: (event: LeaderElectionEvent) => void;
  #observation: Observation | undefined;
  #reportedLeader = '';
  #leaderSignal: AbortSignal | undefined;
  #callbacks: LeaderCallbacks | undefined;

  /** Prefer createLeaderElector, which validates the config. */
  constructor(config: LeaderElectionConfig, deps: LeaderElectorDeps) {
    this.#config = config;
    this.#api = deps.api;
    this.#clock = deps.clock ?? systemClock;
    this.#random = deps.random ?? Math.random;
    this.#emit = deps.onEvent ?? (() => undefined);
  }

  /** True while a leadership term is live (its leaderSignal not aborted). */
  isLeader(): boolean {
    return this.#leaderSignal?.aborted === false;
  }

  /** The holder we last observed ('' if none yet). Informational: it may be stale. */
  observedLeader(): string {
    return this.#observation?.record.holderIdentity ?? '';
  }

  /**
   * Campaigns, leads, and campaigns again after a lost term, until `signal` aborts. On abort the
   * current term's work is stopped and awaited, then the lease is released (if configured).
   */
  async run(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    this.#callbacks = callbacks;
    let shutdownWhileLeading = false;
    while (!signal.aborted) {
      const startedAt = await this.#acquire(signal);
      if (startedAt === undefined) break;
      shutdownWhileLeading = (await this.#lead(signal, startedAt, callbacks)) === 'shutdown';
    }
    // Shut down while following, yet the lease still names us (say, a term ended by a partition that
    // has healed): our work has already stopped, so clear it rather than make a successor wait it out.
    const stillNamed = this.observedLeader() === this.#config.identity;
    if (!shutdownWhileLeading && this.#config.releaseOnCancel && stillNamed) await this.#release();
  }

  async #acquire(signal: AbortSignal): Promise<number | undefined> {
    this.#emit({ type: 'acquiring' });
    const { renewDeadlineMs, retryPeriodMs } = this.#config;
    while (!signal.aborted) {
      const request = timeoutSignal(this.#clock, signal, renewDeadlineMs);
      const result = await this.#tryAcquireOrRenew(request.signal);
      request.dispose();
      if (aborted(signal)) return undefined;
      if (result.ok) {
        // A write that took longer than renewDeadline leaves no time to lead; renewing at once is safe.
        if (this.#clock.now() - result.startedAt < renewDeadlineMs) {
          this.#emit({ type: 'started-leading', leaseTransitions: result.leaseTransitions });
          return result.startedAt;
        }
        this.#emit({ type: 'acquire-failed', reason: 'lease written too late to lead; retrying' });
        continue;
      }
      this.#emit({
        type: 'acquire-failed',
        reason: result.reason,
        ...(result.holder && { holder: result.holder }),
      });
      await sleep(this.#clock, retryPeriodMs * (1 + this.#random() * JITTER_FACTOR), signal);
    }
    return undefined;
  }

  /** One leadership term; returns why it ended (on 'shutdown' it has also done the release). */
  async #lead(signal: AbortSignal, startedAt: number, callbacks: LeaderCallbacks): Promise<StopReason> {
    const { renewDeadlineMs, retryPeriodMs, identity } = this.#config;
    const leader = new AbortController();
    this.#leaderSignal = leader.signal;
    let deadline = startedAt + renewDeadlineMs;
    const watchdog = deadlineWatchdog(this.#clock, () => deadline, leader);
    const task = this.#startTask(callbacks, leader.signal);
    // One per term, but not AbortSignal.any: with flapping leadership any() would leave an entry per
    // term on the run signal for the life of the process (see linkedSignal).
    const linked = linkedSignal([signal, leader.signal]);
    const live = linked.signal;

    let reason: StopReason = 'shutdown';
    let detail = 'shutdown requested';
    for (;;) {
      await sleep(this.#clock, retryPeriodMs, live);
      if (live.aborted) break;
      const result = await this.#tryAcquireOrRenew(live);
      if (aborted(live)) break;
      if (result.ok) {
        deadline = result.startedAt + renewDeadlineMs;
        this.#emit({ type: 'renewed' });
      } else if (result.holder !== undefined && result.holder !== identity) {
        reason = 'lease-taken';
        detail = `lease now held by ${result.holder}`;
        break;
      } else {
        this.#emit({
          type: 'renew-failed',
          reason: result.reason,
          remainingMs: deadline - this.#clock.now(),
        });
      }
    }
    if (!signal.aborted && leader.signal.aborted) {
      reason = 'renew-deadline';
      detail = `no successful renewal within ${renewDeadlineMs} ms`;
    }
    leader.abort(new Error(`leadership ended: ${detail}`));
    watchdog.dispose();
    linked.dispose();
    this.#emit({ type: 'stopped-leading', reason, detail });

    if (reason === 'shutdown') {
      const settled = await settlesWithin(this.#clock, task, renewDeadlineMs);
      if (!this.#config.releaseOnCancel)
        this.#emit({ type: 'release-skipped', reason: 'releaseOnCancel is off' });
      else if (!settled) this.#emit({ type: 'release-skipped', reason: 'leader task did not stop in time' });
      else await this.#release();
    } else {
      // Never start a second term while the first one's work may still be running.
      await task;
    }
    callbacks.onStoppedLeading?.();
    return reason;
  }

  /** One get-decide-write round (client-go tryAcquireOrRenew). Never throws. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<TryResult> {
    const { identity, leaseDurationMs } = this.#config;
    const startedAt = this.#clock.now();
    const read = await this.#api.get(signal);
    if (read.kind === 'error') return { ok: false, reason: `reading lease: ${read.reason}` };

    let decision: LeaseDecision;
    let base: LeaseObject | undefined;
    if (read.kind === 'not-found') {
      decision = decide({ observation: undefined, now: startedAt, identity, leaseDurationMs });
    } else {
      base = read.lease;
      this.#observe(read.lease);
      decision = decide({ observation: this.#observation, now: startedAt, identity, leaseDurationMs });
    }
    if (decision.action === 'wait') return { ok: false, reason: decision.reason, holder: decision.holder };

    const spec = leaseSpecFromRecord(decision.record);
    const written =
      base === undefined
        ? await this.#api.create(spec, signal)
        : await this.#api.replace({ ...base, spec }, signal);
    if (written.kind !== 'ok') return { ok: false, reason: `${decision.action} lease: ${written.reason}` };
    this.#observe(written.lease);
    return { ok: true, startedAt, leaseTransitions: decision.record.leaseTransitions };
  }

  #observe(lease: LeaseObject): void {
    this.#observation = observe(
      this.#observation,
      recordFromLease(lease),
      lease.metadata?.resourceVersion,
      this.#clock.now(),
    );
    const holder = this.#observation.record.holderIdentity;
    if (holder !== '' && holder !== this.#reportedLeader) {
      this.#reportedLeader = holder;
      this.#emit({ type: 'new-leader', identity: holder });
      this.#callbacks?.onNewLeader?.(holder);
    }
  }

  /** Clears the holder (leaseDurationSeconds 1) so a successor need not wait out the lease. */
  async #release(): Promise<void> {
    const request = timeoutSignal(this.#clock, undefined, this.#config.renewDeadlineMs);
    try {
      const read = await this.#api.get(request.signal);
      if (read.kind !== 'found') {
        const reason = read.kind === 'error' ? read.reason : 'lease does not exist';
        this.#emit({ type: 'release-failed', reason });
        return;
      }
      const record = recordFromLease(read.lease);
      if (record.holderIdentity !== this.#config.identity) {
        this.#emit({ type: 'release-skipped', reason: `lease held by ${record.holderIdentity || 'nobody'}` });
        return;
      }
      const spec = leaseSpecFromRecord(releasedRecord(record, this.#clock.now()));
      const written = await this.#api.replace({ ...read.lease, spec }, request.signal);
      if (written.kind !== 'ok') {
        this.#emit({ type: 'release-failed', reason: written.reason });
        return;
      }
      this.#observe(written.lease);
      this.#emit({ type: 'released' });
    } finally {
      request.dispose();
    }
  }

  #startTask(callbacks: LeaderCallbacks, leaderSignal: AbortSignal): Promise<void> {
    const failed = (err: unknown): void => {
      this.#emit({ type: 'leader-task-failed', err });
    };
    try {
      return Promise.resolve(callbacks.onStartedLeading(leaderSignal)).catch(failed);
    } catch (err) {
      failed(err);
      return Promise.resolve();
    }
  }
}
