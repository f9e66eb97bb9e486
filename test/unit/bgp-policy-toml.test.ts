import { describe, expect, it } from 'vitest';
import { formatPolicyErrors, parseGobgpPolicy } from '../../src/bgp/policy-toml.js';
import type { PolicyParse } from '../../src/bgp/policy-toml.js';
import type { RoutingPolicy } from '../../src/bgp/policy-types.js';

/** A gobgp.conf in the shape gobgp's own docs use, covering every supported element. */
const FULL_POLICY = `
[[defined-sets.prefix-sets]]
  prefix-set-name = "lb-v4"
  [[defined-sets.prefix-sets.prefix-list]]
    ip-prefix = "198.51.100.0/24"
    masklength-range = "32..32"
  [[defined-sets.prefix-sets.prefix-list]]
    ip-prefix = "2001:db8::/32"

[[defined-sets.neighbor-sets]]
  neighbor-set-name = "routers"
  neighbor-info-list = ["10.0.0.1", "10.1.0.0/16"]

[[defined-sets.bgp-defined-sets.community-sets]]
  community-set-name = "tagged"
  community-list = ["64512:100"]

[[defined-sets.bgp-defined-sets.as-path-sets]]
  as-path-set-name = "from-64513"
  as-path-list = ["^64513_"]

[[policy-definitions]]
  name = "export-lb"
  [[policy-definitions.statements]]
    name = "tag-lb"
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "lb-v4"
      match-set-options = "any"
    [policy-definitions.statements.conditions.match-neighbor-set]
      neighbor-set = "routers"
      match-set-options = "invert"
    [policy-definitions.statements.actions]
      route-disposition = "accept-route"
    [policy-definitions.statements.actions.bgp-actions]
      set-med = "+10"
      set-local-pref = 200
      set-next-hop = "self"
      [policy-definitions.statements.actions.bgp-actions.set-community]
        options = "add"
        [policy-definitions.statements.actions.bgp-actions.set-community.set-community-method]
          communities-list = ["64512:100", "no-export"]
      [policy-definitions.statements.actions.bgp-actions.set-as-path-prepend]
        as = "64512"
        repeat-n = 2
  [[policy-definitions.statements]]
    [policy-definitions.statements.conditions.bgp-conditions.match-community-set]
      community-set = "tagged"
      match-set-options = "all"
    [policy-definitions.statements.conditions.bgp-conditions.match-as-path-set]
      as-path-set = "from-64513"
    [policy-definitions.statements.actions]
      route-disposition = "reject-route"

[global.config]
  as = 64512
  router-id = "10.0.0.2"

[global.apply-policy.config]
  export-policy-list = ["export-lb"]
  default-export-policy = "accept-route"
  import-policy-list = []
  default-import-policy = "reject-route"
`;

function ok(parsed: PolicyParse): RoutingPolicy {
  if (!parsed.ok) throw new Error(formatPolicyErrors(parsed.errors));
  return parsed.policy;
}

function errorsOf(text: string): string[] {
  const parsed = parseGobgpPolicy(text);
  if (parsed.ok) throw new Error('expected errors');
  return parsed.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('parseGobgpPolicy', () => {
  it('reads defined sets, statements and the global assignments of gobgp TOML', () => {
    const parsed = parseGobgpPolicy(FULL_POLICY);
    const policy = ok(parsed);
    expect(policy.definedSets).toEqual([
      {
        kind: 'prefix',
        name: 'lb-v4',
        prefixes: [
          { prefix: '198.51.100.0/24', min: 32, max: 32 },
          { prefix: '2001:db8::/32', min: 32, max: 32 },
        ],
      },
      { kind: 'neighbor', name: 'routers', list: ['10.0.0.1/32', '10.1.0.0/16'] },
      { kind: 'community', name: 'tagged', list: ['64512:100'] },
      { kind: 'as-path', name: 'from-64513', list: ['^64513_'] },
    ]);
    expect(policy.policies).toEqual([
      {
        name: 'export-lb',
        statements: [
          {
            name: 'tag-lb',
            conditions: {
              prefixSet: { set: 'lb-v4', option: 'any' },
              neighborSet: { set: 'routers', option: 'invert' },
            },
            actions: {
              disposition: 'accept',
              community: { op: 'add', communities: ['64512:100', 'no-export'] },
              med: { op: 'mod', value: 10 },
              localPref: 200,
              asPathPrepend: { asn: 64512, useLeftMost: false, repeat: 2 },
              nextHop: { kind: 'self' },
            },
          },
          {
            name: 'export-lb_stmt1',
            conditions: {
              communitySet: { set: 'tagged', option: 'all' },
              asPathSet: { set: 'from-64513', option: 'any' },
            },
            actions: { disposition: 'reject' },
          },
        ],
      },
    ]);
    expect(policy.export).toEqual({ policies: ['export-lb'], defaultAction: 'accept' });
    expect(policy.import).toEqual({ policies: [], defaultAction: 'reject' });
    expect(parsed.ok && parsed.notes).toEqual([
      'global.config is ignored: BgpConf default configures the global settings',
    ]);
  });

  it('reads set-med forms, last-as prepends, next-hop addresses and community replace/remove', () => {
    const policy = ok(
      parseGobgpPolicy(`
[[policy-definitions]]
  name = "p"
  [[policy-definitions.statements]]
    name = "a"
    [policy-definitions.statements.actions.bgp-actions]
      set-med = "-5"
      set-next-hop = "192.0.2.1"
      [policy-definitions.statements.actions.bgp-actions.set-as-path-prepend]
        as = "last-as"
        repeat-n = 3
      [policy-definitions.statements.actions.bgp-actions.set-community]
        options = "REMOVE"
        [policy-definitions.statements.actions.bgp-actions.set-community.set-community-method]
          communities-list = ["^64512:.*$"]
  [[policy-definitions.statements]]
    name = "b"
    [policy-definitions.statements.actions.bgp-actions]
      set-med = 70
      set-next-hop = "unchanged"
      [policy-definitions.statements.actions.bgp-actions.set-community]
        options = "replace"
        [policy-definitions.statements.actions.bgp-actions.set-community.set-community-method]
          communities-list = ["65000:1"]
`),
    );
    const [a, b] = policy.policies[0]?.statements ?? [];
    expect(a?.actions).toEqual({
      disposition: 'none',
      med: { op: 'mod', value: -5 },
      nextHop: { kind: 'address', address: '192.0.2.1' },
      asPathPrepend: { asn: 0, useLeftMost: true, repeat: 3 },
      community: { op: 'remove', communities: ['^64512:.*$'] },
    });
    expect(b?.actions).toMatchObject({
      med: { op: 'replace', value: 70 },
      nextHop: { kind: 'unchanged' },
      community: { op: 'replace', communities: ['65000:1'] },
    });
  });

  it('treats an empty document as the empty policy', () => {
    expect(ok(parseGobgpPolicy(''))).toEqual({
      definedSets: [],
      policies: [],
      import: { policies: [], defaultAction: 'accept' },
      export: { policies: [], defaultAction: 'accept' },
    });
  });

  it('reports TOML syntax errors with line and column, never throwing', () => {
    const errors = errorsOf('[[policy-definitions]\nname = "x"');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^line 1, column \d+: /);
  });

  it('names the TOML path of unknown keys and bad values', () => {
    const errors = errorsOf(`
[[defined-sets.prefix-sets]]
  prefix-set-name = "ps"
  [[defined-sets.prefix-sets.prefix-list]]
    ip-prefix = "198.51.100.0/33"
  [[defined-sets.prefix-sets.prefix-list]]
    ip-prefix = "198.51.100.0/24"
    masklength-range = "20..32"
  [[defined-sets.prefix-sets.prefix-list]]
    ip-prefx = "198.51.100.0/24"
[[defined-sets.neighbor-sets]]
  neighbor-set-name = "n"
  neighbor-info-list = ["not-an-ip"]
[[policy-definitions]]
  name = "p"
  [[policy-definitions.statements]]
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "ps"
      match-set-options = "all"
    [policy-definitions.statements.actions]
      route-disposition = "accept"
    [policy-definitions.statements.actions.bgp-actions]
      set-med = "lots"
      set-local-pref = -1
      set-next-hop = "router"
      [policy-definitions.statements.actions.bgp-actions.set-community]
        options = "add"
        [policy-definitions.statements.actions.bgp-actions.set-community.set-community-method]
          communities-list = ["70000:1", "x"]
`);
    const s = 'policy-definitions[0].statements[0]';
    const b = `${s}.actions.bgp-actions`;
    expect(errors).toEqual([
      'defined-sets.prefix-sets[0].prefix-list[0].ip-prefix: "198.51.100.0/33" is not a prefix (address/length)',
      'defined-sets.prefix-sets[0].prefix-list[1].masklength-range: "20..32" must be MIN..MAX with 24 <= MIN <= MAX <= 32',
      'defined-sets.prefix-sets[0].prefix-list[2].ip-prefx: unknown key (expected one of: ip-prefix, masklength-range)',
      'defined-sets.prefix-sets[0].prefix-list[2].ip-prefix: is required',
      'defined-sets.neighbor-sets[0].neighbor-info-list[0]: "not-an-ip" is not an IP address or prefix',
      `${s}.conditions.match-prefix-set.match-set-options: "all" is not one of: any, invert`,
      `${s}.actions.route-disposition: "accept" is not one of: accept-route, reject-route, none`,
      `${b}.set-community.set-community-method.communities-list[0]: "70000:1": both halves of a community must be at most 65535`,
      `${b}.set-community.set-community-method.communities-list[1]: "x" is not a community (use AS:VALUE, a 32-bit number or a well-known name)`,
      `${b}.set-local-pref: must be between 1 and 4294967295`,
      `${b}.set-next-hop: "router" is not an IP address, "self" or "unchanged"`,
      `${b}.set-med: must be a MED ("100" sets it, "+10" / "-10" change it; at most 4294967295)`,
    ]);
  });

  it('cross-checks names: missing sets and policies, duplicates, wrong set kinds', () => {
    const errors = errorsOf(`
[[defined-sets.bgp-defined-sets.community-sets]]
  community-set-name = "c"
  community-list = ["1:1"]
[[defined-sets.bgp-defined-sets.community-sets]]
  community-set-name = "c"
  community-list = ["1:2"]
[[policy-definitions]]
  name = "p"
  [[policy-definitions.statements]]
    name = "s"
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "c"
[[policy-definitions]]
  name = "p"
  [[policy-definitions.statements]]
    name = "s"
[global.apply-policy.config]
  import-policy-list = ["p", "p"]
  export-policy-list = ["missing"]
`);
    expect(errors).toEqual([
      'defined-sets: community set "c" is defined twice',
      'policy-definitions[0].statements[0].conditions.match-prefix-set.prefix-set: no prefix set named "c" is defined',
      'policy-definitions: policy "p" is defined twice',
      'policy-definitions: statement "s" is defined twice',
      'global.apply-policy.config.import-policy-list[1]: policy "p" is listed twice',
      'global.apply-policy.config.export-policy-list[0]: no policy named "missing" is defined in policy-definitions',
    ]);
  });

  it('rejects unknown top-level keys but only notes gobgp sections that are not policy', () => {
    expect(errorsOf('polices = 1')).toEqual([
      'polices: unknown key (expected one of: defined-sets, policy-definitions, global)',
    ]);
    const parsed = parseGobgpPolicy('[[neighbors]]\n[neighbors.config]\nneighbor-address = "10.0.0.1"\n');
    expect(parsed.ok && parsed.notes).toEqual([
      'neighbors is ignored: only routing policy is read from this file; BgpConf and BgpPeer configure the rest',
    ]);
  });

  it('rejects wrongly shaped sections instead of crashing', () => {
    expect(errorsOf('policy-definitions = "x"')).toEqual([
      'policy-definitions: must be an array of tables ([[policy-definitions]]), got "x"',
    ]);
    expect(errorsOf('defined-sets = [1]')).toEqual(['defined-sets: must be a table, got an array']);
    expect(errorsOf('[[policy-definitions]]\nname = 5')).toEqual([
      'policy-definitions[0].name: must be a string, got 5',
    ]);
  });
});
