/**
 * A Node's own addresses (pure): every InternalIP and ExternalIP it reports. Both roles read them: the
 * controller never hands one out as a Service IP, and the speakers never announce one, because a
 * Service on a node's address takes that address from the node (its kubelet, SSH, the API server's
 * traffic) when an Eip range overlaps the nodes' subnet.
 */
import { formatIp, parseIp, type IpAddress } from '../../ip/address.js';

/** The part of a core/v1 Node read here (wire JSON; everything optional, bad input is skipped). */
export interface NodeWithAddresses {
  metadata?: { name?: string };
  status?: { addresses?: readonly { type?: string; address?: string }[] };
}

/** One address of a Node, parsed and in canonical text. */
export interface OwnAddress {
  readonly ip: IpAddress;
  readonly text: string;
}

// Informer caches replace an object on every change, so an entry is never stale; parsing IPv6 with
// ip-num is slow enough to matter when every reconcile asks.
const known = new WeakMap<object, readonly OwnAddress[]>();

/** Every InternalIP and ExternalIP of the Node, parsed; unparsable ones are skipped. */
export function nodeOwnAddresses(node: NodeWithAddresses): readonly OwnAddress[] {
  const cached = known.get(node);
  if (cached !== undefined) return cached;
  const out: OwnAddress[] = [];
  for (const a of node.status?.addresses ?? []) {
    if ((a.type !== 'InternalIP' && a.type !== 'ExternalIP') || a.address === undefined) continue;
    const ip = parseIp(a.address);
    if (ip.ok) out.push({ ip: ip.value, text: formatIp(ip.value) });
  }
  known.set(node, out);
  return out;
}

/** Canonical IP → the Node that has it; when two Nodes list one address, the first one named. */
export function nodeAddressOwners(nodes: readonly NodeWithAddresses[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const node of nodes) {
    const name = node.metadata?.name;
    if (name === undefined || name === '') continue;
    for (const { text } of nodeOwnAddresses(node)) if (!owners.has(text)) owners.set(text, name);
  }
  return owners;
}
