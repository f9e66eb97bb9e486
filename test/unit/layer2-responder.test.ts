import { afterEach, describe, expect, it } from 'vitest';
import type { Result } from '../../src/ip/address.js';
import { parseEthernet } from '../../src/layer2/ethernet.js';
import { ARP_REPLY, ARP_REQUEST, buildArpFrame, buildArpRequest, parseArp } from '../../src/layer2/arp.js';
import { buildNeighborAdvertisement, buildNeighborSolicitation, parseNdp } from '../../src/layer2/ndp.js';
import { Layer2Responder, type ResponderMetrics, type ResponderSocket } from '../../src/layer2/responder.js';
import { FakeClock } from '../support/fake-clock.js';
import { frame, MAC_A } from './layer2-frames.js';

const OUR_MAC = '02:00:5e:10:00:0a';
const CLIENT_MAC = '02:00:5e:10:00:99';
const V4 = '192.0.2.10';
const V4B = '192.0.2.11';
const V6 = '2001:db8::10';

class FakeSocket implements ResponderSocket {
  readonly mac = OUR_MAC;
  readonly sent: Buffer[] = [];
  readonly joined: string[] = [];
  readonly left: string[] = [];
  failSends = false;
  send(frame: Buffer): Result<number, Error> {
    if (this.failSends) return { ok: false, error: new Error('ENETDOWN') };
    this.sent.push(frame);
    return { ok: true, value: frame.length };
  }
  joinMulticast(mac: string): Result<undefined, Error> {
    this.joined.push(mac);
    return { ok: true, value: undefined };
  }
  leaveMulticast(mac: string): Result<undefined, Error> {
    this.left.push(mac);
    return { ok: true, value: undefined };
  }
}

function recordingMetrics(): ResponderMetrics & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    requestReceived: (nic, ip) => log.push(`req ${nic} ${ip}`),
    replySent: (nic, ip) => log.push(`reply ${nic} ${ip}`),
    gratuitousSent: (nic, ip, n) => log.push(`garp ${nic} ${ip} ${String(n)}`),
    dropped: (nic, reason) => log.push(`drop ${nic} ${reason}`),
    sendFailed: (nic, what) => log.push(`fail ${nic} ${what}`),
    conflictSeen: (nic, ip) => log.push(`conflict ${nic} ${ip}`),
  };
}

function arpRequest(target: string): Buffer {
  const r = buildArpRequest(CLIENT_MAC, '192.0.2.1', target);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function neighborSolicitation(target: string): Buffer {
  const r = buildNeighborSolicitation(CLIENT_MAC, '2001:db8::1', target);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function setup(): {
  responder: Layer2Responder;
  arp: FakeSocket;
  ndp: FakeSocket;
  clock: FakeClock;
  metrics: ReturnType<typeof recordingMetrics>;
} {
  const clock = new FakeClock();
  const arp = new FakeSocket();
  const ndp = new FakeSocket();
  const metrics = recordingMetrics();
  const responder = new Layer2Responder({ nic: 'eth1', arp, ndp, clock, metrics });
  return { responder, arp, ndp, clock, metrics };
}

let current: Layer2Responder | undefined;
afterEach(() => {
  current?.stop();
  current = undefined;
});

describe('Layer2Responder', () => {
  it('answers an ARP request for an owned IP with our MAC, and counts it', () => {
    const { responder, arp, metrics } = setup();
    current = responder;
    responder.setOwned([V4]);
    arp.sent.length = 0;
    metrics.log.length = 0;
    responder.onArpFrame(arpRequest(V4));
    expect(arp.sent).toHaveLength(1);
    const eth = parseEthernet(arp.sent[0] ?? Buffer.alloc(0));
    if (!eth.ok) throw new Error(eth.error);
    expect(eth.value.destination).toBe(CLIENT_MAC);
    const packet = parseArp(eth.value.payload);
    expect(packet.ok && packet.value).toMatchObject({
      operation: ARP_REPLY,
      senderMac: OUR_MAC,
      senderIp: V4,
    });
    expect(metrics.log).toEqual(['req eth1 192.0.2.10', 'reply eth1 192.0.2.10']);
  });

  it('does not answer IPs it does not own, and counts the drop by reason', () => {
    const { responder, arp, metrics } = setup();
    current = responder;
    responder.setOwned([V4]);
    arp.sent.length = 0;
    metrics.log.length = 0;
    responder.onArpFrame(arpRequest(V4B));
    expect(arp.sent).toHaveLength(0);
    expect(metrics.log).toEqual(['drop eth1 not-for-us']);
  });

  it('tells onClaim and counts it when another host uses an owned IP, and still answers requests', () => {
    const claims: string[] = [];
    const clock = new FakeClock();
    const arp = new FakeSocket();
    const metrics = recordingMetrics();
    const responder = new Layer2Responder({
      nic: 'eth1',
      arp,
      clock,
      metrics,
      onClaim: (nic, c) => claims.push(`${nic} ${c.ip} ${c.mac} ${c.evidence}`),
    });
    current = responder;
    responder.setOwned([V4, V4B]);
    arp.sent.length = 0;
    metrics.log.length = 0;
    // A host that has V4B resolves its router: not answered, and its use of V4B is reported.
    const r = buildArpRequest(CLIENT_MAC, V4B, '192.0.2.1');
    if (!r.ok) throw new Error(r.error);
    responder.onArpFrame(r.value);
    expect(claims).toEqual([`eth1 ${V4B} ${CLIENT_MAC} arp-request`]);
    expect(metrics.log).toEqual(['drop eth1 not-for-us', `conflict eth1 ${V4B}`]);
    expect(arp.sent).toHaveLength(0);
    // An ordinary client asking for V4 is answered and is no claim.
    responder.onArpFrame(arpRequest(V4));
    expect(claims).toHaveLength(1);
    expect(arp.sent).toHaveLength(1);
  });

  it('answers a DAD probe for an owned IPv6 address (the prober gives up) and reports the prober', () => {
    const claims: string[] = [];
    // The captured frames come from MAC_A, which is OUR_MAC: this node gets another MAC.
    const ndp = Object.assign(new FakeSocket(), { mac: '02:00:5e:10:00:99' });
    const responder = new Layer2Responder({
      nic: 'eth1',
      ndp,
      clock: new FakeClock(),
      onClaim: (nic, c) => claims.push(`${nic} ${c.ip} ${c.mac} ${c.evidence}`),
    });
    current = responder;
    responder.setOwned(['2001:db8::55']);
    ndp.sent.length = 0;
    responder.onNdpFrame(frame('nsDad'));
    expect(ndp.sent).toHaveLength(1);
    expect(claims).toEqual([`eth1 2001:db8::55 ${MAC_A} dad-probe`]);
    // A host resolving the address (from its own link-local) is an ordinary client.
    responder.setOwned(['2001:db8::2']);
    responder.onNdpFrame(frame('nsMulticast'));
    expect(claims).toHaveLength(1);
  });

  it('stops answering an IP the moment it leaves the owned set', () => {
    const { responder, arp } = setup();
    current = responder;
    responder.setOwned([V4, V4B]);
    const change = responder.setOwned([V4B]);
    expect(change).toEqual({ gained: [], lost: [V4], rejected: [] });
    arp.sent.length = 0;
    responder.onArpFrame(arpRequest(V4));
    expect(arp.sent).toHaveLength(0);
    responder.onArpFrame(arpRequest(V4B));
    expect(arp.sent).toHaveLength(1);
  });

  it('sends a gratuitous ARP request and reply at once on gaining an IPv4', () => {
    const { responder, arp, metrics } = setup();
    current = responder;
    const change = responder.setOwned([V4]);
    expect(change.gained).toEqual([V4]);
    const ops = arp.sent.map((f) => {
      const eth = parseEthernet(f);
      if (!eth.ok) throw new Error(eth.error);
      const p = parseArp(eth.value.payload);
      if (!p.ok) throw new Error(p.error);
      return [eth.value.destination, p.value.operation, p.value.senderIp, p.value.targetIp];
    });
    expect(ops).toEqual([
      ['ff:ff:ff:ff:ff:ff', ARP_REQUEST, V4, V4],
      ['ff:ff:ff:ff:ff:ff', ARP_REPLY, V4, V4],
    ]);
    expect(metrics.log).toEqual(['garp eth1 192.0.2.10 2']);
  });

  it('IPv6: joins the solicited-node group, sends an unsolicited NA, answers NS, leaves on loss', () => {
    const { responder, ndp } = setup();
    current = responder;
    responder.setOwned([V6]);
    expect(ndp.joined).toEqual(['33:33:ff:00:00:10']);
    expect(ndp.sent).toHaveLength(1);
    const eth = parseEthernet(ndp.sent[0] ?? Buffer.alloc(0));
    if (!eth.ok) throw new Error(eth.error);
    const na = parseNdp(eth.value.payload);
    expect(na.ok && na.value).toMatchObject({
      target: V6,
      override: true,
      solicited: false,
      destinationIp: 'ff02::1',
    });
    responder.onNdpFrame(neighborSolicitation(V6));
    expect(ndp.sent).toHaveLength(2);
    responder.setOwned([]);
    expect(ndp.left).toEqual(['33:33:ff:00:00:10']);
    responder.onNdpFrame(neighborSolicitation(V6));
    expect(ndp.sent).toHaveLength(2);
  });

  it('keeps a solicited-node group joined while another owned IP maps to it', () => {
    const { responder, ndp } = setup();
    current = responder;
    const other = '2001:db8:1::10'; // same low 24 bits as V6
    responder.setOwned([V6, other]);
    expect(ndp.joined).toEqual(['33:33:ff:00:00:10']);
    responder.setOwned([other]);
    expect(ndp.left).toEqual([]);
    responder.setOwned([]);
    expect(ndp.left).toEqual(['33:33:ff:00:00:10']);
  });

  it('canonicalises IPs and rejects bad ones and families without a socket', () => {
    const clock = new FakeClock();
    const arp = new FakeSocket();
    const responder = new Layer2Responder({ nic: 'eth1', arp, clock });
    current = responder;
    const change = responder.setOwned(['2001:DB8::10', 'not-an-ip', V4]);
    expect(change.gained).toEqual([V4]);
    expect(change.rejected.map((r) => r.ip)).toEqual(['2001:db8::10', 'not-an-ip']);
    expect(change.rejected[0]?.reason).toBe('eth1 has no NDP socket');
    expect(responder.owned()).toEqual([V4]);
  });

  it('repeats the gratuitous burst on the schedule and stops it when the IP is lost', async () => {
    const { responder, arp, clock } = setup();
    current = responder;
    responder.setOwned([V4]);
    expect(arp.sent).toHaveLength(2);
    await clock.advance(1100);
    expect(arp.sent).toHaveLength(5); // the second burst carries the ARP probe
    responder.setOwned([]);
    await clock.advance(10_000);
    expect(arp.sent).toHaveLength(5);
    expect(clock.pendingTimers).toBe(0);
  });

  it('probes an IP it gained with the second burst only; an idle holder answering it is a claim', async () => {
    const claims: string[] = [];
    const clock = new FakeClock();
    const arp = new FakeSocket();
    const responder = new Layer2Responder({
      nic: 'eth1',
      arp,
      clock,
      onClaim: (nic, c) => claims.push(`${nic} ${c.ip} ${c.mac} ${c.evidence}`),
    });
    current = responder;
    responder.setOwned([V4]);
    const probes = (): string[] =>
      arp.sent.flatMap((f) => {
        const eth = parseEthernet(f);
        const p = eth.ok ? parseArp(eth.value.payload) : undefined;
        return p?.ok === true && p.value.senderIp === '0.0.0.0'
          ? [`${eth.ok ? eth.value.destination : ''} ${p.value.senderMac} who-has ${p.value.targetIp}`]
          : [];
      });
    expect(probes()).toEqual([]);
    await clock.advance(1100);
    expect(probes()).toEqual([`ff:ff:ff:ff:ff:ff ${OUR_MAC} who-has ${V4}`]);
    await clock.advance(5000);
    expect(probes()).toHaveLength(1);
    // The holder's kernel answers the probe (RFC 5227 reply: sender = the IP, target 0.0.0.0, to our MAC).
    const reply = buildArpFrame(OUR_MAC, CLIENT_MAC, {
      operation: ARP_REPLY,
      senderMac: CLIENT_MAC,
      senderIp: V4,
      targetMac: OUR_MAC,
      targetIp: '0.0.0.0',
    });
    if (!reply.ok) throw new Error(reply.error);
    responder.onArpFrame(reply.value);
    expect(claims).toEqual([`eth1 ${V4} ${CLIENT_MAC} arp-reply`]);
  });

  it('probes an IPv6 address it gained with an NS from the link-local address, with the second burst', async () => {
    const claims: string[] = [];
    const clock = new FakeClock();
    const ndp = new FakeSocket();
    const responder = new Layer2Responder({
      nic: 'eth1',
      ndp,
      clock,
      ipv6ProbeSource: () => 'fe80::5eff:fe10:a',
      onClaim: (nic, c) => claims.push(`${nic} ${c.ip} ${c.mac} ${c.evidence}`),
    });
    current = responder;
    responder.setOwned([V6]);
    const solicitations = (): string[] =>
      ndp.sent.flatMap((f) => {
        const eth = parseEthernet(f);
        const m = eth.ok ? parseNdp(eth.value.payload) : undefined;
        return m?.ok === true && m.value.type === 135 ? [`${m.value.sourceIp} -> ${m.value.target}`] : [];
      });
    expect(solicitations()).toEqual([]);
    await clock.advance(1100);
    expect(solicitations()).toEqual([`fe80::5eff:fe10:a -> ${V6}`]);
    await clock.advance(5000);
    expect(solicitations()).toHaveLength(1);
    // A holder's kernel answers with a solicited NA: a claim. (A peer's unsolicited NA is not.)
    const answer = buildNeighborAdvertisement({
      ourMac: CLIENT_MAC,
      destinationMac: OUR_MAC,
      sourceIp: V6,
      destinationIp: 'fe80::5eff:fe10:a',
      target: V6,
      solicited: true,
      override: true,
    });
    if (!answer.ok) throw new Error(answer.error);
    responder.onNdpFrame(answer.value);
    expect(claims).toEqual([`eth1 ${V6} ${CLIENT_MAC} neighbor-advertisement`]);
  });

  it('sends no IPv6 probe without a link-local source', async () => {
    const clock = new FakeClock();
    const ndp = new FakeSocket();
    const responder = new Layer2Responder({ nic: 'eth1', ndp, clock, ipv6ProbeSource: () => undefined });
    current = responder;
    responder.setOwned([V6]);
    await clock.advance(6000);
    expect(ndp.sent.every((f) => f[54] === 136)).toBe(true);
  });

  it('counts failed sends instead of throwing', () => {
    const { responder, arp, metrics } = setup();
    current = responder;
    arp.failSends = true;
    responder.setOwned([V4]);
    responder.onArpFrame(arpRequest(V4));
    expect(metrics.log).toEqual([
      'fail eth1 gratuitous for 192.0.2.10',
      'fail eth1 gratuitous for 192.0.2.10',
      'req eth1 192.0.2.10',
      'fail eth1 reply for 192.0.2.10',
    ]);
  });

  it('after stop it answers nothing, leaves its groups and cancels bursts', async () => {
    const { responder, arp, ndp, clock } = setup();
    responder.setOwned([V4, V6]);
    responder.stop();
    expect(ndp.left).toEqual(['33:33:ff:00:00:10']);
    const before = arp.sent.length;
    responder.onArpFrame(arpRequest(V4));
    responder.setOwned([V4]);
    await clock.advance(10_000);
    expect(arp.sent).toHaveLength(before);
    expect(responder.owned()).toEqual([]);
  });
});
