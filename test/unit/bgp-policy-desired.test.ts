import { describe, expect, it } from 'vitest';
import { desiredPolicy } from '../../src/bgp/policy-desired.js';
import { desiredBgp, type BgpWorld } from '../../src/speaker/desired-bgp.js';

const NS = 'openelb-system';
const GOOD = `
[[policy-definitions]]
  name = "p"
[global.apply-policy.config]
  export-policy-list = ["p"]
[global.config]
  as = 1
`;
const cm = (name: string, data?: Record<string, string>, namespace = NS): object => ({
  metadata: { name, namespace },
  ...(data !== undefined && { data }),
});

describe('desiredPolicy (BgpConf spec.policy)', () => {
  it('is none without spec.policy', () => {
    expect(desiredPolicy(undefined, NS, [])).toEqual({ policy: { kind: 'none' }, notes: [] });
    expect(desiredPolicy('', NS, [cm('x', { 'gobgp.conf': GOOD })]).policy).toEqual({ kind: 'none' });
  });

  it('parses gobgp.conf of the named ConfigMap in the speaker namespace only', () => {
    const d = desiredPolicy('policy', NS, [
      cm('policy', { 'gobgp.conf': GOOD }, 'default'),
      cm('policy', { 'gobgp.conf': GOOD }),
    ]);
    expect(d.problem).toBeUndefined();
    expect(d.policy).toMatchObject({
      kind: 'policy',
      source: 'ConfigMap openelb-system/policy key gobgp.conf',
      policy: { export: { policies: ['p'], defaultAction: 'accept' } },
    });
    expect(d.notes).toEqual(['global.config is ignored: BgpConf default configures the global settings']);
  });

  it('removes the policy when the ConfigMap is missing, and says so', () => {
    const d = desiredPolicy('policy', NS, [cm('policy', { 'gobgp.conf': GOOD }, 'default')]);
    expect(d).toEqual({
      policy: { kind: 'none' },
      problem: 'spec.policy: ConfigMap openelb-system/policy does not exist; no routing policy is applied',
      notes: [],
    });
  });

  it('keeps the last good policy when the key is missing or the TOML is invalid, naming ConfigMap, key and path', () => {
    expect(desiredPolicy('policy', NS, [cm('policy', { other: '' })])).toEqual({
      policy: { kind: 'keep' },
      problem:
        'spec.policy: ConfigMap openelb-system/policy has no key gobgp.conf; the last good policy stays applied',
      notes: [],
    });
    const bad = desiredPolicy('policy', NS, [
      cm('policy', { 'gobgp.conf': '[global.apply-policy.config]\nexport-policy-list = ["nope"]' }),
    ]);
    expect(bad.policy).toEqual({ kind: 'keep' });
    expect(bad.problem).toBe(
      'spec.policy: ConfigMap openelb-system/policy key gobgp.conf: global.apply-policy.config.export-policy-list[0]: ' +
        'no policy named "nope" is defined in policy-definitions; the last good policy stays applied',
    );
  });
});

describe('desiredBgp carries the policy and its problem', () => {
  const world = (spec: Record<string, unknown>, configMaps: object[]): BgpWorld => ({
    nodeName: 'node1',
    speakerNamespace: NS,
    nowMs: 0,
    node: undefined,
    services: [],
    eips: [],
    endpointSlices: [],
    leases: [],
    bgpConfs: [
      {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'BgpConf',
        metadata: { name: 'default' },
        spec: { as: 64512, routerId: '192.0.2.1', ...spec },
      },
    ],
    bgpPeers: [],
    secret: () => ({ ok: false, error: 'none' }),
    configMaps,
  });

  it('gives the parsed policy with the global config', () => {
    const d = desiredBgp(world({ policy: 'policy' }, [cm('policy', { 'gobgp.conf': GOOD })]));
    expect(d.global.kind).toBe('config');
    expect(d.policy.kind).toBe('policy');
    expect(d.policyNotes).toHaveLength(1);
    expect(d.problems).toEqual([]);
  });

  it('reports a bad policy as a spec problem of BgpConf default without touching the global config', () => {
    const d = desiredBgp(world({ policy: 'policy' }, [cm('policy', { 'gobgp.conf': 'x = ' })]));
    expect(d.global.kind).toBe('config');
    expect(d.policy).toEqual({ kind: 'keep' });
    expect(d.problems).toEqual([
      {
        kind: 'BgpConf',
        name: 'default',
        scope: 'spec',
        message: expect.stringMatching(
          /^spec\.policy: ConfigMap openelb-system\/policy key gobgp\.conf: line 1, column \d+: /,
        ) as unknown,
      },
    ]);
  });

  it('has no policy without a BgpConf, and keeps it when the BgpConf is invalid', () => {
    expect(desiredBgp({ ...world({}, []), bgpConfs: [] }).policy).toEqual({ kind: 'none' });
    expect(desiredBgp(world({ as: 'x' }, [])).policy).toEqual({ kind: 'keep' });
  });
});
