/**
 * Pure: each Node, and whether it may announce Service IPs at all, by the speakers' own rules
 * (eligibility.ts): Ready, network available, not excluded, speaker Lease fresh. Answers "why does node X
 * never show up as an announcer" without reading logs. What a node then announces still depends on
 * each Service (endpoints, Eip, BgpPeer selectors): that is the SERVICES section's reason.
 */
import { nodeAddresses, nodeEligible, speakerAlive } from '../speaker/eligibility.js';
import type { LeaseWire, NodeObject } from '../speaker/objects.js';
import type { NodeView } from './view.js';

/** Every Node by name; duplicates and nameless objects are skipped. */
export function nodeViews(
  nodes: readonly NodeObject[],
  leases: readonly LeaseWire[],
  nowMs: number,
): NodeView[] {
  const seen = new Set<string>();
  const out: NodeView[] = [];
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    if (name === '' || seen.has(name)) continue;
    seen.add(name);
    const own = nodeAddresses(node);
    const addresses = [own.IPv4, own.IPv6].filter((a): a is string => a !== undefined);
    const verdict = firstRefusal(nodeEligible(node, name), speakerAlive(name, leases, nowMs));
    out.push(
      verdict === undefined
        ? { name, addresses, eligible: true, reason: 'Ready, speaker Lease fresh' }
        : { name, addresses, eligible: false, reason: verdict },
    );
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function firstRefusal(
  ...verdicts: readonly ({ ok: true } | { ok: false; reason: string })[]
): string | undefined {
  for (const v of verdicts) if (!v.ok) return v.reason;
  return undefined;
}
