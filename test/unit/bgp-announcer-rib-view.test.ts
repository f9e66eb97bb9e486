import { describe, expect, it } from 'vitest';
import { BgpAnnouncer, type AnnounceSet, type AnnouncerClient } from '../../src/bgp/announcer.js';
import { routeKey } from '../../src/bgp/path-mapping.js';
import { RibView } from '../../src/bgp/rib-view.js';
import type { GlobalConfig, RibRoute, Route, RouteFamily } from '../../src/bgp/types.js';
import { silentLogger } from '../../src/observability/logger.js';

const GLOBAL: GlobalConfig = { asn: 64512, routerId: '192.0.2.11', listenPort: 179, listenAddresses: [] };

/** An in-memory gobgpd: its local RIB, its global config, and a count of ListPath calls. */
class FakeGobgpd {
  running: GlobalConfig = GLOBAL;
  readonly rib = new Map<string, RibRoute>();
  listPathCalls = 0;
  failNextAdd = false;

  readonly client: AnnouncerClient = {
    getGlobal: () => Promise.resolve(this.running),
    startIfStopped: (config) => {
      this.running = config;
      return Promise.resolve({ action: 'started' as const, current: config });
    },
    stop: () => {
      this.running = { ...this.running, asn: 0 };
      this.rib.clear();
      return Promise.resolve();
    },
    listPeers: () => Promise.resolve([]),
    addPeer: () => Promise.resolve(),
    updatePeer: () => Promise.resolve({ needsSoftResetIn: false }),
    deletePeer: () => Promise.resolve(),
    listPaths: (family: RouteFamily) => {
      this.listPathCalls++;
      return Promise.resolve([...this.rib.values()].filter((r) => r.family === family));
    },
    addPaths: (routes) => {
      if (this.failNextAdd) {
        this.failNextAdd = false;
        return Promise.reject(new Error('gobgpd: unavailable'));
      }
      for (const r of routes as Route[])
        this.rib.set(routeKey(r), { ...r, local: true, neighborAddress: '', best: true });
      return Promise.resolve(routes as Route[]);
    },
    deletePathByContent: (route) => {
      this.rib.delete(routeKey(route as Route));
      return Promise.resolve();
    },
  };

  /** gobgpd restarted empty (or lost its paths) without the announcer seeing it. */
  restartEmpty(): void {
    this.rib.clear();
  }

  prefixes(): string[] {
    return [...this.rib.values()].map((r) => r.prefix).sort();
  }
}

const want = (...prefixes: string[]): AnnounceSet => ({
  global: { kind: 'config', config: GLOBAL },
  peers: [],
  paths: prefixes.map((prefix) => ({ prefix, nextHop: '192.0.2.11' })),
});

function setup(): { gobgpd: FakeGobgpd; announcer: BgpAnnouncer; clock: { t: number } } {
  const gobgpd = new FakeGobgpd();
  const clock = { t: 0 };
  const announcer = new BgpAnnouncer(gobgpd.client, silentLogger(), {
    now: () => clock.t,
    maxListingAgeMs: 1000,
  });
  return { gobgpd, announcer, clock };
}

const signal = new AbortController().signal;

describe('the announcer reuses its last ListPath within a burst', () => {
  it('lists once for several applies within the age bound and diffs against its own changes', async () => {
    const { gobgpd, announcer, clock } = setup();
    await announcer.apply(want('198.51.100.1'), signal);
    expect(gobgpd.listPathCalls).toBe(2); // one per family
    clock.t = 300;
    const second = await announcer.apply(want('198.51.100.1', '198.51.100.2'), signal);
    clock.t = 600;
    const third = await announcer.apply(want('198.51.100.2'), signal);
    expect(gobgpd.listPathCalls).toBe(2);
    expect(second).toMatchObject({ pathsAdded: 1, pathsDeleted: 0, announced: 2 });
    expect(third).toMatchObject({ pathsAdded: 0, pathsDeleted: 1, announced: 1 });
    expect(gobgpd.prefixes()).toEqual(['198.51.100.2']);
  });

  it('lists again once the listing is older than the bound, and repairs lost paths then', async () => {
    const { gobgpd, announcer, clock } = setup();
    await announcer.apply(want('198.51.100.1', '198.51.100.2'), signal);
    gobgpd.restartEmpty();
    clock.t = 500;
    await announcer.apply(want('198.51.100.1', '198.51.100.2'), signal);
    expect(gobgpd.prefixes()).toEqual([]); // not yet seen: the view is young
    clock.t = 1001;
    const report = await announcer.apply(want('198.51.100.1', '198.51.100.2'), signal);
    expect(report.pathsAdded).toBe(2);
    expect(gobgpd.prefixes()).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(gobgpd.listPathCalls).toBe(4);
  });

  it('lists again after invalidate() (watch event, periodic resync) even within the bound', async () => {
    const { gobgpd, announcer } = setup();
    await announcer.apply(want('198.51.100.1'), signal);
    gobgpd.restartEmpty();
    announcer.invalidate();
    const report = await announcer.apply(want('198.51.100.1'), signal);
    expect(report.pathsAdded).toBe(1);
    expect(gobgpd.prefixes()).toEqual(['198.51.100.1']);
    expect(gobgpd.listPathCalls).toBe(4);
  });

  it('lists again after a failed apply', async () => {
    const { gobgpd, announcer } = setup();
    await announcer.apply(want('198.51.100.1'), signal);
    gobgpd.failNextAdd = true;
    await expect(announcer.apply(want('198.51.100.1', '198.51.100.2'), signal)).rejects.toThrow(
      'unavailable',
    );
    gobgpd.restartEmpty();
    await announcer.apply(want('198.51.100.1', '198.51.100.2'), signal);
    expect(gobgpd.prefixes()).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(gobgpd.listPathCalls).toBe(4);
  });

  it('lists again when BGP had to be started (StartBgp empties the RIB)', async () => {
    const { gobgpd, announcer } = setup();
    await announcer.apply(want('198.51.100.1'), signal);
    await gobgpd.client.stop({ signal });
    const report = await announcer.apply(want('198.51.100.1'), signal);
    expect(report.global).toBe('started');
    expect(report.pathsAdded).toBe(1);
    expect(gobgpd.prefixes()).toEqual(['198.51.100.1']);
    expect(gobgpd.listPathCalls).toBe(4);
  });
});

describe('RibView', () => {
  const route: Route = {
    family: 'ipv4-unicast',
    prefix: '198.51.100.7',
    prefixLen: 32,
    nextHop: '192.0.2.11',
    origin: 'igp',
    identifier: 0,
  };

  it('keeps only local routes and follows acknowledged changes', () => {
    const view = new RibView({ now: () => 0 });
    expect(view.current()).toBeUndefined();
    view.listed(
      [
        { ...route, local: true, neighborAddress: '', best: true },
        { ...route, prefix: '203.0.113.1', local: false, neighborAddress: '192.0.2.1', best: true },
      ],
      0,
      view.generation(),
    );
    expect(view.current()?.map((r) => r.prefix)).toEqual(['198.51.100.7']);
    view.added([{ ...route, prefix: '198.51.100.8' }]);
    view.deleted([route]);
    expect(view.current()?.map((r) => r.prefix)).toEqual(['198.51.100.8']);
    view.invalidate();
    expect(view.current()).toBeUndefined();
    view.added([route]); // nothing to follow without a listing
    expect(view.current()).toBeUndefined();
  });

  it('does not let a listing that raced an invalidation revalidate the view', () => {
    const view = new RibView({ now: () => 0 });
    const generation = view.generation();
    view.invalidate(); // e.g. gobgpd resubscribed while the listing was in flight
    view.listed([{ ...route, local: true, neighborAddress: '', best: true }], 0, generation);
    expect(view.current()).toBeUndefined();
    view.listed([], 0, view.generation());
    expect(view.current()).toEqual([]);
  });

  it('expires a listing older than the age bound', () => {
    let now = 0;
    const view = new RibView({ now: () => now, maxAgeMs: 2000 });
    view.listed([], 0, view.generation());
    now = 2000;
    expect(view.current()).toEqual([]);
    now = 2001;
    expect(view.current()).toBeUndefined();
  });
});
