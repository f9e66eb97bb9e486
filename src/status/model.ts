/**
 * Pure: a cluster snapshot and a clock reading -> the status view. No I/O, no current time of its own, so the
 * same objects always give the same view.
 */
import { parseEip, isDefaultEipAnnotation, type EipConfig } from '../api/parse/eip.js';
import { nodeOwnAddresses, type NodeWithAddresses } from '../api/parse/node-addresses.js';
import { ANNOTATION_DEFAULT_EIP, LABEL_EIP } from '../api/keys.js';
import { formatIp, parseIp } from '../ip/address.js';
import { rangeContains, rangeSize, toSafeCount } from '../ip/range.js';
import { carriesOurMarks, optIn, optInHint } from '../controller/service-intent.js';
import { ingressIps, type EipObject, type ServiceObject } from '../controller/objects.js';
import { bgpAnnouncers, layer2Elections, type AnnounceInputs, type Announcement } from './announcers.js';
import type { ClusterSnapshot } from './gather.js';
import { bgpSessions } from './sessions.js';
import { nodeViews } from './nodes.js';
import { ADDRESS_CONFLICT_REASON } from '../speaker/layer2-events.js';
import { pendingReason, warningsAbout } from './pending.js';
import {
  STATUS_API_VERSION,
  type AddressView,
  type ConditionProblem,
  type ConflictView,
  type EipView,
  type PendingView,
  type ServiceView,
  type StatusView,
} from './view.js';

/** Inputs besides the objects. */
export interface ModelOptions {
  /** The clock reading (ms since the epoch) for Lease freshness and uptimes. */
  readonly nowMs: number;
  /** Namespace of the speaker Leases. */
  readonly speakerNamespace: string;
}

const keyOf = (svc: ServiceObject): string => `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
const byKey = (a: ServiceObject, b: ServiceObject): number =>
  keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** OpenELB's Services: opted in, or still holding an IP the controller wrote. */
function isOurs(svc: ServiceObject): boolean {
  return optIn(svc).ours || (carriesOurMarks(svc) && ingressIps(svc).length > 0);
}

function eipProblems(eip: EipObject): ConditionProblem[] {
  const conditions = eip.status?.conditions;
  if (!Array.isArray(conditions)) return [];
  const out: ConditionProblem[] = [];
  for (const c of conditions as Record<string, unknown>[]) {
    if (c.status !== 'False') continue;
    out.push({ type: str(c.type) ?? '', reason: str(c.reason) ?? '', message: str(c.message) ?? '' });
  }
  return out;
}

/** Distinct IPs of Services labelled with `eip` (inside its range when known): the fallback usage. */
function countUsage(name: string, config: EipConfig | undefined, services: readonly ServiceObject[]): number {
  const ips = new Set<string>();
  for (const svc of services) {
    if (svc.metadata?.labels?.[LABEL_EIP] !== name) continue;
    for (const text of ingressIps(svc)) {
      const ip = parseIp(text);
      if (!ip.ok || (config !== undefined && !rangeContains(config.range, ip.value))) continue;
      ips.add(formatIp(ip.value));
    }
  }
  return ips.size;
}

/** Nodes' own addresses inside the Eip's range, in address order (the controller never hands them out). */
function nodeAddressesIn(config: EipConfig | undefined, nodes: readonly NodeWithAddresses[]): string[] {
  if (config === undefined) return [];
  const found: { value: bigint; text: string }[] = [];
  for (const node of nodes) {
    for (const { ip, text } of nodeOwnAddresses(node)) {
      if (rangeContains(config.range, ip))
        found.push({ value: ip.value, text: `${text} (Node ${node.metadata?.name ?? '?'})` });
    }
  }
  return found.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)).map((f) => f.text);
}

function eipView(
  obj: EipObject,
  config: EipConfig | undefined,
  services: readonly ServiceObject[],
  nodes: readonly NodeWithAddresses[],
): EipView {
  const spec = obj.spec ?? {};
  const status = obj.status ?? {};
  const protocol = config?.protocol ?? str(spec.protocol) ?? 'bgp';
  const name = obj.metadata?.name ?? '';
  const fromStatus = typeof status.poolSize === 'number' && typeof status.usage === 'number';
  const usage = fromStatus ? (status.usage as number) : countUsage(name, config, services);
  const poolSize = fromStatus
    ? (status.poolSize as number)
    : config === undefined
      ? null
      : toSafeCount(rangeSize(config.range));
  const occupied =
    fromStatus && typeof status.occupied === 'boolean'
      ? status.occupied
      : poolSize !== null && usage >= poolSize;
  return {
    name,
    protocol,
    interface: protocol === 'bgp' ? null : (str(spec.interface) ?? null),
    address: str(spec.address) ?? '',
    usage,
    poolSize,
    usageFrom: fromStatus ? 'status' : 'services',
    occupied,
    disabled: spec.disable === true,
    default: isDefaultEipAnnotation(obj.metadata?.annotations?.[ANNOTATION_DEFAULT_EIP]),
    problems: eipProblems(obj),
    nodeAddresses: nodeAddressesIn(config, nodes),
  };
}

/** Who announces `ip` of Service `key` from an Eip with `config`. */
type Announce = (key: string, ip: string, config: EipConfig | undefined) => AddressView;

function makeAnnounce(inputs: AnnounceInputs): Announce {
  const layer2 = layer2Elections(inputs);
  const bgp = bgpAnnouncers(inputs);
  const bgpReason = (key: string, ip: string, nodes: readonly string[]): Announcement => {
    if (nodes.length > 0)
      return { announcers: nodes, reason: `${String(nodes.length)} node(s) announce ${ip}` };
    const reasons = bgp.notAnnounced.get(`${key} ${ip}`) ?? [];
    if (reasons.length > 0) return { announcers: [], reason: reasons.join('; ') };
    if (inputs.nodes.length === 0) return { announcers: [], reason: 'no Node is known' };
    const nodeReasons = [...new Set(bgp.nodeProblems)];
    return {
      announcers: [],
      reason: nodeReasons.length > 0 ? nodeReasons.join('; ') : `nobody announces ${ip}`,
    };
  };
  return (key, ip, config) => {
    if (config === undefined)
      return { ip, announcers: [], inferred: false, reason: 'its Eip does not exist or is invalid' };
    if (config.cni !== undefined)
      return {
        ip,
        announcers: [],
        inferred: false,
        reason: `the CNI (${config.cni}) announces Eip ${config.name}`,
      };
    if (config.protocol === 'vip')
      return { ip, announcers: [], inferred: false, reason: 'vip (keepalived) mode is not announced' };
    if (config.protocol === 'bgp') {
      const a = bgpReason(key, ip, bgp.byIp.get(ip) ?? []);
      return { ip, announcers: a.announcers, inferred: false, reason: a.reason };
    }
    const election = layer2.elections.get(ip);
    if (election === undefined)
      return {
        ip,
        announcers: [],
        inferred: false,
        reason: layer2.skipped.get(`${key} ${ip}`) ?? 'not elected',
      };
    const winner = election.announcer;
    return {
      ip,
      announcers: winner === undefined ? [] : [winner],
      inferred: winner !== undefined,
      reason: election.reason,
    };
  };
}

function serviceView(
  svc: ServiceObject,
  eips: ReadonlyMap<string, EipConfig>,
  announce: Announce,
): ServiceView {
  const eip = svc.metadata?.labels?.[LABEL_EIP];
  const config = eip === undefined ? undefined : eips.get(eip);
  const key = keyOf(svc);
  const addresses = ingressIps(svc).map((text) => {
    const ip = parseIp(text);
    return ip.ok
      ? announce(key, formatIp(ip.value), config)
      : { ip: text, announcers: [], inferred: false, reason: `${text} is not an IP address` };
  });
  return {
    namespace: svc.metadata?.namespace ?? '',
    name: svc.metadata?.name ?? '',
    eip: eip ?? null,
    protocol: config?.protocol ?? null,
    addresses,
  };
}

/** Builds the whole view. Never throws on malformed objects. */
export function buildStatusView(snapshot: ClusterSnapshot, options: ModelOptions): StatusView {
  const configs = new Map<string, EipConfig>();
  for (const obj of snapshot.eips) {
    const parsed = parseEip(obj);
    if (parsed.ok) configs.set(parsed.value.name, parsed.value);
  }
  const eips = [...snapshot.eips]
    .sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))
    .map((obj) => eipView(obj, configs.get(obj.metadata?.name ?? ''), snapshot.services, snapshot.nodes));
  const ours = snapshot.services.filter(isOurs).sort(byKey);
  const announce = makeAnnounce({
    nowMs: options.nowMs,
    speakerNamespace: options.speakerNamespace,
    nodes: snapshot.nodes,
    services: snapshot.services,
    eips: snapshot.eips,
    endpointSlices: snapshot.endpointSlices,
    leases: snapshot.leases,
  });
  const services = ours.map((svc) => serviceView(svc, configs, announce));
  const pending: PendingView[] = ours
    .filter((svc) => optIn(svc).ours && ingressIps(svc).length === 0)
    .map((svc) => ({
      namespace: svc.metadata?.namespace ?? '',
      name: svc.metadata?.name ?? '',
      ...pendingReason(svc, snapshot.events),
    }));
  // Services meant for OpenELB that do not opt in: the controller leaves them alone, the same rule
  // says why here (no Event needed).
  for (const svc of snapshot.services) {
    const hint = isOurs(svc) || ingressIps(svc).length > 0 ? undefined : optInHint(svc);
    if (hint !== undefined)
      pending.push({
        namespace: svc.metadata?.namespace ?? '',
        name: svc.metadata?.name ?? '',
        reason: hint,
        eventTime: null,
      });
  }
  const pendingKey = (p: PendingView): string => `${p.namespace}/${p.name}`;
  pending.sort((a, b) => (pendingKey(a) < pendingKey(b) ? -1 : pendingKey(a) > pendingKey(b) ? 1 : 0));
  const conflicts: ConflictView[] = ours.flatMap((svc) => {
    const seen = new Set<string>();
    return warningsAbout(svc, snapshot.conflictEvents, ADDRESS_CONFLICT_REASON).flatMap(({ event, text }) => {
      const message = event.message ?? '(the Event has no message)';
      if (seen.has(message)) return [];
      seen.add(message);
      return [
        {
          namespace: svc.metadata?.namespace ?? '',
          name: svc.metadata?.name ?? '',
          message,
          eventTime: text,
        },
      ];
    });
  });
  return {
    apiVersion: STATUS_API_VERSION,
    generatedAt: new Date(options.nowMs).toISOString(),
    eips,
    services,
    bgpSessions: bgpSessions(snapshot.bgpPeers, options.nowMs, snapshot.nodes),
    nodes: nodeViews(snapshot.nodes, snapshot.leases, options.nowMs),
    pending,
    conflicts,
    warnings: snapshot.warnings,
  };
}
