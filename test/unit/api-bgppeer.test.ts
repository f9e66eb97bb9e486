import { describe, expect, it } from 'vitest';
import { parseBgpPeer, type BgpPeerConfig } from '../../src/api/parse/bgppeer.js';
import type { FieldError } from '../../src/api/errors.js';

const peer = (spec: unknown, apiVersion = 'network.kubesphere.io/v1alpha2') => ({
  apiVersion,
  kind: 'BgpPeer',
  metadata: { name: 'router' },
  spec,
});
const conf = (extra: Record<string, unknown> = {}) => ({
  peerAs: 65001,
  neighborAddress: '192.0.2.1',
  ...extra,
});

function valid(obj: unknown): { value: BgpPeerConfig; warnings: readonly FieldError[] } {
  const r = parseBgpPeer(obj);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r;
}

function errors(obj: unknown): readonly FieldError[] {
  const r = parseBgpPeer(obj);
  if (r.ok) throw new Error('expected errors');
  return r.errors;
}

describe('parseBgpPeer: valid peers', () => {
  it('reads the OpenELB docs example and defaults the family from the neighbour', () => {
    const { value } = valid(peer({ conf: conf(), transport: { passiveMode: false } }));
    expect(value).toMatchObject({
      peerAs: 65001,
      neighborAddress: '192.0.2.1',
      localAs: 0,
      auth: { kind: 'none' },
      afiSafisDefaulted: true,
      nodeSelector: undefined,
      transport: { passiveMode: false, remotePort: 0, tcpMss: 0, mtuDiscovery: false },
      timers: { holdTime: undefined, keepaliveInterval: undefined },
    });
    expect(value.afiSafis).toEqual([
      {
        afi: 'AFI_IP',
        safi: 'SAFI_UNICAST',
        enabled: true,
        addPathsReceive: false,
        addPathsSendMax: 10,
        mpGracefulRestart: false,
      },
    ]);
  });

  it('defaults IPv6 neighbours to AFI_IP6 and canonicalises the address', () => {
    const { value } = valid(peer({ conf: conf({ neighborAddress: '2001:DB8:0::1' }) }));
    expect(value.neighborAddress).toBe('2001:db8::1');
    expect(value.afiSafis[0]).toMatchObject({ afi: 'AFI_IP6', safi: 'SAFI_UNICAST' });
  });

  it('reads every v1alpha2 field', () => {
    const { value } = valid(
      peer({
        conf: conf({
          authPasswordSecretRef: { name: 'bgp-auth', key: 'password' },
          description: 'tor',
          localAs: 65000,
          peerGroup: 'g',
          peerType: 1,
          removePrivateAs: 'ALL',
          routeFlapDamping: true,
          sendCommunity: 3,
          neighborInterface: 'eth0',
          vrf: 'red',
          allowOwnAs: 2,
          replacePeerAs: true,
          adminDown: true,
        }),
        ebgpMultihop: { enabled: true, multihopTtl: 3 },
        timers: {
          config: {
            connectRetry: '10',
            holdTime: 90,
            keepaliveInterval: '30',
            minimumAdvertisementInterval: 0,
          },
        },
        transport: {
          mtuDiscovery: true,
          passiveMode: true,
          remoteAddress: '192.0.2.1',
          remotePort: 17901,
          tcpMss: 1400,
        },
        gracefulRestart: { enabled: true },
        afiSafis: [
          {
            config: { family: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' }, enabled: true },
            addPaths: { config: { receive: true, sendMax: 8 } },
            mpGracefulRestart: { config: { enabled: true } },
          },
        ],
        nodeSelector: {
          matchLabels: { rack: 'r1' },
          matchExpressions: [{ key: 'role', operator: 'Exists' }],
        },
      }),
    );
    expect(value).toMatchObject({
      auth: { kind: 'secret', name: 'bgp-auth', key: 'password', namespace: undefined },
      description: 'tor',
      localAs: 65000,
      peerType: 1,
      removePrivateAs: 'ALL',
      sendCommunity: 3,
      allowOwnAs: 2,
      adminDown: true,
      ebgpMultihop: { enabled: true, ttl: 3 },
      timers: { connectRetry: 10, holdTime: 90, keepaliveInterval: 30, minimumAdvertisementInterval: 0 },
      transport: {
        mtuDiscovery: true,
        passiveMode: true,
        remoteAddress: '192.0.2.1',
        remotePort: 17901,
        tcpMss: 1400,
      },
      gracefulRestart: { enabled: true },
      afiSafisDefaulted: false,
      afiSafis: [
        {
          afi: 'AFI_IP',
          safi: 'SAFI_UNICAST',
          enabled: true,
          addPathsReceive: true,
          addPathsSendMax: 8,
          mpGracefulRestart: true,
        },
      ],
      nodeSelector: {
        matchLabels: { rack: 'r1' },
        matchExpressions: [{ key: 'role', operator: 'Exists', values: [] }],
      },
    });
  });

  it('takes an inline authPassword', () => {
    expect(valid(peer({ conf: conf({ authPassword: 's3cret' }) })).value.auth).toEqual({
      kind: 'inline',
      password: 's3cret',
    });
  });

  it('maps v1alpha1 config/addPaths/transport and warns on usingPortForward', () => {
    const { value, warnings } = valid(
      peer(
        {
          config: { peerAs: 65001, neighborAddress: '192.0.2.1' },
          addPaths: { sendMax: 4 },
          transport: { passiveMode: true, remotePort: 17901 },
          usingPortForward: true,
        },
        'network.kubesphere.io/v1alpha1',
      ),
    );
    expect(value).toMatchObject({
      apiVersion: 'v1alpha1',
      peerAs: 65001,
      transport: { passiveMode: true, remotePort: 17901 },
    });
    expect(value.afiSafis[0]!.addPathsSendMax).toBe(4);
    expect(warnings.map((w) => w.path)).toEqual(['spec.usingPortForward']);
  });
});

describe('parseBgpPeer: settings that change nothing here', () => {
  it('warns on each, naming it and why, and on none of the settings that apply', () => {
    const { warnings } = valid(
      peer({
        conf: conf({
          peerGroup: 'g',
          peerType: 1,
          routeFlapDamping: true,
          sendCommunity: 3,
          neighborInterface: 'eth0',
          vrf: 'red',
          removePrivateAs: 'ALL',
          allowOwnAs: 2,
          replacePeerAs: true,
        }),
        timers: { config: { holdTime: 9, minimumAdvertisementInterval: '5' } },
        transport: { remoteAddress: '192.0.2.9' },
      }),
    );
    expect(warnings.map((w) => w.path).sort()).toEqual([
      'spec.conf.neighborInterface',
      'spec.conf.peerGroup',
      'spec.conf.peerType',
      'spec.conf.routeFlapDamping',
      'spec.conf.sendCommunity',
      'spec.conf.vrf',
      'spec.timers.config.minimumAdvertisementInterval',
      'spec.transport.remoteAddress',
    ]);
    expect(warnings.every((w) => w.message.startsWith('has no effect: '))).toBe(true);
    expect(warnings.find((w) => w.path === 'spec.conf.routeFlapDamping')?.message).toMatch(
      /gobgpd does not implement/,
    );
  });

  it('does not warn on their zero values, nor on a remoteAddress equal to the neighbour', () => {
    const { warnings } = valid(
      peer({
        conf: conf({ routeFlapDamping: false, sendCommunity: 0 }),
        timers: { config: { minimumAdvertisementInterval: 0 } },
        transport: { remoteAddress: '192.0.2.1' },
      }),
    );
    expect(warnings).toEqual([]);
  });
});

describe('parseBgpPeer: every error path', () => {
  it.each<[string, unknown, string, string]>([
    ['no conf', peer({}), 'spec.conf', 'is required'],
    ['no peerAs', peer({ conf: { neighborAddress: '192.0.2.1' } }), 'spec.conf.peerAs', 'is required'],
    ['peerAs 0', peer({ conf: conf({ peerAs: 0 }) }), 'spec.conf.peerAs', 'between 1 and 4294967295'],
    ['no neighbour', peer({ conf: { peerAs: 1 } }), 'spec.conf.neighborAddress', 'is required'],
    [
      'bad neighbour',
      peer({ conf: conf({ neighborAddress: '192.0.2' }) }),
      'spec.conf.neighborAddress',
      'is not an IPv4 or IPv6 address',
    ],
    [
      'neighbour garbage',
      peer({ conf: conf({ neighborAddress: 'router1' }) }),
      'spec.conf.neighborAddress',
      'has an invalid format',
    ],
    [
      'both passwords',
      peer({ conf: conf({ authPassword: 'x', authPasswordSecretRef: { name: 's', key: 'k' } }) }),
      'spec.conf.authPasswordSecretRef',
      'not both',
    ],
    [
      'secret ref without key',
      peer({ conf: conf({ authPasswordSecretRef: { name: 's' } }) }),
      'spec.conf.authPasswordSecretRef.key',
      'is required',
    ],
    [
      'bad removePrivateAs',
      peer({ conf: conf({ removePrivateAs: 'SOME' }) }),
      'spec.conf.removePrivateAs',
      'use one of "NONE", "ALL", "REPLACE"',
    ],
    [
      'ttl 0',
      peer({ conf: conf(), ebgpMultihop: { enabled: true, multihopTtl: 0 } }),
      'spec.ebgpMultihop.multihopTtl',
      'between 1 and 255',
    ],
    [
      'timer not digits',
      peer({ conf: conf(), timers: { config: { holdTime: '90s' } } }),
      'spec.timers.config.holdTime',
      'must be a whole number or a string of digits',
    ],
    [
      'timer negative',
      peer({ conf: conf(), timers: { config: { connectRetry: -1 } } }),
      'spec.timers.config.connectRetry',
      'must be a whole number or a string of digits',
    ],
    [
      'timer too large',
      peer({ conf: conf(), timers: { config: { connectRetry: '99999999' } } }),
      'spec.timers.config.connectRetry',
      'at most 65535',
    ],
    [
      'hold time 2',
      peer({ conf: conf(), timers: { config: { holdTime: '2' } } }),
      'spec.timers.config.holdTime',
      'between 3 and 65535',
    ],
    [
      'keepalive >= hold',
      peer({ conf: conf(), timers: { config: { holdTime: 9, keepaliveInterval: 9 } } }),
      'spec.timers.config.keepaliveInterval',
      'less than holdTime (9)',
    ],
    [
      'remote port too large',
      peer({ conf: conf(), transport: { remotePort: 65536 } }),
      'spec.transport.remotePort',
      'between 0 and 65535',
    ],
    [
      'bad afi',
      peer({ conf: conf(), afiSafis: [{ config: { family: { afi: 'IPV4' } } }] }),
      'spec.afiSafis[0].config.family.afi',
      'is not supported',
    ],
    [
      'sendMax too large',
      peer({ conf: conf(), afiSafis: [{ addPaths: { config: { sendMax: 300 } } }] }),
      'spec.afiSafis[0].addPaths.config.sendMax',
      'between 0 and 255',
    ],
    [
      'bad selector operator',
      peer({ conf: conf(), nodeSelector: { matchExpressions: [{ key: 'a', operator: 'Has' }] } }),
      'spec.nodeSelector.matchExpressions[0].operator',
      'use one of "In", "NotIn", "Exists", "DoesNotExist"',
    ],
    [
      'In without values',
      peer({ conf: conf(), nodeSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }),
      'spec.nodeSelector.matchExpressions[0].values',
      'must not be empty for operator In',
    ],
    [
      'Exists with values',
      peer({
        conf: conf(),
        nodeSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      }),
      'spec.nodeSelector.matchExpressions[0].values',
      'must be empty for operator Exists',
    ],
    [
      'bad selector key',
      peer({ conf: conf(), nodeSelector: { matchLabels: { '-bad': 'x' } } }),
      'spec.nodeSelector.matchLabels["-bad"]',
      'label key',
    ],
    [
      'v1alpha1 IPv6 neighbour',
      peer({ config: { peerAs: 1, neighborAddress: '2001:db8::1' } }, 'network.kubesphere.io/v1alpha1'),
      'spec.config.neighborAddress',
      'has an invalid format',
    ],
    ['v1alpha1 no config', peer({}, 'network.kubesphere.io/v1alpha1'), 'spec.config', 'is required'],
    [
      'v1alpha1 port 0',
      peer(
        { config: { peerAs: 1, neighborAddress: '192.0.2.1' }, transport: { remotePort: 0 } },
        'network.kubesphere.io/v1alpha1',
      ),
      'spec.transport.remotePort',
      'between 1 and 65535',
    ],
  ])('%s', (_name, obj, path, fragment) => {
    const errs = errors(obj);
    const hit = errs.find((e) => e.path === path);
    expect(hit, JSON.stringify(errs)).toBeDefined();
    expect(hit!.message).toContain(fragment);
  });
});
