/**
 * The only I/O of `openelb-manager status`: one read-only list per kind, in wire form (plain JSON, as the
 * speakers' informers see it), so the pure model can hand the objects to the speakers' own decisions.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, BGP_PEER, EIP, STORAGE_VERSION } from '../api/keys.js';
import type { EipObject, ServiceObject, WireMeta } from '../controller/objects.js';
import { makeListFn, type ResourceRef } from '../kube/informers.js';
import { ADDRESS_CONFLICT_REASON } from '../speaker/layer2-events.js';
import type { BgpObject, EndpointSliceObject, LeaseWire, NodeObject } from '../speaker/objects.js';

/** A core/v1 Event, only the fields status reads. */
export interface EventWire {
  metadata?: WireMeta;
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; namespace?: string; name?: string; uid?: string };
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
}

/** Everything status shows, read at one moment. */
export interface ClusterSnapshot {
  readonly eips: readonly EipObject[];
  readonly services: readonly ServiceObject[];
  readonly nodes: readonly NodeObject[];
  /** Leases of the speakers' namespace. */
  readonly leases: readonly LeaseWire[];
  readonly endpointSlices: readonly EndpointSliceObject[];
  readonly bgpPeers: readonly BgpObject[];
  /** Warning Events with reason AssignIPFailed, all namespaces. */
  readonly events: readonly EventWire[];
  /** Warning Events with reason Layer2AddressConflict (another host uses a Service IP), all namespaces. */
  readonly conflictEvents: readonly EventWire[];
  /** Kinds that could not be read (their section is then incomplete), with why. */
  readonly warnings: readonly string[];
}

/** Lists one collection; throws on API errors. The seam for tests. */
export type Lister = (ref: ResourceRef, fieldSelector?: string) => Promise<readonly unknown[]>;

/** A Lister over client-node, paging like the informers do. */
export function kubeLister(kc: KubeConfig): Lister {
  return async (ref, fieldSelector) => {
    const list = makeListFn(kc, ref);
    const result = await list(fieldSelector === undefined ? {} : { fieldSelector });
    return result.items;
  };
}

/** The reason status looks for on pending Services (written by the controller). */
export const ASSIGN_FAILED_REASON = 'AssignIPFailed';

/** "HTTP 403: forbidden" style text of whatever a list threw. */
export function describeListError(err: unknown): string {
  const e = err as { code?: unknown; body?: unknown; message?: unknown };
  if (typeof e.code === 'number') {
    let detail = '';
    const body: unknown = typeof e.body === 'string' ? safeJson(e.body) : e.body;
    if (
      typeof body === 'object' &&
      body !== null &&
      typeof (body as { message?: unknown }).message === 'string'
    )
      detail = `: ${(body as { message: string }).message}`;
    return `HTTP ${String(e.code)}${detail}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Result of {@link gatherSnapshot}: Eips and Services are required, the rest degrade to warnings. */
export type GatherResult =
  { readonly ok: true; readonly snapshot: ClusterSnapshot } | { readonly ok: false; readonly error: string };

/**
 * Reads every kind status needs. `namespace` is where the speakers keep their Leases. Without Eips or
 * Services there is nothing to show, so those fail the whole call; the other kinds only make their part of
 * the view less complete, and say so.
 */
export async function gatherSnapshot(list: Lister, namespace: string): Promise<GatherResult> {
  const warnings: string[] = [];
  const optional = async <T>(what: string, ref: ResourceRef, fieldSelector?: string): Promise<T[]> => {
    try {
      return (await list(ref, fieldSelector)) as T[];
    } catch (err) {
      warnings.push(`cannot list ${what}: ${describeListError(err)}`);
      return [];
    }
  };
  const required = async (
    what: string,
    ref: ResourceRef,
  ): Promise<{ items: readonly unknown[] } | { error: string }> => {
    try {
      return { items: await list(ref) };
    } catch (err) {
      return { error: `cannot list ${what}: ${describeListError(err)}` };
    }
  };
  const [eips, services, nodes, leases, endpointSlices, bgpPeers, events, conflictEvents] = await Promise.all(
    [
      required('Eips', { group: API_GROUP, version: STORAGE_VERSION, plural: EIP.plural }),
      required('Services', { group: '', version: 'v1', plural: 'services' }),
      optional<NodeObject>('Nodes', { group: '', version: 'v1', plural: 'nodes' }),
      optional<LeaseWire>(`Leases in ${namespace}`, {
        group: 'coordination.k8s.io',
        version: 'v1',
        plural: 'leases',
        namespace,
      }),
      optional<EndpointSliceObject>('EndpointSlices', {
        group: 'discovery.k8s.io',
        version: 'v1',
        plural: 'endpointslices',
      }),
      optional<BgpObject>('BgpPeers', {
        group: API_GROUP,
        version: STORAGE_VERSION,
        plural: BGP_PEER.plural,
      }),
      optional<EventWire>(
        'Events',
        { group: '', version: 'v1', plural: 'events' },
        `reason=${ASSIGN_FAILED_REASON},type=Warning`,
      ),
      optional<EventWire>(
        'address-conflict Events',
        { group: '', version: 'v1', plural: 'events' },
        `reason=${ADDRESS_CONFLICT_REASON},type=Warning`,
      ),
    ],
  );
  if ('error' in eips) return { ok: false, error: eips.error };
  if ('error' in services) return { ok: false, error: services.error };
  return {
    ok: true,
    snapshot: {
      eips: eips.items as EipObject[],
      services: services.items as ServiceObject[],
      nodes,
      leases,
      endpointSlices,
      bgpPeers,
      events,
      conflictEvents,
      warnings,
    },
  };
}
