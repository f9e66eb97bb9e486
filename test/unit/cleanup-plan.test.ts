import { describe, expect, it } from 'vitest';
import { controllerStillLeads, planFinalizerRemovals } from '../../src/cleanup/plan.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const micro = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');

describe('planFinalizerRemovals', () => {
  it("takes only openelb-manager's finalizers, keeps the others, and skips objects without one", () => {
    const plan = planFinalizerRemovals(
      [
        {
          metadata: {
            name: 'web',
            namespace: 'shop',
            resourceVersion: '7',
            finalizers: ['example.com/keep', 'finalizer.lb.kubesphere.io/v1alpha1'],
          },
        },
        { metadata: { name: 'plain', namespace: 'shop', finalizers: ['example.com/keep'] } },
        {
          metadata: {
            name: 'eip-named',
            namespace: 'shop',
            finalizers: ['finalizer.ipam.kubesphere.io/v1alpha1'],
          },
        },
      ],
      [
        {
          metadata: {
            name: 'pool',
            resourceVersion: '3',
            finalizers: ['finalizer.ipam.kubesphere.io/v1alpha1'],
          },
        },
        { metadata: { name: 'bare' } },
      ],
    );
    expect(plan).toEqual([
      {
        what: 'Service shop/web',
        ref: { group: '', version: 'v1', plural: 'services', namespace: 'shop', name: 'web' },
        resourceVersion: '7',
        finalizers: ['example.com/keep'],
      },
      {
        what: 'Eip pool',
        ref: { group: 'network.kubesphere.io', version: 'v1alpha2', plural: 'eips', name: 'pool' },
        resourceVersion: '3',
        finalizers: [],
      },
    ]);
  });
});

describe('controllerStillLeads', () => {
  const lease = (holder: string, renewedMsAgo: number, seconds = 15): object => ({
    metadata: { name: 'openelb-manager', namespace: 'openelb-system' },
    spec: { holderIdentity: holder, leaseDurationSeconds: seconds, renewTime: micro(NOW - renewedMsAgo) },
  });

  it('refuses while a holder renewed within twice the Lease duration', () => {
    expect(controllerStillLeads(lease('ctl-0', 1000), NOW)).toMatch(
      /controller ctl-0 holds the leader Lease openelb-system\/openelb-manager \(renewed 1 s ago\)/,
    );
    expect(controllerStillLeads(lease('ctl-0', 29_000), NOW)).toBeDefined();
  });

  it('allows a released, long-expired or missing Lease', () => {
    expect(controllerStillLeads(lease('', 1000), NOW)).toBeUndefined();
    expect(controllerStillLeads(lease('ctl-0', 30_000), NOW)).toBeUndefined();
    expect(controllerStillLeads(undefined, NOW)).toBeUndefined();
  });
});
