/**
 * ARP for IPv4 over Ethernet (RFC 826): parse and build packets, decide whether to answer a frame, and build
 * gratuitous ARP (RFC 5227 §3 "announcement" request, plus the reply form some stacks only listen to).
 */
import type { Result } from '../ip/address.js';
import {
  BROADCAST_MAC,
  formatIPv4,
  formatMac,
  ipv4ToBytes,
  macToBytes,
  type MacAddress,
} from './addresses.js';
import { buildEthernet, ETHERTYPE_ARP, parseEthernet } from './ethernet.js';

/** ARP operation codes. */
export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

const ARP_LENGTH = 28;
const ZERO_MAC: MacAddress = '00:00:00:00:00:00';
const UNSPECIFIED_IPV4 = '0.0.0.0';

/** One ARP packet for IPv4 over Ethernet. */
export interface ArpPacket {
  readonly operation: number;
  readonly senderMac: MacAddress;
  readonly senderIp: string;
  readonly targetMac: MacAddress;
  readonly targetIp: string;
}

/** Parse the ARP payload of an Ethernet frame (trailing padding is ignored). */
export function parseArp(payload: Buffer): Result<ArpPacket> {
  if (payload.length < ARP_LENGTH)
    return { ok: false, error: `ARP payload of ${payload.length} bytes (need 28)` };
  const hardwareType = payload.readUInt16BE(0);
  const protocolType = payload.readUInt16BE(2);
  if (hardwareType !== 1 || protocolType !== 0x0800 || payload[4] !== 6 || payload[5] !== 4) {
    return {
      ok: false,
      error: `ARP for hardware ${hardwareType}/${payload[4]} and protocol 0x${protocolType.toString(16)}/${payload[5]} is not Ethernet/IPv4`,
    };
  }
  return {
    ok: true,
    value: {
      operation: payload.readUInt16BE(6),
      senderMac: formatMac(payload.subarray(8, 14)),
      senderIp: formatIPv4(payload.subarray(14, 18)),
      targetMac: formatMac(payload.subarray(18, 24)),
      targetIp: formatIPv4(payload.subarray(24, 28)),
    },
  };
}

/** The 28 bytes of an ARP packet, or an error naming the bad address. */
export function buildArp(packet: ArpPacket): Result<Buffer> {
  const senderIp = ipv4ToBytes(packet.senderIp);
  if (!senderIp.ok) return senderIp;
  const targetIp = ipv4ToBytes(packet.targetIp);
  if (!targetIp.ok) return targetIp;
  const out = Buffer.alloc(ARP_LENGTH);
  out.writeUInt16BE(1, 0);
  out.writeUInt16BE(0x0800, 2);
  out[4] = 6;
  out[5] = 4;
  out.writeUInt16BE(packet.operation, 6);
  out.set(macToBytes(packet.senderMac), 8);
  out.set(senderIp.value, 14);
  out.set(macToBytes(packet.targetMac), 18);
  out.set(targetIp.value, 24);
  return { ok: true, value: out };
}

/** A whole Ethernet frame carrying `packet`. */
export function buildArpFrame(
  destination: MacAddress,
  source: MacAddress,
  packet: ArpPacket,
): Result<Buffer> {
  const arp = buildArp(packet);
  return arp.ok ? { ok: true, value: buildEthernet(destination, source, ETHERTYPE_ARP, arp.value) } : arp;
}

/** A broadcast who-has request, e.g. to probe whether a node still answers for its own address. */
export function buildArpRequest(ourMac: MacAddress, senderIp: string, targetIp: string): Result<Buffer> {
  return buildArpFrame(BROADCAST_MAC, ourMac, {
    operation: ARP_REQUEST,
    senderMac: ourMac,
    senderIp,
    targetMac: ZERO_MAC,
    targetIp,
  });
}

/** Gratuitous ARP request (sender IP = target IP = `ip`), broadcast: updates every neighbour's existing entry. */
export function buildGratuitousRequest(ourMac: MacAddress, ip: string): Result<Buffer> {
  // Target MAC broadcast, as iputils `arping -U` and MetalLB send it.
  return buildArpFrame(BROADCAST_MAC, ourMac, {
    operation: ARP_REQUEST,
    senderMac: ourMac,
    senderIp: ip,
    targetMac: BROADCAST_MAC,
    targetIp: ip,
  });
}

/** Gratuitous ARP reply, broadcast, for stacks that only update their caches from replies. */
export function buildGratuitousReply(ourMac: MacAddress, ip: string): Result<Buffer> {
  // Target MAC = our MAC, as iputils `arping -A` sends it.
  return buildArpFrame(BROADCAST_MAC, ourMac, {
    operation: ARP_REPLY,
    senderMac: ourMac,
    senderIp: ip,
    targetMac: ourMac,
    targetIp: ip,
  });
}

/** Why a frame was not answered; stable strings, fit for metric labels and logs. */
export type ArpDropReason =
  'malformed' | 'own-frame' | 'not-a-request' | 'gratuitous' | 'wrong-destination' | 'not-for-us';

/** Every ArpDropReason, for pre-registering metric label values. */
export const ARP_DROP_REASONS: readonly ArpDropReason[] = [
  'malformed',
  'own-frame',
  'not-a-request',
  'gratuitous',
  'wrong-destination',
  'not-for-us',
];

/** Either the reply to send, or why the frame is dropped (with a detail for debug logs). */
export type ArpDecision =
  | { readonly action: 'reply'; readonly ip: string; readonly requester: MacAddress; readonly frame: Buffer }
  | { readonly action: 'drop'; readonly reason: ArpDropReason; readonly detail: string };

function drop(reason: ArpDropReason, detail: string): ArpDecision {
  return { action: 'drop', reason, detail };
}

/**
 * Decide what to do with one received frame. Answers only ARP requests for an IP in `ownedIPs` (dotted quads)
 * that were sent to broadcast or to `ourMac`, are not gratuitous and did not come from us. ARP probes
 * (sender IP 0.0.0.0, RFC 5227) are answered: the prober must learn the address is taken.
 */
export function decideArpReply(
  frame: Buffer,
  ownedIPs: ReadonlySet<string>,
  ourMac: MacAddress,
): ArpDecision {
  const ethernet = parseEthernet(frame);
  if (!ethernet.ok) return drop('malformed', ethernet.error);
  const eth = ethernet.value;
  if (eth.source === ourMac) return drop('own-frame', `sent by our own MAC ${ourMac}`);
  if (eth.etherType !== ETHERTYPE_ARP)
    return drop('malformed', `EtherType 0x${eth.etherType.toString(16)} is not ARP`);
  const parsed = parseArp(eth.payload);
  if (!parsed.ok) return drop('malformed', parsed.error);
  const arp = parsed.value;
  if (arp.operation !== ARP_REQUEST) return drop('not-a-request', `ARP operation ${arp.operation}`);
  if (arp.senderIp === arp.targetIp && arp.senderIp !== UNSPECIFIED_IPV4) {
    return drop('gratuitous', `gratuitous request for ${arp.targetIp} from ${arp.senderMac}`);
  }
  if (eth.destination !== BROADCAST_MAC && eth.destination !== ourMac) {
    return drop('wrong-destination', `sent to ${eth.destination}, neither broadcast nor ${ourMac}`);
  }
  if (!ownedIPs.has(arp.targetIp)) return drop('not-for-us', `${arp.targetIp} is not announced here`);
  // Straight from the request's bytes: this runs for every request, and text round trips cost 3x.
  const request = eth.payload;
  const reply = Buffer.alloc(14 + ARP_LENGTH);
  const ours = macToBytes(ourMac);
  reply.set(request.subarray(8, 14), 0); // to the requester's hardware address
  reply.set(ours, 6);
  reply.writeUInt16BE(ETHERTYPE_ARP, 12);
  reply.set(request.subarray(0, 6), 14); // hardware/protocol types and lengths, as validated by parseArp
  reply.writeUInt16BE(ARP_REPLY, 20);
  reply.set(ours, 22);
  reply.set(request.subarray(24, 28), 28); // sender IP = the requested IP
  reply.set(request.subarray(8, 18), 32); // target MAC and IP = the requester's
  return { action: 'reply', ip: arp.targetIp, requester: arp.senderMac, frame: reply };
}
