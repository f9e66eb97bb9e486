/** Pure: BGP sessions per node and peer, from BgpPeer status.nodesPeerStatus (written by the speakers). */
import { labelSelectorMatches } from '../api/label-selector.js';
import { parseBgpPeer } from '../api/parse/bgppeer.js';
import type { BgpObject, NodeObject } from '../speaker/objects.js';
import type { BgpSessionView } from './view.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
};
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Why a session that is not established may be down, from gobgp's message counters (gobgp's API has
 * no last-error text; gobgpd only logs it): who sent NOTIFICATIONs, or whether the peer ever sent an
 * OPEN. The counters count since gobgpd got the peer's configuration.
 */
export function sessionHint(state: string, messages: Obj | undefined): string | null {
  if (state === 'ESTABLISHED' || messages === undefined) return null;
  const count = (dir: string, kind: string): number => num(obj(messages[dir])?.[kind]) ?? 0;
  const sent = count('sent', 'notification');
  const received = count('received', 'notification');
  if (sent > 0)
    return `gobgpd refused the peer (${String(sent)} NOTIFICATION(s) sent): see the gobgpd container's log; often spec.conf.peerAs is not the peer's AS`;
  if (received > 0)
    return `the peer refused this node (${String(received)} NOTIFICATION(s) received): see the peer's log; often its remote AS for this node is not BgpConf spec.as`;
  if (count('received', 'open') === 0)
    return "no OPEN from the peer yet: it has not connected (no neighbor for this node's address, another port than listenPort, passiveMode on both sides) or a connection is refused; see the gobgpd container's log";
  return null;
}

/**
 * A row for a valid BgpPeer whose nodeSelector matches none of `nodes`: no speaker peers with it, so
 * no speaker reports anything about it, and without this row it would be absent from the table.
 */
function unselectedPeer(peer: BgpObject, nodes: readonly NodeObject[]): BgpSessionView | undefined {
  const parsed = parseBgpPeer(peer);
  if (!parsed.ok || nodes.length === 0) return undefined;
  const p = parsed.value;
  if (p.cni !== undefined || p.deleting || p.nodeSelector === undefined) return undefined;
  const selector = p.nodeSelector;
  if (nodes.some((n) => labelSelectorMatches(selector, n.metadata?.labels ?? {}))) return undefined;
  return {
    node: '',
    bgpPeer: p.name,
    peerAddress: p.neighborAddress,
    peerAs: p.peerAs,
    state: 'NO NODE',
    since: null,
    uptimeSeconds: null,
    holdTimeSeconds: null,
    hint: `spec.nodeSelector matches none of the ${String(nodes.length)} Node(s), so no speaker peers with it: fix the selector or label the Nodes`,
  };
}

/**
 * Every session any speaker reported, sorted by node, then BgpPeer; null entries (no session) are
 * skipped. A BgpPeer whose nodeSelector matches no Node gets one row with node '' and state NO NODE.
 */
export function bgpSessions(
  peers: readonly BgpObject[],
  nowMs: number,
  nodes: readonly NodeObject[] = [],
): BgpSessionView[] {
  const out: BgpSessionView[] = [];
  for (const peer of peers) {
    const unselected = unselectedPeer(peer, nodes);
    if (unselected !== undefined) out.push(unselected);
    const bgpPeer = peer.metadata?.name ?? '';
    const conf = obj(obj(peer.spec)?.conf);
    const perNode = obj(peer.status?.nodesPeerStatus) ?? {};
    for (const [node, raw] of Object.entries(perNode)) {
      const entry = obj(raw);
      if (entry === undefined) continue;
      const state = obj(entry.peerState);
      const timers = obj(entry.timersState);
      const sessionState = (str(state?.sessionState) ?? 'UNKNOWN').toUpperCase();
      const since = str(timers?.uptime) ?? null;
      const sinceMs = since === null ? Number.NaN : Date.parse(since);
      const established = sessionState === 'ESTABLISHED';
      const up = established && !Number.isNaN(sinceMs);
      const hold = established ? num(timers?.negotiatedHoldTime) : undefined;
      out.push({
        node,
        bgpPeer,
        peerAddress: str(state?.neighborAddress) ?? str(conf?.neighborAddress) ?? '',
        peerAs: num(state?.peerAs) ?? num(conf?.peerAs) ?? null,
        state: sessionState,
        since,
        uptimeSeconds: up ? Math.max(0, Math.floor((nowMs - sinceMs) / 1000)) : null,
        holdTimeSeconds: hold !== undefined && hold > 0 ? hold : null,
        hint: sessionHint(sessionState, obj(state?.messages)),
      });
    }
  }
  return out.sort((a, b) => compare(a.node, b.node) || compare(a.bgpPeer, b.bgpPeer));
}
