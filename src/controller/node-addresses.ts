/**
 * Nodes' own addresses for the allocator (pure): what it must never hand out, and what the Eip that
 * contains some of them is told. An Eip carved from the nodes' subnet is a common mistake on bare
 * metal; without this the first Services would get the nodes' addresses, and the speakers, which
 * refuse to announce those, would leave them unreachable.
 */
import { ANNOTATION_EIP_IP } from '../api/keys.js';
import { nodeOwnAddresses } from '../api/parse/node-addresses.js';
import type { NodeAddress } from '../ipam/index.js';
import type { NodeObject } from './objects.js';

/** Every Node's InternalIPs and ExternalIPs, as the allocator takes them. */
export function nodeAddressInput(nodes: readonly NodeObject[]): NodeAddress[] {
  const out: NodeAddress[] = [];
  for (const node of nodes) {
    const name = node.metadata?.name;
    if (name === undefined || name === '') continue;
    for (const { ip } of nodeOwnAddresses(node)) out.push({ ip, node: name });
  }
  return out;
}

/** Whether an update of a Node changed anything nodeAddressInput reads. */
export function nodeAddressesChanged(before: NodeObject, after: NodeObject): boolean {
  return JSON.stringify(before.status?.addresses ?? []) !== JSON.stringify(after.status?.addresses ?? []);
}

/** How many node addresses an Event lists by name before summing up the rest. */
const LISTED = 8;

/** The Warning for an Eip whose range holds node addresses; undefined when it holds none. */
export function nodeAddressesMessage(
  eip: string,
  found: readonly { readonly address: string; readonly node: string }[],
): string | undefined {
  if (found.length === 0) return undefined;
  const named = found.slice(0, LISTED).map((f) => `${f.address} (Node ${f.node})`);
  if (found.length > LISTED) named.push(`and ${String(found.length - LISTED)} more`);
  const subject =
    found.length === 1
      ? `1 address of Eip ${eip} belongs to a Node and is`
      : `${String(found.length)} addresses of Eip ${eip} belong to Nodes and are`;
  return (
    `${subject} never handed out: ${named.join(', ')}. ` +
    `A Service already holding one keeps it, but no speaker announces it. ` +
    `Choose a spec.address outside the nodes' addresses`
  );
}

/** The Warning for a Service that holds an address a Node has taken since. */
export function heldNodeAddressMessage(address: string, node: string): string {
  return (
    `${address} is now an address of Node ${node}: no speaker announces it, so the Service cannot be reached ` +
    `on it. The Service keeps it (IPs never move on their own): request another address with the annotation ` +
    `${ANNOTATION_EIP_IP}, or re-create the Service`
  );
}
