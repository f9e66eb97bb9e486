/**
 * Who announces each layer2 IP. Every speaker runs this on the same inputs and gets the same answer, so no
 * node has to talk to the others: candidates are ordered by a rendezvous hash of (node, IP) and the first one
 * wins (MetalLB's sha256(node + "#" + ip)). Hashing the IP, not the Service, makes Services that share an IP
 * land on one node, and removing a node that is not the winner never moves an IP.
 */
import { createHash } from 'node:crypto';

/** A decision with its reason (same shape as the speaker's eligibility verdicts). */
export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** What the election knows about one node, independent of any IP. */
export interface ElectionNode {
  readonly name: string;
  /** Ready and not labelled exclude-from-external-load-balancers. */
  readonly eligible: Verdict;
  /** Holds a live speaker Lease. */
  readonly alive: Verdict;
}

/** One Service using the IP. Several claims on one IP are a shared IP. */
export interface IpClaim {
  /** "namespace/name" of the Service. */
  readonly service: string;
  /** The Eip the IP comes from; decides which NIC a node needs. */
  readonly eip: string;
  /** externalTrafficPolicy Local: only nodes with a serving endpoint of this Service may announce it. */
  readonly localOnly: boolean;
  /** The Service has a ready endpoint somewhere (a Cluster Service without one is not announced). */
  readonly anyReady: boolean;
  /** Nodes with a ready or serving endpoint of this Service. */
  readonly servingNodes: ReadonlySet<string>;
}

/** Whether `node` has a NIC for Eip `eip`. */
export type NicVerdict = (node: string, eip: string) => Verdict;

/** The outcome for one IP. */
export interface Election {
  readonly ip: string;
  /** The winner, or undefined when there is no candidate. */
  readonly announcer: string | undefined;
  /** Every candidate, winner first. */
  readonly candidates: readonly string[];
  /** Why this announcer (or why nobody). */
  readonly reason: string;
  /** Nodes that are not candidates, with why; sorted by node name. */
  readonly rejected: readonly { readonly node: string; readonly reason: string }[];
}

/** The rendezvous score of `node` for `ip`: lower wins. Hex sha256 of `node#ip`, as MetalLB. */
export function rendezvousScore(node: string, ip: string): string {
  return createHash('sha256').update(`${node}#${ip}`).digest('hex');
}

/** Orders node names by rendezvous score for `ip` (ties, which need a hash collision, by name). */
export function rendezvousOrder(nodes: Iterable<string>, ip: string): string[] {
  const scored = [...new Set(nodes)].map((name) => ({ name, score: rendezvousScore(name, ip) }));
  scored.sort((a, b) => compare(a.score, b.score) || compare(a.name, b.name));
  return scored.map((s) => s.name);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Why `node` cannot serve `claim`, or undefined when it can. */
function claimRejection(node: string, claim: IpClaim, nic: NicVerdict): string | undefined {
  if (claim.localOnly) {
    // No node name in the text: when every node is refused for it, the reasons group into one line.
    if (!claim.servingNodes.has(node))
      return `externalTrafficPolicy of ${claim.service} is Local and none of its serving endpoints is on the node`;
  } else if (!claim.anyReady) {
    return `${claim.service} has no ready endpoint`;
  }
  const hasNic = nic(node, claim.eip);
  return hasNic.ok ? undefined : hasNic.reason;
}

/**
 * Elects the announcer of `ip`: a node is a candidate when it is eligible, alive, and can serve at least one
 * of the claims (the union over the Services sharing the IP). Pure; the result does not depend on the order
 * of `nodes` or `claims`.
 */
export function electAnnouncer(
  ip: string,
  nodes: readonly ElectionNode[],
  claims: readonly IpClaim[],
  nic: NicVerdict,
  order: (candidates: readonly string[], ip: string) => string[] = rendezvousOrder,
): Election {
  const candidates: string[] = [];
  const rejected: { node: string; reason: string }[] = [];
  const sortedClaims = [...claims].sort((a, b) => compare(a.service, b.service));
  const seen = new Set<string>();
  for (const node of nodes) {
    if (seen.has(node.name)) continue;
    seen.add(node.name);
    const reason = nodeRejection(node, sortedClaims, nic);
    if (reason === undefined) candidates.push(node.name);
    else rejected.push({ node: node.name, reason });
  }
  rejected.sort((a, b) => compare(a.node, b.node));
  const ordered = order(candidates, ip);
  const announcer = ordered[0];
  const reason =
    announcer === undefined
      ? noCandidateReason(ip, nodes.length, sortedClaims.length, rejected)
      : `${announcer} ranks first of ${ordered.length} candidate(s) for ${ip}`;
  return { ip, announcer, candidates: ordered, reason, rejected };
}

function nodeRejection(node: ElectionNode, claims: readonly IpClaim[], nic: NicVerdict): string | undefined {
  if (!node.eligible.ok) return node.eligible.reason;
  if (!node.alive.ok) return node.alive.reason;
  if (claims.length === 0) return 'no Service uses the IP';
  const reasons: string[] = [];
  for (const claim of claims) {
    const reason = claimRejection(node.name, claim, nic);
    if (reason === undefined) return undefined;
    if (!reasons.includes(reason)) reasons.push(reason);
  }
  return reasons.join('; ');
}

/** Reasons shown in full when nobody can announce; the rest are counted. */
const SHOWN_REASONS = 3;
/** Nodes named per reason; the rest are counted. */
const SHOWN_NODES = 3;

/**
 * Why no node can announce `ip`, with the nodes' own reasons grouped by text, most common first
 * ("… on node1, node2, node3"), so an operator sees the cause (no endpoint, no NIC, dead speakers)
 * without reading every speaker's log.
 */
function noCandidateReason(
  ip: string,
  nodeCount: number,
  claimCount: number,
  rejected: readonly { readonly node: string; readonly reason: string }[],
): string {
  if (claimCount === 0) return `no Service uses ${ip}`;
  if (nodeCount === 0) return `no node is known, so nobody announces ${ip}`;
  const byReason = new Map<string, string[]>();
  for (const r of rejected) {
    const nodes = byReason.get(r.reason);
    if (nodes === undefined) byReason.set(r.reason, [r.node]);
    else nodes.push(r.node);
  }
  const groups = [...byReason].sort((a, b) => b[1].length - a[1].length || compare(a[0], b[0]));
  const parts = groups.slice(0, SHOWN_REASONS).map(([reason, nodes]) => `${reason} (on ${listNodes(nodes)})`);
  const more = groups.length - SHOWN_REASONS;
  if (more > 0) parts.push(`${String(more)} other reason(s)`);
  return `no node can announce ${ip}: ${parts.join('; ')}`;
}

function listNodes(nodes: readonly string[]): string {
  const shown = nodes.slice(0, SHOWN_NODES).join(', ');
  const more = nodes.length - SHOWN_NODES;
  return more > 0 ? `${shown} and ${String(more)} more` : shown;
}

/**
 * Each IP's rendezvous order over every known node, kept between elections: hashing is most of an
 * election's cost (sha256 per node and IP: 100,000 per run for 100 nodes and 1,000 IPs, ~60 % of
 * 150 ms), and the order only changes when the set of nodes does. A subset of nodes keeps its order
 * in the full order (the order is total), so candidates are the full order filtered. Entries of IPs
 * not elected in a run are dropped, so memory follows the current IPs.
 */
export class RendezvousMemo {
  #nodesKey = '';
  #orders = new Map<string, readonly string[]>();

  /** For one election run over `allNodes` (names, any order): the order function to use. */
  begin(allNodes: readonly string[]): {
    order: (candidates: readonly string[], ip: string) => string[];
    end: () => void;
  } {
    const all = [...new Set(allNodes)].sort(compare);
    const known = new Set(all);
    const key = all.join('\0');
    if (key !== this.#nodesKey) {
      this.#nodesKey = key;
      this.#orders = new Map();
    }
    const previous = this.#orders;
    const next = new Map<string, readonly string[]>();
    return {
      order: (candidates, ip) => {
        let full = next.get(ip) ?? previous.get(ip);
        if (full === undefined) full = rendezvousOrder(all, ip);
        next.set(ip, full);
        // A candidate outside `allNodes` cannot happen from electAll; fall back rather than drop it.
        if (candidates.some((c) => !known.has(c))) return rendezvousOrder(candidates, ip);
        const wanted = new Set(candidates);
        return full.filter((n) => wanted.has(n));
      },
      end: () => {
        this.#orders = next;
      },
    };
  }
}

/**
 * Elects every IP at once. `claims` maps IP (canonical text) to the Services using it. The map is sorted by IP
 * so callers iterate deterministically. With a `memo` kept between calls, IPs and nodes already seen are not
 * hashed again (same result).
 */
export function electAll(
  nodes: readonly ElectionNode[],
  claims: ReadonlyMap<string, readonly IpClaim[]>,
  nic: NicVerdict,
  memo?: RendezvousMemo,
): Map<string, Election> {
  const out = new Map<string, Election>();
  const run = memo?.begin(nodes.map((n) => n.name));
  for (const ip of [...claims.keys()].sort(compare)) {
    out.set(ip, electAnnouncer(ip, nodes, claims.get(ip) ?? [], nic, run?.order));
  }
  run?.end();
  return out;
}
