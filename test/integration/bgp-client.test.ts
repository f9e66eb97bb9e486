/**
 * GobgpClient against a real gobgpd 3.10 on loopback: start, paths (v4/v6), peers, the typed
 * errors gobgp produces, watchPeers, a gobgpd kill + restart, deadlines and close().
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { getEventListeners } from 'node:events';
import { dependantsAfterOneAny, signalDependants } from '../support/signal-dependants.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GobgpClient } from '../../src/bgp/client.js';
import type { Connectivity, GobgpCallRecord } from '../../src/bgp/client.js';
import { GobgpError } from '../../src/bgp/errors.js';
import type { GlobalConfig, PeerWatchEvent } from '../../src/bgp/types.js';
import { Gobgpd, freePort, requireGobgpd } from './bgp-gobgpd.js';

const GLOBAL: GlobalConfig = { asn: 64512, routerId: '10.255.0.1', listenPort: -1, listenAddresses: [] };

async function rejection(promise: Promise<unknown>): Promise<GobgpError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GobgpError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** Polls `check` until it returns true (real time: gobgpd is a real process). */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('GobgpClient against gobgpd 3.10', () => {
  let daemon: Gobgpd;
  let client: GobgpClient;
  const connectivity: Connectivity[] = [];

  beforeAll(async () => {
    requireGobgpd();
    daemon = new Gobgpd(await freePort());
    await daemon.start();
    client = new GobgpClient({ address: daemon.address, onConnectivityChange: (s) => connectivity.push(s) });
  });

  afterAll(async () => {
    client.close();
    await daemon.kill();
  });

  it('reports every finished call to onCall: the RPC, ok or the error kind, and its duration', async () => {
    const calls: GobgpCallRecord[] = [];
    let now = 0;
    const observed = new GobgpClient({
      address: daemon.address,
      onCall: (c) => calls.push(c),
      now: () => (now += 4),
    });
    try {
      await observed.listPeers();
      const error = await rejection(observed.deletePeer('192.0.2.250'));
      expect(calls).toEqual([
        { operation: 'ListPeer', outcome: 'ok', seconds: 0.004 },
        { operation: 'DeletePeer', outcome: error.kind, seconds: 0.004 },
      ]);
      expect(error.kind).not.toBe('unavailable');
    } finally {
      observed.close();
    }
  });

  it('leaves nothing on a long-lived caller signal, however many calls use it', async () => {
    // The speaker passes its work queue's signal to every call; each call used to leave an entry
    // behind on it (AbortSignal.any), one per RPC for the life of the process.
    // Node keeps those entries in an internal set; the probe is checked on a control signal first.
    expect(dependantsAfterOneAny()).toBe(1);
    const run = new AbortController();
    for (let i = 0; i < 50; i++) await client.listPeers({ signal: run.signal });
    await rejection(client.deletePeer('192.0.2.250', { signal: run.signal }));
    expect(signalDependants(run.signal)).toBe(0);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
    // Still abortable: a call made with it after the abort fails as aborted.
    run.abort();
    expect((await rejection(client.listPeers({ signal: run.signal }))).kind).toBe('aborted');
  });

  it('starts BGP only when gobgpd reports asn 0, so a second start keeps the RIB', async () => {
    expect((await client.getGlobal()).asn).toBe(0);
    const first = await client.startIfStopped(GLOBAL);
    expect(first.action).toBe('started');
    expect(first.current).toMatchObject({ asn: 64512, routerId: '10.255.0.1', listenPort: -1 });

    await client.addPath({ prefix: '203.0.113.1', nextHop: '0.0.0.0' });
    const second = await client.startIfStopped({ ...GLOBAL, asn: 64999 });
    expect(second).toMatchObject({ action: 'already-running', current: { asn: 64512 } });
    expect((await client.listPaths('ipv4-unicast')).map((r) => r.prefix)).toContain('203.0.113.1');
    await client.deletePathByContent({ prefix: '203.0.113.1', nextHop: '0.0.0.0' });
  });

  it('adds, lists and deletes IPv4 and IPv6 paths as plain routes', async () => {
    await client.addPath({ prefix: '198.51.100.10', nextHop: '0.0.0.0' });
    await client.addPath({ prefix: '198.51.100.11', nextHop: '192.0.2.5', identifier: 7 });
    await client.addPath({ prefix: '2001:0db8:0:0::10', nextHop: '::' });
    await client.addPath({
      prefix: '2001:db8:99::',
      prefixLen: 64,
      nextHop: '2001:db8::2',
      origin: 'incomplete',
    });

    const v4 = await client.listPaths('ipv4-unicast');
    expect(v4).toEqual([
      {
        family: 'ipv4-unicast',
        prefix: '198.51.100.10',
        prefixLen: 32,
        nextHop: '0.0.0.0',
        origin: 'igp',
        identifier: 0,
        local: true,
        neighborAddress: '',
        best: true,
      },
      {
        family: 'ipv4-unicast',
        prefix: '198.51.100.11',
        prefixLen: 32,
        nextHop: '192.0.2.5',
        origin: 'igp',
        identifier: 7,
        local: true,
        neighborAddress: '',
        best: true,
      },
    ]);
    const v6 = await client.listPaths('ipv6-unicast');
    expect(v6.map((r) => [r.prefix, r.prefixLen, r.nextHop, r.origin])).toEqual([
      ['2001:db8::10', 128, '::', 'igp'],
      ['2001:db8:99::', 64, '2001:db8::2', 'incomplete'],
    ]);

    // Delete by content, as after a restart: the listed routes are enough to withdraw them.
    for (const route of [...v4, ...v6]) await client.deletePathByContent(route);
    expect(await client.listPaths('ipv4-unicast')).toEqual([]);
    expect(await client.listPaths('ipv6-unicast')).toEqual([]);
  });

  it('refuses loopback next hops before any RPC and announces nothing', async () => {
    for (const nextHop of ['127.0.0.1', '127.1.2.3', '::1']) {
      const prefix = nextHop.includes(':') ? '2001:db8::77' : '198.51.100.77';
      const error = await rejection(client.addPath({ prefix, nextHop }));
      expect(error.kind).toBe('invalid-input');
      expect(error.detail).toContain('loopback');
    }
    expect(await client.listPaths('ipv4-unicast')).toEqual([]);
    expect(await client.listPaths('ipv6-unicast')).toEqual([]);
  });

  it('adds many paths in one AddPathStream (several messages), and none when one input is bad', async () => {
    const v4 = Array.from({ length: 1234 }, (_, i) => ({
      prefix: `10.77.${String(i >> 8)}.${String(i & 255)}`,
      nextHop: '192.0.2.11',
    }));
    const bad = [...v4.slice(0, 3), { prefix: '10.78.0.1', nextHop: '127.0.0.1' }];
    expect((await rejection(client.addPaths(bad))).kind).toBe('invalid-input');
    expect(await client.listPaths('ipv4-unicast')).toEqual([]);
    const added = await client.addPaths([...v4, { prefix: '2001:db8:77::1', nextHop: '2001:db8::11' }]);
    expect(added).toHaveLength(1235);
    const listed = await client.listPaths('ipv4-unicast');
    expect(listed.map((r) => r.prefix).sort()).toEqual(v4.map((r) => r.prefix).sort());
    expect(new Set(listed.map((r) => r.nextHop))).toEqual(new Set(['192.0.2.11']));
    expect((await client.listPaths('ipv6-unicast')).map((r) => r.prefix)).toEqual(['2001:db8:77::1']);
    for (const route of added) await client.deletePathByContent(route);
    expect(await client.listPaths('ipv4-unicast')).toEqual([]);
  });

  it('adds, lists, updates and deletes IPv4 and IPv6 peers, with typed errors from gobgp', async () => {
    await client.addPeer({ neighborAddress: '192.0.2.1', peerAsn: 64513, transport: { passiveMode: true } });
    await client.addPeer({
      neighborAddress: '2001:db8::1',
      peerAsn: 64514,
      transport: { passiveMode: true },
      timers: { holdTime: 9, keepaliveInterval: 3, connectRetry: 5 },
    });
    const peers = await client.listPeers();
    expect(peers.map((p) => p.config.neighborAddress).sort()).toEqual(['192.0.2.1', '2001:db8::1']);
    const v6 = peers.find((p) => p.config.neighborAddress === '2001:db8::1');
    expect(v6?.config).toMatchObject({
      peerAsn: 64514,
      localAsn: 64512,
      timers: { holdTime: 9, keepaliveInterval: 3, connectRetry: 5 },
      transport: { passiveMode: true },
      afiSafis: [{ family: 'ipv6-unicast', enabled: true }],
    });
    expect(['idle', 'active']).toContain(v6?.sessionState);

    const duplicate = await rejection(client.addPeer({ neighborAddress: '192.0.2.1', peerAsn: 64513 }));
    expect(duplicate).toMatchObject({ kind: 'already-exists', grpcCode: 2 });
    expect(duplicate.detail).toBe("can't overwrite the existing peer: 192.0.2.1");

    await client.updatePeer({
      neighborAddress: '192.0.2.1',
      peerAsn: 64513,
      description: 'tor-a',
      transport: { passiveMode: true },
    });
    const [updated] = await client.listPeers({ address: '192.0.2.1' });
    expect(updated?.config.description).toBe('tor-a');

    await client.deletePeer('192.0.2.1');
    await client.deletePeer('2001:db8::1');
    expect(await client.listPeers()).toEqual([]);
    const missing = await rejection(client.deletePeer('192.0.2.99'));
    expect(missing).toMatchObject({
      kind: 'not-found',
      detail: "can't delete a peer configuration for 192.0.2.99",
    });
  });

  it('applies and lists back the AS-path options of a peer (BgpPeer spec.conf)', async () => {
    await client.addPeer({
      neighborAddress: '192.0.2.7',
      peerAsn: 64520,
      removePrivate: 'replace',
      allowOwnAsn: 2,
      replacePeerAsn: true,
      transport: { passiveMode: true },
    });
    await client.addPeer({ neighborAddress: '192.0.2.8', peerAsn: 64520, transport: { passiveMode: true } });
    const peers = await client.listPeers();
    const set = peers.find((p) => p.config.neighborAddress === '192.0.2.7')?.config;
    expect(set).toMatchObject({
      removePrivate: 'replace',
      allowOwnAsn: 2,
      replacePeerAsn: true,
    });
    // Unset options list as unset (gobgpd fills in no default), so comparing them never resets a session.
    const plain = peers.find((p) => p.config.neighborAddress === '192.0.2.8')?.config;
    expect(plain?.removePrivate).toBeUndefined();
    expect(plain?.allowOwnAsn).toBeUndefined();
    expect(plain?.replacePeerAsn).toBeUndefined();
    await client.deletePeer('192.0.2.7');
    await client.deletePeer('192.0.2.8');
  });

  it('streams peer events', async () => {
    const events: PeerWatchEvent[] = [];
    const stop = new AbortController();
    const watching = client.watchPeers(stop.signal, (e) => events.push(e));
    await eventually(() => events.some((e) => e.type === 'subscribed'));
    await client.addPeer({ neighborAddress: '192.0.2.2', peerAsn: 64520, transport: { passiveMode: true } });
    await eventually(() =>
      events.some(
        (e) =>
          e.type === 'peer' &&
          e.peer.config.neighborAddress === '192.0.2.2' &&
          e.peer.config.peerAsn === 64520,
      ),
    );
    stop.abort();
    await watching;
    await client.deletePeer('192.0.2.2');
  });

  it('survives a gobgpd kill and restart: unavailable meanwhile, then reconnects and resubscribes', async () => {
    const events: PeerWatchEvent[] = [];
    const stop = new AbortController();
    const watching = client.watchPeers(stop.signal, (e) => events.push(e));
    await eventually(() => events.some((e) => e.type === 'subscribed'));
    connectivity.length = 0;

    await daemon.kill();
    const down = await rejection(client.getGlobal());
    expect(down.kind).toBe('unavailable');
    expect(client.connectivity).toBe('unavailable');
    await eventually(() => events.some((e) => e.type === 'disconnected'));
    const disconnected = events.find((e) => e.type === 'disconnected');
    expect(disconnected?.type === 'disconnected' && disconnected.error.kind).toBe('unavailable');

    events.length = 0;
    await daemon.start();
    // A restarted gobgpd has no config: the caller sees asn 0 and must start it again.
    await eventually(async () => (await client.getGlobal().catch(() => undefined))?.asn === 0);
    expect(client.connectivity).toBe('ready');
    expect(connectivity).toEqual(['unavailable', 'ready']);
    await eventually(() => events.some((e) => e.type === 'subscribed'));
    expect((await client.startIfStopped(GLOBAL)).action).toBe('started');
    stop.abort();
    await watching;
  });

  describe('deadlines, aborts and close', () => {
    let blackhole: Server;
    const sockets: Socket[] = [];
    let other: GobgpClient | undefined;

    beforeAll(async () => {
      // Accepts TCP and never answers: every call must end by its deadline.
      blackhole = createServer((s) => sockets.push(s));
      await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    });

    afterEach(() => {
      other?.close();
      other = undefined;
    });

    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) =>
        blackhole.close(() => {
          resolve();
        }),
      );
    });

    function blackholeAddress(): string {
      const address = blackhole.address();
      if (address === null || typeof address === 'string') throw new Error('no address');
      return `127.0.0.1:${address.port}`;
    }

    it('ends a call at its deadline with deadline-exceeded', async () => {
      const calls: GobgpCallRecord[] = [];
      other = new GobgpClient({ address: blackholeAddress(), deadlineMs: 150, onCall: (c) => calls.push(c) });
      const started = performance.now();
      const error = await rejection(other.getGlobal());
      expect(error.kind).toBe('deadline-exceeded');
      expect(performance.now() - started).toBeLessThan(2000);
      const perCall = await rejection(other.listPaths('ipv4-unicast', { deadlineMs: 50 }));
      expect(perCall.kind).toBe('deadline-exceeded');
      // What the speaker's openelb_gobgp_requests_total and _duration_seconds are made of.
      expect(calls.map((c) => [c.operation, c.outcome])).toEqual([
        ['GetBgp', 'deadline-exceeded'],
        ['ListPath', 'deadline-exceeded'],
      ]);
      expect(calls[0]?.seconds).toBeGreaterThanOrEqual(0.14);
      expect(calls[1]?.seconds).toBeLessThan(calls[0]?.seconds ?? 0);
    });

    it('reports aborted when the caller aborts, and closed after close()', async () => {
      other = new GobgpClient({ address: blackholeAddress(), deadlineMs: 10_000 });
      const abort = new AbortController();
      const pending = rejection(other.getGlobal({ signal: abort.signal }));
      abort.abort();
      expect((await pending).kind).toBe('aborted');

      const inFlight = rejection(other.getGlobal());
      other.close();
      expect((await inFlight).kind).toBe('closed');
      expect((await rejection(other.getGlobal())).kind).toBe('closed');
    });

    it('reports unavailable when nothing listens', async () => {
      const calls: GobgpCallRecord[] = [];
      other = new GobgpClient({ address: `127.0.0.1:${await freePort()}`, onCall: (c) => calls.push(c) });
      expect((await rejection(other.getGlobal())).kind).toBe('unavailable');
      expect(calls.map((c) => c.outcome)).toEqual(['unavailable']);
    });
  });
});
