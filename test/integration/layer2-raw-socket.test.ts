// The AF_PACKET addon against real tools: a throwaway netns pair joined by a veth (created inside the
// namespaces, never on the host), a responder in this process with its sockets opened inside one namespace,
// and iputils arping / ndisc6 / ping / `ip neigh` in the other. Needs root, arping and ndisc6.

import { readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solicitedNodeMac } from '../../src/layer2/addresses.js';
import { buildGratuitousReply, buildGratuitousRequest, decideArpReply } from '../../src/layer2/arp.js';
import { ndpClaim } from '../../src/layer2/conflict.js';
import { buildNeighborSolicitation, buildUnsolicitedAdvertisement } from '../../src/layer2/ndp.js';
import { decideNdpReply } from '../../src/layer2/ndp-reply.js';
import { loadAfPacket } from '../../src/layer2/native.js';
import { RawSocket } from '../../src/layer2/raw-socket.js';
import { assertCanRun, createPair, deletePair, must, netnsPair, sh } from './layer2-netns.js';

const pair = netnsPair('l2');
const { clientNs: CLIENT_NS, nodeNs: NODE_NS, clientIf: CLIENT_IF, nodeIf: NODE_IF } = pair;
const NODE_NETNS_PATH = pair.nodeNetnsPath;
const VIP4 = '192.0.2.100';
const VIP6 = '2001:db8::100';
const OWNED = new Set([VIP4, VIP6]);
const STALE_MAC = '02:00:00:00:00:99';

const inClient = (cmd: string, args: string[], timeout?: number) =>
  sh('ip', ['netns', 'exec', CLIENT_NS, cmd, ...args], timeout);

/** What the responder saw, per socket. */
interface Seen {
  frames: Buffer[];
  replies: number;
}
const seen: Record<'arp' | 'ndp', Seen> = {
  arp: { frames: [], replies: 0 },
  ndp: { frames: [], replies: 0 },
};
let arpSocket: RawSocket | undefined;
let ndpSocket: RawSocket | undefined;
let ourMac = '';
const stop = new AbortController();

function openResponder(kind: 'arp' | 'ndp'): RawSocket {
  const decide = kind === 'arp' ? decideArpReply : decideNdpReply;
  let socket: RawSocket | undefined = undefined;
  const opened = RawSocket.open({
    interfaceName: NODE_IF,
    kind,
    netnsPath: NODE_NETNS_PATH,
    signal: stop.signal,
    onFrame: (frame) => {
      seen[kind].frames.push(frame);
      const decision = decide(frame, OWNED, ourMac);
      if (decision.action === 'reply' && socket?.send(decision.frame).ok) seen[kind].replies++;
    },
  });
  if (!opened.ok) throw opened.error;
  socket = opened.value;
  return socket;
}

beforeAll(async () => {
  await assertCanRun(['arping', 'ndisc6', 'ping']);
  await createPair(pair);
  arpSocket = openResponder('arp');
  ndpSocket = openResponder('ndp');
  ourMac = arpSocket.mac;
  const group = solicitedNodeMac(VIP6);
  if (!group.ok) throw new Error(group.error);
  const joined = ndpSocket.joinMulticast(group.value);
  if (!joined.ok) throw joined.error;
}, 30_000);

afterAll(async () => {
  stop.abort();
  await deletePair(pair);
});

describe('layer2 raw sockets in a netns pair', () => {
  it('opened inside the node namespace, with the MAC of its interface', async () => {
    const link = await must('ip', ['-n', NODE_NS, '-br', 'link', 'show', NODE_IF]);
    expect(link).toContain(ourMac);
    expect(arpSocket?.mac).toBe(ndpSocket?.mac);
  });

  it('arping from the client gets 3 of 3 replies carrying our MAC', async () => {
    const r = await inClient('arping', ['-c', '3', '-w', '5', '-I', CLIENT_IF, VIP4]);
    expect(r.out).toContain('Received 3 response(s)');
    const replies = r.out
      .split('\n')
      .filter((l) => l.includes(`reply from ${VIP4} [${ourMac.toUpperCase()}]`));
    expect(replies).toHaveLength(3);
  });

  it('ndisc6 from the client learns our MAC for the IPv6 address', async () => {
    const r = await inClient('ndisc6', ['-n', '-r', '3', VIP6, CLIENT_IF]);
    expect(r.ok).toBe(true);
    expect(r.out).toContain(`Target link-layer address: ${ourMac.toUpperCase()}`);
    expect(seen.ndp.replies).toBeGreaterThanOrEqual(1);
  });

  it('gratuitous ARP and unsolicited NA move the client neighbour entries to our MAC', async () => {
    await must('ip', [
      '-n',
      CLIENT_NS,
      'neigh',
      'replace',
      VIP4,
      'lladdr',
      STALE_MAC,
      'dev',
      CLIENT_IF,
      'nud',
      'stale',
    ]);
    await must('ip', [
      '-n',
      CLIENT_NS,
      '-6',
      'neigh',
      'replace',
      VIP6,
      'lladdr',
      STALE_MAC,
      'dev',
      CLIENT_IF,
      'nud',
      'stale',
    ]);
    const garp = [buildGratuitousRequest(ourMac, VIP4), buildGratuitousReply(ourMac, VIP4)];
    const na = buildUnsolicitedAdvertisement(ourMac, VIP6);
    const v4Entry = `${VIP4} lladdr ${ourMac}`;
    const v6Entry = `${VIP6} lladdr ${ourMac}`;
    let entries = '';
    let attempts = 0;
    // Like the announcer's burst schedule: repeat until the client took it (Linux ignores updates within locktime).
    while (attempts < 20 && !(entries.includes(v4Entry) && entries.includes(v6Entry))) {
      attempts++;
      for (const f of garp) if (f.ok) expect(arpSocket?.send(f.value).ok).toBe(true);
      if (na.ok) expect(ndpSocket?.send(na.value).ok).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 250));
      entries = await must('ip', ['-n', CLIENT_NS, 'neigh', 'show', 'dev', CLIENT_IF]);
    }
    expect(entries).toContain(v4Entry);
    expect(entries).toContain(v6Entry);
    expect(attempts).toBeLessThanOrEqual(8); // within 2 s
    expect(entries).not.toContain(STALE_MAC);
  });

  it('ordinary traffic between the real addresses never reaches the sockets', async () => {
    // Permanent neighbour entries so that ping needs no ARP/NDP at all: whatever arrives now is a leak.
    const nodeLink = await must('ip', ['-n', CLIENT_NS, '-br', 'link', 'show', CLIENT_IF]);
    const clientMac = /([0-9a-f]{2}(:[0-9a-f]{2}){5})/.exec(nodeLink)?.[1] ?? '';
    await must('ip', [
      '-n',
      CLIENT_NS,
      'neigh',
      'replace',
      '192.0.2.2',
      'lladdr',
      ourMac,
      'dev',
      CLIENT_IF,
      'nud',
      'permanent',
    ]);
    await must('ip', [
      '-n',
      CLIENT_NS,
      'neigh',
      'replace',
      '2001:db8::2',
      'lladdr',
      ourMac,
      'dev',
      CLIENT_IF,
      'nud',
      'permanent',
    ]);
    await must('ip', [
      '-n',
      NODE_NS,
      'neigh',
      'replace',
      '192.0.2.1',
      'lladdr',
      clientMac,
      'dev',
      NODE_IF,
      'nud',
      'permanent',
    ]);
    await must('ip', [
      '-n',
      NODE_NS,
      'neigh',
      'replace',
      '2001:db8::1',
      'lladdr',
      clientMac,
      'dev',
      NODE_IF,
      'nud',
      'permanent',
    ]);
    const before = { arp: seen.arp.frames.length, ndp: seen.ndp.frames.length };
    const v4 = await inClient('ping', ['-c', '20', '-i', '0.01', '-s', '1000', '192.0.2.2']);
    const v6 = await inClient('ping', ['-6', '-c', '20', '-i', '0.01', '-s', '1000', '2001:db8::2']);
    expect(v4.out).toContain('20 received');
    expect(v6.out).toContain('20 received');
    await new Promise((resolve) => setTimeout(resolve, 50)); // let any leaked frame reach the event loop
    expect({ arp: seen.arp.frames.length, ndp: seen.ndp.frames.length }).toEqual(before);
  });

  it('never sees its own frames, and the kernel filter left nothing for the userspace check', () => {
    const own = [...seen.arp.frames, ...seen.ndp.frames].filter(
      (f) => f.subarray(6, 12).toString('hex') === ourMac.replaceAll(':', ''),
    );
    expect(seen.arp.replies + seen.ndp.replies).toBeGreaterThan(0);
    expect(own).toHaveLength(0);
    expect(arpSocket?.stats().droppedOutgoing).toBe(0);
    expect(ndpSocket?.stats().droppedOutgoing).toBe(0);
    // Only NS and NA reach the NDP socket (ndisc6's solicitations), never RS or echo.
    expect(seen.ndp.frames.every((f) => f[54] === 135 || f[54] === 136)).toBe(true);
  });

  it("passes the client's solicited NA when our NS probes an address it holds: a claim on it", async () => {
    const before = seen.ndp.frames.length;
    const probe = buildNeighborSolicitation(ourMac, '2001:db8::2', '2001:db8::1');
    if (!probe.ok) throw new Error(probe.error);
    expect(ndpSocket?.send(probe.value).ok).toBe(true);
    const deadline = Date.now() + 3000;
    let claim: ReturnType<typeof ndpClaim>;
    while (claim === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (const f of seen.ndp.frames.slice(before)) claim ??= ndpClaim(f, new Set(['2001:db8::1']), ourMac);
    }
    expect(claim).toMatchObject({ ip: '2001:db8::1', evidence: 'neighbor-advertisement' });
    expect(claim?.mac).not.toBe(ourMac);
  });

  it('joins and leaves solicited-node groups on the NIC, refcounted by the kernel', async () => {
    const group = solicitedNodeMac('2001:db8::1:2345');
    if (!group.ok) throw new Error(group.error);
    const linkGroups = () => must('ip', ['-n', NODE_NS, 'maddr', 'show', 'dev', NODE_IF]);
    expect(await linkGroups()).toContain('link  33:33:ff:00:01:00'); // VIP6's group, joined in beforeAll
    expect(await linkGroups()).not.toContain(group.value);
    expect(ndpSocket?.joinMulticast(group.value).ok).toBe(true);
    expect(ndpSocket?.joinMulticast(group.value).ok).toBe(true);
    expect(await linkGroups()).toContain(`link  ${group.value}`);
    expect(ndpSocket?.leaveMulticast(group.value).ok).toBe(true);
    expect(await linkGroups()).toContain(`link  ${group.value}`);
    expect(ndpSocket?.leaveMulticast(group.value).ok).toBe(true);
    expect(await linkGroups()).not.toContain(group.value);
    // A surplus leave is harmless: the kernel ignores memberships it does not hold.
    expect(ndpSocket?.leaveMulticast(group.value).ok).toBe(true);
    expect(await linkGroups()).toContain('link  33:33:ff:00:01:00');
  });

  it('reports a missing interface and a missing namespace as values', () => {
    const noIf = RawSocket.open({
      interfaceName: 'oelbt-none0',
      kind: 'arp',
      onFrame: () => undefined,
      netnsPath: NODE_NETNS_PATH,
    });
    expect(noIf.ok || noIf.error.kind).toBe('no-such-interface');
    const noNs = RawSocket.open({
      interfaceName: NODE_IF,
      kind: 'arp',
      onFrame: () => undefined,
      netnsPath: '/run/netns/oelbt-absent',
    });
    expect(noNs.ok || noNs.error.kind).toBe('no-such-netns');
  });

  it('closes every fd on stop and on garbage collection (no leaks)', async () => {
    const openFds = () => readdirSync('/proc/self/fd').length;
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    await tick();
    const baseline = openFds();
    for (let i = 0; i < 200; i++) {
      const s = RawSocket.open({
        interfaceName: NODE_IF,
        kind: i % 2 ? 'arp' : 'ndp',
        onFrame: () => undefined,
        netnsPath: NODE_NETNS_PATH,
      });
      if (!s.ok) throw s.error;
      s.value.stop();
    }
    await tick();
    expect(openFds()).toBe(baseline);

    // Handles dropped without close(): the addon's finalizer closes them when V8 collects the handle.
    const addon = loadAfPacket();
    if (!addon.ok) throw new Error(addon.error);
    for (let i = 0; i < 50; i++) addon.value.open(NODE_IF, 'arp', () => undefined, NODE_NETNS_PATH);
    expect(openFds()).toBe(baseline + 50);
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (let i = 0; i < 5 && openFds() > baseline; i++) {
      gc();
      await tick();
    }
    expect(openFds()).toBe(baseline);
  });

  it('after stop nothing answers any more', async () => {
    stop.abort();
    expect(arpSocket?.stopped).toBe(true);
    const r = await inClient('arping', ['-c', '1', '-w', '1', '-I', CLIENT_IF, VIP4]);
    expect(r.out).toContain('Received 0 response(s)');
  });
});
