/**
 * Who announces each Service IP, computed by the speakers' own pure decisions rather than a copy of them:
 * layer2 runs desiredLayer2 (and so electAll) as an observer that is none of the nodes, bgp runs
 * desiredBgp once per node. Status therefore shows what the speakers decide on the same objects.
 */
import type { ServiceObject } from '../controller/objects.js';
import type { NicLookup } from '../layer2/announce-nic.js';
import type { Election } from '../layer2/announce-election.js';
import { desiredBgp } from '../speaker/desired-bgp.js';
import { desiredLayer2 } from '../speaker/desired-layer2.js';
import type { EipObject, EndpointSliceObject, LeaseWire, NodeObject } from '../speaker/objects.js';

/** What the announcer computation reads. */
export interface AnnounceInputs {
  readonly nowMs: number;
  readonly speakerNamespace: string;
  readonly nodes: readonly NodeObject[];
  readonly services: readonly ServiceObject[];
  readonly eips: readonly EipObject[];
  readonly endpointSlices: readonly EndpointSliceObject[];
  readonly leases: readonly LeaseWire[];
}

/** Who announces one IP, and why. */
export interface Announcement {
  readonly announcers: readonly string[];
  readonly reason: string;
}

// Node names are never empty, so this observer takes part in no election and every node's NIC is judged by
// peerNicVerdict, exactly as each speaker judges the other nodes.
const OBSERVER = '';

const noHost = (): { ok: false; error: string } => ({
  ok: false,
  error: 'status runs outside the nodes and cannot look at NICs',
});
const NO_NICS: NicLookup = { holding: noHost, holdingIn: noHost, named: noHost, routeTo: noHost };

/** The layer2 election of every layer2 Service IP (keys: canonical IP text), plus per-IP skip reasons. */
export function layer2Elections(inputs: AnnounceInputs): {
  readonly elections: ReadonlyMap<string, Election>;
  readonly skipped: ReadonlyMap<string, string>;
} {
  const desired = desiredLayer2({
    nodeName: OBSERVER,
    nowMs: inputs.nowMs,
    nodes: inputs.nodes,
    services: inputs.services,
    eips: inputs.eips,
    endpointSlices: inputs.endpointSlices,
    leases: inputs.leases,
    nic: NO_NICS,
  });
  const skipped = new Map<string, string>();
  // Elected IPs are skipped "announced by X" for the observer; only keep the "ns/name ip" subjects.
  for (const s of desired.skipped) if (s.subject.includes(' ')) skipped.set(s.subject, s.reason);
  return { elections: desired.elections, skipped };
}

/** What every node announces by BGP: IP -> nodes (sorted), and per "ns/name ip" subject the reasons not. */
export function bgpAnnouncers(inputs: AnnounceInputs): {
  readonly byIp: ReadonlyMap<string, readonly string[]>;
  readonly notAnnounced: ReadonlyMap<string, readonly string[]>;
  readonly nodeProblems: readonly string[];
} {
  const byIp = new Map<string, string[]>();
  const notAnnounced = new Map<string, string[]>();
  const nodeProblems: string[] = [];
  const add = (map: Map<string, string[]>, key: string, value: string): void => {
    const list = map.get(key) ?? [];
    if (!list.includes(value)) list.push(value);
    map.set(key, list);
  };
  const names = inputs.nodes.map((n) => n.metadata?.name ?? '').filter((n) => n !== '');
  for (const nodeName of [...new Set(names)].sort()) {
    const desired = desiredBgp({
      nodeName,
      speakerNamespace: inputs.speakerNamespace,
      nowMs: inputs.nowMs,
      node: inputs.nodes.find((n) => n.metadata?.name === nodeName),
      nodes: inputs.nodes,
      services: inputs.services,
      eips: inputs.eips,
      endpointSlices: inputs.endpointSlices,
      leases: inputs.leases,
      // Paths do not depend on the BGP configuration; peers and the global config are reported separately.
      bgpConfs: [],
      bgpPeers: [],
      secret: () => ({ ok: false, error: 'not read by status' }),
    });
    for (const p of desired.paths) add(byIp, p.route.prefix, nodeName);
    for (const s of desired.skipped) {
      if (s.subject.startsWith('node ')) nodeProblems.push(s.reason);
      else add(notAnnounced, s.subject, s.reason);
    }
  }
  return { byIp, notAnnounced, nodeProblems };
}
