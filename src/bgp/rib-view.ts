/**
 * The announcer's view of the local routes gobgpd reports: the last ListPath, plus the adds and
 * withdrawals this process made since and gobgpd acknowledged. Listing the whole RIB costs ~27 ms of
 * CPU per 1,000 routes, and a burst of Service changes runs dozens of reconciles a second; between
 * listings nothing but this process adds or withdraws local routes in gobgpd, except gobgpd losing
 * them (restart, StartBgp). Those cases are what invalidates the view: the owner calls invalidate()
 * on gobgpd watch events (session change, resubscription after a restart), after any failed call,
 * on BGP (re)start and on its periodic resync; and a listing older than `maxAgeMs` is never reused.
 */
import { routeKey } from './path-mapping.js';
import type { RibRoute, Route } from './types.js';

/** Tuning of the view. */
export interface RibViewOptions {
  /** Milliseconds clock (monotonic is best). */
  readonly now: () => number;
  /** A listing older than this is listed again before it is diffed against. @default 2000 */
  readonly maxAgeMs?: number;
}

/** The last reported local routes, kept current with this process's own acknowledged changes. */
export class RibView {
  readonly #now: () => number;
  readonly #maxAgeMs: number;
  #listedAt = 0;
  /** Bumped by invalidate(): a listing that started before an invalidation must not revalidate the view. */
  #generation = 0;
  /** Local routes by routeKey; undefined: must list again. */
  #local: Map<string, RibRoute> | undefined;

  constructor(options: RibViewOptions) {
    this.#now = options.now;
    this.#maxAgeMs = options.maxAgeMs ?? 2000;
  }

  /** The local routes, or undefined when gobgpd must be listed again (never listed, invalidated, too old). */
  current(): readonly RibRoute[] | undefined {
    if (this.#local === undefined) return undefined;
    if (this.#now() - this.#listedAt > this.#maxAgeMs) {
      this.#local = undefined;
      return undefined;
    }
    return [...this.#local.values()];
  }

  /** Take before a listing starts; pass to listed(). */
  generation(): number {
    return this.#generation;
  }

  /**
   * Records a listing that started at `listedAt` in `generation` (learned routes are ignored: the
   * announcer touches local ones only). Ignored when the view was invalidated meanwhile.
   */
  listed(routes: readonly RibRoute[], listedAt: number, generation: number): void {
    if (generation !== this.#generation) return;
    const local = new Map<string, RibRoute>();
    for (const r of routes) if (r.local) local.set(routeKey(r), r);
    this.#local = local;
    this.#listedAt = listedAt;
  }

  /** gobgpd acknowledged these withdrawals. */
  deleted(routes: readonly Route[]): void {
    for (const r of routes) this.#local?.delete(routeKey(r));
  }

  /** gobgpd acknowledged these additions. */
  added(routes: readonly Route[]): void {
    const local = this.#local;
    if (local === undefined) return;
    for (const r of routes) local.set(routeKey(r), { ...r, local: true, neighborAddress: '', best: true });
  }

  /** What gobgpd holds may differ from the view: list again at the next use. */
  invalidate(): void {
    this.#local = undefined;
    this.#generation++;
  }

  /** The time of the listing the view is based on (for tests and logs); undefined when invalid. */
  listedAt(): number | undefined {
    return this.#local === undefined ? undefined : this.#listedAt;
  }
}
