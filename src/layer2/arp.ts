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
import { buildEthernet, ETHERNET_HEADER_LENGTH, ETHERTYPE_ARP } from './ethernet.js';

/** ARP operation codes. */
export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

const ARP_LENGTH = 28;
const ZERO_MAC: MacAddress = '00:00:00:00:00:00';

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

/** Our MAC's bytes, memoised: the responder asks with the same MAC for every frame. */
let ourMacCache: { text: MacAddress; bytes: Buffer } | undefined;
function macBytesOf(mac: MacAddress): Buffer {
  if (ourMacCache?.text !== mac) ourMacCache = { text: mac, bytes: macToBytes(mac) };
  return ourMacCache.bytes;
}

/** Where the ARP packet starts in a frame. */
const ARP_OFFSET = ETHERNET_HEADER_LENGTH;
/** Ethernet II header + ARP for Ethernet/IPv4, the shortest frame worth reading. */
const ARP_FRAME_LENGTH = ARP_OFFSET + ARP_LENGTH;

const dottedQuad = (b: Buffer, at: number): string =>
  `${String(b[at])}.${String(b[at + 1])}.${String(b[at + 2])}.${String(b[at + 3])}`;

/**
 * Decide what to do with one received frame. Answers only ARP requests for an IP in `ownedIPs` (dotted quads)
 * that were sent to broadcast or to `ourMac`, are not gratuitous and did not come from us. ARP probes
 * (sender IP 0.0.0.0, RFC 5227) are answered: the prober must learn the address is taken.
 * It reads the frame's bytes in place and formats text only for a drop's detail: this runs for every ARP frame
 * on the link (a full parse into text was ~4 us a frame, most of the responder's time in an ARP flood).
 */
export function decideArpReply(
  frame: Buffer,
  ownedIPs: ReadonlySet<string>,
  ourMac: MacAddress,
): ArpDecision {
  if (frame.length < ETHERNET_HEADER_LENGTH)
    return drop('malformed', `frame of ${frame.length} bytes is shorter than an Ethernet header (14)`);
  const ours = macBytesOf(ourMac);
  if (frame.compare(ours, 0, 6, 6, 12) === 0) return drop('own-frame', `sent by our own MAC ${ourMac}`);
  const etherType = frame.readUInt16BE(12);
  if (etherType !== ETHERTYPE_ARP)
    return drop('malformed', `EtherType 0x${etherType.toString(16)} is not ARP`);
  if (
    frame.length < ARP_FRAME_LENGTH ||
    frame.readUInt16BE(ARP_OFFSET) !== 1 ||
    frame.readUInt16BE(ARP_OFFSET + 2) !== 0x0800 ||
    frame[ARP_OFFSET + 4] !== 6 ||
    frame[ARP_OFFSET + 5] !== 4
  ) {
    const parsed = parseArp(frame.subarray(ARP_OFFSET));
    return drop('malformed', parsed.ok ? 'not ARP for Ethernet/IPv4' : parsed.error);
  }
  const operation = frame.readUInt16BE(ARP_OFFSET + 6);
  if (operation !== ARP_REQUEST) return drop('not-a-request', `ARP operation ${operation}`);
  const senderMac = ARP_OFFSET + 8;
  const senderIp = ARP_OFFSET + 14;
  const targetIp = ARP_OFFSET + 24;
  const probe = frame.readUInt32BE(senderIp) === 0;
  if (!probe && frame.compare(frame, targetIp, targetIp + 4, senderIp, senderIp + 4) === 0) {
    const target = dottedQuad(frame, targetIp);
    return drop(
      'gratuitous',
      `gratuitous request for ${target} from ${formatMac(frame.subarray(senderMac, senderMac + 6))}`,
    );
  }
  const broadcast = frame.readUInt32BE(0) === 0xffffffff && frame.readUInt16BE(4) === 0xffff;
  if (!broadcast && frame.compare(ours, 0, 6, 0, 6) !== 0) {
    const destination = formatMac(frame.subarray(0, 6));
    return drop('wrong-destination', `sent to ${destination}, neither broadcast nor ${ourMac}`);
  }
  const target = dottedQuad(frame, targetIp);
  if (!ownedIPs.has(target)) return drop('not-for-us', `${target} is not announced here`);
  const reply = Buffer.allocUnsafe(ARP_FRAME_LENGTH);
  frame.copy(reply, 0, senderMac, senderMac + 6); // to the requester's hardware address
  ours.copy(reply, 6);
  reply.writeUInt16BE(ETHERTYPE_ARP, 12);
  frame.copy(reply, ARP_OFFSET, ARP_OFFSET, ARP_OFFSET + 6); // hardware/protocol types and lengths, as checked
  reply.writeUInt16BE(ARP_REPLY, ARP_OFFSET + 6);
  ours.copy(reply, ARP_OFFSET + 8);
  frame.copy(reply, ARP_OFFSET + 14, targetIp, targetIp + 4); // sender IP = the requested IP
  frame.copy(reply, ARP_OFFSET + 18, senderMac, senderIp + 4); // target MAC and IP = the requester's
  return {
    action: 'reply',
    ip: target,
    requester: formatMac(frame.subarray(senderMac, senderMac + 6)),
    frame: reply,
  };
}
