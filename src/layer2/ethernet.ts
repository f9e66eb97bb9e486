/** Ethernet II framing: 6-byte destination, 6-byte source, 2-byte EtherType, payload (no FCS, as sockets see it). */
import type { Result } from '../ip/address.js';
import { formatMac, macToBytes, type MacAddress } from './addresses.js';

/** EtherType of ARP. */
export const ETHERTYPE_ARP = 0x0806;
/** EtherType of IPv6. */
export const ETHERTYPE_IPV6 = 0x86dd;
/** Length of the Ethernet II header. */
export const ETHERNET_HEADER_LENGTH = 14;

/** One parsed Ethernet II frame. `payload` is a view into the original buffer (and may include padding). */
export interface EthernetFrame {
  readonly destination: MacAddress;
  readonly source: MacAddress;
  readonly etherType: number;
  readonly payload: Buffer;
}

/** Split a frame into header fields and payload. Fails only when it is shorter than the header. */
export function parseEthernet(frame: Buffer): Result<EthernetFrame> {
  if (frame.length < ETHERNET_HEADER_LENGTH) {
    return { ok: false, error: `frame of ${frame.length} bytes is shorter than an Ethernet header (14)` };
  }
  return {
    ok: true,
    value: {
      destination: formatMac(frame.subarray(0, 6)),
      source: formatMac(frame.subarray(6, 12)),
      etherType: frame.readUInt16BE(12),
      payload: frame.subarray(ETHERNET_HEADER_LENGTH),
    },
  };
}

/**
 * Build a frame. No padding to the 60-byte minimum: Linux sends its own ARP replies at 42 bytes and the NIC
 * pads on the wire, so our frames are byte-for-byte what the kernel itself would send.
 */
export function buildEthernet(
  destination: MacAddress,
  source: MacAddress,
  etherType: number,
  payload: Uint8Array,
): Buffer {
  const frame = Buffer.alloc(ETHERNET_HEADER_LENGTH + payload.length);
  frame.set(macToBytes(destination), 0);
  frame.set(macToBytes(source), 6);
  frame.writeUInt16BE(etherType, 12);
  frame.set(payload, ETHERNET_HEADER_LENGTH);
  return frame;
}
