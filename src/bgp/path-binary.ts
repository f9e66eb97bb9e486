/**
 * Decodes the wire-format NLRI and path attributes gobgpd sends with ListPath `enable_only_binary`
 * (RFC 4271 §4.3, RFC 4760 §3). Listing that way spares both gobgpd and this process a protobuf
 * `Any` per NLRI and per attribute: at 1,000 routes, ListPath decoding was the speaker's largest CPU
 * cost per reconcile. Only what a RibRoute needs is read: prefix, length, next hop, origin.
 */
import { formatV4Number, formatV6Groups, type Result } from '../ip/address.js';
import type { Origin } from './types.js';

const ATTR_ORIGIN = 1;
const ATTR_NEXT_HOP = 3;
const ATTR_MP_REACH_NLRI = 14;
const FLAG_EXTENDED_LENGTH = 0x10;
const ORIGINS: readonly Origin[] = ['igp', 'egp', 'incomplete'];

/** Dotted quad or RFC 5952 text of a 4- or 16-byte address. */
export function addressText(bytes: Uint8Array): string | undefined {
  if (bytes.length === 4) return formatV4Number(new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0));
  if (bytes.length !== 16) return undefined;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return formatV6Groups(groups);
}

/** A unicast NLRI `[length][prefix bytes]` of an address `width` bytes wide (4 or 16). */
export function decodePrefix(
  nlri: Uint8Array,
  width: 4 | 16,
): Result<{ readonly prefix: string; readonly prefixLen: number }> {
  const prefixLen = nlri[0];
  if (prefixLen === undefined || prefixLen > width * 8) return { ok: false, error: 'bad NLRI length' };
  const used = Math.ceil(prefixLen / 8);
  if (nlri.length < 1 + used) return { ok: false, error: 'NLRI is truncated' };
  const address = new Uint8Array(width);
  address.set(nlri.subarray(1, 1 + used));
  const prefix = addressText(address);
  return prefix === undefined ? { ok: false, error: 'bad NLRI' } : { ok: true, value: { prefix, prefixLen } };
}

/** Next hop (NEXT_HOP, or the first of MP_REACH_NLRI) and origin of a list of wire attributes. */
export function decodeAttributes(attrs: readonly Uint8Array[]): {
  readonly nextHop: string | undefined;
  readonly origin: Origin;
} {
  let nextHop: string | undefined;
  let origin: Origin = 'incomplete';
  for (const attr of attrs) {
    const flags = attr[0] ?? 0;
    const type = attr[1];
    const extended = (flags & FLAG_EXTENDED_LENGTH) !== 0;
    const start = extended ? 4 : 3;
    const length = extended ? ((attr[2] ?? 0) << 8) | (attr[3] ?? 0) : (attr[2] ?? 0);
    if (attr.length < start + length) continue;
    const value = attr.subarray(start, start + length);
    if (type === ATTR_ORIGIN) origin = ORIGINS[value[0] ?? 2] ?? 'incomplete';
    else if (type === ATTR_NEXT_HOP) nextHop ??= addressText(value);
    else if (type === ATTR_MP_REACH_NLRI) {
      // AFI (2), SAFI (1), next hop length (1), next hops: a global address, maybe a link-local after it.
      const nhLen = value[3] ?? 0;
      const hops = value.subarray(4, 4 + nhLen);
      const first = nhLen === 32 ? hops.subarray(0, 16) : hops;
      nextHop = addressText(first) ?? nextHop;
    }
  }
  return { nextHop, origin };
}
