/**
 * The pure heart of the BGP speaker: from this node and the cluster's objects to the complete set of
 * what its gobgpd must run (global config, peers, paths), plus a reason for everything left out.
 */
import { isHonouredBgpConf, parseBgpConf } from '../api/parse/bgpconf.js';
import { parseBgpPeer } from '../api/parse/bgppeer.js';
import type { EipConfig } from '../api/parse/eip.js';
import { parseEipOnce } from './eip-parse-cache.js';
import { ingressIpsOnce, type IngressIp } from './service-ingress.js';
import { formatFieldErrors } from '../api/errors.js';
import { LABEL_EIP, speakerLeaseName } from '../api/keys.js';
import { labelSelectorMatches } from '../api/label-selector.js';
import { rangeContains } from '../ip/range.js';
import type { GlobalConfig, PeerConfig, RouteInput } from '../bgp/types.js';
import type { DesiredPolicy } from '../bgp/policy-apply.js';
import { desiredPolicy, type ConfigMapLike } from '../bgp/policy-desired.js';
import { globalForNode, peerFromBgpPeer, type SecretLookup } from './bgp-config.js';
import {
  endpointsByService,
  nodeAddresses,
  nodeAddressOwners,
  nodeAddressReason,
  nodeEligible,
  speakerAlive,
  type ServiceEndpoints,
  type Verdict,
} from './eligibility.js';
import type {
  BgpObject,
  EipObject,
  EndpointSliceObject,
  LeaseWire,
  NodeObject,
  ServiceObject,
} from './objects.js';

/** Everything the decision reads. Objects are in wire form, straight from informer caches. */
export interface BgpWorld {
  readonly nodeName: string;
  readonly speakerNamespace: string;
  readonly nowMs: number;
  readonly node: NodeObject | undefined;
  readonly services: readonly ServiceObject[];
  readonly eips: readonly EipObject[];
  readonly endpointSlices: readonly EndpointSliceObject[];
  readonly leases: readonly LeaseWire[];
  readonly bgpConfs: readonly BgpObject[];
  readonly bgpPeers: readonly BgpObject[];
  readonly secret: SecretLookup;
  /** ConfigMaps of the speaker's namespace (BgpConf spec.policy). @default none */
  readonly configMaps?: readonly ConfigMapLike[];
  /** Every Node: a Service IP that is one's own address is not announced. @default [node] */
  readonly nodes?: readonly NodeObject[];
  /**
   * This speaker's Lease renewals do not get through (LivenessLease.inDoubt): its Lease going stale then
   * says the API is down, not that this node is, and withdrawing would turn an outage of the control plane
   * into one of every Service (ADR 0019). @default false
   */
  readonly apiInDoubt?: boolean;
}

/** The global config to run: a config, none (stop BGP), or unusable (leave gobgpd as it is). */
export type DesiredGlobal =
  | { readonly kind: 'config'; readonly config: GlobalConfig }
  | { readonly kind: 'absent'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

/** One neighbour, with the BgpPeer it comes from. */
export interface DesiredPeer {
  readonly bgpPeer: string;
  readonly config: PeerConfig;
}

/** One announced host route and the Service it is for. */
export interface DesiredPath {
  readonly service: string;
  readonly route: RouteInput & { readonly prefixLen: number };
}

/** A BgpConf or BgpPeer that cannot be applied: gets a condition and an Event. */
export interface ObjectProblem {
  readonly kind: 'BgpConf' | 'BgpPeer';
  readonly name: string;
  readonly message: string;
  /** `spec`: every speaker sees the same problem (a condition is written); `node`: only this one (Event only). */
  readonly scope: 'spec' | 'node';
}

/** The full desired state of this node's gobgpd. */
export interface DesiredBgp {
  readonly global: DesiredGlobal;
  /** The routing policy (BgpConf spec.policy); `notes` name gobgp content that is not applied. */
  readonly policy: DesiredPolicy;
  readonly policyNotes: readonly string[];
  readonly peers: readonly DesiredPeer[];
  readonly paths: readonly DesiredPath[];
  /** Why a Service IP (or everything) is not announced from this node. */
  readonly skipped: readonly { readonly subject: string; readonly reason: string }[];
  readonly problems: readonly ObjectProblem[];
  /** BgpPeers that are valid but whose nodeSelector does not match this node. */
  readonly unselectedPeers: readonly string[];
}

type GlobalAndPolicy = DesiredGlobal & { policy?: { value: DesiredPolicy; notes: readonly string[] } };

function desiredGlobal(world: BgpWorld, problems: ObjectProblem[]): GlobalAndPolicy {
  const honoured = world.bgpConfs.find((c) => isHonouredBgpConf(c.metadata?.name ?? '').honoured);
  if (honoured === undefined) return { kind: 'absent', reason: 'there is no BgpConf named "default"' };
  const parsed = parseBgpConf(honoured);
  if (!parsed.ok) {
    const message = formatFieldErrors(parsed.errors);
    problems.push({ kind: 'BgpConf', name: 'default', message, scope: 'spec' });
    return { kind: 'invalid', reason: `BgpConf default is invalid: ${message}` };
  }
  const conf = parsed.value;
  if (conf.cni !== undefined)
    return {
      kind: 'absent',
      reason: `BgpConf default is labelled for the CNI (${conf.cni}), which does BGP`,
    };
  if (conf.deleting) return { kind: 'absent', reason: 'BgpConf default is being deleted' };
  const decision = desiredPolicy(conf.policy, world.speakerNamespace, world.configMaps ?? []);
  if (decision.problem !== undefined)
    problems.push({ kind: 'BgpConf', name: 'default', message: decision.problem, scope: 'spec' });
  const policy = { value: decision.policy, notes: decision.notes };
  const mapped = globalForNode(conf, world.node?.metadata?.labels ?? {}, nodeAddresses(world.node).IPv4);
  if (!mapped.ok) {
    // A speaker started with a wrong --node-name: its Node, not the BgpConf, needs fixing, and a
    // Warning on BgpConf default telling everyone to set a routerId would send them the wrong way.
    if (world.node === undefined) {
      const reason = `Node ${world.nodeName} does not exist (check the speaker's --node-name), so it has no IPv4 InternalIP to use as router id`;
      return { kind: 'invalid', reason, policy };
    }
    problems.push({ kind: 'BgpConf', name: 'default', message: mapped.error, scope: 'node' });
    return { kind: 'invalid', reason: mapped.error, policy };
  }
  return { kind: 'config', config: mapped.value, policy };
}

function desiredPeers(
  world: BgpWorld,
  problems: ObjectProblem[],
): { peers: DesiredPeer[]; unselected: string[] } {
  const labels = world.node?.metadata?.labels ?? {};
  const peers = new Map<string, DesiredPeer>();
  const unselected: string[] = [];
  const sorted = [...world.bgpPeers].sort((a, b) =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
  for (const obj of sorted) {
    const name = obj.metadata?.name ?? '';
    const parsed = parseBgpPeer(obj);
    if (!parsed.ok) {
      problems.push({ kind: 'BgpPeer', name, message: formatFieldErrors(parsed.errors), scope: 'spec' });
      continue;
    }
    const p = parsed.value;
    if (p.cni !== undefined || p.deleting) continue;
    if (p.nodeSelector !== undefined && !labelSelectorMatches(p.nodeSelector, labels)) {
      unselected.push(name);
      continue;
    }
    const mapped = peerFromBgpPeer(p, world.speakerNamespace, world.secret);
    if (!mapped.ok) {
      problems.push({ kind: 'BgpPeer', name, message: mapped.error, scope: 'node' });
      continue;
    }
    const clash = peers.get(p.neighborAddress);
    if (clash !== undefined) {
      problems.push({
        kind: 'BgpPeer',
        name,
        message: `neighbour ${p.neighborAddress} is already configured by BgpPeer ${clash.bgpPeer}: keep one BgpPeer per neighbour`,
        scope: 'spec',
      });
      continue;
    }
    peers.set(p.neighborAddress, { bgpPeer: name, config: mapped.value });
  }
  return { peers: [...peers.values()], unselected };
}

/** Whether the Service's externalTrafficPolicy lets this node announce it. */
function endpointVerdict(
  svc: ServiceObject & { spec?: { externalTrafficPolicy?: string } },
  endpoints: ServiceEndpoints | undefined,
  nodeName: string,
): string | undefined {
  if (svc.spec?.externalTrafficPolicy === 'Local') {
    if (endpoints?.servingNodes.has(nodeName) === true) return undefined;
    return 'externalTrafficPolicy is Local and this node has no ready or serving endpoint';
  }
  if (endpoints?.anyReady === true) return undefined;
  return 'the Service has no ready endpoint';
}

// The same route object for an unchanged Service IP and next hop, reconcile after reconcile: the
// announcer remembers its validation per route object (announcer-diff.ts).
const routes = new WeakMap<IngressIp, DesiredPath['route']>();

function routeOf(entry: IngressIp, nextHop: string): DesiredPath['route'] {
  const known = routes.get(entry);
  if (known?.nextHop === nextHop) return known;
  const route = { prefix: entry.text, prefixLen: entry.ip.family === 'IPv4' ? 32 : 128, nextHop };
  routes.set(entry, route);
  return route;
}

/**
 * This speaker's own Lease: fresh, or stale only because the API does not take its renewals. A Lease it
 * released (shutdown) or never wrote still stops the announcements.
 */
function selfAlive(world: BgpWorld): Verdict {
  const alive = speakerAlive(world.nodeName, world.leases, world.nowMs);
  if (alive.ok || world.apiInDoubt !== true) return alive;
  const own = world.leases.find((l) => l.metadata?.name === speakerLeaseName(world.nodeName));
  return (own?.spec?.holderIdentity ?? '') === '' ? alive : { ok: true };
}

function desiredPaths(world: BgpWorld, skipped: { subject: string; reason: string }[]): DesiredPath[] {
  const eligible = nodeEligible(world.node, world.nodeName);
  const alive = selfAlive(world);
  for (const verdict of [eligible, alive]) {
    if (!verdict.ok) {
      skipped.push({ subject: `node ${world.nodeName}`, reason: verdict.reason });
      return [];
    }
  }
  const nextHops = nodeAddresses(world.node);
  const eips = new Map<string, EipConfig>();
  for (const obj of world.eips) {
    const parsed = parseEipOnce(obj);
    if (parsed.ok) eips.set(parsed.value.name, parsed.value);
  }
  const endpoints = endpointsByService(world.endpointSlices);
  const nodeOwners = nodeAddressOwners(world.nodes ?? (world.node === undefined ? [] : [world.node]));
  const paths = new Map<string, DesiredPath>();
  for (const svc of world.services) {
    const eipName = svc.metadata?.labels?.[LABEL_EIP];
    if (eipName === undefined || svc.metadata?.deletionTimestamp !== undefined) continue;
    const key = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
    const eip = eips.get(eipName);
    if (eip === undefined) {
      skipped.push({ subject: key, reason: `Eip ${eipName} does not exist or is invalid` });
      continue;
    }
    if (eip.protocol !== 'bgp' || eip.cni !== undefined) continue;
    const notAnnounced = endpointVerdict(svc, endpoints.get(key), world.nodeName);
    for (const entry of ingressIpsOnce(svc)) {
      const { ip, text } = entry;
      const subject = `${key} ${text}`;
      const owner = nodeOwners.get(text);
      if (!rangeContains(eip.range, ip)) {
        skipped.push({ subject, reason: `${text} is not in Eip ${eipName}` });
      } else if (owner !== undefined) {
        skipped.push({ subject, reason: nodeAddressReason(text, owner, eipName) });
      } else if (notAnnounced !== undefined) {
        skipped.push({ subject, reason: notAnnounced });
      } else if (nextHops[ip.family] === undefined) {
        skipped.push({ subject, reason: `node ${world.nodeName} has no ${ip.family} InternalIP` });
      } else {
        const nextHop = nextHops[ip.family] ?? '';
        // Two Services may share an IP: one route, attributed to the first.
        if (!paths.has(text)) paths.set(text, { service: key, route: routeOf(entry, nextHop) });
      }
    }
  }
  return [...paths.values()].sort((a, b) => (a.route.prefix < b.route.prefix ? -1 : 1));
}

/** Computes the desired BGP state of `world.nodeName`. Never throws on bad objects. */
export function desiredBgp(world: BgpWorld): DesiredBgp {
  const problems: ObjectProblem[] = [];
  const skipped: { subject: string; reason: string }[] = [];
  const { policy, ...global } = desiredGlobal(world, problems);
  const { peers, unselected } = desiredPeers(world, problems);
  const paths = desiredPaths(world, skipped);
  return {
    global,
    // An unusable BgpConf keeps whatever policy runs; no BgpConf means no policy.
    policy: policy?.value ?? (global.kind === 'invalid' ? { kind: 'keep' } : { kind: 'none' }),
    policyNotes: policy?.notes ?? [],
    peers,
    paths,
    skipped,
    problems,
    unselectedPeers: unselected,
  };
}
