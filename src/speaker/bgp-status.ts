/**
 * BgpPeer `status.nodesPeerStatus[node]` and BgpConf `status.nodesConfStatus[node]` in OpenELB's
 * shape, plus the `Valid` condition. Merge patches keyed by node name let every speaker write its
 * own entry without clobbering the others'. Written on change only: message counters and uptime
 * ride along with a write but never cause one.
 */
import { API_GROUP, BGP_CONF, BGP_PEER, DEFAULT_BGP_CONF_NAME, STORAGE_VERSION } from '../api/keys.js';
import type { GlobalConfig, MessageCounters, PeerStatus } from '../bgp/types.js';
import type { ObjectPatcher } from '../kube/status.js';
import type { Logger } from '../observability/logger.js';
import type { BgpObject } from './objects.js';

const ADMIN: Readonly<Record<PeerStatus['adminState'], string>> = {
  up: 'UP',
  down: 'DOWN',
  'prefix-limit': 'PFX_CT',
};

function counters(c: MessageCounters): Record<string, string> {
  // jsonpb renders uint64 counters as strings, and OpenELB users parse them that way.
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, String(v)]));
}

/** One node's view of a session, as OpenELB writes it (gobgp PeerState + timers state). */
export function nodePeerStatus(peer: PeerStatus, localAs: number): Record<string, unknown> {
  const c = peer.config;
  return {
    peerState: {
      neighborAddress: c.neighborAddress,
      peerAs: c.peerAsn,
      localAs: c.localAsn !== undefined && c.localAsn !== 0 ? c.localAsn : localAs,
      sessionState: peer.sessionState.toUpperCase(),
      adminState: ADMIN[peer.adminState],
      routerId: peer.routerId,
      flops: peer.flops,
      messages: { received: counters(peer.messages.received), sent: counters(peer.messages.sent) },
    },
    timersState: {
      holdTime: String(c.timers?.holdTime ?? 0),
      keepaliveInterval: String(c.timers?.keepaliveInterval ?? 0),
      connectRetry: String(c.timers?.connectRetry ?? 0),
      negotiatedHoldTime: String(peer.negotiatedHoldTime),
      ...(peer.uptime !== undefined && { uptime: peer.uptime.toISOString() }),
      ...(peer.downtime !== undefined && { downtime: peer.downtime.toISOString() }),
    },
  };
}

/** The part of a session's status whose change is worth a write. */
export function peerStatusFingerprint(peer: PeerStatus | undefined): string {
  if (peer === undefined) return 'absent';
  return [
    peer.sessionState,
    peer.adminState,
    peer.config.peerAsn,
    peer.routerId,
    peer.negotiatedHoldTime,
  ].join('|');
}

/** A `Valid` condition: True, or False with the problem. */
export function validCondition(
  problem: string | undefined,
  generation: number | undefined,
  now: Date,
): Record<string, unknown> {
  return {
    type: 'Valid',
    status: problem === undefined ? 'True' : 'False',
    reason: problem === undefined ? 'Valid' : 'InvalidSpec',
    message: problem ?? 'the spec can be applied',
    lastTransitionTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(generation !== undefined && { observedGeneration: generation }),
  };
}

interface ConditionLike {
  type?: string;
  status?: string;
  message?: string;
}

/** Whether the object's `Valid` condition already says this. */
export function conditionUpToDate(obj: BgpObject, problem: string | undefined): boolean {
  const conditions = (obj.status?.conditions ?? []) as ConditionLike[];
  const valid = conditions.find((c) => c.type === 'Valid');
  if (problem === undefined) return valid === undefined || valid.status === 'True';
  return valid?.status === 'False' && valid.message === problem;
}

/** Writes this node's status entries, remembering what it wrote so unchanged state is not rewritten. */
export class BgpStatusWriter {
  readonly #written = new Map<string, string>();

  constructor(
    private readonly node: string,
    private readonly patcher: ObjectPatcher,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  async #patch(
    plural: string,
    name: string,
    key: string,
    fingerprint: string,
    status: object,
  ): Promise<void> {
    if (this.#written.get(key) === fingerprint) return;
    const ref = { group: API_GROUP, version: STORAGE_VERSION, plural, name };
    const result = await this.patcher.patchStatus(ref, { status });
    if (result.kind === 'ok' || result.kind === 'notFound') this.#written.set(key, fingerprint);
    else
      this.log.warn(
        { event: 'status_write_failed', reason: result.message, object: `${plural}/${name}` },
        'status write failed',
      );
  }

  /** nodesPeerStatus[node] of every BgpPeer: the session, or null when this node does not peer. */
  async writePeers(
    bgpPeers: readonly BgpObject[],
    peerOf: ReadonlyMap<string, string>,
    sessions: readonly PeerStatus[],
    localAs: number,
  ): Promise<void> {
    const byAddress = new Map(sessions.map((s) => [s.config.neighborAddress, s]));
    for (const obj of bgpPeers) {
      const name = obj.metadata?.name;
      if (name === undefined || obj.metadata?.deletionTimestamp !== undefined) continue;
      const address = peerOf.get(name);
      const session = address === undefined ? undefined : byAddress.get(address);
      const entry = session === undefined ? null : nodePeerStatus(session, localAs);
      const existing = (obj.status?.nodesPeerStatus as Record<string, unknown> | undefined)?.[this.node];
      // Nothing to remove when the entry is not there (avoids one write per BgpPeer per speaker start).
      if (entry === null && existing === undefined) continue;
      await this.#patch(BGP_PEER.plural, name, `peer/${name}`, peerStatusFingerprint(session), {
        nodesPeerStatus: { [this.node]: entry },
      });
    }
  }

  /** nodesConfStatus[node] = {routerId, as} of BgpConf default (null when BGP is not running). */
  async writeConf(conf: BgpObject | undefined, running: GlobalConfig): Promise<void> {
    if (conf === undefined || conf.metadata?.deletionTimestamp !== undefined) return;
    const entry = running.asn === 0 ? null : { routerId: running.routerId, as: running.asn };
    await this.#patch(BGP_CONF.plural, DEFAULT_BGP_CONF_NAME, 'conf', JSON.stringify(entry), {
      nodesConfStatus: { [this.node]: entry },
    });
  }

  /** The Valid condition of a BgpConf or BgpPeer, when it differs from what the object says. */
  async writeCondition(
    kind: 'BgpConf' | 'BgpPeer',
    obj: BgpObject,
    problem: string | undefined,
  ): Promise<void> {
    const name = obj.metadata?.name;
    if (name === undefined || conditionUpToDate(obj, problem)) return;
    const others = ((obj.status?.conditions ?? []) as ConditionLike[]).filter((c) => c.type !== 'Valid');
    const plural = kind === 'BgpConf' ? BGP_CONF.plural : BGP_PEER.plural;
    const condition = validCondition(problem, obj.metadata?.generation, this.now());
    // Merge patches replace lists whole: resend the other conditions unchanged.
    await this.#patch(
      plural,
      name,
      `cond/${kind}/${name}`,
      `${String(obj.metadata?.resourceVersion)}|${problem ?? ''}`,
      {
        conditions: [...others, condition],
      },
    );
  }
}
