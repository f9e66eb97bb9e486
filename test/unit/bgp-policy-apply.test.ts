import { describe, expect, it } from 'vitest';
import { GobgpError } from '../../src/bgp/errors.js';
import { PolicyDirection, RouteAction, type PolicyAssignment } from '../../src/bgp/gen/policy_pb.js';
import { PolicyApplier, type PolicyClient } from '../../src/bgp/policy-apply.js';
import { assignmentFromProto } from '../../src/bgp/policy-mapping.js';
import type { RoutingPolicy } from '../../src/bgp/policy-types.js';
import type { PeerStatus, RibRoute, RouteFamily } from '../../src/bgp/types.js';
import { silentLogger } from '../../src/observability/logger.js';

const route = (prefix: string): RibRoute => ({
  family: 'ipv4-unicast',
  prefix,
  prefixLen: 32,
  nextHop: '192.0.2.11',
  origin: 'igp',
  identifier: 0,
  local: true,
  neighborAddress: '',
  best: true,
});

const DROP_7: RoutingPolicy = {
  definedSets: [{ kind: 'prefix', name: 'one', prefixes: [{ prefix: '198.51.100.7/32', min: 32, max: 32 }] }],
  policies: [
    {
      name: 'drop',
      statements: [
        {
          name: 's',
          conditions: { prefixSet: { set: 'one', option: 'any' } },
          actions: { disposition: 'reject' },
        },
      ],
    },
  ],
  import: { policies: [], defaultAction: 'accept' },
  export: { policies: ['drop'], defaultAction: 'accept' },
};

/** A gobgpd stand-in whose Adj-RIB-Out drops 198.51.100.7 while DROP_7 is assigned. */
class FakeGobgp implements PolicyClient {
  calls: string[] = [];
  assignments: PolicyAssignment[] = [];
  rib = [route('198.51.100.7'), route('198.51.100.8')];
  refuse: string | undefined;
  peers: string[] = ['192.0.2.1'];

  setPolicies = (): Promise<void> => {
    this.calls.push('SetPolicies');
    if (this.refuse !== undefined)
      return Promise.reject(new GobgpError('unknown', 'SetPolicies', this.refuse, 2));
    return Promise.resolve();
  };
  setPolicyAssignment = (a: PolicyAssignment): Promise<void> => {
    this.calls.push(`SetPolicyAssignment ${PolicyDirection[a.direction]}`);
    this.assignments = [...this.assignments.filter((x) => x.direction !== a.direction), a];
    return Promise.resolve();
  };
  listPolicyAssignments = (): Promise<PolicyAssignment[]> => Promise.resolve(this.assignments);
  softResetAll = (d: 'in' | 'out' | 'both'): Promise<void> => {
    this.calls.push(`ResetPeer soft ${d}`);
    return Promise.resolve();
  };
  listAdjOut = (_peer: string, family: RouteFamily): Promise<RibRoute[]> => {
    if (family !== 'ipv4-unicast') return Promise.resolve([]);
    const exp = this.assignments.find((a) => a.direction === PolicyDirection.EXPORT);
    const drops = exp !== undefined && assignmentFromProto(exp).policies.includes('drop');
    return Promise.resolve(this.rib.filter((r) => !(drops && r.prefix === '198.51.100.7')));
  };
  listPeers = (): Promise<PeerStatus[]> =>
    Promise.resolve(
      this.peers.map((a) => ({ config: { neighborAddress: a }, sessionState: 'established' }) as PeerStatus),
    );
  listPaths = (family: RouteFamily): Promise<RibRoute[]> =>
    Promise.resolve(family === 'ipv4-unicast' ? this.rib : []);
  deletePathByContent = (r: { prefix: string }): Promise<void> => {
    this.calls.push(`DeletePath ${r.prefix}`);
    return Promise.resolve();
  };
  addPath = (r: { prefix: string }): Promise<{ route: RibRoute; uuid: Uint8Array }> => {
    this.calls.push(`AddPath ${r.prefix}`);
    return Promise.resolve({ route: route(r.prefix), uuid: new Uint8Array() });
  };
}

const signal = new AbortController().signal;

describe('PolicyApplier', () => {
  it('applies, soft-resets, and withdraws by hand what the new export policy rejects', async () => {
    const gobgp = new FakeGobgp();
    const applier = new PolicyApplier(gobgp, silentLogger());
    const report = await applier.apply({ kind: 'policy', source: 'cm', policy: DROP_7 }, false, signal);
    expect(report).toEqual({ action: 'applied', withdrawn: ['198.51.100.7/32'] });
    expect(gobgp.calls).toEqual([
      'SetPolicies',
      'SetPolicyAssignment IMPORT',
      'SetPolicyAssignment EXPORT',
      'ResetPeer soft both',
      'DeletePath 198.51.100.7',
      'AddPath 198.51.100.7',
    ]);
  });

  it('is idempotent: the same policy again makes no call that changes gobgpd', async () => {
    const gobgp = new FakeGobgp();
    const applier = new PolicyApplier(gobgp, silentLogger());
    await applier.apply({ kind: 'policy', source: 'cm', policy: DROP_7 }, false, signal);
    gobgp.calls = [];
    expect(await applier.apply({ kind: 'policy', source: 'cm', policy: DROP_7 }, false, signal)).toEqual({
      action: 'unchanged',
      withdrawn: [],
    });
    expect(gobgp.calls).toEqual([]);
  });

  it('re-applies after BGP started, without hand withdrawals (nothing was sent yet) and without soft reset when no session is up', async () => {
    const gobgp = new FakeGobgp();
    const applier = new PolicyApplier(gobgp, silentLogger());
    await applier.apply({ kind: 'policy', source: 'cm', policy: DROP_7 }, false, signal);
    gobgp.calls = [];
    gobgp.assignments = [];
    gobgp.peers = [];
    expect((await applier.apply({ kind: 'keep' }, true, signal)).action).toBe('applied');
    expect(gobgp.calls).toEqual(['SetPolicies', 'SetPolicyAssignment IMPORT', 'SetPolicyAssignment EXPORT']);
  });

  it('clears to accept-all when the policy goes away; a speaker restart with nothing assigned does nothing', async () => {
    const gobgp = new FakeGobgp();
    const applier = new PolicyApplier(gobgp, silentLogger());
    await applier.apply({ kind: 'policy', source: 'cm', policy: DROP_7 }, false, signal);
    expect((await applier.apply({ kind: 'none' }, false, signal)).action).toBe('cleared');
    expect(gobgp.assignments.map((a) => [a.policies.length, a.defaultAction])).toEqual([
      [0, RouteAction.ACCEPT],
      [0, RouteAction.ACCEPT],
    ]);
    gobgp.calls = [];
    const fresh = new PolicyApplier(gobgp, silentLogger());
    expect((await fresh.apply({ kind: 'none' }, false, signal)).action).toBe('unchanged');
    expect(gobgp.calls).toEqual([]);
  });

  it('reports a refused policy once, does not retry it, and keeps nothing to keep when none was good', async () => {
    const gobgp = new FakeGobgp();
    gobgp.refuse = 'invalid ext-community';
    const applier = new PolicyApplier(gobgp, silentLogger());
    const bad = { kind: 'policy' as const, source: 'cm', policy: DROP_7 };
    expect(await applier.apply(bad, false, signal)).toEqual({
      action: 'rejected',
      error: 'invalid ext-community',
      withdrawn: [],
    });
    gobgp.calls = [];
    expect((await applier.apply(bad, false, signal)).action).toBe('rejected');
    expect(gobgp.calls).toEqual([]);
    expect((await applier.apply({ kind: 'keep' }, false, signal)).action).toBe('kept');
  });

  it('lets an unreachable gobgpd fail the call so the reconcile retries', async () => {
    const gobgp = new FakeGobgp();
    gobgp.listPolicyAssignments = () =>
      Promise.reject(new GobgpError('unavailable', 'ListPolicyAssignment', 'down'));
    const applier = new PolicyApplier(gobgp, silentLogger());
    await expect(applier.apply({ kind: 'none' }, false, signal)).rejects.toMatchObject({
      kind: 'unavailable',
    });
  });
});
