/**
 * The speaker's liveness Lease `openelb-speaker-<node>`: renewed every `renewMs`, released (holder
 * cleared) on shutdown. A node whose Lease is not fresh does not announce, and Layer2 failover uses
 * the same Lease to decide that a node's speaker is gone.
 */
import type { Clock } from '../kube/clock.js';
import type { LeaseApi, LeaseObject, LeaseSpecObject } from '../kube/leader-election-lock.js';
import { formatMicroTime } from '../kube/leader-election-record.js';
import type { Logger } from '../observability/logger.js';
import type { LeaseWire } from './objects.js';

/** Options of the liveness Lease. */
export interface LivenessLeaseOptions {
  readonly api: LeaseApi;
  /** holderIdentity written into the Lease (the node name). */
  readonly identity: string;
  /** How long the Lease counts as fresh after a renewal (whole seconds on the wire, at least 1). */
  readonly durationMs: number;
  readonly renewMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  /** Told when the Lease becomes fresh or stale from this speaker's point of view. */
  readonly onAliveChange?: (alive: boolean) => void;
  /**
   * Told when a renewal works again after the API was in doubt (see inDoubt), with when this speaker
   * went blind: the next renewal was due then (`renewMs` after the last one that was answered) and none
   * got through until `nowMs`.
   */
  readonly onApiRegained?: (blindFromMs: number, nowMs: number) => void;
  /** Told when inDoubt() changes, as seen after each renewal attempt (for metrics; the speakers ask inDoubt). */
  readonly onDoubtChange?: (inDoubt: boolean) => void;
}

/** Keeps this speaker's Lease fresh; read the last written Lease with current(). */
export class LivenessLease {
  #lease: LeaseObject | undefined;
  /** When the last renewal that worked was sent (its renewTime). */
  #renewedAt: number | undefined;
  /** When the answer to the last renewal that worked arrived: the API was known to work then. */
  #sureAt: number | undefined;
  #alive = false;
  #doubt = false;
  /** Annotations this speaker publishes on its Lease (merged into metadata on every write). */
  readonly #annotations = new Map<string, string>();
  /** An annotation changed since the last successful write: renew now instead of at the next tick. */
  #dirty = false;
  /** Ends the current pause between renewals early. */
  #wake: (() => void) | undefined;

  constructor(private readonly o: LivenessLeaseOptions) {}

  /** The Lease as last written (undefined before the first successful write). */
  current(): LeaseWire | undefined {
    return this.#lease;
  }

  /**
   * The Lease as last written, with `renewTime` replaced by when that write was answered. Peers count a
   * renewal from when they see it (lease-observer.ts), so this is how this speaker must judge itself: by
   * the renewTime it was sent with, a renewal answered 1.5 s late left the Lease stale 0.5 s after it
   * landed, and the BGP side withdrew its routes in those gaps (27 of 272 samples in the lab).
   */
  asLanded(): LeaseWire | undefined {
    const lease = this.#lease;
    const sure = this.#sureAt;
    if (lease === undefined || sure === undefined) return lease;
    return { ...lease, spec: { ...lease.spec, renewTime: formatMicroTime(sure) } };
  }

  /**
   * Publishes `key: value` on the Lease. Written with the next renewal, brought forward to now when the value
   * changed, so peers learn it within one API round trip; an unchanged value costs no extra write.
   */
  setAnnotation(key: string, value: string): void {
    if (this.#annotations.get(key) === value) return;
    this.#annotations.set(key, value);
    const written = (this.#lease?.metadata as { annotations?: Record<string, string> } | undefined)
      ?.annotations;
    if (written?.[key] === value) return;
    this.#dirty = true;
    this.#wake?.();
  }

  #metadata(): LeaseObject['metadata'] {
    const meta = this.#lease?.metadata;
    if (this.#annotations.size === 0) return meta;
    const existing = (meta as { annotations?: Record<string, string> } | undefined)?.annotations;
    return { ...meta, annotations: { ...existing, ...Object.fromEntries(this.#annotations) } };
  }

  /** Fresh: renewed less than `durationMs` ago. */
  alive(): boolean {
    return this.#renewedAt !== undefined && this.o.clock.now() - this.#renewedAt < this.o.durationMs;
  }

  /**
   * The API is in doubt: the last renewal that worked is more than half the Lease duration old, so
   * renewals fail or hang (API server down, unreachable, overloaded) or this process stalled. Then this
   * speaker cannot tell a dead peer from a silent API, nor is its view of the cluster current: the
   * speakers hold what they announce instead of acting on it (ADR 0019). Half the duration comes after
   * any normal renewal (every `renewMs`, a quarter of it by default) and before any peer's Lease can
   * look expired to this speaker for want of renewals it could not see (a duration after the peer's last
   * renewal it saw, itself at most `renewMs` before the API went). False before the first renewal.
   */
  inDoubt(): boolean {
    return this.#sureAt !== undefined && this.o.clock.now() - this.#sureAt > this.o.durationMs / 2;
  }

  #spec(holder: string, now: number): LeaseSpecObject {
    return {
      holderIdentity: holder,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.o.durationMs / 1000)),
      renewTime: formatMicroTime(now),
      acquireTime: this.#lease?.spec?.acquireTime ?? formatMicroTime(now),
    };
  }

  /** One renewal; returns whether the Lease was written. */
  async renewOnce(signal: AbortSignal, holder = this.o.identity): Promise<boolean> {
    const now = this.o.clock.now();
    if (this.#lease === undefined) {
      const read = await this.o.api.get(signal);
      if (read.kind === 'error') return this.#failed(read.reason);
      if (read.kind === 'found') this.#lease = read.lease;
    }
    const creating = this.#lease === undefined;
    this.#dirty = false;
    const result =
      this.#lease === undefined
        ? await this.o.api.create(this.#spec(holder, now), signal)
        : await this.o.api.replace(
            { ...this.#lease, metadata: this.#metadata(), spec: this.#spec(holder, now) },
            signal,
          );
    if (result.kind !== 'ok') {
      // Someone else wrote it (or it was deleted): read it again next time.
      this.#lease = undefined;
      return this.#failed(result.reason);
    }
    // create() carries no metadata: write the annotations right after.
    if (creating && this.#annotations.size > 0) this.#dirty = true;
    this.#lease = result.lease;
    // A renewal that hung through an outage answers when the API is back: the blind span ends now, not
    // when it was sent.
    const answeredAt = this.o.clock.now();
    const lastSure = this.#sureAt;
    const wasInDoubt = this.inDoubt();
    this.#renewedAt = now;
    this.#sureAt = answeredAt;
    this.#setAlive(holder !== '');
    // Blind from when the next renewal was due, not from the last answer: under an API slow enough to
    // put every renewal in doubt, excusing whole gaps would keep a dead peer alive for ever.
    if (wasInDoubt && lastSure !== undefined) this.o.onApiRegained?.(lastSure + this.o.renewMs, answeredAt);
    return true;
  }

  #failed(reason: string): boolean {
    this.o.log.warn({ event: 'lease_renew_failed', reason }, 'cannot renew the speaker Lease');
    this.#setAlive(this.alive());
    return false;
  }

  #noteDoubt(): void {
    const doubt = this.inDoubt();
    if (doubt === this.#doubt) return;
    this.#doubt = doubt;
    this.o.onDoubtChange?.(doubt);
  }

  #setAlive(alive: boolean): void {
    if (alive === this.#alive) return;
    this.#alive = alive;
    this.o.onAliveChange?.(alive);
  }

  /** Renews until `signal` aborts, then releases the Lease (holder cleared) so failover is immediate. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // A renewal answered after a whole duration could not have kept the Lease fresh: give up on it then.
      const renewed = await this.#renewWithin(signal, this.o.durationMs);
      // Staleness must be noticed even while the API is down and no renewal returns.
      this.#setAlive(this.alive());
      this.#noteDoubt();
      if (!(await this.#pause(signal, renewed))) break;
    }
    await this.release();
  }

  /**
   * One renewal, abandoned after `ms`. Without a deadline a request to an API server that vanished
   * without closing the connection (host down, SIGSTOP) waits for TCP to give up, minutes, and this
   * speaker stays in doubt for as long after the API is back; the aborted request's socket is closed.
   */
  async #renewWithin(signal: AbortSignal, ms: number): Promise<boolean> {
    const deadline = new AbortController();
    const abort = (): void => {
      deadline.abort();
    };
    const handle = this.o.clock.setTimeout(abort, ms);
    signal.addEventListener('abort', abort, { once: true });
    try {
      return await this.renewOnce(deadline.signal);
    } finally {
      this.o.clock.clearTimeout(handle);
      signal.removeEventListener('abort', abort);
    }
  }

  /**
   * Waits renewMs, or less when an annotation changed meanwhile; false once `signal` aborted. An
   * annotation still unwritten goes out at once only after a renewal that worked: after a failed one
   * it waits like any retry. Otherwise an API server that refused connections made the speaker retry
   * in a tight loop (18,000 failed renewals and log lines in 5 s, measured with the API stopped).
   */
  #pause(signal: AbortSignal, renewed: boolean): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.#dirty && renewed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (go: boolean): void => {
        this.o.clock.clearTimeout(handle);
        signal.removeEventListener('abort', onAbort);
        this.#wake = undefined;
        resolve(go);
      };
      const onAbort = (): void => {
        finish(false);
      };
      const handle = this.o.clock.setTimeout(() => {
        finish(true);
      }, this.o.renewMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#wake = () => {
        finish(true);
      };
    });
  }

  /**
   * Clears the holder so other speakers treat this node as gone at once. Bounded to 2 s. A renewal that
   * shutdown aborted midway leaves the Lease unknown (it may or may not have been written), so the
   * release reads it again and, on a conflict with that very write, tries once more.
   */
  async release(): Promise<void> {
    if (this.#renewedAt === undefined) return; // never written: nothing to release
    const signal = AbortSignal.timeout(2000);
    let ok = await this.renewOnce(signal, '');
    if (!ok && !signal.aborted) ok = await this.renewOnce(signal, '');
    this.o.log.info({ event: 'lease_released', ok }, 'speaker Lease released');
  }
}
