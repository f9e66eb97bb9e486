import { describe, expect, it } from 'vitest';
import { listedPeerMatches, planPeers } from '../../src/bgp/announcer-diff.js';
import type { PeerConfig, PeerStatus } from '../../src/bgp/types.js';

const want: PeerConfig = {
  neighborAddress: '192.0.2.1',
  peerAsn: 64500,
  transport: { passiveMode: true },
  afiSafis: [],
};

/** What gobgpd 3.10 lists for `want` after AddPeer under global AS 64512 (measured in the lab). */
const asListed: PeerConfig = {
  ...want,
  localAsn: 64512,
  authPassword: '',
  timers: { connectRetry: 120, holdTime: 90, keepaliveInterval: 30 },
  transport: { passiveMode: true, remotePort: 0, tcpMss: 0, mtuDiscovery: false },
  afiSafis: [{ family: 'ipv4-unicast', enabled: true }],
};

const status = (config: PeerConfig): PeerStatus => ({
  config,
  sessionState: 'established',
  adminState: 'up',
  routerId: '',
  flops: 0,
  messages: {
    received: { notification: 0, update: 0, open: 0, keepalive: 0, refresh: 0, discarded: 0, total: 0 },
    sent: { notification: 0, update: 0, open: 0, keepalive: 0, refresh: 0, discarded: 0, total: 0 },
  },
  negotiatedHoldTime: 90,
  uptime: undefined,
  downtime: undefined,
});

describe('adopting a peer after a speaker restart', () => {
  it('treats the global AS gobgpd fills in as "no local AS configured"', () => {
    expect(listedPeerMatches(asListed, want, 64512)).toBe(true);
    // A restarted speaker must not UpdatePeer (gobgpd resets the session, the router drops the routes).
    expect(planPeers([want], [status(asListed)], new Map(), 64512).update).toEqual([]);
  });

  it('still updates a peer whose local AS really differs', () => {
    expect(listedPeerMatches({ ...asListed, localAsn: 65000 }, want, 64512)).toBe(false);
    expect(listedPeerMatches(asListed, { ...want, localAsn: 65000 }, 64512)).toBe(false);
    expect(planPeers([want], [status({ ...asListed, localAsn: 65000 })], new Map(), 64512).update).toEqual([
      want,
    ]);
  });
});

describe('adopting a peer: the AS-path options gobgpd lists back', () => {
  it('adopts a peer whose options match, and updates one whose options changed meanwhile', () => {
    const withOptions: PeerConfig = { ...want, removePrivate: 'all', allowOwnAsn: 1, replacePeerAsn: true };
    const listed: PeerConfig = { ...asListed, removePrivate: 'all', allowOwnAsn: 1, replacePeerAsn: true };
    expect(listedPeerMatches(listed, withOptions, 64512)).toBe(true);
    // BgpPeer edited while the speaker was down: the restarted speaker applies it.
    expect(listedPeerMatches(asListed, withOptions, 64512)).toBe(false);
    expect(listedPeerMatches({ ...listed, removePrivate: 'replace' }, withOptions, 64512)).toBe(false);
    expect(listedPeerMatches(listed, want, 64512)).toBe(false);
  });
});
