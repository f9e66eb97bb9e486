/**
 * Passive address-conflict detection (the "ongoing" detection of RFC 5227 §2.4, and its IPv6 analogue): a frame
 * from another MAC that shows a host using, or about to configure, an IP this node answers for. Typical causes:
 * an Eip range that overlaps a DHCP pool, a statically addressed host or the router. Two machines answering
 * for one IP split its traffic, so the speaker reports it; it keeps answering (the Eip says the IP is ours).
 *
 * What counts, and what does not:
 * - an ARP request or reply whose sender IP is owned here and sender MAC is not ours, and that is not
 *   gratuitous (sender IP = target IP). A host with that address sends such requests whenever it resolves a
 *   neighbour. Gratuitous ARP is left out because a peer speaker taking the IP over sends exactly that;
 *   speakers never send any other ARP with a Service IP as sender. ARP probes (sender 0.0.0.0) own nothing.
 * - a Neighbor Solicitation that is a DAD probe (source ::) for an owned IP: a host is configuring that address
 *   (the responder's answer makes its DAD fail, so it does not take it), or an NS whose source address is owned
 *   here and whose sender is not us. Speakers never send either.
 * - a solicited Neighbor Advertisement (S=1) for an owned IP from another MAC: a host answering the NS probe
 *   the responder sends from the node's link-local address (solicited NAs to others are unicast, never seen
 *   here). Unsolicited NAs (S=0) are left out: a peer speaker taking the IP over sends exactly those.
 */
import type { MacAddress } from './addresses.js';
import { ARP_REPLY, ARP_REQUEST, parseArp, type ArpPacket } from './arp.js';
import { ETHERNET_HEADER_LENGTH, ETHERTYPE_ARP, ETHERTYPE_IPV6, parseEthernet } from './ethernet.js';
import { ICMPV6_NEIGHBOR_ADVERTISEMENT, parseNdp, type NdpMessage } from './ndp.js';

/** How a frame showed another host using an owned IP; stable strings, fit for logs and Events. */
export type ClaimEvidence =
  'arp-request' | 'arp-reply' | 'dad-probe' | 'neighbor-solicitation' | 'neighbor-advertisement';

/** Another host's use of an IP this node answers for. */
export interface AddressClaim {
  readonly ip: string;
  /** The other host's MAC (the ARP sender, the NS link-layer option, else the Ethernet source). */
  readonly mac: MacAddress;
  readonly evidence: ClaimEvidence;
}

/** Offset of the ARP sender protocol address in an Ethernet frame. */
const SENDER_IP = ETHERNET_HEADER_LENGTH + 14;

/**
 * The ARP request or reply in `frame` when another MAC sent it with one of `ownedIPs` (dotted quads) as its
 * sender IP: what both a claim and a takeover look like.
 */
function arpFromOwnedSender(
  frame: Buffer,
  ownedIPs: ReadonlySet<string>,
  ourMac: MacAddress,
): ArpPacket | undefined {
  if (ownedIPs.size === 0 || frame.length < SENDER_IP + 4) return undefined;
  // Nearly all ARP on a LAN is about other hosts: look at the sender IP's bytes before parsing anything
  // (the full parse costs ~3 us a frame, this ~0.1 us).
  if (frame.readUInt16BE(12) !== ETHERTYPE_ARP) return undefined;
  const sender = `${String(frame[SENDER_IP])}.${String(frame[SENDER_IP + 1])}.${String(frame[SENDER_IP + 2])}.${String(frame[SENDER_IP + 3])}`;
  if (!ownedIPs.has(sender)) return undefined;
  const ethernet = parseEthernet(frame);
  if (!ethernet.ok || ethernet.value.source === ourMac) return undefined;
  const arp = parseArp(ethernet.value.payload);
  if (!arp.ok) return undefined;
  const { operation, senderIp, senderMac } = arp.value;
  if (operation !== ARP_REQUEST && operation !== ARP_REPLY) return undefined;
  return senderMac === ourMac || !ownedIPs.has(senderIp) ? undefined : arp.value;
}

/** The claim an ARP frame makes on one of `ownedIPs` (dotted quads), if any. */
export function arpClaim(
  frame: Buffer,
  ownedIPs: ReadonlySet<string>,
  ourMac: MacAddress,
): AddressClaim | undefined {
  const arp = arpFromOwnedSender(frame, ownedIPs, ourMac);
  if (arp === undefined || arp.senderIp === arp.targetIp) return undefined;
  const evidence = arp.operation === ARP_REQUEST ? 'arp-request' : 'arp-reply';
  return { ip: arp.senderIp, mac: arp.senderMac, evidence };
}

/** The NDP message in `frame` and its sender's MAC (link-layer option, else Ethernet source), when not ours. */
function ndpFromAnother(
  frame: Buffer,
  ourMac: MacAddress,
): { readonly message: NdpMessage; readonly mac: MacAddress } | undefined {
  const ethernet = parseEthernet(frame);
  if (!ethernet.ok || ethernet.value.source === ourMac || ethernet.value.etherType !== ETHERTYPE_IPV6)
    return undefined;
  const parsed = parseNdp(ethernet.value.payload);
  if (!parsed.ok) return undefined;
  const mac = parsed.value.linkLayerAddress ?? ethernet.value.source;
  return mac === ourMac ? undefined : { message: parsed.value, mac };
}

/** The claim a Neighbor Solicitation or solicited Advertisement makes on one of `ownedIPs` (RFC 5952 text), if any. */
export function ndpClaim(
  frame: Buffer,
  ownedIPs: ReadonlySet<string>,
  ourMac: MacAddress,
): AddressClaim | undefined {
  if (ownedIPs.size === 0) return undefined;
  const found = ndpFromAnother(frame, ourMac);
  if (found === undefined) return undefined;
  const { message: ns, mac } = found;
  if (ns.type === ICMPV6_NEIGHBOR_ADVERTISEMENT) {
    return ns.solicited && ownedIPs.has(ns.target)
      ? { ip: ns.target, mac, evidence: 'neighbor-advertisement' }
      : undefined;
  }
  if (ns.sourceBytes.every((b) => b === 0))
    return ownedIPs.has(ns.target) ? { ip: ns.target, mac, evidence: 'dad-probe' } : undefined;
  return ownedIPs.has(ns.sourceIp) ? { ip: ns.sourceIp, mac, evidence: 'neighbor-solicitation' } : undefined;
}

/**
 * Another node taking an IP over: what a speaker sends when it gains an IP (gratuitous ARP request and
 * reply, or an unsolicited NA with Override), here from another MAC for an IP this node answers for.
 * Not a conflict (a handover sends exactly this); the speaker uses it while the API is in doubt, when it
 * holds IPs without knowing whether another node has been elected for them (ADR 0019).
 */
export interface Takeover {
  readonly ip: string;
  readonly mac: MacAddress;
}

/** A gratuitous ARP (request or reply, sender IP = target IP) for one of `ownedIPs` from another MAC. */
export function arpTakeover(
  frame: Buffer,
  ownedIPs: ReadonlySet<string>,
  ourMac: MacAddress,
): Takeover | undefined {
  const arp = arpFromOwnedSender(frame, ownedIPs, ourMac);
  return arp === undefined || arp.senderIp !== arp.targetIp
    ? undefined
    : { ip: arp.senderIp, mac: arp.senderMac };
}

/** An unsolicited Neighbor Advertisement with Override for one of `ownedIPs` from another MAC. */
export function ndpTakeover(
  frame: Buffer,
  ownedIPs: ReadonlySet<string>,
  ourMac: MacAddress,
): Takeover | undefined {
  if (ownedIPs.size === 0) return undefined;
  const found = ndpFromAnother(frame, ourMac);
  if (found === undefined) return undefined;
  const na = found.message;
  if (na.type !== ICMPV6_NEIGHBOR_ADVERTISEMENT || na.solicited || !na.override) return undefined;
  return ownedIPs.has(na.target) ? { ip: na.target, mac: found.mac } : undefined;
}
