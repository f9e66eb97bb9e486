import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseIp, type Result } from '../../src/ip/address.js';
import { parseAddressRange } from '../../src/ip/range.js';
import { buildArpRequest } from '../../src/layer2/arp.js';
import { hostNicLookup, type HostView } from '../../src/layer2/host-nics.js';
import type { SocketKind } from '../../src/layer2/native.js';
import { Metrics } from '../../src/observability/metrics.js';
import { Layer2Dataplane, type OpenedSocket } from '../../src/speaker/layer2-dataplane.js';
import { nextLeaseExpiry } from '../../src/speaker/layer2-speaker.js';
import { layer2Metrics, speakerMetrics } from '../../src/speaker/metrics.js';
import type { LeaseWire } from '../../src/speaker/objects.js';
import { FakeClock } from '../support/fake-clock.js';

const MAC = '02:00:5e:10:00:0a';

class FakeSocket implements OpenedSocket {
  readonly mac = MAC;
  readonly sent: Buffer[] = [];
  stopped = false;
  constructor(
    readonly nic: string,
    readonly kind: SocketKind,
    readonly onFrame: (frame: Buffer) => void,
  ) {}
  send(frame: Buffer): Result<number, Error> {
    this.sent.push(frame);
    return { ok: true, value: frame.length };
  }
  joinMulticast(): Result<undefined, Error> {
    return { ok: true, value: undefined };
  }
  leaveMulticast(): Result<undefined, Error> {
    return { ok: true, value: undefined };
  }
  stop(): void {
    this.stopped = true;
  }
}

function fakeOpener(failKinds: SocketKind[] = []): {
  sockets: FakeSocket[];
  open: (nic: string, kind: SocketKind, onFrame: (f: Buffer) => void) => Result<OpenedSocket, Error>;
} {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    open: (nic, kind, onFrame) => {
      if (failKinds.includes(kind)) return { ok: false, error: new Error(`${kind} needs CAP_NET_RAW`) };
      const s = new FakeSocket(nic, kind, onFrame);
      sockets.push(s);
      return { ok: true, value: s };
    },
  };
}

const arpRequestFor = (ip: string): Buffer => {
  const frame = buildArpRequest('02:00:5e:10:00:99', '192.0.2.1', ip);
  if (!frame.ok) throw new Error(frame.error);
  return frame.value;
};

describe('Layer2Dataplane', () => {
  it('opens sockets lazily per NIC, answers only owned IPs, and closes a NIC that owns nothing', () => {
    const clock = new FakeClock();
    const opener = fakeOpener();
    const dp = new Layer2Dataplane({ open: opener.open, clock });
    expect(dp.apply(new Map())).toEqual([]);
    expect(opener.sockets).toHaveLength(0);

    const changes = dp.apply(new Map([['eth1', ['192.0.2.200']]]));
    expect(changes).toEqual([{ nic: 'eth1', gained: ['192.0.2.200'], lost: [], failed: [] }]);
    expect(opener.sockets.map((s) => `${s.nic}/${s.kind}`)).toEqual(['eth1/arp']);
    const arp = opener.sockets[0];
    if (arp === undefined) throw new Error('no socket');
    // The gratuitous request + reply went out at once.
    expect(arp.sent).toHaveLength(2);

    arp.onFrame(arpRequestFor('192.0.2.200'));
    expect(arp.sent).toHaveLength(3);
    arp.onFrame(arpRequestFor('192.0.2.201'));
    expect(arp.sent).toHaveLength(3);

    expect(dp.apply(new Map([['eth1', ['192.0.2.200']]]))).toEqual([]);
    expect(dp.apply(new Map())).toEqual([{ nic: 'eth1', gained: [], lost: ['192.0.2.200'], failed: [] }]);
    expect(arp.stopped).toBe(true);
    arp.onFrame(arpRequestFor('192.0.2.200'));
    expect(arp.sent).toHaveLength(3);
    expect(clock.pendingTimers).toBe(0);
  });

  it('opens the NDP socket when an IPv6 IP arrives and keeps answering IPv4', () => {
    const opener = fakeOpener();
    const dp = new Layer2Dataplane({ open: opener.open, clock: new FakeClock() });
    dp.apply(new Map([['eth1', ['192.0.2.200']]]));
    const changes = dp.apply(new Map([['eth1', ['192.0.2.200', '2001:db8::200']]]));
    expect(changes).toEqual([{ nic: 'eth1', gained: ['2001:db8::200'], lost: [], failed: [] }]);
    expect(opener.sockets.map((s) => s.kind)).toEqual(['arp', 'ndp']);
    expect(dp.answering()).toEqual(new Map([['eth1', ['192.0.2.200', '2001:db8::200']]]));
    const arp = opener.sockets[0];
    const before = arp?.sent.length ?? 0;
    arp?.onFrame(arpRequestFor('192.0.2.200'));
    expect(arp?.sent.length).toBe(before + 1);
    dp.stop();
    expect(opener.sockets.every((s) => s.stopped)).toBe(true);
  });

  it('reports IPs it cannot serve with the socket error, and retries on the next apply', () => {
    const opener = fakeOpener(['arp']);
    const dp = new Layer2Dataplane({ open: opener.open, clock: new FakeClock() });
    const want = new Map([['eth1', ['192.0.2.200']]]);
    expect(dp.apply(want)).toEqual([
      { nic: 'eth1', gained: [], lost: [], failed: [{ ip: '192.0.2.200', reason: 'arp needs CAP_NET_RAW' }] },
    ]);
    expect(dp.answering()).toEqual(new Map());
    expect(dp.apply(want)[0]?.failed).toHaveLength(1);
  });

  it('moves an IP between NICs: lost on one, gained on the other', () => {
    const opener = fakeOpener();
    const dp = new Layer2Dataplane({ open: opener.open, clock: new FakeClock() });
    dp.apply(new Map([['eth1', ['192.0.2.200']]]));
    const changes = dp.apply(new Map([['eth2', ['192.0.2.200']]]));
    expect(changes).toEqual([
      { nic: 'eth1', gained: [], lost: ['192.0.2.200'], failed: [] },
      { nic: 'eth2', gained: ['192.0.2.200'], lost: [], failed: [] },
    ]);
  });
});

describe('nextLeaseExpiry', () => {
  const lease = (name: string, holder: string, renew: string, seconds = 2): LeaseWire => ({
    metadata: { name },
    spec: { holderIdentity: holder, renewTime: renew, leaseDurationSeconds: seconds },
  });
  const now = Date.parse('2026-01-01T00:00:10.000Z');

  it('is the earliest future expiry of a held Lease', () => {
    const leases = [
      lease('a', 'a', '2026-01-01T00:00:09.500Z'),
      lease('b', 'b', '2026-01-01T00:00:09.000Z'),
      lease('c', 'c', '2026-01-01T00:00:05.000Z'), // already expired
      lease('d', '', '2026-01-01T00:00:09.900Z'), // released
    ];
    expect(nextLeaseExpiry(leases, now)).toBe(Date.parse('2026-01-01T00:00:11.000Z'));
  });

  it('is undefined without a fresh held Lease', () => {
    expect(nextLeaseExpiry([lease('c', 'c', 'garbage')], now)).toBeUndefined();
    expect(nextLeaseExpiry([], now)).toBeUndefined();
  });
});

function info(address: string, cidr: string, internal = false): NetworkInterfaceInfo {
  const family = address.includes(':') ? 'IPv6' : 'IPv4';
  return {
    address,
    cidr,
    internal,
    family,
    mac: MAC,
    netmask: '',
    ...(family === 'IPv6' && { scopeid: 0 }),
  } as NetworkInterfaceInfo;
}

function host(route: Result<{ dev: string; prefsrc?: string }>): HostView {
  return {
    interfaces: () => ({
      lo: [info('127.0.0.1', '127.0.0.1/8', true)],
      eth0: [info('10.0.0.5', '10.0.0.0/24')],
      eth1: [
        info('192.0.2.11', '192.0.2.0/24'),
        info('2001:db8:0:1::11', '2001:db8:0:1::/64'),
        info('fe80::ff:fe00:11%eth1', 'fe80::ff:fe00:11/64'),
      ],
      'kube-ipvs0': [info('192.0.2.200', '192.0.2.200/32')],
    }),
    linkType: (name) => ({ lo: 772, eth0: 1, eth1: 1, 'kube-ipvs0': 1 })[name],
    routeGet: () => route,
  };
}

const ip = (text: string): ReturnType<typeof parseIp> extends Result<infer T> ? T : never => {
  const p = parseIp(text);
  if (!p.ok) throw new Error(p.error);
  return p.value;
};

describe('hostNicLookup', () => {
  const lookup = hostNicLookup(host({ ok: true, value: { dev: 'eth1', prefsrc: '192.0.2.11' } }));

  it('finds the NIC holding an address or an address in a CIDR', () => {
    expect(lookup.holding(ip('192.0.2.11'))).toEqual({ ok: true, value: 'eth1' });
    expect(lookup.holding(ip('2001:db8:0:1::11'))).toEqual({ ok: true, value: 'eth1' });
    expect(lookup.holding(ip('127.0.0.1')).ok).toBe(false);
    const range = parseAddressRange('10.0.0.0/16');
    if (!range.ok) throw new Error(range.error);
    expect(lookup.holdingIn(range.value)).toEqual({ ok: true, value: 'eth0' });
  });

  it("gives a NIC's IPv6 link-local address without its zone (the NS probe's source)", () => {
    expect(lookup.linkLocal?.('eth1')).toBe('fe80::ff:fe00:11');
    expect(lookup.linkLocal?.('eth0')).toBeUndefined();
  });

  it('names only Ethernet NICs that exist', () => {
    expect(lookup.named('eth1')).toEqual({ ok: true, value: 'eth1' });
    expect(lookup.named('lo')).toMatchObject({ ok: false });
    expect(lookup.named('eth9')).toEqual({ ok: false, error: 'this host has no NIC named eth9' });
  });

  it('follows the kernel route for can_reach, but never lo or a route sourced from a Service IP', () => {
    expect(lookup.routeTo(ip('192.0.2.1'), new Set())).toEqual({ ok: true, value: 'eth1' });
    const viaLo = hostNicLookup(host({ ok: true, value: { dev: 'lo' } }));
    expect(viaLo.routeTo(ip('192.0.2.1'), new Set())).toEqual({ ok: true, value: 'eth1' });
    // OpenELB #331: the kernel picks kube-ipvs0 because a Service IP sits there; the subnet match wins.
    const viaSvc = hostNicLookup(host({ ok: true, value: { dev: 'kube-ipvs0', prefsrc: '192.0.2.200' } }));
    expect(viaSvc.routeTo(ip('192.0.2.200'), new Set(['192.0.2.200']))).toEqual({ ok: true, value: 'eth1' });
    const none = hostNicLookup(host({ ok: false, error: 'Network is unreachable' }));
    expect(none.routeTo(ip('203.0.113.9'), new Set())).toEqual({
      ok: false,
      error: 'no route to 203.0.113.9: Network is unreachable',
    });
  });
});

describe('layer2Metrics', () => {
  it('exports the announcer gauge for this node and the responder counters', async () => {
    const metrics = new Metrics();
    const m = layer2Metrics(metrics);
    m.announcing('node-2', ['192.0.2.200', '192.0.2.201']);
    m.announcing('node-2', ['192.0.2.201']);
    m.requestReceived('eth1', '192.0.2.201');
    m.replySent('eth1', '192.0.2.201');
    m.gratuitousSent('eth1', '192.0.2.201', 2);
    const text = await metrics.text();
    expect(text).toContain('openelb_layer2_announcer{ip="192.0.2.201",node="node-2"} 1');
    expect(text).not.toContain('ip="192.0.2.200"');
    expect(text).toContain('openelb_layer2_requests_received_total{nic="eth1",ip="192.0.2.201"} 1');
    expect(text).toContain('openelb_layer2_responses_sent_total{nic="eth1",ip="192.0.2.201"} 1');
    expect(text).toContain('openelb_layer2_gratuitous_sent_total{nic="eth1",ip="192.0.2.201"} 2');
  });

  it('counts IPs gained per node and the liveness Lease state', async () => {
    const metrics = new Metrics();
    const m = layer2Metrics(metrics);
    m.gained('node-2', 2);
    m.gained('node-2', 0);
    m.gained('node-2', 1);
    const s = speakerMetrics(metrics);
    s.leaseHeld('node-2', true);
    s.leaseHeld('node-2', false);
    const text = await metrics.text();
    expect(text).toContain('openelb_layer2_ips_gained_total{node="node-2"} 3');
    expect(text).toContain('openelb_speaker_lease_held{node="node-2"} 0');
  });
});
