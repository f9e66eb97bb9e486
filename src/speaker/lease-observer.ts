/**
 * Judges other speakers' Leases by this speaker's own clock, as client-go's leader election does:
 * a renewal counts from the moment this speaker saw it, not from the `renewTime` the holder wrote
 * with its clock. With `renewTime` compared against the local clock, a node whose clock is 3 s
 * behind looked dead to every other speaker (its Lease lasts 2 s) while it saw itself alive, so it
 * and the node elected in its place both answered ARP for the same IPs. Nodes without NTP drift
 * that far.
 *
 * The first sight of a Lease (speaker start, a new node) has no history: a `renewTime` within the
 * Lease duration plus FIRST_SIGHT_GRACE_MS of the local clock counts as renewed now (so up to that
 * much skew is tolerated from the start); an older one counts as renewed when it says, so a long-dead
 * node is not taken for alive.
 */
import type { LeaseWire } from './objects.js';

/** Skew tolerated on the first sight of a Lease, beyond its duration. */
export const FIRST_SIGHT_GRACE_MS = 10_000;

interface Sighting {
  readonly renewTime: string;
  readonly observedAtMs: number;
}

const micro = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');

/** See the file comment. Keys are Lease names. */
export class LeaseObserver {
  readonly #seen = new Map<string, Sighting>();

  /**
   * Records `lease` as seen at `nowMs` (a new renewTime counts from now). Returns, for a renewal seen
   * now, how far its renewTime was behind this clock in ms (watch latency plus clock skew; negative
   * when the holder's clock is ahead), else undefined.
   */
  observe(lease: LeaseWire, nowMs: number): number | undefined {
    const name = lease.metadata?.name;
    const renewTime = lease.spec?.renewTime;
    if (name === undefined || renewTime === undefined) return undefined;
    const known = this.#seen.get(name);
    if (known?.renewTime === renewTime) return undefined;
    const renewed = Date.parse(renewTime);
    // Unreadable: left to the pure rules, which count it as not renewed.
    if (Number.isNaN(renewed)) return undefined;
    const seconds = lease.spec?.leaseDurationSeconds ?? 0;
    const believable = nowMs - renewed <= seconds * 1000 + FIRST_SIGHT_GRACE_MS;
    this.#seen.set(name, { renewTime, observedAtMs: known !== undefined || believable ? nowMs : renewed });
    return known !== undefined || believable ? nowMs - renewed : undefined;
  }

  /**
   * Time from `fromMs` to `toMs` was spent unable to see the API (LivenessLease.inDoubt): renewals in
   * it could not arrive, so it does not count against anyone. Every sighting made before `toMs` moves
   * later by the blind span, at most to `toMs`: after an API outage each peer keeps about what was left of
   * its duration when the API went (LivenessLease counts the span from when its next renewal was due, so
   * at least the duration less two renewal intervals) to show a renewal again, and is not taken for dead,
   * nor its IPs taken over, the moment the API returns.
   */
  excuse(fromMs: number, toMs: number): void {
    const blind = toMs - fromMs;
    if (blind <= 0) return;
    for (const [name, s] of this.#seen) {
      if (s.observedAtMs >= toMs) continue;
      this.#seen.set(name, { ...s, observedAtMs: Math.min(toMs, s.observedAtMs + blind) });
    }
  }

  /** Forgets a deleted Lease. */
  forget(name: string): void {
    this.#seen.delete(name);
  }

  /**
   * `lease` with `renewTime` replaced by when this speaker saw that renewal (recording it first when it
   * is new), so the pure rules that read `renewTime` (speakerAlive, nextLeaseExpiry) judge it locally.
   */
  localView(lease: LeaseWire, nowMs: number): LeaseWire {
    this.observe(lease, nowMs);
    const name = lease.metadata?.name;
    const seen = name === undefined ? undefined : this.#seen.get(name);
    if (seen === undefined || seen.renewTime !== lease.spec?.renewTime) return lease;
    return { ...lease, spec: { ...lease.spec, renewTime: micro(seen.observedAtMs) } };
  }
}
