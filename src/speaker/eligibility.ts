/**
 * Pure rules: may this node announce at all (Ready, not excluded, speaker alive), what are its next
 * hops, and which Services have the endpoints their externalTrafficPolicy needs.
 */
import { LABEL_EXCLUDE_FROM_LB, speakerLeaseName } from '../api/keys.js';
import { formatIp, parseIp, type IpFamily } from '../ip/address.js';
import type { EndpointSliceObject, LeaseWire, NodeObject, SliceEndpoint } from './objects.js';
import { LABEL_SERVICE_NAME } from './objects.js';

/** A decision with its reason, for logs and status. */
export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Whether the speaker Lease of `node` is fresh at `nowMs` (renewTime + duration in the future). */
export function speakerAlive(node: string, leases: readonly LeaseWire[], nowMs: number): Verdict {
  const name = speakerLeaseName(node);
  const lease = leases.find((l) => l.metadata?.name === name);
  if (lease === undefined) return { ok: false, reason: `speaker Lease ${name} does not exist yet` };
  if ((lease.spec?.holderIdentity ?? '') === '')
    return { ok: false, reason: `speaker Lease ${name} was released (the speaker stopped)` };
  const renewed = Date.parse(lease.spec?.renewTime ?? '');
  const seconds = lease.spec?.leaseDurationSeconds;
  if (Number.isNaN(renewed) || seconds === undefined)
    return { ok: false, reason: `speaker Lease ${name} has no renewTime or leaseDurationSeconds` };
  if (renewed + seconds * 1000 <= nowMs)
    return {
      ok: false,
      reason: `speaker Lease ${name} expired ${String(nowMs - renewed - seconds * 1000)} ms ago`,
    };
  return { ok: true };
}

/**
 * Ready, its network configured, not labelled exclude-from-external-load-balancers. A node whose
 * `NetworkUnavailable` condition is True (its CNI or routes are not set up yet) would receive Service
 * traffic it cannot forward; MetalLB skips such nodes too. An absent condition counts as available:
 * many CNIs never set it.
 */
export function nodeEligible(node: NodeObject | undefined, name: string): Verdict {
  if (node === undefined) return { ok: false, reason: `Node ${name} does not exist` };
  if (Object.hasOwn(node.metadata?.labels ?? {}, LABEL_EXCLUDE_FROM_LB))
    return { ok: false, reason: `Node ${name} is labelled ${LABEL_EXCLUDE_FROM_LB}` };
  const conditions = node.status?.conditions;
  const ready = conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True')
    return { ok: false, reason: `Node ${name} is not Ready (Ready=${ready?.status ?? 'missing'})` };
  if (conditions?.some((c) => c.type === 'NetworkUnavailable' && c.status === 'True') === true)
    return {
      ok: false,
      reason: `Node ${name} has NetworkUnavailable=True: its network (CNI, routes) is not set up`,
    };
  return { ok: true };
}

// Every reconcile asks for this node's addresses (twice), and ip-num parses an IPv6 address slowly
// (~5 % of a speaker's CPU in a burst): remember the answer per Node object. Informer caches replace
// the object on every change, so an entry is never stale.
const addressesOf = new WeakMap<NodeObject, Partial<Record<IpFamily, string>>>();

/** The node's first InternalIP of each family, canonical; loopback and unparsable addresses skipped. */
export function nodeAddresses(node: NodeObject | undefined): Partial<Record<IpFamily, string>> {
  if (node === undefined) return {};
  const known = addressesOf.get(node);
  if (known !== undefined) return { ...known };
  const out = parseNodeAddresses(node);
  addressesOf.set(node, out);
  return { ...out };
}

function parseNodeAddresses(node: NodeObject): Partial<Record<IpFamily, string>> {
  const out: Partial<Record<IpFamily, string>> = {};
  for (const a of node.status?.addresses ?? []) {
    if (a.type !== 'InternalIP' || a.address === undefined) continue;
    const ip = parseIp(a.address);
    if (!ip.ok) continue;
    const text = formatIp(ip.value);
    if (isLoopback(text)) continue;
    out[ip.value.family] ??= text;
  }
  return out;
}

export { nodeAddressOwners } from '../api/parse/node-addresses.js';

/** Why a Service IP that is `owner`'s own address is not announced. */
export function nodeAddressReason(ip: string, owner: string, eipName: string): string {
  return `${ip} is the address of Node ${owner}: announcing it would take it from the node; remove it from Eip ${eipName}'s range`;
}

/** 127.0.0.0/8 and ::1: a peer resets the whole session on a loopback next hop. */
export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

// A nil ready/serving condition means "unknown", which Kubernetes says consumers treat as true.
const ready = (e: SliceEndpoint): boolean => e.conditions?.ready ?? true;
const serving = (e: SliceEndpoint): boolean => e.conditions?.serving ?? ready(e);

/** Per Service key ("ns/name"): does it have a ready endpoint, and on which nodes does it serve. */
export interface ServiceEndpoints {
  readonly anyReady: boolean;
  /** Nodes with a ready or serving endpoint. */
  readonly servingNodes: ReadonlySet<string>;
}

/** One slice's share of its Service's endpoints, or undefined when it names no Service. */
function sliceEndpoints(
  slice: EndpointSliceObject,
): { key: string; endpoints: ServiceEndpoints } | undefined {
  const svc = slice.metadata?.labels?.[LABEL_SERVICE_NAME];
  const ns = slice.metadata?.namespace;
  if (svc === undefined || ns === undefined) return undefined;
  let anyReady = false;
  const servingNodes = new Set<string>();
  for (const e of slice.endpoints ?? []) {
    if (ready(e)) anyReady = true;
    if ((ready(e) || serving(e)) && e.nodeName !== undefined) servingNodes.add(e.nodeName);
  }
  return { key: `${ns}/${svc}`, endpoints: { anyReady, servingNodes } };
}

// Both sides group every slice again on each reconcile (~45 per 1,000-Service burst); a slice object
// never changes (informer caches replace it on update), so its share is computed once. `null`: none.
const perSlice = new WeakMap<object, { key: string; endpoints: ServiceEndpoints } | null>();

function sliceEndpointsOnce(
  slice: EndpointSliceObject,
): { key: string; endpoints: ServiceEndpoints } | undefined {
  const known = perSlice.get(slice);
  if (known !== undefined) return known ?? undefined;
  const result = sliceEndpoints(slice);
  perSlice.set(slice, result ?? null);
  return result;
}

/**
 * Groups EndpointSlices by the Service named in their kubernetes.io/service-name label. The entries
 * (and their sets) may be shared between calls: treat them as read-only.
 */
export function endpointsByService(slices: readonly EndpointSliceObject[]): Map<string, ServiceEndpoints> {
  const acc = new Map<string, ServiceEndpoints>();
  for (const slice of slices) {
    const one = sliceEndpointsOnce(slice);
    if (one === undefined) continue;
    const before = acc.get(one.key);
    acc.set(
      one.key,
      before === undefined
        ? one.endpoints
        : {
            anyReady: before.anyReady || one.endpoints.anyReady,
            servingNodes: new Set([...before.servingNodes, ...one.endpoints.servingNodes]),
          },
    );
  }
  return acc;
}
