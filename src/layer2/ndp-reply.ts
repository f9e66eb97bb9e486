/** The pure decision of the NDP responder: answer a Neighbor Solicitation for an owned IPv6 address, or say why not. */
import {
  ALL_NODES_MAC,
  formatIPv6,
  formatMac,
  solicitedNodeAddressBytes,
  solicitedNodeMacBytes,
  type MacAddress,
} from './addresses.js';
import { ETHERTYPE_IPV6, parseEthernet } from './ethernet.js';
import {
  advertisementFrame,
  ICMPV6_NEIGHBOR_SOLICITATION,
  OPTION_SOURCE_LINK_LAYER,
  parseNdp,
} from './ndp.js';

/** Why a frame was not answered; stable strings, fit for metric labels and logs. */
export type NdpDropReason =
  'malformed' | 'bad-checksum' | 'own-frame' | 'not-a-solicitation' | 'wrong-destination' | 'not-for-us';

/** Every NdpDropReason, for pre-registering metric label values. */
export const NDP_DROP_REASONS: readonly NdpDropReason[] = [
  'malformed',
  'bad-checksum',
  'own-frame',
  'not-a-solicitation',
  'wrong-destination',
  'not-for-us',
];

/** Either the advertisement to send, or why the frame is dropped (with a detail for debug logs). */
export type NdpDecision =
  | {
      readonly action: 'reply';
      readonly ip: string;
      readonly requester: MacAddress;
      /** True when answering a DAD probe (source ::): the NA goes to ff02::1 without the Solicited flag. */
      readonly dad: boolean;
      readonly frame: Buffer;
    }
  | { readonly action: 'drop'; readonly reason: NdpDropReason; readonly detail: string };

function drop(reason: NdpDropReason, detail: string): NdpDecision {
  return { action: 'drop', reason, detail };
}

// ff02::1, where a DAD probe's answer goes (RFC 4861 §7.2.4).
const ALL_NODES_IPV6_BYTES = Buffer.from('ff020000000000000000000000000001', 'hex');

/**
 * Decide what to do with one received frame. Answers only valid Neighbor Solicitations (RFC 4861 §7.1.1) for an
 * address in `ownedIPs` (RFC 5952 text), sent to our MAC or to the target's solicited-node multicast MAC, and not
 * sent by us. A normal NS gets a solicited NA (S=1, O=1) to its source; a DAD probe (source ::) gets an NA to
 * ff02::1 with S=0, O=1 (RFC 4861 §7.2.4), so the prober sees the address is in use.
 */
export function decideNdpReply(
  frame: Buffer,
  ownedIPs: ReadonlySet<string>,
  ourMac: MacAddress,
): NdpDecision {
  const ethernet = parseEthernet(frame);
  if (!ethernet.ok) return drop('malformed', ethernet.error);
  const eth = ethernet.value;
  if (eth.source === ourMac) return drop('own-frame', `sent by our own MAC ${ourMac}`);
  if (eth.etherType !== ETHERTYPE_IPV6)
    return drop('malformed', `EtherType 0x${eth.etherType.toString(16)} is not IPv6`);
  const parsed = parseNdp(eth.payload);
  if (!parsed.ok) {
    const reason = parsed.error.reason === 'not-ndp' ? 'not-a-solicitation' : parsed.error.reason;
    return drop(reason, parsed.error.message);
  }
  const ns = parsed.value;
  if (ns.type !== ICMPV6_NEIGHBOR_SOLICITATION) return drop('not-a-solicitation', 'neighbor advertisement');
  if ((ns.targetBytes[0] ?? 0) === 0xff)
    return drop('malformed', `target ${ns.target} is a multicast address`);
  const solicitedNodeIp = solicitedNodeAddressBytes(ns.targetBytes);
  const dad = ns.sourceBytes.every((b) => b === 0);
  if (dad) {
    if (!ns.destinationBytes.equals(solicitedNodeIp)) {
      return drop(
        'malformed',
        `DAD probe sent to ${ns.destinationIp}, not to ${formatIPv6(solicitedNodeIp)}`,
      );
    }
    if (ns.optionTypes.includes(OPTION_SOURCE_LINK_LAYER)) {
      return drop('malformed', 'DAD probe carries a source link-layer address option');
    }
  }
  const solicitedNodeMac = formatMac(solicitedNodeMacBytes(ns.targetBytes));
  if (eth.destination !== ourMac && eth.destination !== solicitedNodeMac) {
    return drop('wrong-destination', `sent to ${eth.destination}, neither ${ourMac} nor ${solicitedNodeMac}`);
  }
  if (!ns.destinationBytes.equals(solicitedNodeIp) && !ns.destinationBytes.equals(ns.targetBytes)) {
    const expected = `${formatIPv6(solicitedNodeIp)} nor ${ns.target}`;
    return drop('wrong-destination', `sent to IPv6 ${ns.destinationIp}, neither ${expected}`);
  }
  if (!ownedIPs.has(ns.target)) return drop('not-for-us', `${ns.target} is not announced here`);
  const requester = ns.linkLayerAddress ?? eth.source;
  const reply = advertisementFrame(
    ourMac,
    dad ? ALL_NODES_MAC : requester,
    ns.targetBytes,
    dad ? ALL_NODES_IPV6_BYTES : ns.sourceBytes,
    ns.targetBytes,
    { solicited: !dad, override: true },
  );
  return { action: 'reply', ip: ns.target, requester, dad, frame: reply };
}
