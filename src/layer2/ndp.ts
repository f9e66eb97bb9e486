/**
 * ICMPv6 Neighbor Solicitation and Advertisement (RFC 4861 §4.3, §4.4) inside Ethernet + IPv6: parsing with the
 * receive-side validity checks of §7.1, checksum verification, and builders for solicited, unsolicited and
 * DAD-answering advertisements and for solicitations.
 */
import type { Result } from '../ip/address.js';
import {
  ALL_NODES_IPV6,
  ALL_NODES_MAC,
  formatIPv6,
  formatMac,
  ipv6ToBytes,
  macToBytes,
  solicitedNodeAddressBytes,
  solicitedNodeMacBytes,
  type MacAddress,
} from './addresses.js';
import { icmpv6Checksum } from './checksum.js';
import { buildEthernet, ETHERTYPE_IPV6 } from './ethernet.js';
import { buildIpv6, parseIpv6 } from './ipv6.js';

/** ICMPv6 next-header value. */
export const NEXT_HEADER_ICMPV6 = 58;
/** ICMPv6 types. */
export const ICMPV6_NEIGHBOR_SOLICITATION = 135;
export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
/** NDP option types used here. */
export const OPTION_SOURCE_LINK_LAYER = 1;
export const OPTION_TARGET_LINK_LAYER = 2;
/** NDP packets must arrive with hop limit 255: proof that no router forwarded them. */
export const NDP_HOP_LIMIT = 255;

const NDP_BODY_LENGTH = 24; // type, code, checksum, flags/reserved, 16-byte target

/** One NS or NA. Addresses are canonical text (RFC 5952). */
export interface NdpMessage {
  readonly type: typeof ICMPV6_NEIGHBOR_SOLICITATION | typeof ICMPV6_NEIGHBOR_ADVERTISEMENT;
  readonly sourceIp: string;
  readonly destinationIp: string;
  readonly hopLimit: number;
  readonly target: string;
  /** Raw address bytes, so the responder can compare and answer without re-parsing text. */
  readonly sourceBytes: Buffer;
  readonly destinationBytes: Buffer;
  readonly targetBytes: Buffer;
  /** NA flags; all false for an NS. */
  readonly router: boolean;
  readonly solicited: boolean;
  readonly override: boolean;
  /** Source link-layer address option (NS) or target link-layer address option (NA), if present. */
  readonly linkLayerAddress: MacAddress | undefined;
  /** Every option type present, in order (e.g. 14 = the DAD nonce of RFC 7527). */
  readonly optionTypes: readonly number[];
}

/** Why an IPv6 frame is not a usable NS/NA. */
export interface NdpParseError {
  readonly reason: 'malformed' | 'bad-checksum' | 'not-ndp';
  readonly message: string;
}

function fail(reason: NdpParseError['reason'], message: string): Result<NdpMessage, NdpParseError> {
  return { ok: false, error: { reason, message } };
}

/** Parse the IPv6 payload of an Ethernet frame as an NS or NA, verifying the checksum. */
export function parseNdp(ethernetPayload: Buffer): Result<NdpMessage, NdpParseError> {
  const parsed = parseIpv6(ethernetPayload);
  if (!parsed.ok) return fail('malformed', parsed.error);
  const ip = parsed.value;
  if (ip.nextHeader !== NEXT_HEADER_ICMPV6)
    return fail('not-ndp', `IPv6 next header ${ip.nextHeader} is not ICMPv6`);
  const icmp = ip.payload;
  const type = icmp[0];
  if (type !== ICMPV6_NEIGHBOR_SOLICITATION && type !== ICMPV6_NEIGHBOR_ADVERTISEMENT) {
    return fail(
      'not-ndp',
      `ICMPv6 type ${type ?? 'missing'} is not a neighbor solicitation or advertisement`,
    );
  }
  if (icmp.length < NDP_BODY_LENGTH)
    return fail('malformed', `ICMPv6 type ${type} of ${icmp.length} bytes (need 24)`);
  if (icmpv6Checksum(ip.source, ip.destination, icmp) !== 0) {
    return fail('bad-checksum', `ICMPv6 checksum 0x${icmp.readUInt16BE(2).toString(16)} does not verify`);
  }
  if (icmp[1] !== 0) return fail('malformed', `ICMPv6 code ${icmp[1]} (must be 0)`);
  if (ip.hopLimit !== NDP_HOP_LIMIT) return fail('malformed', `hop limit ${ip.hopLimit} (NDP requires 255)`);
  const optionTypes: number[] = [];
  let linkLayerAddress: MacAddress | undefined;
  const wantedOption =
    type === ICMPV6_NEIGHBOR_SOLICITATION ? OPTION_SOURCE_LINK_LAYER : OPTION_TARGET_LINK_LAYER;
  for (let offset = NDP_BODY_LENGTH; offset < icmp.length;) {
    const optionType = icmp[offset] ?? 0;
    const length = (icmp[offset + 1] ?? 0) * 8;
    if (length === 0) return fail('malformed', `NDP option ${optionType} at offset ${offset} has length 0`);
    if (offset + length > icmp.length)
      return fail('malformed', `NDP option ${optionType} overruns the message`);
    optionTypes.push(optionType);
    if (optionType === wantedOption && length >= 8)
      linkLayerAddress = formatMac(icmp.subarray(offset + 2, offset + 8));
    offset += length;
  }
  const flags = icmp[4] ?? 0;
  const isAdvertisement = type === ICMPV6_NEIGHBOR_ADVERTISEMENT;
  const targetBytes = icmp.subarray(8, 24);
  return {
    ok: true,
    value: {
      type,
      sourceIp: formatIPv6(ip.source),
      destinationIp: formatIPv6(ip.destination),
      hopLimit: ip.hopLimit,
      target: formatIPv6(targetBytes),
      sourceBytes: ip.source,
      destinationBytes: ip.destination,
      targetBytes,
      router: isAdvertisement && (flags & 0x80) !== 0,
      solicited: isAdvertisement && (flags & 0x40) !== 0,
      override: isAdvertisement && (flags & 0x20) !== 0,
      linkLayerAddress,
      optionTypes,
    },
  };
}

/** Everything needed to build one Neighbor Advertisement frame. */
export interface AdvertisementSpec {
  readonly ourMac: MacAddress;
  readonly destinationMac: MacAddress;
  readonly sourceIp: string;
  readonly destinationIp: string;
  readonly target: string;
  readonly solicited: boolean;
  readonly override: boolean;
}

function icmpFrame(
  ourMac: MacAddress,
  destinationMac: MacAddress,
  source: Buffer,
  destination: Buffer,
  icmp: Buffer,
): Buffer {
  icmp.writeUInt16BE(icmpv6Checksum(source, destination, icmp), 2);
  const ip = buildIpv6(source, destination, NEXT_HEADER_ICMPV6, NDP_HOP_LIMIT, icmp);
  return buildEthernet(destinationMac, ourMac, ETHERTYPE_IPV6, ip);
}

/** Flags of a Neighbor Advertisement we send (never the Router flag: we are not a router). */
export interface AdvertisementFlags {
  readonly solicited: boolean;
  readonly override: boolean;
}

/** The NA frame from raw addresses: the responder's hot path, no text parsing. */
export function advertisementFrame(
  ourMac: MacAddress,
  destinationMac: MacAddress,
  source: Buffer,
  destination: Buffer,
  target: Uint8Array,
  flags: AdvertisementFlags,
): Buffer {
  const icmp = Buffer.alloc(NDP_BODY_LENGTH + 8);
  icmp[0] = ICMPV6_NEIGHBOR_ADVERTISEMENT;
  icmp[4] = (flags.solicited ? 0x40 : 0) | (flags.override ? 0x20 : 0);
  icmp.set(target, 8);
  icmp[24] = OPTION_TARGET_LINK_LAYER;
  icmp[25] = 1;
  icmp.set(macToBytes(ourMac), 26);
  return icmpFrame(ourMac, destinationMac, source, destination, icmp);
}

/** A Neighbor Advertisement carrying our MAC as target link-layer address, or an error naming a bad address. */
export function buildNeighborAdvertisement(spec: AdvertisementSpec): Result<Buffer> {
  const source = ipv6ToBytes(spec.sourceIp);
  if (!source.ok) return source;
  const destination = ipv6ToBytes(spec.destinationIp);
  if (!destination.ok) return destination;
  const target = ipv6ToBytes(spec.target);
  if (!target.ok) return target;
  const frame = advertisementFrame(
    spec.ourMac,
    spec.destinationMac,
    source.value,
    destination.value,
    target.value,
    spec,
  );
  return { ok: true, value: frame };
}

/** Unsolicited NA to ff02::1 with Override set: the IPv6 counterpart of gratuitous ARP on takeover. */
export function buildUnsolicitedAdvertisement(ourMac: MacAddress, ip: string): Result<Buffer> {
  return buildNeighborAdvertisement({
    ourMac,
    destinationMac: ALL_NODES_MAC,
    sourceIp: ip,
    destinationIp: ALL_NODES_IPV6,
    target: ip,
    solicited: false,
    override: true,
  });
}

/**
 * A Neighbor Solicitation for `target` to its solicited-node group, with our MAC as source link-layer option.
 * `sourceIp` '::' makes a DAD probe, which by RFC 4862 §5.4.2 carries no link-layer option.
 */
export function buildNeighborSolicitation(
  ourMac: MacAddress,
  sourceIp: string,
  target: string,
): Result<Buffer> {
  const source = ipv6ToBytes(sourceIp);
  if (!source.ok) return source;
  const targetBytes = ipv6ToBytes(target);
  if (!targetBytes.ok) return targetBytes;
  const dad = source.value.every((b) => b === 0);
  const icmp = Buffer.alloc(NDP_BODY_LENGTH + (dad ? 0 : 8));
  icmp[0] = ICMPV6_NEIGHBOR_SOLICITATION;
  icmp.set(targetBytes.value, 8);
  if (!dad) {
    icmp[24] = OPTION_SOURCE_LINK_LAYER;
    icmp[25] = 1;
    icmp.set(macToBytes(ourMac), 26);
  }
  const destination = solicitedNodeAddressBytes(targetBytes.value);
  const destinationMac = formatMac(solicitedNodeMacBytes(targetBytes.value));
  return { ok: true, value: icmpFrame(ourMac, destinationMac, source.value, destination, icmp) };
}
