/**
 * Which Node updates can change the layer2 elections (desired-layer2.ts and eligibility.ts read them):
 * of every Node its labels (the exclude label), annotations (the NIC annotation), addresses (Service
 * IPs that are a node's own, the NIC a peer would use), Ready, NetworkUnavailable and deletion. Never
 * heartbeats, images or other status: without this filter each such write re-ran every speaker's
 * elections. Eips and EndpointSlices use the BGP side's rules (bgp-relevance.ts), which name the same
 * fields the layer2 side reads.
 */
import type { NodeObject } from './objects.js';

function electionPart(node: NodeObject): string {
  if (node.metadata === undefined) return 'null';
  const status = (type: string): string | null =>
    node.status?.conditions?.find((c) => c.type === type)?.status ?? null;
  return JSON.stringify([
    node.metadata.name ?? '',
    node.metadata.labels ?? {},
    node.metadata.annotations ?? {},
    node.metadata.deletionTimestamp ?? null,
    node.status?.addresses ?? [],
    status('Ready'),
    status('NetworkUnavailable'),
  ]);
}

/** True when a Node update (an add compares with `{}`, a delete with `{}` after it) can change an election. */
export function nodeMayChangeLayer2(before: unknown, after: unknown): boolean {
  return electionPart(before as NodeObject) !== electionPart(after as NodeObject);
}
