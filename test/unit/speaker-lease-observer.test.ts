import { describe, expect, it } from 'vitest';
import { speakerAlive } from '../../src/speaker/eligibility.js';
import { FIRST_SIGHT_GRACE_MS, LeaseObserver } from '../../src/speaker/lease-observer.js';
import type { LeaseWire } from '../../src/speaker/objects.js';

const T0 = Date.parse('2026-11-24T12:00:00Z');
const micro = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');

/** node1's Lease, renewed at `renewedMs` by node1's clock, for `seconds`. */
const lease = (renewedMs: number, seconds = 2, renewTime = micro(renewedMs)): LeaseWire => ({
  metadata: { name: 'openelb-speaker-node1', namespace: 'openelb-system' },
  spec: { holderIdentity: 'node1', leaseDurationSeconds: seconds, renewTime },
});

const alive = (o: LeaseObserver, l: LeaseWire, nowMs: number): boolean =>
  speakerAlive('node1', [o.localView(l, nowMs)], nowMs).ok;

describe('LeaseObserver', () => {
  it('counts a renewal from when it was seen: a holder whose clock is 3 s behind stays alive', () => {
    const o = new LeaseObserver();
    // Without the observer this Lease is stale on arrival: renewed "3 s ago" for 2 s.
    expect(speakerAlive('node1', [lease(T0 - 3000)], T0).ok).toBe(false);
    expect(alive(o, lease(T0 - 3000), T0)).toBe(true);
    expect(alive(o, lease(T0 - 3000), T0 + 1900)).toBe(true);
    // Not renewed since: it expires 2 s after it was seen, by this clock.
    expect(alive(o, lease(T0 - 3000), T0 + 2000)).toBe(false);
    // Renewed again (renewTime still 3 s behind): alive from now.
    expect(o.observe(lease(T0 - 500), T0 + 2500)).toBe(3000);
    expect(alive(o, lease(T0 - 500), T0 + 4000)).toBe(true);
  });

  it('a holder whose clock is ahead expires by this clock too, not later', () => {
    const o = new LeaseObserver();
    expect(o.observe(lease(T0 + 5000), T0)).toBe(-5000);
    expect(alive(o, lease(T0 + 5000), T0 + 1900)).toBe(true);
    expect(alive(o, lease(T0 + 5000), T0 + 2100)).toBe(false);
  });

  it('first sight of a long-dead Lease: renewed when it says, so stale at once', () => {
    const o = new LeaseObserver();
    const old = lease(T0 - 2000 - FIRST_SIGHT_GRACE_MS - 1);
    expect(o.observe(old, T0)).toBeUndefined();
    expect(alive(o, old, T0)).toBe(false);
    // Forgotten (deleted) and seen again: first sight again.
    o.forget('openelb-speaker-node1');
    expect(alive(o, lease(T0 - 100), T0)).toBe(true);
  });

  it('leaves an unreadable renewTime to the rules, which count it as not renewed', () => {
    const o = new LeaseObserver();
    const bad = lease(T0, 2, 'yesterday');
    expect(o.observe(bad, T0)).toBeUndefined();
    expect(o.localView(bad, T0)).toEqual(bad);
    expect(speakerAlive('node1', [o.localView(bad, T0)], T0).ok).toBe(false);
  });

  it('excuse: time blind to the API does not count against a Lease, which keeps the rest of its duration', () => {
    const o = new LeaseObserver();
    expect(alive(o, lease(T0), T0)).toBe(true);
    // This speaker could not reach the API from T0 + 500 to T0 + 30,000: node1's renewals could not arrive.
    expect(alive(o, lease(T0), T0 + 30_000)).toBe(false);
    o.excuse(T0 + 500, T0 + 30_000);
    expect(alive(o, lease(T0), T0 + 30_000)).toBe(true);
    // Seen 500 ms before the blind span: 1,500 ms of its 2 s remain after it.
    expect(alive(o, lease(T0), T0 + 31_400)).toBe(true);
    expect(alive(o, lease(T0), T0 + 31_500)).toBe(false);
  });

  it('excuse: a short blip moves a sighting by the blip only', () => {
    const o = new LeaseObserver();
    expect(alive(o, lease(T0), T0)).toBe(true);
    o.excuse(T0 + 400, T0 + 1100);
    expect(alive(o, lease(T0), T0 + 2600)).toBe(true);
    expect(alive(o, lease(T0), T0 + 2700)).toBe(false);
    // A sighting made after the blind span is not moved.
    o.observe(lease(T0 + 3000), T0 + 3000);
    o.excuse(T0 + 1000, T0 + 2000);
    expect(alive(o, lease(T0 + 3000), T0 + 5000)).toBe(false);
  });

  it('excuse under an API slow enough to put every renewal in doubt: a dead peer still expires', () => {
    // This speaker's renewals are answered every 1,100 ms (600 ms each); each is blind from when the
    // next was due (500 ms after the last answer) to its answer: 600 ms excused per 1,100 ms.
    const o = new LeaseObserver();
    expect(alive(o, lease(T0), T0)).toBe(true); // the peer's last renewal; it dies now
    let now = T0;
    let expiredAt: number | undefined;
    while (expiredAt === undefined && now < T0 + 30_000) {
      const answered = now + 1100;
      o.excuse(now + 500, answered);
      now = answered;
      if (!alive(o, lease(T0), now)) expiredAt = now;
    }
    expect(expiredAt).toBeDefined();
    expect((expiredAt ?? 0) - T0).toBeLessThanOrEqual(5500);
  });
});
