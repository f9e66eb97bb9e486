import { describe, expect, it } from 'vitest';
import { BgpAnnouncer, type AnnounceSet } from '../../src/bgp/announcer.js';
import { GobgpReadCache, type SpeakerGobgpClient } from '../../src/bgp/read-cache.js';
import type { GlobalConfig, MessageCounters, PeerConfig, PeerStatus, Route } from '../../src/bgp/types.js';
import { silentLogger } from '../../src/observability/logger.js';

const GLOBAL: GlobalConfig = { asn: 64512, routerId: '192.0.2.11', listenPort: 179, listenAddresses: [] };

/** An in-memory gobgpd that counts each RPC by name. */
class CountingGobgpd {
  running: GlobalConfig = GLOBAL;
  peers: PeerStatus[] = [];
  readonly calls = new Map<string, number>();
  failNext: string | undefined;

  count(name: string): number {
    return this.calls.get(name) ?? 0;
  }

  #rpc<T>(name: string, answer: () => T): Promise<T> {
    this.calls.set(name, this.count(name) + 1);
    if (this.failNext === name) {
      this.failNext = undefined;
      return Promise.reject(new Error(`gobgpd: ${name} failed`));
    }
    return Promise.resolve(answer());
  }

  readonly client: SpeakerGobgpClient = {
    getGlobal: () => this.#rpc('GetBgp', () => this.running),
    startIfStopped: (config) =>
      this.#rpc('StartBgp', () => {
        this.running = config;
        return { action: 'started' as const, current: config };
      }),
    stop: () =>
      this.#rpc('StopBgp', () => {
        this.running = { ...this.running, asn: 0 };
      }),
    listPeers: () => this.#rpc('ListPeer', () => [...this.peers]),
    addPeer: (config) =>
      this.#rpc('AddPeer', () => {
        this.peers.push(peerStatus(config));
      }),
    updatePeer: () => this.#rpc('UpdatePeer', () => ({ needsSoftResetIn: false })),
    deletePeer: () => this.#rpc('DeletePeer', () => undefined),
    listPaths: () => this.#rpc('ListPath', () => []),
    addPaths: (routes) => this.#rpc('AddPathStream', () => routes as Route[]),
    addPath: () => this.#rpc('AddPath', () => ({ route: undefined as never, uuid: new Uint8Array() })),
    deletePathByContent: () => this.#rpc('DeletePath', () => undefined),
    listPolicyAssignments: () => this.#rpc('ListPolicyAssignment', () => []),
    setPolicies: () => this.#rpc('SetPolicies', () => undefined),
    setPolicyAssignment: () => this.#rpc('SetPolicyAssignment', () => undefined),
    softResetAll: () => this.#rpc('ResetPeer', () => undefined),
    listAdjOut: () => this.#rpc('ListAdjOut', () => []),
  };
}

function peerStatus(config: PeerConfig): PeerStatus {
  const none: MessageCounters = {
    notification: 0,
    update: 0,
    open: 0,
    keepalive: 0,
    refresh: 0,
    discarded: 0,
    total: 0,
  };
  return {
    config,
    sessionState: 'idle',
    adminState: 'up',
    routerId: '',
    flops: 0,
    messages: { received: none, sent: none },
    negotiatedHoldTime: 0,
    uptime: undefined,
    downtime: undefined,
  };
}

const PEER: PeerConfig = { neighborAddress: '192.0.2.1', peerAsn: 64500 };

const signal = new AbortController().signal;

function setup(maxAgeMs = 1000): { gobgpd: CountingGobgpd; cache: GobgpReadCache; clock: { t: number } } {
  const gobgpd = new CountingGobgpd();
  const clock = { t: 0 };
  return { gobgpd, cache: new GobgpReadCache(gobgpd.client, { now: () => clock.t, maxAgeMs }), clock };
}

describe('GobgpReadCache', () => {
  it('answers GetBgp, ListPeer and ListPolicyAssignment from memory within the age bound', async () => {
    const { gobgpd, cache, clock } = setup();
    for (const t of [0, 400, 1000]) {
      clock.t = t;
      expect(await cache.getGlobal()).toEqual(GLOBAL);
      await cache.listPeers();
      await cache.listPolicyAssignments('global');
    }
    expect([gobgpd.count('GetBgp'), gobgpd.count('ListPeer'), gobgpd.count('ListPolicyAssignment')]).toEqual([
      1, 1, 1,
    ]);
    clock.t = 1001;
    await cache.getGlobal();
    await cache.listPeers();
    expect([gobgpd.count('GetBgp'), gobgpd.count('ListPeer')]).toEqual([2, 2]);
  });

  it('reads again after invalidate(), after a failed call, and after a write that changes the answer', async () => {
    const { gobgpd, cache } = setup();
    await cache.listPeers();
    cache.invalidate();
    await cache.listPeers();
    expect(gobgpd.count('ListPeer')).toBe(2);

    gobgpd.failNext = 'AddPathStream';
    await expect(cache.addPaths([{ prefix: '198.51.100.1/32', nextHop: '192.0.2.11' }])).rejects.toThrow();
    await cache.listPeers();
    expect(gobgpd.count('ListPeer')).toBe(3);

    await cache.addPeer(PEER);
    expect((await cache.listPeers()).map((p) => p.config.neighborAddress)).toEqual(['192.0.2.1']);
    expect(gobgpd.count('ListPeer')).toBe(4);

    // Each write drops the reads whose answer it changes, and only those.
    const reads = {
      GetBgp: () => cache.getGlobal(),
      ListPeer: () => cache.listPeers(),
      ListPolicyAssignment: () => cache.listPolicyAssignments('global'),
    };
    const cases: [string, () => Promise<unknown>, (keyof typeof reads)[]][] = [
      ['SetPolicies', () => cache.setPolicies({} as never), ['ListPolicyAssignment']],
      ['SetPolicyAssignment', () => cache.setPolicyAssignment({} as never), ['ListPolicyAssignment']],
      ['ResetPeer', () => cache.softResetAll('both'), ['ListPeer']],
      ['UpdatePeer', () => cache.updatePeer(PEER), ['ListPeer']],
      ['DeletePeer', () => cache.deletePeer('192.0.2.1'), ['ListPeer']],
      ['StopBgp', () => cache.stop(), ['GetBgp', 'ListPeer', 'ListPolicyAssignment']],
      ['StartBgp', () => cache.startIfStopped(GLOBAL), ['GetBgp', 'ListPeer', 'ListPolicyAssignment']],
    ];
    for (const [name, write, dropped] of cases) {
      for (const read of Object.values(reads)) await read();
      const before = new Map(gobgpd.calls);
      await write();
      for (const read of Object.values(reads)) await read();
      const again = Object.keys(reads).filter((r) => gobgpd.count(r) > (before.get(r) ?? 0));
      expect({ name, again }).toEqual({ name, again: dropped });
    }
  });

  it('does not keep a failed read, and path calls leave the reads cached', async () => {
    const { gobgpd, cache } = setup();
    gobgpd.failNext = 'GetBgp';
    await expect(cache.getGlobal()).rejects.toThrow('GetBgp failed');
    expect(await cache.getGlobal()).toEqual(GLOBAL);
    expect(gobgpd.count('GetBgp')).toBe(2);
    await cache.addPaths([{ prefix: '198.51.100.1/32', nextHop: '192.0.2.11' }]);
    await cache.deletePathByContent({ prefix: '198.51.100.1/32', nextHop: '192.0.2.11' });
    await cache.listPaths('ipv4-unicast');
    await cache.getGlobal();
    expect(gobgpd.count('GetBgp')).toBe(2);
  });

  it('shares one RPC between concurrent readers, and does not keep a read an invalidation overtook', async () => {
    const { gobgpd, cache } = setup();
    await Promise.all([cache.listPeers(), cache.listPeers()]);
    expect(gobgpd.count('ListPeer')).toBe(1);
    cache.invalidate();
    const inFlight = cache.getGlobal();
    cache.invalidate(); // a watch event while GetBgp is on its way
    await inFlight;
    await cache.getGlobal();
    expect(gobgpd.count('GetBgp')).toBe(2);
  });

  it('leaves the announcer one RPC per apply in a burst: the AddPathStream (ListPath aside)', async () => {
    const { gobgpd, cache, clock } = setup();
    const announcer = new BgpAnnouncer(cache, silentLogger(), { now: () => clock.t, maxListingAgeMs: 1000 });
    const want = (n: number): AnnounceSet => ({
      global: { kind: 'config', config: GLOBAL },
      peers: [PEER],
      paths: Array.from({ length: n }, (_, i) => ({
        prefix: `198.51.100.${String(i + 1)}`,
        nextHop: '192.0.2.11',
      })),
    });
    await announcer.apply(want(1), signal); // adds the peer: reads again after it
    const first = new Map(gobgpd.calls);
    for (let n = 2; n <= 6; n++) {
      clock.t += 100;
      const report = await announcer.apply(want(n), signal);
      expect(report.pathsAdded).toBe(1);
      expect(report.peers.map((p) => p.config.neighborAddress)).toEqual(['192.0.2.1']);
    }
    const delta = (name: string): number => gobgpd.count(name) - (first.get(name) ?? 0);
    expect([delta('GetBgp'), delta('ListPeer'), delta('ListPath'), delta('AddPathStream')]).toEqual([
      0, 0, 0, 5,
    ]);
  });
});
