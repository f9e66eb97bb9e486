/**
 * Conversions between the text forms the rest of the project uses (dotted quad, RFC 5952 IPv6, colon MAC) and
 * the bytes on the wire, plus the IPv6 solicited-node multicast mapping (RFC 4291 §2.7.1, RFC 2464 §7).
 */
import { formatV6Groups, parseIp, type Result } from '../ip/address.js';

/** A MAC address as lower-case colon-separated hex: `02:00:5e:10:00:0a`. */
export type MacAddress = string;

/** Ethernet broadcast. */
export const BROADCAST_MAC: MacAddress = 'ff:ff:ff:ff:ff:ff';
/** The MAC of ff02::1 (all nodes), where unsolicited and DAD-answering Neighbor Advertisements go. */
export const ALL_NODES_MAC: MacAddress = '33:33:00:00:00:01';
/** ff02::1, the IPv6 all-nodes link-local multicast address. */
export const ALL_NODES_IPV6 = 'ff02::1';

const MAC_TEXT = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Parse a MAC address (`aa:bb:cc:dd:ee:ff`, either case) into its canonical lower-case form. */
export function parseMac(text: string): Result<MacAddress> {
  const lower = text.toLowerCase();
  return MAC_TEXT.test(lower)
    ? { ok: true, value: lower }
    : { ok: false, error: `"${text}" is not a MAC address (expected six colon-separated hex bytes)` };
}

/** The 6 bytes of a canonical MAC. Callers pass values from parseMac/formatMac; anything else is a bug. */
export function macToBytes(mac: MacAddress): Buffer {
  const bytes = Buffer.from(mac.replaceAll(':', ''), 'hex');
  if (bytes.length !== 6) throw new RangeError(`not a canonical MAC address: ${mac}`);
  return bytes;
}

/** Two lower-case hex digits of every byte value. */
const HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const hex = (b: number | undefined): string => HEX[b ?? 0] ?? '00';

/** Canonical text of 6 MAC bytes (a table, not a regex: this runs for frames on the hot path). */
export function formatMac(bytes: Uint8Array): MacAddress {
  return `${hex(bytes[0])}:${hex(bytes[1])}:${hex(bytes[2])}:${hex(bytes[3])}:${hex(bytes[4])}:${hex(bytes[5])}`;
}

/** Dotted quad of 4 bytes. */
export function formatIPv4(bytes: Uint8Array): string {
  return `${bytes[0] ?? 0}.${bytes[1] ?? 0}.${bytes[2] ?? 0}.${bytes[3] ?? 0}`;
}

/** RFC 5952 text of 16 bytes (same output as formatIp, without the bigint detour: this runs per frame). */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return formatV6Groups(groups);
}

/** The 4 bytes of an IPv4 address, or an error for anything else. */
export function ipv4ToBytes(text: string): Result<Buffer> {
  const ip = parseIp(text);
  if (!ip.ok || ip.value.family !== 'IPv4') return { ok: false, error: `"${text}" is not an IPv4 address` };
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(Number(ip.value.value));
  return { ok: true, value: bytes };
}

/** The 16 bytes of an IPv6 address, or an error for anything else. */
export function ipv6ToBytes(text: string): Result<Buffer> {
  const ip = parseIp(text);
  if (!ip.ok || ip.value.family !== 'IPv6') return { ok: false, error: `"${text}" is not an IPv6 address` };
  return { ok: true, value: Buffer.from(ip.value.value.toString(16).padStart(32, '0'), 'hex') };
}

/** ff02::1:ffXX:XXXX for the low 24 bits of `target` (16 bytes). */
export function solicitedNodeAddressBytes(target: Uint8Array): Buffer {
  const address = Buffer.from('ff0200000000000000000001ff000000', 'hex');
  address.set(target.subarray(13, 16), 13);
  return address;
}

/** 33:33:ff:XX:XX:XX, the Ethernet multicast MAC of the solicited-node group of `target` (16 bytes). */
export function solicitedNodeMacBytes(target: Uint8Array): Buffer {
  return Buffer.from([0x33, 0x33, 0xff, target[13] ?? 0, target[14] ?? 0, target[15] ?? 0]);
}

/** The solicited-node multicast address of an IPv6 address, as text. */
export function solicitedNodeAddress(ipv6: string): Result<string> {
  const bytes = ipv6ToBytes(ipv6);
  return bytes.ok ? { ok: true, value: formatIPv6(solicitedNodeAddressBytes(bytes.value)) } : bytes;
}

/** The Ethernet MAC of the solicited-node multicast group of an IPv6 address: what the NIC must accept. */
export function solicitedNodeMac(ipv6: string): Result<MacAddress> {
  const bytes = ipv6ToBytes(ipv6);
  return bytes.ok ? { ok: true, value: formatMac(solicitedNodeMacBytes(bytes.value)) } : bytes;
}
