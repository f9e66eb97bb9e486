/** The fixed IPv6 header (RFC 8200 §3); extension headers are not followed (NDP never uses them). */
import type { Result } from '../ip/address.js';

/** Length of the fixed IPv6 header. */
export const IPV6_HEADER_LENGTH = 40;

/** One parsed IPv6 packet. Addresses and payload are views into the original buffer. */
export interface Ipv6Packet {
  readonly source: Buffer;
  readonly destination: Buffer;
  readonly nextHeader: number;
  readonly hopLimit: number;
  /** Exactly `payload length` bytes: Ethernet padding after the packet is cut off. */
  readonly payload: Buffer;
}

/** Parse an IPv6 packet from an Ethernet payload. */
export function parseIpv6(bytes: Buffer): Result<Ipv6Packet> {
  if (bytes.length < IPV6_HEADER_LENGTH) {
    return { ok: false, error: `IPv6 packet of ${bytes.length} bytes is shorter than its header (40)` };
  }
  const version = (bytes[0] ?? 0) >> 4;
  if (version !== 6) return { ok: false, error: `IP version ${version} in an IPv6 frame` };
  const payloadLength = bytes.readUInt16BE(4);
  if (IPV6_HEADER_LENGTH + payloadLength > bytes.length) {
    return {
      ok: false,
      error: `IPv6 payload length ${payloadLength} exceeds the ${bytes.length - IPV6_HEADER_LENGTH} bytes received`,
    };
  }
  return {
    ok: true,
    value: {
      source: bytes.subarray(8, 24),
      destination: bytes.subarray(24, 40),
      nextHeader: bytes[6] ?? 0,
      hopLimit: bytes[7] ?? 0,
      payload: bytes.subarray(IPV6_HEADER_LENGTH, IPV6_HEADER_LENGTH + payloadLength),
    },
  };
}

/** An IPv6 packet with traffic class and flow label 0. */
export function buildIpv6(
  source: Uint8Array,
  destination: Uint8Array,
  nextHeader: number,
  hopLimit: number,
  payload: Uint8Array,
): Buffer {
  const packet = Buffer.alloc(IPV6_HEADER_LENGTH + payload.length);
  packet.writeUInt32BE(0x60000000, 0);
  packet.writeUInt16BE(payload.length, 4);
  packet[6] = nextHeader;
  packet[7] = hopLimit;
  packet.set(source, 8);
  packet.set(destination, 24);
  packet.set(payload, IPV6_HEADER_LENGTH);
  return packet;
}
