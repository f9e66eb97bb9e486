/**
 * PolicyApplier against a real gobgpd 3.10: apply a parsed gobgp.conf, list it back (ListPolicy,
 * ListDefinedSet, ListPolicyAssignment), change it, have gobgpd refuse one, re-apply after a gobgpd
 * restart, and clear it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GobgpClient } from '../../src/bgp/client.js';
import { DefinedType, PolicyDirection, RouteAction } from '../../src/bgp/gen/policy_pb.js';
import { PolicyApplier, type DesiredPolicy } from '../../src/bgp/policy-apply.js';
import { formatPolicyErrors, parseGobgpPolicy } from '../../src/bgp/policy-toml.js';
import { silentLogger } from '../../src/observability/logger.js';
import { Gobgpd, freePort, requireGobgpd } from './bgp-gobgpd.js';

const GLOBAL = { asn: 64512, routerId: '10.255.0.1', listenPort: -1, listenAddresses: [] };

function policy(text: string): DesiredPolicy {
  const parsed = parseGobgpPolicy(text);
  if (!parsed.ok) throw new Error(formatPolicyErrors(parsed.errors));
  return { kind: 'policy', source: 'openelb-system/policy gobgp.conf', policy: parsed.policy };
}

const TAG = policy(`
[[defined-sets.prefix-sets]]
  prefix-set-name = "lb"
  [[defined-sets.prefix-sets.prefix-list]]
    ip-prefix = "198.51.100.0/24"
    masklength-range = "32..32"
[[defined-sets.bgp-defined-sets.community-sets]]
  community-set-name = "tagged"
  community-list = ["64512:100"]
[[policy-definitions]]
  name = "tag-lb"
  [[policy-definitions.statements]]
    name = "tag"
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "lb"
    [policy-definitions.statements.actions]
      route-disposition = "accept-route"
    [policy-definitions.statements.actions.bgp-actions]
      set-local-pref = 200
      set-med = "+10"
      [policy-definitions.statements.actions.bgp-actions.set-community]
        options = "add"
        [policy-definitions.statements.actions.bgp-actions.set-community.set-community-method]
          communities-list = ["64512:100"]
[global.apply-policy.config]
  export-policy-list = ["tag-lb"]
  default-export-policy = "accept-route"
`);

const REJECT = policy(`
[[defined-sets.prefix-sets]]
  prefix-set-name = "one"
  [[defined-sets.prefix-sets.prefix-list]]
    ip-prefix = "198.51.100.7/32"
[[policy-definitions]]
  name = "drop-one"
  [[policy-definitions.statements]]
    name = "drop"
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "one"
    [policy-definitions.statements.actions]
      route-disposition = "reject-route"
[global.apply-policy.config]
  export-policy-list = ["drop-one"]
  import-policy-list = ["drop-one"]
  default-import-policy = "reject-route"
`);

describe('routing policy on gobgpd 3.10', () => {
  let daemon: Gobgpd;
  let client: GobgpClient;
  let applier: PolicyApplier;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    requireGobgpd();
    daemon = new Gobgpd(await freePort());
    await daemon.start();
    client = new GobgpClient({ address: daemon.address });
    await client.startIfStopped(GLOBAL);
    applier = new PolicyApplier(client, silentLogger());
  });

  afterAll(async () => {
    client.close();
    await daemon.kill();
  });

  async function assignments(): Promise<Record<string, { policies: string[]; def: RouteAction }>> {
    const out: Record<string, { policies: string[]; def: RouteAction }> = {};
    for (const a of await client.listPolicyAssignments('global'))
      out[PolicyDirection[a.direction]] = { policies: a.policies.map((p) => p.name), def: a.defaultAction };
    return out;
  }

  it('applies a policy and lists it back from gobgpd', async () => {
    expect(await applier.apply(TAG, false, signal)).toEqual({ action: 'applied', withdrawn: [] });
    const [tag] = await client.listPolicies();
    expect(tag?.name).toBe('tag-lb');
    const stmt = tag?.statements[0];
    expect(stmt?.name).toBe('tag');
    expect(stmt?.conditions?.prefixSet?.name).toBe('lb');
    expect(stmt?.actions?.routeAction).toBe(RouteAction.ACCEPT);
    expect(stmt?.actions?.community?.communities).toEqual(['64512:100']);
    expect(stmt?.actions?.localPref?.value).toBe(200);
    expect(stmt?.actions?.med?.value).toBe(10n);
    const prefixes = await client.listDefinedSets(DefinedType.PREFIX);
    expect(
      prefixes.map((s) => [s.name, s.prefixes.map((p) => [p.ipPrefix, p.maskLengthMin, p.maskLengthMax])]),
    ).toEqual([['lb', [['198.51.100.0/24', 32, 32]]]]);
    expect((await client.listDefinedSets(DefinedType.COMMUNITY)).map((s) => s.name)).toEqual(['tagged']);
    expect(await assignments()).toEqual({
      EXPORT: { policies: ['tag-lb'], def: RouteAction.ACCEPT },
      IMPORT: { policies: [], def: RouteAction.ACCEPT },
    });
  });

  it('does nothing when the same policy is applied again', async () => {
    expect(await applier.apply(TAG, false, signal)).toEqual({ action: 'unchanged', withdrawn: [] });
  });

  it('replaces the whole policy on change: old sets and policies are gone', async () => {
    expect((await applier.apply(REJECT, false, signal)).action).toBe('applied');
    expect((await client.listPolicies()).map((p) => p.name)).toEqual(['drop-one']);
    expect((await client.listDefinedSets(DefinedType.PREFIX)).map((s) => s.name)).toEqual(['one']);
    expect(await client.listDefinedSets(DefinedType.COMMUNITY)).toEqual([]);
    expect(await assignments()).toEqual({
      EXPORT: { policies: ['drop-one'], def: RouteAction.ACCEPT },
      IMPORT: { policies: ['drop-one'], def: RouteAction.REJECT },
    });
  });

  it('reports a policy gobgpd refuses and keeps the previous one in place', async () => {
    const bad = policy(`
[[defined-sets.bgp-defined-sets.ext-community-sets]]
  ext-community-set-name = "e"
  ext-community-list = ["not-an-ext-community"]
`);
    const report = await applier.apply(bad, false, signal);
    expect(report.action).toBe('rejected');
    expect(report.error).toMatch(/ext|community|invalid/i);
    expect((await client.listPolicies()).map((p) => p.name)).toEqual(['drop-one']);
    // Not retried until it changes.
    expect((await applier.apply(bad, false, signal)).action).toBe('rejected');
    // `keep` (the configured policy is unusable) leaves the last good one.
    expect((await applier.apply({ kind: 'keep' }, false, signal)).action).toBe('kept');
    expect(await assignments()).toMatchObject({ EXPORT: { policies: ['drop-one'] } });
  });

  it('re-applies the last good policy after gobgpd restarted empty', async () => {
    await daemon.kill();
    await daemon.start();
    await client.startIfStopped(GLOBAL);
    expect(await assignments()).toEqual({
      EXPORT: { policies: [], def: RouteAction.ACCEPT },
      IMPORT: { policies: [], def: RouteAction.ACCEPT },
    });
    // Even without being told BGP started, the applier sees the assignments are gone.
    expect((await applier.apply({ kind: 'keep' }, false, signal)).action).toBe('applied');
    expect((await client.listPolicies()).map((p) => p.name)).toEqual(['drop-one']);
    expect((await applier.apply(REJECT, true, signal)).action).toBe('applied');
  });

  it('clears everything when no policy is configured', async () => {
    expect((await applier.apply({ kind: 'none' }, false, signal)).action).toBe('cleared');
    expect(await client.listPolicies()).toEqual([]);
    expect(await client.listDefinedSets(DefinedType.PREFIX)).toEqual([]);
    expect(await assignments()).toEqual({
      EXPORT: { policies: [], def: RouteAction.ACCEPT },
      IMPORT: { policies: [], def: RouteAction.ACCEPT },
    });
    expect((await applier.apply({ kind: 'none' }, false, signal)).action).toBe('unchanged');
  });
});
