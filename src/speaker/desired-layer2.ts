/**
 * The pure heart of the layer2 speaker: from the cluster's objects to the IPs THIS node must answer for, per NIC,
 * with a reason for every layer2 IP it does not answer for. Every speaker elects every IP the same way (see
 * announce-election.ts), so exactly one node answers when all speakers see the same objects.
 */
import type { EipConfig } from '../api/parse/eip.js';
import { parseEipOnce } from './eip-parse-cache.js';
import { LABEL_EIP, speakerLeaseName } from '../api/keys.js';
import { formatIp, parseIp, type Result } from '../ip/address.js';
import { formatRange, rangeContains } from '../ip/range.js';
import { parsePublished, publishedVerdict } from '../layer2/availability.js';
import {
  electAll,
  type RendezvousMemo,
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
import {
  endpointsByService,
  nodeAddressOwners,
  nodeAddressReason,
  nodeEligible,
  speakerAlive,
} from './eligibility.js';
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
  /** Kept by the caller between runs so each (node, IP) is hashed once (same result without it). */
  readonly rendezvous?: RendezvousMemo;
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
  /** Problems to report as Warning Events (bad annotation, no NIC for an Eip, range off the NIC's subnet). */
  readonly problems: readonly Layer2Problem[];
  /** The layer2 Eips this node can serve now (found a NIC that has link), sorted: published on its Lease. */
  readonly available: readonly string[];
  /** The other layer2 Eips (no NIC, or no link), sorted: published on its Lease too. */
  readonly unusable: readonly string[];
  /** Every layer2 Eip (sorted). */
  readonly layer2Eips: readonly string[];
  /** NICs this node resolved for any Eip, plus NICs named by spec.interface: the link monitor watches them. */
  readonly nicsInUse: readonly string[];
}

/** One warning: `subject` is "Node <name>" or "Eip <name>"; `reason` is the Event reason. */
export interface Layer2Problem {
  readonly subject: string;
  readonly reason: 'Layer2NoInterface' | 'Layer2BadAnnotation' | 'Layer2SubnetMismatch' | 'Layer2NodeAddress';
  readonly message: string;
}

interface Gathered {
  readonly claims: Map<string, IpClaim[]>;
  readonly eips: Map<string, EipConfig>;
  /** Service IPs that are this node's own address (never announced; reported on their Eip). */
  readonly ownAddresses: { readonly ip: string; readonly eip: string; readonly service: string }[];
}

type EtpService = ServiceObject & { spec?: { externalTrafficPolicy?: string } };

function gatherClaims(world: Layer2World, skipped: { subject: string; reason: string }[]): Gathered {
  const eips = new Map<string, EipConfig>();
  for (const obj of world.eips) {
    const parsed = parseEipOnce(obj);
    if (parsed.ok && parsed.value.protocol === 'layer2' && parsed.value.cni === undefined)
      eips.set(parsed.value.name, parsed.value);
  }
  const claims = new Map<string, IpClaim[]>();
  const ownAddresses: Gathered['ownAddresses'] = [];
  // Without a layer2 Eip no Service can claim anything: skip indexing every EndpointSlice (a BGP-only
  // cluster re-runs this on each Service change).
  if (eips.size === 0) return { claims, eips, ownAddresses };
  const endpoints = endpointsByService(world.endpointSlices);
  const nodeOwners = nodeAddressOwners(world.nodes);
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
      const owner = nodeOwners.get(text);
      if (owner !== undefined) {
        skipped.push({ subject: `${key} ${text}`, reason: nodeAddressReason(text, owner, eipName) });
        if (owner === world.nodeName) ownAddresses.push({ ip: text, eip: eipName, service: key });
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
  return { claims, eips, ownAddresses };
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
  const { claims, eips, ownAddresses } = gatherClaims(world, skipped);
  const nodesByName = new Map(world.nodes.map((n) => [n.metadata?.name ?? '', n]));
  const annotationOf = new Map(
    [...nodesByName].map(([name, n]) => [name, parseNodeNicAnnotation(n.metadata?.annotations)]),
  );
  const sourceFor = (node: string, eipName: string): NicSource => ({
    node: annotationOf.get(node),
    eip: eips.get(eipName)?.interface,
    eipName,
  });
  const published = new Map(
    world.leases.map((l) => [l.metadata?.name ?? '', parsePublished(l.metadata?.annotations)]),
  );

  // This node's NIC for every layer2 Eip, looked up once: it is both what we publish and what we elect with.
  const serviceIps = new Set(claims.keys());
  const ourNics = new Map<string, Result<string>>();
  for (const eipName of [...eips.keys()].sort())
    ourNics.set(eipName, resolveNic(sourceFor(world.nodeName, eipName), world.nic, serviceIps));
  const ourNic = (eipName: string): Result<string> =>
    ourNics.get(eipName) ?? { ok: false, error: `Eip ${eipName} is not a layer2 Eip` };

  const nicVerdictOf = (node: string, eipName: string): Verdict => {
    if (node === world.nodeName) {
      const found = ourNic(eipName);
      return found.ok ? { ok: true } : { ok: false, reason: found.error };
    }
    const said = publishedVerdict(published.get(speakerLeaseName(node)), eipName);
    if (said !== undefined)
      return said
        ? { ok: true }
        : { ok: false, reason: `${node} publishes no usable NIC for Eip ${eipName}` };
    // Not said (an older speaker, or an Eip it has not considered yet): infer from its objects.
    const found = peerNicVerdict(sourceFor(node, eipName));
    return found.ok ? { ok: true } : { ok: false, reason: found.error };
  };
  // Asked once per node and claim of every IP (100,000 times for 100 nodes and 1,000 IPs), but the
  // answer depends only on the node and the Eip.
  const verdicts = new Map<string, Verdict>();
  const nicVerdict = (node: string, eipName: string): Verdict => {
    const key = `${node}\0${eipName}`;
    let verdict = verdicts.get(key);
    if (verdict === undefined) verdicts.set(key, (verdict = nicVerdictOf(node, eipName)));
    return verdict;
  };

  const elections = electAll(electionNodes(world), claims, nicVerdict, world.rendezvous);
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

  const nics = new Map<string, string[]>();
  for (const o of owned) nics.set(o.nic, [...(nics.get(o.nic) ?? []), o.ip]);
  const available = [...ourNics].filter(([, r]) => r.ok).map(([name]) => name);
  const problems = [
    ...layer2Problems(world, eips, ourNics, annotationOf.get(world.nodeName)),
    ...nodeAddressProblems(ownAddresses),
  ];
  const nicsInUse = new Set([...ourNics.values()].flatMap((r) => (r.ok ? [r.value] : [])));
  for (const eip of eips.values()) if (eip.interface?.kind === 'name') nicsInUse.add(eip.interface.name);
  const layer2Eips = [...eips.keys()].sort();
  const unusable = [...ourNics].filter(([, r]) => !r.ok).map(([name]) => name);
  return {
    nics,
    owned,
    elections,
    skipped,
    problems,
    available,
    unusable,
    layer2Eips,
    nicsInUse: [...nicsInUse].sort(),
  };
}

/**
 * Warnings for this node: a bad or unresolvable node annotation (one on the Node, not one per Eip), an Eip whose
 * NIC cannot be found, and an Eip whose range is not on its NIC's subnet (still announced: OpenELB 0.6 refused
 * instead, #456, which breaks setups where the range is routed to the segment).
 */
/** One Warning per Eip whose Services hold this node's own address (only the node that has it reports). */
function nodeAddressProblems(own: Gathered['ownAddresses']): Layer2Problem[] {
  const byEip = new Map<string, string[]>();
  for (const o of own) byEip.set(o.eip, [...(byEip.get(o.eip) ?? []), `${o.service} holds ${o.ip}`]);
  return [...byEip].map(([eip, held]) => ({
    subject: `Eip ${eip}`,
    reason: 'Layer2NodeAddress',
    message:
      `${held.sort().join(', ')}, an address of this node: not announced (answering ARP/NDP for it would take it ` +
      `from the node); remove the node's addresses from Eip ${eip}'s range`,
  }));
}

function layer2Problems(
  world: Layer2World,
  eips: ReadonlyMap<string, EipConfig>,
  ourNics: ReadonlyMap<string, Result<string>>,
  annotation: Result<unknown> | undefined,
): Layer2Problem[] {
  const problems: Layer2Problem[] = [];
  if (annotation !== undefined) {
    const failed = [...ourNics.values()].flatMap((r) => (r.ok ? [] : [r.error]))[0];
    if (!annotation.ok)
      problems.push({
        subject: `Node ${world.nodeName}`,
        reason: 'Layer2BadAnnotation',
        message: annotation.error,
      });
    else if (failed !== undefined)
      problems.push({
        subject: `Node ${world.nodeName}`,
        reason: 'Layer2NoInterface',
        message: `${failed}; this node is not a candidate for any layer2 Eip`,
      });
  }
  for (const [eipName, found] of ourNics) {
    if (!found.ok) {
      if (annotation === undefined)
        problems.push({ subject: `Eip ${eipName}`, reason: 'Layer2NoInterface', message: found.error });
      continue;
    }
    const range = eips.get(eipName)?.range;
    const subnets = world.nic.subnets?.(found.value);
    if (range === undefined || subnets === undefined) continue;
    const onSubnet = subnets.some(
      (s) => s.family === range.family && s.first <= range.first && range.last <= s.last,
    );
    if (onSubnet) continue;
    const mine = subnets.filter((s) => s.family === range.family).map(formatRange);
    problems.push({
      subject: `Eip ${eipName}`,
      reason: 'Layer2SubnetMismatch',
      message:
        `range ${formatRange(range)} of Eip ${eipName} is not on a subnet of ${found.value} ` +
        `(${mine.length === 0 ? 'it has none of that family' : mine.join(', ')}); still announcing; ` +
        `add an address of that subnet to ${found.value} or fix the range`,
    });
  }
  return problems;
}
