/**
 * The pure heart of the layer2 speaker: from the cluster's objects to the IPs THIS node must answer for, per NIC,
 * with a reason for every layer2 IP it does not answer for. Every speaker elects every IP the same way (see
 * announce-election.ts), so exactly one node answers when all speakers see the same objects.
 */
import { parseEip, type EipConfig } from '../api/parse/eip.js';
import { LABEL_EIP } from '../api/keys.js';
import { formatIp, parseIp } from '../ip/address.js';
import { rangeContains } from '../ip/range.js';
import {
  electAll,
  type Election,
  type ElectionNode,
  type IpClaim,
  type Verdict,
} from '../layer2/announce-election.js';
import {
  parseNodeNicAnnotation,
  peerNicVerdict,
  resolveNic,
  type NicLookup,
  type NicSource,
} from '../layer2/announce-nic.js';
import { endpointsByService, nodeEligible, speakerAlive } from './eligibility.js';
import type { EipObject, EndpointSliceObject, LeaseWire, NodeObject, ServiceObject } from './objects.js';

/** Everything the decision reads. Objects are in wire form, straight from informer caches. */
export interface Layer2World {
  readonly nodeName: string;
  readonly nowMs: number;
  readonly nodes: readonly NodeObject[];
  readonly services: readonly ServiceObject[];
  readonly eips: readonly EipObject[];
  readonly endpointSlices: readonly EndpointSliceObject[];
  readonly leases: readonly LeaseWire[];
  /** Host lookups on THIS node. */
  readonly nic: NicLookup;
}

/** One IP this node answers for. */
export interface OwnedIp {
  readonly ip: string;
  readonly nic: string;
  readonly eip: string;
  /** "namespace/name" of every Service using the IP, sorted. */
  readonly services: readonly string[];
}

/** The full desired layer2 state of this node. */
export interface DesiredLayer2 {
  /** NIC → the IPs to answer for on it (sorted). NICs with nothing to answer are absent. */
  readonly nics: ReadonlyMap<string, readonly string[]>;
  readonly owned: readonly OwnedIp[];
  /** The election of every layer2 IP, for the announcer metric and change Events. */
  readonly elections: ReadonlyMap<string, Election>;
  /** Why a layer2 IP is not answered here. */
  readonly skipped: readonly { readonly subject: string; readonly reason: string }[];
  /** Problems to report as Warning Events on this node (bad annotation, no NIC for an Eip). */
  readonly problems: readonly { readonly subject: string; readonly message: string }[];
}

interface Gathered {
  readonly claims: Map<string, IpClaim[]>;
  readonly eips: Map<string, EipConfig>;
}

type EtpService = ServiceObject & { spec?: { externalTrafficPolicy?: string } };

function gatherClaims(world: Layer2World, skipped: { subject: string; reason: string }[]): Gathered {
  const eips = new Map<string, EipConfig>();
  for (const obj of world.eips) {
    const parsed = parseEip(obj);
    if (parsed.ok && parsed.value.protocol === 'layer2' && parsed.value.cni === undefined)
      eips.set(parsed.value.name, parsed.value);
  }
  const endpoints = endpointsByService(world.endpointSlices);
  const claims = new Map<string, IpClaim[]>();
  for (const svc of world.services as readonly EtpService[]) {
    const eipName = svc.metadata?.labels?.[LABEL_EIP];
    if (eipName === undefined || svc.metadata?.deletionTimestamp !== undefined) continue;
    const eip = eips.get(eipName);
    if (eip === undefined) continue; // not layer2 (or invalid): the BGP side or the controller reports it
    const key = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
    const ep = endpoints.get(key);
    for (const entry of svc.status?.loadBalancer?.ingress ?? []) {
      const ip = parseIp(entry.ip ?? '');
      if (!ip.ok) continue;
      const text = formatIp(ip.value);
      if (!rangeContains(eip.range, ip.value)) {
        skipped.push({ subject: `${key} ${text}`, reason: `${text} is not in Eip ${eipName}` });
        continue;
      }
      const list = claims.get(text) ?? [];
      list.push({
        service: key,
        eip: eipName,
        localOnly: svc.spec?.externalTrafficPolicy === 'Local',
        anyReady: ep?.anyReady ?? false,
        servingNodes: ep?.servingNodes ?? new Set(),
      });
      claims.set(text, list);
    }
  }
  return { claims, eips };
}

function electionNodes(world: Layer2World): ElectionNode[] {
  return world.nodes.flatMap((node) => {
    const name = node.metadata?.name;
    if (name === undefined || name === '') return [];
    const eligible = nodeEligible(node, name);
    const alive = speakerAlive(name, world.leases, world.nowMs);
    return [{ name, eligible, alive }];
  });
}

/** Computes what `world.nodeName` must answer for, per NIC. Never throws on bad objects. */
export function desiredLayer2(world: Layer2World): DesiredLayer2 {
  const skipped: { subject: string; reason: string }[] = [];
  const problems: { subject: string; message: string }[] = [];
  const { claims, eips } = gatherClaims(world, skipped);
  const nodesByName = new Map(world.nodes.map((n) => [n.metadata?.name ?? '', n]));
  const annotationOf = new Map(
    [...nodesByName].map(([name, n]) => [name, parseNodeNicAnnotation(n.metadata?.annotations)]),
  );
  const sourceFor = (node: string, eipName: string): NicSource => ({
    node: annotationOf.get(node),
    eip: eips.get(eipName)?.interface,
    eipName,
  });

  // This node's NIC per Eip, looked up once; other nodes get the verdict we can infer from their objects.
  const serviceIps = new Set(claims.keys());
  const ourNics = new Map<string, ReturnType<typeof resolveNic>>();
  const ourNic = (eipName: string): ReturnType<typeof resolveNic> => {
    let found = ourNics.get(eipName);
    if (found === undefined) {
      found = resolveNic(sourceFor(world.nodeName, eipName), world.nic, serviceIps);
      ourNics.set(eipName, found);
    }
    return found;
  };
  const nicVerdict = (node: string, eipName: string): Verdict => {
    const found = node === world.nodeName ? ourNic(eipName) : peerNicVerdict(sourceFor(node, eipName));
    return found.ok ? { ok: true } : { ok: false, reason: found.error };
  };

  const elections = electAll(electionNodes(world), claims, nicVerdict);
  const owned: OwnedIp[] = [];
  for (const [ip, election] of elections) {
    const ipClaims = claims.get(ip) ?? [];
    if (election.announcer !== world.nodeName) {
      const ours = election.rejected.find((r) => r.node === world.nodeName);
      const reason =
        election.announcer === undefined
          ? election.reason
          : `announced by ${election.announcer}${ours === undefined ? '' : ` (this node: ${ours.reason})`}`;
      skipped.push({ subject: ip, reason });
      continue;
    }
    // The winner passed nicVerdict for at least one claim's Eip; all claims on one IP share its Eip.
    const claim = ipClaims.find((c) => ourNic(c.eip).ok);
    const nic = claim === undefined ? undefined : ourNic(claim.eip);
    if (claim === undefined || nic?.ok !== true) continue;
    owned.push({ ip, nic: nic.value, eip: claim.eip, services: ipClaims.map((c) => c.service).sort() });
  }

  for (const [eipName] of [...ourNics].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const found = ourNic(eipName);
    if (!found.ok) problems.push({ subject: `Eip ${eipName}`, message: found.error });
  }
  const annotation = annotationOf.get(world.nodeName);
  if (annotation !== undefined && !annotation.ok && problems.length === 0)
    problems.push({ subject: `Node ${world.nodeName}`, message: annotation.error });

  const nics = new Map<string, string[]>();
  for (const o of owned) nics.set(o.nic, [...(nics.get(o.nic) ?? []), o.ip]);
  return { nics, owned, elections, skipped, problems };
}
