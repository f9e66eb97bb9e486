import { describe, expect, it } from 'vitest';
import { globalAction, planPaths, planPeers, peerFingerprint } from '../../src/bgp/announcer-diff.js';
import type { GlobalConfig, PeerConfig, PeerStatus, RibRoute } from '../../src/bgp/types.js';

const g = (over: Partial<GlobalConfig> = {}): GlobalConfig => ({
  asn: 64512,
  routerId: '192.0.2.11',
  listenPort: 179,
  listenAddresses: [],
  ...over,
});

const peerCfg = (address: string, over: Partial<PeerConfig> = {}): PeerConfig => ({
  neighborAddress: address,
  peerAsn: 64500,
  transport: { passiveMode: true },
  afiSafis: [{ family: 'ipv4-unicast', enabled: true }],
  ...over,
});

const listed = (config: PeerConfig): PeerStatus => ({
  config,
  sessionState: 'established',
  adminState: 'up',
  routerId: '',
  flops: 0,
  messages: {
    received: { notification: 0, update: 0, open: 0, keepalive: 0, refresh: 0, discarded: 0, total: 0 },
    sent: { notification: 0, update: 0, open: 0, keepalive: 0, refresh: 0, discarded: 0, total: 0 },
  },
  negotiatedHoldTime: 0,
  uptime: undefined,
  downtime: undefined,
});

const rib = (prefix: string, nextHop: string, local = true): RibRoute => ({
  family: prefix.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast',
  prefix,
  prefixLen: prefix.includes(':') ? 128 : 32,
  nextHop,
  origin: 'igp',
  identifier: 0,
  local,
  neighborAddress: local ? '' : '192.0.2.1',
  best: true,
});

describe('globalAction', () => {
  it.each([
    ['start when not running', g({ asn: 0 }), g(), 'start'],
    ['keep when identical', g(), g(), 'keep'],
    [
      'keep when only non-identity fields change',
      g(),
      g({ useMultiplePaths: true, listenAddresses: ['0.0.0.0'] }),
      'keep',
    ],
    ['keep when 0 and 179 are the same port', g({ listenPort: 179 }), g({ listenPort: 0 }), 'keep'],
    ['restart on as change', g(), g({ asn: 65000 }), 'restart'],
    ['restart on routerId change', g(), g({ routerId: '192.0.2.99' }), 'restart'],
    ['restart on listen port change', g(), g({ listenPort: 17900 }), 'restart'],
  ] as const)('%s', (_n, current, desired, action) => {
    expect(globalAction(current, desired).action).toBe(action);
  });
});

describe('planPeers', () => {
  it('adds missing, deletes unwanted, updates changed (by applied fingerprint)', () => {
    const a = peerCfg('192.0.2.1');
    const b = peerCfg('192.0.2.2', { peerAsn: 65000 });
    const applied = new Map([['192.0.2.2', peerFingerprint(peerCfg('192.0.2.2'))]]);
    const plan = planPeers([a, b], [listed(b), listed(peerCfg('192.0.2.3'))], applied);
    expect(plan.add).toEqual([a]);
    expect(plan.update).toEqual([b]);
    expect(plan.delete).toEqual(['192.0.2.3']);
  });

  it('adopts a listed peer after a speaker restart when the session-defining fields match', () => {
    const want = peerCfg('192.0.2.1');
    const running = {
      ...want,
      timers: { holdTime: 90, keepaliveInterval: 30, connectRetry: 120 },
      localAsn: 0,
    };
    expect(planPeers([want], [listed(running)], new Map()).update).toEqual([]);
    expect(planPeers([want], [listed({ ...running, peerAsn: 1 })], new Map()).update).toEqual([want]);
  });
});

describe('planPaths', () => {
  it('adds desired routes, withdraws stale local ones, never touches learned ones', () => {
    const plan = planPaths(
      [
        { prefix: '198.51.100.10', nextHop: '192.0.2.11' },
        { prefix: '2001:db8:100:0::10', nextHop: '2001:db8:0:1::11' },
      ],
      [
        rib('198.51.100.10', '192.0.2.11'),
        rib('198.51.100.11', '192.0.2.11'),
        rib('10.0.0.0', '192.0.2.1', false),
      ],
    );
    expect(plan.add.map((r) => r.prefix)).toEqual(['2001:db8:100::10']);
    expect(plan.delete.map((r) => r.prefix)).toEqual(['198.51.100.11']);
  });

  it('re-announces a route whose next hop changed and refuses a loopback next hop', () => {
    const plan = planPaths(
      [
        { prefix: '198.51.100.10', nextHop: '192.0.2.12' },
        { prefix: '198.51.100.12', nextHop: '127.0.0.1' },
      ],
      [rib('198.51.100.10', '192.0.2.11')],
    );
    expect(plan.add.map((r) => r.nextHop)).toEqual(['192.0.2.12']);
    expect(plan.delete.map((r) => r.nextHop)).toEqual(['192.0.2.11']);
    expect(plan.invalid[0]?.error).toMatch(/loopback/);
  });

  it('plans the same input objects alike on every call (validation remembered per object)', () => {
    const desired = [
      { prefix: '198.51.100.10', nextHop: '192.0.2.11' },
      { prefix: '198.51.100.12', nextHop: '127.0.0.1' },
    ];
    const listed = [rib('198.51.100.11', '192.0.2.11')];
    const first = planPaths(desired, listed);
    const again = planPaths(desired, listed);
    expect(again).toEqual(first);
    expect(again.add[0]).toBe(first.add[0]);
    expect(again.add.map((r) => r.prefix)).toEqual(['198.51.100.10']);
    expect(again.delete.map((r) => r.prefix)).toEqual(['198.51.100.11']);
    expect(again.invalid.map((i) => i.input)).toEqual([desired[1]]);
    // Once the route is listed as added, the same input object plans nothing.
    expect(planPaths(desired, [rib('198.51.100.10', '192.0.2.11')]).add).toEqual([]);
  });
});
