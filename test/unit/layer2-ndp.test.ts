import { describe, expect, it } from 'vitest';
import { icmpv6Checksum } from '../../src/layer2/checksum.js';
import {
  buildNeighborAdvertisement,
  buildNeighborSolicitation,
  buildUnsolicitedAdvertisement,
  parseNdp,
  type NdpMessage,
} from '../../src/layer2/ndp.js';
import { decideNdpReply, type NdpDecision } from '../../src/layer2/ndp-reply.js';
import { frame, MAC_A, MAC_B, type FrameName } from './layer2-frames.js';

const OWNED = new Set(['2001:db8::2']);

function replyOf(decision: NdpDecision): Buffer {
  if (decision.action !== 'reply')
    throw new Error(`expected a reply, got ${decision.reason}: ${decision.detail}`);
  return decision.frame;
}

function parsedNdp(ethernetFrame: Buffer): NdpMessage {
  const parsed = parseNdp(ethernetFrame.subarray(14));
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

/** Recompute the ICMPv6 checksum after a test changed a covered field. */
function withFreshChecksum(f: Buffer): Buffer {
  const icmp = f.subarray(54, 54 + f.readUInt16BE(18));
  icmp.writeUInt16BE(0, 2);
  icmp.writeUInt16BE(icmpv6Checksum(f.subarray(22, 38), f.subarray(38, 54), icmp), 2);
  return f;
}

describe('parseNdp on captured frames', () => {
  it('reads a multicast NS with its source link-layer option', () => {
    expect(parsedNdp(frame('nsMulticast'))).toMatchObject({
      type: 135,
      sourceIp: 'fe80::5eff:fe10:a',
      destinationIp: 'ff02::1:ff00:2',
      hopLimit: 255,
      target: '2001:db8::2',
      linkLayerAddress: MAC_A,
      optionTypes: [1],
      solicited: false,
      override: false,
    });
  });

  it('reads the kernel NA with its flags and target link-layer option', () => {
    expect(parsedNdp(frame('naKernel'))).toMatchObject({
      type: 136,
      sourceIp: '2001:db8::2',
      destinationIp: 'fe80::5eff:fe10:a',
      target: '2001:db8::2',
      router: false,
      solicited: true,
      override: true,
      linkLayerAddress: MAC_B,
    });
  });

  it('reads a DAD probe: source ::, no link-layer option, a nonce option (type 14)', () => {
    expect(parsedNdp(frame('nsDad'))).toMatchObject({
      sourceIp: '::',
      target: '2001:db8::55',
      linkLayerAddress: undefined,
      optionTypes: [14],
    });
  });

  it('verifies the checksum of every captured NS and NA', () => {
    const names: FrameName[] = [
      'nsMulticast',
      'naKernel',
      'nsUnknown',
      'nsDad',
      'nsGlobalSource',
      'nsUnicast',
    ];
    for (const name of [...names, 'naKernelToGlobal', 'naKernelNoOption'] as const) {
      expect(parseNdp(frame(name).subarray(14)).ok, name).toBe(true);
    }
  });
});

describe('decideNdpReply answers like the kernel', () => {
  it('multicast NS from a link-local source -> byte-for-byte the kernel NA', () => {
    const decision = decideNdpReply(frame('nsMulticast'), OWNED, MAC_B);
    expect(replyOf(decision).toString('hex')).toBe(frame('naKernel').toString('hex'));
    expect(decision).toMatchObject({ ip: '2001:db8::2', requester: MAC_A, dad: false });
  });

  it('multicast NS from a global source -> byte-for-byte the kernel NA', () => {
    expect(replyOf(decideNdpReply(frame('nsGlobalSource'), OWNED, MAC_B))).toEqual(frame('naKernelToGlobal'));
  });

  it('unicast NS (NUD) -> solicited NA to its source, with our MAC as target option', () => {
    const reply = replyOf(decideNdpReply(frame('nsUnicast'), OWNED, MAC_B));
    expect(reply.subarray(0, 12).toString('hex')).toBe('02005e10000a02005e10000b');
    expect(parsedNdp(reply)).toMatchObject({
      type: 136,
      sourceIp: '2001:db8::2',
      destinationIp: 'fe80::5eff:fe10:a',
      solicited: true,
      override: true,
      router: false,
      linkLayerAddress: MAC_B,
    });
  });

  it('DAD probe -> NA to ff02::1 (33:33:00:00:00:01) with S=0, O=1', () => {
    const decision = decideNdpReply(frame('nsDad'), new Set(['2001:db8::55']), MAC_B);
    const reply = replyOf(decision);
    expect(decision).toMatchObject({ dad: true, ip: '2001:db8::55' });
    expect(reply.subarray(0, 12).toString('hex')).toBe('33330000000102005e10000b');
    expect(parsedNdp(reply)).toMatchObject({
      sourceIp: '2001:db8::55',
      destinationIp: 'ff02::1',
      target: '2001:db8::55',
      solicited: false,
      override: true,
      linkLayerAddress: MAC_B,
    });
  });
});

describe('decideNdpReply drop reasons', () => {
  const mutate = (name: FrameName, change: (f: Buffer) => void, refresh = true): Buffer => {
    const f = frame(name);
    change(f);
    return refresh ? withFreshChecksum(f) : f;
  };
  const cases: [string, Buffer, string, string][] = [
    ['our own NS', frame('nsMulticast'), MAC_A, 'own-frame'],
    ['an NS for an address we do not own', frame('nsUnknown'), MAC_B, 'not-for-us'],
    ['a neighbor advertisement', frame('naKernel'), MAC_A, 'not-a-solicitation'],
    ['a router solicitation', frame('routerSolicitation'), MAC_B, 'not-a-solicitation'],
    ['an echo request', frame('echoRequest'), MAC_B, 'not-a-solicitation'],
    [
      'a corrupted checksum',
      mutate('nsMulticast', (f) => (f[57] = (f[57] ?? 0) ^ 0xff), false),
      MAC_B,
      'bad-checksum',
    ],
    ['a corrupted target', mutate('nsMulticast', (f) => (f[77] = 3), false), MAC_B, 'bad-checksum'],
    [
      'another solicited-node MAC',
      mutate('nsMulticast', (f) => (f[5] = 3), false),
      MAC_B,
      'wrong-destination',
    ],
    ['broadcast', mutate('nsMulticast', (f) => f.fill(0xff, 0, 6), false), MAC_B, 'wrong-destination'],
    ['another unicast IPv6 destination', mutate('nsUnicast', (f) => (f[53] = 9)), MAC_B, 'wrong-destination'],
    ['hop limit 64', mutate('nsMulticast', (f) => (f[21] = 64), false), MAC_B, 'malformed'],
    ['ICMPv6 code 1', mutate('nsMulticast', (f) => (f[55] = 1)), MAC_B, 'malformed'],
    ['an option of length 0', mutate('nsMulticast', (f) => (f[79] = 0)), MAC_B, 'malformed'],
    ['an option overrunning the message', mutate('nsMulticast', (f) => (f[79] = 2)), MAC_B, 'malformed'],
    ['a multicast target', mutate('nsMulticast', (f) => (f[62] = 0xff)), MAC_B, 'malformed'],
    [
      'a DAD probe to a unicast address',
      mutate('nsDad', (f) => {
        f.set(f.subarray(62, 78), 38);
      }),
      MAC_B,
      'malformed',
    ],
    [
      'a DAD probe with a source link-layer option',
      mutate('nsMulticast', (f) => f.fill(0, 22, 38)),
      MAC_B,
      'malformed',
    ],
    [
      'IP version 4 in an IPv6 frame',
      mutate('nsMulticast', (f) => (f[14] = 0x40), false),
      MAC_B,
      'malformed',
    ],
    ['a payload length beyond the frame', frame('nsMulticast').subarray(0, 80), MAC_B, 'malformed'],
    ['a short ICMPv6 body', mutate('nsMulticast', (f) => f.writeUInt16BE(20, 18), false), MAC_B, 'malformed'],
    ['an ARP frame', frame('arpRequestBroadcast'), MAC_B, 'malformed'],
    ['a 10-byte frame', Buffer.alloc(10), MAC_B, 'malformed'],
  ];
  it.each(cases)('%s', (_name, input, ourMac, reason) => {
    const decision = decideNdpReply(input, OWNED, ourMac);
    expect(decision).toMatchObject({ action: 'drop', reason });
    expect(decision.action === 'drop' && decision.detail.length).toBeGreaterThan(0);
  });

  it('a solicitation we built ourselves is valid and answered', () => {
    const ns = buildNeighborSolicitation(MAC_A, 'fe80::5eff:fe10:a', '2001:db8::2');
    if (!ns.ok) throw new Error(ns.error);
    // Identical to ndisc6's NS except for the flow label, which is not covered by the checksum.
    expect(ns.value.toString('hex')).toBe(frame('nsMulticast').fill(0, 15, 18).toString('hex'));
    expect(replyOf(decideNdpReply(ns.value, OWNED, MAC_B))).toEqual(frame('naKernel'));
  });
});

describe('NA builders', () => {
  it('unsolicited NA goes to ff02::1 with Override and without Solicited', () => {
    const na = buildUnsolicitedAdvertisement(MAC_B, '2001:db8::2');
    if (!na.ok) throw new Error(na.error);
    expect(na.value.subarray(0, 14).toString('hex')).toBe('33330000000102005e10000b86dd');
    expect(parsedNdp(na.value)).toMatchObject({
      type: 136,
      sourceIp: '2001:db8::2',
      destinationIp: 'ff02::1',
      target: '2001:db8::2',
      solicited: false,
      override: true,
      router: false,
      linkLayerAddress: MAC_B,
      hopLimit: 255,
    });
  });

  it('returns errors for addresses that are not IPv6', () => {
    expect(buildUnsolicitedAdvertisement(MAC_B, '192.0.2.1')).toEqual({
      ok: false,
      error: '"192.0.2.1" is not an IPv6 address',
    });
    const na = buildNeighborAdvertisement({
      ourMac: MAC_B,
      destinationMac: MAC_A,
      sourceIp: '2001:db8::2',
      destinationIp: 'nonsense',
      target: '2001:db8::2',
      solicited: true,
      override: true,
    });
    expect(na.ok).toBe(false);
  });
});
