/**
 * Which Node, Eip and EndpointSlice changes can change what the BGP speaker runs, so that the writes
 * that cannot (the controller's Eip usage status on every allocation, other nodes' heartbeats, slice
 * address or port edits) do not kick a reconcile. Each function names exactly the fields that
 * desired-bgp.ts (and eligibility.ts) read; keep them in step when the decision reads more. The
 * spec rule also serves BgpConfs and BgpPeers, and the Eip and EndpointSlice rules the layer2 side
 * (desired-layer2.ts reads the same fields of them).
 */
import { LABEL_SERVICE_NAME, type EndpointSliceObject, type NodeObject } from './objects.js';

type WithMeta = {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: unknown;
  };
};

/** Compares a projection of both sides; an add or delete compares with `{}`. */
const differs =
  (project: (obj: never) => unknown) =>
  (before: unknown, after: unknown): boolean =>
    JSON.stringify(project(before as never)) !== JSON.stringify(project(after as never));

/**
 * Node changes that matter to `nodeName`'s speaker: of its own Node the labels (exclude label, rack ASN,
 * BgpPeer nodeSelectors), the addresses (next hops, router id), Ready, NetworkUnavailable and deletion;
 * of every other Node only its addresses (a Service IP that is a node's own address is not announced),
 * never heartbeats.
 */
export function nodeMayChangeBgp(nodeName: string): (before: unknown, after: unknown) => boolean {
  const mine = (obj: NodeObject & WithMeta): boolean => obj.metadata?.name === nodeName;
  const project = differs((node: NodeObject & WithMeta) =>
    mine(node)
      ? [
          node.metadata?.labels ?? {},
          node.metadata?.deletionTimestamp ?? null,
          node.status?.addresses ?? [],
          node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? null,
          node.status?.conditions?.find((c) => c.type === 'NetworkUnavailable')?.status ?? null,
        ]
      : null,
  );
  const addresses = differs((node: NodeObject) => node.status?.addresses ?? []);
  return (before, after) => {
    if (!mine(before as NodeObject) && !mine(after as NodeObject)) return addresses(before, after);
    return project(before, after);
  };
}

/**
 * Changes a speaker reads of an Eip, BgpConf or BgpPeer: name, labels, annotations, deletion and spec;
 * never its status (the controller's Eip usage after each allocation burst; every speaker's own
 * `nodesPeerStatus` entry, which would otherwise re-run every other speaker's reconcile).
 */
export const specMayChange = differs((obj: WithMeta & { spec?: unknown }) =>
  obj.metadata === undefined
    ? null
    : [
        obj.metadata.name ?? '',
        obj.metadata.labels ?? {},
        obj.metadata.annotations ?? {},
        obj.metadata.deletionTimestamp ?? null,
        obj.spec ?? null,
      ],
);

/** EndpointSlice changes a speaker reads: its Service, and each endpoint's node and readiness. */
export const sliceMayChangeBgp = differs((slice: EndpointSliceObject & WithMeta) =>
  slice.metadata === undefined
    ? null
    : [
        slice.metadata.namespace ?? '',
        slice.metadata.labels?.[LABEL_SERVICE_NAME] ?? null,
        (slice.endpoints ?? []).map((e) => [
          e.nodeName ?? null,
          e.conditions?.ready ?? null,
          e.conditions?.serving ?? null,
        ]),
      ],
);

/** Whether the Service `namespace/name` in a Services cache has an ingress IP. */
export function hasIngressIn(services: {
  getByName(name: string, namespace?: string): unknown;
}): (namespace: string, name: string) => boolean {
  return (namespace, name) => {
    const svc = services.getByName(name, namespace) as
      { status?: { loadBalancer?: { ingress?: readonly unknown[] } } } | undefined;
    return (svc?.status?.loadBalancer?.ingress?.length ?? 0) > 0;
  };
}

/**
 * sliceMayChangeBgp, and only for a Service that has an IP (`serviceHasIp`, from the Services cache):
 * endpoints of a Service without an IP change nothing yet (the bench, like a user, creates the slice
 * just before the Service), and when the IP arrives that reconcile reads every slice anyway.
 */
export function sliceOfAnnouncedService(
  serviceHasIp: (namespace: string, name: string) => boolean,
): (before: unknown, after: unknown) => boolean {
  const owner = (obj: unknown): [string, string] | undefined => {
    const meta = (obj as WithMeta).metadata;
    const name = meta?.labels?.[LABEL_SERVICE_NAME];
    return meta?.namespace === undefined || name === undefined ? undefined : [meta.namespace, name];
  };
  return (before, after) => {
    if (!sliceMayChangeBgp(before, after)) return false;
    return [owner(before), owner(after)].some((o) => o !== undefined && serviceHasIp(...o));
  };
}
