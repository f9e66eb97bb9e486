/**
 * Which speaker Lease updates can change a layer2 election. Every speaker renews its Lease every
 * 500 ms and every layer2 side watches all of them, so with N nodes each speaker sees 2N updates per
 * second; a reconcile per update kept a speaker busy (100 nodes, 1,000 layer2 IPs: 150 ms per
 * reconcile, 200 updates/s). A renewal of a Lease that was and stays fresh changes nothing: elections
 * read only whether a Lease is fresh, its holder, its duration and its annotations (the Eips the node
 * can serve). A Lease that stops being renewed is caught by the reconcile's expiry timer, not by an
 * update, so skipping renewals loses nothing.
 */
import { SPEAKER_LEASE_PREFIX } from '../api/keys.js';
import type { LeaseWire } from './objects.js';

/** Held and renewed less than its duration before `nowMs` (the rule of speakerAlive). */
function fresh(lease: LeaseWire, nowMs: number): boolean {
  const spec = lease.spec;
  if ((spec?.holderIdentity ?? '') === '') return false;
  const renewed = Date.parse(spec?.renewTime ?? '');
  const seconds = spec?.leaseDurationSeconds;
  return !Number.isNaN(renewed) && seconds !== undefined && renewed + seconds * 1000 > nowMs;
}

/** What elections read of a Lease besides freshness, as a comparable string. */
function electedPart(lease: LeaseWire): string {
  return JSON.stringify([
    lease.spec?.holderIdentity ?? null,
    lease.spec?.leaseDurationSeconds ?? null,
    lease.metadata?.annotations ?? null,
  ]);
}

/**
 * True when an update from `before` to `after` (an add compares with `{}`, a delete with `{}` after
 * it) can change an election at `nowMs`. Leases that are not speaker Leases (the controller's leader
 * Lease shares the namespace) never can.
 */
export function leaseChangeMatters(before: unknown, after: unknown, nowMs: number): boolean {
  const a = before as LeaseWire;
  const b = after as LeaseWire;
  const name = b.metadata?.name ?? a.metadata?.name ?? '';
  if (!name.startsWith(SPEAKER_LEASE_PREFIX)) return false;
  if (a.metadata === undefined || b.metadata === undefined) return true;
  return fresh(a, nowMs) !== fresh(b, nowMs) || electedPart(a) !== electedPart(b);
}
