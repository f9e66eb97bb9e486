// Passive address-conflict detection on real captured frames (layer2-frames.ts): host A (192.0.2.1,
// 2001:db8::55) and host B (192.0.2.2, 2001:db8::2). Here a speaker with MAC OURS "owns" their addresses,
// as a speaker would whose Eip overlaps hosts that already use them.
import { describe, expect, it } from 'vitest';
import { arpClaim, arpTakeover, ndpClaim, ndpTakeover } from '../../src/layer2/conflict.js';
import { buildUnsolicitedAdvertisement } from '../../src/layer2/ndp.js';
import { frame, MAC_A, MAC_B, type FrameName } from './layer2-frames.js';

const OURS = '02:00:5e:10:00:99';
const v4 = (...ips: string[]): ReadonlySet<string> => new Set(ips);

describe('arpClaim', () => {
  it('a request whose sender IP we announce is a claim by the sender', () => {
    expect(arpClaim(frame('arpRequestBroadcast'), v4('192.0.2.1'), OURS)).toEqual({
      ip: '192.0.2.1',
      mac: MAC_A,
      evidence: 'arp-request',
    });
    expect(arpClaim(frame('arpRequestUnicast'), v4('192.0.2.1'), OURS)?.evidence).toBe('arp-request');
  });

  it('a reply seen from another host with our IP as its sender is a claim too', () => {
    expect(arpClaim(frame('arpReplyKernel'), v4('192.0.2.2'), OURS)).toEqual({
      ip: '192.0.2.2',
      mac: MAC_B,
      evidence: 'arp-reply',
    });
  });

  it('is no claim: gratuitous ARP (a peer speaker taking over), probes, other IPs, our own frames', () => {
    const cases: [FrameName, string, string][] = [
      ['garpRequest', '192.0.2.1', OURS],
      ['garpReply', '192.0.2.1', OURS],
      ['arpProbe', '192.0.2.2', OURS],
      ['arpRequestBroadcast', '192.0.2.2', OURS], // asking for an IP we own is what we answer, not a claim
      ['arpRequestBroadcast', '192.0.2.1', MAC_A], // our own request
      ['nsGlobalSource', '192.0.2.1', OURS], // not ARP
    ];
    for (const [name, owned, mac] of cases)
      expect(arpClaim(frame(name), v4(owned), mac), name).toBeUndefined();
    expect(arpClaim(frame('arpRequestBroadcast'), v4(), OURS)).toBeUndefined();
    expect(arpClaim(Buffer.alloc(10), v4('192.0.2.1'), OURS)).toBeUndefined();
  });
});

describe('ndpClaim', () => {
  it('a DAD probe for an IP we announce: a host is configuring it', () => {
    expect(ndpClaim(frame('nsDad'), v4('2001:db8::55'), OURS)).toEqual({
      ip: '2001:db8::55',
      mac: MAC_A,
      evidence: 'dad-probe',
    });
  });

  it('a solicitation sent from an IP we announce: a host already uses it', () => {
    expect(ndpClaim(frame('nsGlobalSource'), v4('2001:db8::55'), OURS)).toEqual({
      ip: '2001:db8::55',
      mac: MAC_A,
      evidence: 'neighbor-solicitation',
    });
  });

  it('a solicited advertisement for an IP we announce: a host answered our NS probe for it', () => {
    // B's kernel answering A's NS from its link-local address: what a speaker on A sees after its probe.
    expect(ndpClaim(frame('naKernel'), v4('2001:db8::2'), MAC_A)).toEqual({
      ip: '2001:db8::2',
      mac: MAC_B,
      evidence: 'neighbor-advertisement',
    });
    expect(ndpClaim(frame('naKernelNoOption'), v4('2001:db8::2'), MAC_A)?.mac).toBe(MAC_B);
  });

  it('is no claim: a solicitation for our IP from another address, other IPs, unsolicited NAs, our own frames', () => {
    const cases: [FrameName, string, string][] = [
      ['nsMulticast', '2001:db8::2', OURS],
      ['nsDad', '2001:db8::2', OURS],
      ['naKernel', '2001:db8::3', OURS],
      ['naKernel', '2001:db8::2', MAC_B],
      ['nsGlobalSource', '2001:db8::55', MAC_A],
      ['arpRequestBroadcast', '2001:db8::55', OURS],
    ];
    for (const [name, owned, mac] of cases)
      expect(ndpClaim(frame(name), v4(owned), mac), name).toBeUndefined();
    // A peer speaker taking the IP over sends unsolicited NAs (S=0).
    const takeover = buildUnsolicitedAdvertisement(MAC_B, '2001:db8::2');
    if (!takeover.ok) throw new Error(takeover.error);
    expect(ndpClaim(takeover.value, v4('2001:db8::2'), OURS)).toBeUndefined();
  });
});

describe('arpTakeover and ndpTakeover: another node announcing an IP it gained', () => {
  it('gratuitous ARP, request or reply, from another MAC for an IP we answer for', () => {
    for (const name of ['garpRequest', 'garpReply'] as const)
      expect(arpTakeover(frame(name), v4('192.0.2.1'), OURS), name).toEqual({ ip: '192.0.2.1', mac: MAC_A });
  });

  it('not: ordinary ARP, probes, IPs we do not answer for, our own gratuitous ARP, other EtherTypes', () => {
    const cases: [FrameName, string, string][] = [
      ['arpRequestBroadcast', '192.0.2.1', OURS],
      ['arpReplyKernel', '192.0.2.2', OURS],
      ['arpProbe', '192.0.2.2', OURS],
      ['garpRequest', '192.0.2.2', OURS],
      ['garpRequest', '192.0.2.1', MAC_A],
      ['nsGlobalSource', '192.0.2.1', OURS],
    ];
    for (const [name, owned, mac] of cases)
      expect(arpTakeover(frame(name), v4(owned), mac), name).toBeUndefined();
  });

  it('an unsolicited NA with Override from another MAC; not a solicited one, nor ours, nor for other IPs', () => {
    const gained = buildUnsolicitedAdvertisement(MAC_B, '2001:db8::2');
    if (!gained.ok) throw new Error(gained.error);
    expect(ndpTakeover(gained.value, v4('2001:db8::2'), OURS)).toEqual({ ip: '2001:db8::2', mac: MAC_B });
    expect(ndpTakeover(gained.value, v4('2001:db8::3'), OURS)).toBeUndefined();
    expect(ndpTakeover(gained.value, v4('2001:db8::2'), MAC_B)).toBeUndefined();
    expect(ndpTakeover(frame('naKernel'), v4('2001:db8::55', '2001:db8::2'), OURS)).toBeUndefined();
    expect(ndpTakeover(frame('garpRequest'), v4('2001:db8::2'), OURS)).toBeUndefined();
  });
});
