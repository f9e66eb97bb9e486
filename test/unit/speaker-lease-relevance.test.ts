import { describe, expect, it } from 'vitest';
import { leaseChangeMatters } from '../../src/speaker/lease-relevance.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const at = (msAgo: number): string => new Date(NOW - msAgo).toISOString().replace('Z', '000Z');

const lease = (over: {
  name?: string;
  holder?: string;
  renewedMsAgo?: number;
  seconds?: number;
  annotations?: Record<string, string>;
  rv?: string;
}): object => ({
  metadata: {
    name: over.name ?? 'openelb-speaker-node1',
    namespace: 'openelb-system',
    resourceVersion: over.rv ?? '1',
    ...(over.annotations === undefined ? {} : { annotations: over.annotations }),
  },
  spec: {
    holderIdentity: over.holder ?? 'node1',
    leaseDurationSeconds: over.seconds ?? 2,
    renewTime: at(over.renewedMsAgo ?? 100),
  },
});

describe('leaseChangeMatters', () => {
  it('skips the renewal of a Lease that was and stays fresh (twice a second per node)', () => {
    expect(
      leaseChangeMatters(lease({ renewedMsAgo: 600, rv: '1' }), lease({ renewedMsAgo: 100, rv: '2' }), NOW),
    ).toBe(false);
  });

  it.each([
    [
      'a stale Lease renewed again (the node is back)',
      lease({ renewedMsAgo: 5000 }),
      lease({ renewedMsAgo: 10 }),
    ],
    ['a released Lease (SIGTERM)', lease({}), lease({ holder: '' })],
    ['a new holder', lease({ holder: '' }), lease({ holder: 'node1' })],
    ['another duration', lease({}), lease({ seconds: 10 })],
    ['published Eips that changed', lease({ annotations: { a: '1' } }), lease({ annotations: { a: '2' } })],
  ])('reacts to %s', (_desc, before, after) => {
    expect(leaseChangeMatters(before, after, NOW)).toBe(true);
  });

  it('reacts to a speaker Lease that appears or goes', () => {
    expect(leaseChangeMatters({}, lease({}), NOW)).toBe(true);
    expect(leaseChangeMatters(lease({}), {}, NOW)).toBe(true);
  });

  it('never reacts to other Leases in the namespace (the controller leader Lease)', () => {
    const leader = (rv: string, holder: string): object => lease({ name: 'openelb-manager', rv, holder });
    expect(leaseChangeMatters(leader('1', 'a'), leader('2', 'b'), NOW)).toBe(false);
    expect(leaseChangeMatters({}, leader('1', 'a'), NOW)).toBe(false);
  });
});
