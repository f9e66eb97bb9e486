import { describe, expect, it } from 'vitest';
import { CLEANUP_REFUSED, runCleanup, type CleanupIo } from '../../src/cleanup/command.js';
import { controllerStillLeads, planFinalizerRemovals } from '../../src/cleanup/plan.js';
import type { ObjectPatcher, ObjectRef } from '../../src/kube/status.js';
import type { Lister } from '../../src/status/gather.js';

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

describe('runCleanup', () => {
  const flags = { namespace: 'openelb-system', leaseName: 'openelb-manager', dryRun: false, force: false };
  const io = (): { out: string[]; err: string[]; io: CleanupIo } => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        stdout: { write: (t: string) => out.push(t) },
        stderr: { write: (t: string) => err.push(t) },
        now: () => NOW,
      },
    };
  };
  const svc = {
    metadata: {
      name: 'web',
      namespace: 'default',
      resourceVersion: '5',
      finalizers: ['finalizer.lb.kubesphere.io/v1alpha1'],
    },
  };
  const patched: { ref: ObjectRef; patch: object; options: unknown }[] = [];
  const patcher: ObjectPatcher = {
    patchStatus: () => Promise.reject(new Error('not used')),
    patchObject: (ref, patch, options) => {
      patched.push({ ref, patch, options });
      return Promise.resolve({ kind: 'ok', object: {} as never });
    },
  };

  it('refuses when the Leases cannot be read (it cannot tell whether a controller runs), unless forced', async () => {
    const list: Lister = (ref) =>
      ref.plural === 'leases'
        ? Promise.reject(new Error('forbidden'))
        : Promise.resolve(ref.plural === 'services' ? [svc] : []);
    const refused = io();
    expect(await runCleanup(flags, refused.io, list, patcher)).toBe(CLEANUP_REFUSED);
    expect(refused.err.join('')).toMatch(/cannot tell whether a controller still runs: pass --force/);
    expect(patched).toEqual([]);
    const forced = io();
    expect(await runCleanup({ ...flags, force: true }, forced.io, list, patcher)).toBe(0);
    expect(patched).toEqual([
      {
        ref: { group: '', version: 'v1', plural: 'services', namespace: 'default', name: 'web' },
        patch: { metadata: { finalizers: [] } },
        options: { resourceVersion: '5' },
      },
    ]);
    expect(forced.out.join('')).toContain('released 1 of 1 object(s)');
  });
});
