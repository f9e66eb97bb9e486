/** The Internet checksum (RFC 1071) and the ICMPv6 checksum over the IPv6 pseudo-header (RFC 8200 §8.1). */

const ICMPV6_NEXT_HEADER = 58;

/** Ones'-complement sum of 16-bit big-endian words, as if the parts were one buffer (odd parts are handled). */
function onesComplementSum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  let pendingHigh = -1; // a byte left over from an odd-length part pairs with the next part's first byte
  for (const part of parts) {
    let i = 0;
    if (pendingHigh >= 0 && part.length > 0) {
      sum += (pendingHigh << 8) | (part[0] ?? 0);
      pendingHigh = -1;
      i = 1;
    }
    for (; i + 1 < part.length; i += 2) sum += ((part[i] ?? 0) << 8) | (part[i + 1] ?? 0);
    if (i < part.length) pendingHigh = part[i] ?? 0;
    // Fold early so the number never leaves the exact-integer range, whatever the input size.
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (pendingHigh >= 0) sum += pendingHigh << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** RFC 1071 checksum of the concatenation of `parts`. A buffer that contains its own correct checksum sums to 0. */
export function internetChecksum(parts: readonly Uint8Array[]): number {
  return ~onesComplementSum(parts) & 0xffff;
}

/** The IPv6 pseudo-header: source, destination, upper-layer length (32 bits), three zero bytes, next header. */
export function ipv6PseudoHeader(
  source: Uint8Array,
  destination: Uint8Array,
  length: number,
  nextHeader: number,
): Buffer {
  const header = Buffer.alloc(40);
  header.set(source, 0);
  header.set(destination, 16);
  header.writeUInt32BE(length, 32);
  header[39] = nextHeader;
  return header;
}

/**
 * Checksum for an ICMPv6 message. Pass the message with its checksum field zeroed to compute the value to
 * store; pass it as received to verify (a correct message yields 0).
 */
export function icmpv6Checksum(source: Uint8Array, destination: Uint8Array, message: Uint8Array): number {
  return internetChecksum([
    ipv6PseudoHeader(source, destination, message.length, ICMPV6_NEXT_HEADER),
    message,
  ]);
}
