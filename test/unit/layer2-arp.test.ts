import { describe, expect, it } from 'vitest';
import {
  ARP_REPLY,
  ARP_REQUEST,
  buildArpFrame,
  buildArpRequest,
  buildGratuitousReply,
  buildGratuitousRequest,
  decideArpReply,
  parseArp,
  type ArpDecision,
} from '../../src/layer2/arp.js';
import { parseEthernet } from '../../src/layer2/ethernet.js';
import { frame, MAC_A, MAC_B, type FrameName } from './layer2-frames.js';

const OWNED = new Set(['192.0.2.2']);

function replyOf(decision: ArpDecision): Buffer {
  if (decision.action !== 'reply')
    throw new Error(`expected a reply, got ${decision.reason}: ${decision.detail}`);
  return decision.frame;
}

describe('parseArp on captured frames', () => {
  it('reads every field of a broadcast request', () => {
    const eth = parseEthernet(frame('arpRequestBroadcast'));
    expect(eth.ok && eth.value).toMatchObject({
      destination: 'ff:ff:ff:ff:ff:ff',
      source: MAC_A,
      etherType: 0x0806,
    });
    if (!eth.ok) return;
    expect(parseArp(eth.value.payload)).toEqual({
      ok: true,
      value: {
        operation: ARP_REQUEST,
        senderMac: MAC_A,
        senderIp: '192.0.2.1',
        targetMac: 'ff:ff:ff:ff:ff:ff',
        targetIp: '192.0.2.2',
      },
    });
  });

  it('rejects short payloads and non-Ethernet/IPv4 ARP with a precise error', () => {
    expect(parseArp(Buffer.alloc(27))).toEqual({ ok: false, error: 'ARP payload of 27 bytes (need 28)' });
    const payload = frame('arpRequestBroadcast').subarray(14);
    payload.writeUInt16BE(6, 0); // IEEE 802 hardware type
    const parsed = parseArp(payload);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toContain('is not Ethernet/IPv4');
  });
});

describe('decideArpReply answers exactly like the kernel', () => {
  const cases: [FrameName, FrameName][] = [
    ['arpRequestBroadcast', 'arpReplyKernel'],
    ['arpRequestUnicast', 'arpReplyKernelToUnicast'],
    ['arpProbe', 'arpProbeReplyKernel'],
  ];
  it.each(cases)('%s -> byte-for-byte %s', (request, kernelReply) => {
    const decision = decideArpReply(frame(request), OWNED, MAC_B);
    expect(replyOf(decision).toString('hex')).toBe(frame(kernelReply).toString('hex'));
    expect(decision).toMatchObject({ ip: '192.0.2.2', requester: MAC_A });
  });

  it('answers a request padded to the 60-byte Ethernet minimum', () => {
    const padded = Buffer.concat([frame('arpRequestBroadcast'), Buffer.alloc(18)]);
    expect(replyOf(decideArpReply(padded, OWNED, MAC_B))).toEqual(frame('arpReplyKernel'));
  });
});

describe('decideArpReply drop reasons', () => {
  const otherUnicast = frame('arpRequestBroadcast');
  otherUnicast.set([0x02, 0, 0, 0, 0, 0x99], 0);
  const multicastDestination = frame('arpRequestBroadcast');
  multicastDestination.set([0x01, 0, 0x5e, 0, 0, 1], 0);
  const wrongHardware = frame('arpRequestBroadcast');
  wrongHardware.writeUInt16BE(6, 14);
  const cases: [string, Buffer, ReadonlySet<string>, string, string][] = [
    ['a kernel reply', frame('arpReplyKernel'), new Set(['192.0.2.1']), MAC_A, 'not-a-request'],
    ['a gratuitous request', frame('garpRequest'), new Set(['192.0.2.1']), MAC_B, 'gratuitous'],
    ['a gratuitous reply', frame('garpReply'), new Set(['192.0.2.1']), MAC_B, 'not-a-request'],
    ['our own request', frame('arpRequestBroadcast'), new Set(['192.0.2.2']), MAC_A, 'own-frame'],
    ['a request for an IP we do not own', frame('arpRequestUnknown'), OWNED, MAC_B, 'not-for-us'],
    ['a request sent to another MAC', otherUnicast, OWNED, MAC_B, 'wrong-destination'],
    ['a request sent to a multicast MAC', multicastDestination, OWNED, MAC_B, 'wrong-destination'],
    ['a 13-byte frame', Buffer.alloc(13), OWNED, MAC_B, 'malformed'],
    ['a truncated ARP payload', frame('arpRequestBroadcast').subarray(0, 41), OWNED, MAC_B, 'malformed'],
    ['ARP over another hardware type', wrongHardware, OWNED, MAC_B, 'malformed'],
    ['an IPv6 frame', frame('nsMulticast'), OWNED, MAC_B, 'malformed'],
  ];
  it.each(cases)('%s', (_name, input, owned, ourMac, reason) => {
    const decision = decideArpReply(input, owned, ourMac);
    expect(decision).toMatchObject({ action: 'drop', reason });
    expect(decision.action === 'drop' && decision.detail.length).toBeGreaterThan(0);
  });

  it('explains what was wrong', () => {
    expect(decideArpReply(frame('arpRequestUnknown'), OWNED, MAC_B)).toEqual({
      action: 'drop',
      reason: 'not-for-us',
      detail: '192.0.2.77 is not announced here',
    });
  });
});

describe('ARP builders', () => {
  it('gratuitous request and reply are byte-for-byte what iputils arping -U / -A send', () => {
    expect(buildGratuitousRequest(MAC_A, '192.0.2.1')).toEqual({ ok: true, value: frame('garpRequest') });
    expect(buildGratuitousReply(MAC_A, '192.0.2.1')).toEqual({ ok: true, value: frame('garpReply') });
  });

  it('a who-has request is answered by the decision for the owner', () => {
    const request = buildArpRequest(MAC_A, '192.0.2.1', '192.0.2.2');
    if (!request.ok) throw new Error(request.error);
    expect(replyOf(decideArpReply(request.value, OWNED, MAC_B))).toEqual(frame('arpReplyKernel'));
  });

  it('returns errors for addresses that are not IPv4', () => {
    expect(buildGratuitousRequest(MAC_A, '2001:db8::1')).toEqual({
      ok: false,
      error: '"2001:db8::1" is not an IPv4 address',
    });
    const built = buildArpFrame('ff:ff:ff:ff:ff:ff', MAC_A, {
      operation: ARP_REPLY,
      senderMac: MAC_A,
      senderIp: '192.0.2.1',
      targetMac: MAC_B,
      targetIp: '192.0.2.256',
    });
    expect(built.ok).toBe(false);
  });
});
