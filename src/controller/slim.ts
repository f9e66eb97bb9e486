/**
 * Informer transforms of the controller: each cached object keeps only the fields the controller
 * reads (the shapes in objects.ts), so 10,000 Services cost a fraction of their wire size. Pure and
 * total: malformed input yields a smaller object, never an exception.
 */
import {
  IDENTITY_META_KEYS,
  isRecord,
  pickKeys as pick,
  slimMetadata,
  type WireJson as Json,
} from '../kube/informer-transform.js';
import type {
  EipObject,
  IngressEntry,
  NamespaceObject,
  NodeObject,
  ServiceObject,
  WireMeta,
} from './objects.js';

/** The identity keys and the finalizers (the controller adds and removes its own). */
const META_KEYS = [...IDENTITY_META_KEYS, 'finalizers'] as const;

/** Metadata without managedFields, ownerReferences and the like, and without the last-applied annotation. */
function slimMeta(
  meta: unknown,
  keys: readonly string[] = META_KEYS,
  annotated = true,
): WireMeta | undefined {
  return slimMetadata(meta, keys, annotated);
}

function typed(obj: Json): Json {
  return pick(obj, ['apiVersion', 'kind']);
}

/** A Service reduced to what serviceIntent, planService and the rebuild read. */
export function slimService(svc: ServiceObject): ServiceObject {
  const raw = svc as unknown as Json;
  if (!isRecord(raw)) return svc;
  const out = typed(raw);
  const meta = slimMeta(raw['metadata']);
  if (meta !== undefined) out['metadata'] = meta;
  const spec = raw['spec'];
  if (isRecord(spec)) {
    const slim = pick(spec, ['type', 'loadBalancerClass', 'loadBalancerIP', 'ipFamilies', 'ipFamilyPolicy']);
    const ports = spec['ports'];
    if (Array.isArray(ports))
      slim['ports'] = ports.map((p) => (isRecord(p) ? pick(p, ['protocol', 'port']) : {}));
    out['spec'] = slim;
  }
  const status = raw['status'];
  if (isRecord(status)) {
    const lb = status['loadBalancer'];
    // Ingress entries stay whole: the plan compares them with the desired ones.
    out['status'] = isRecord(lb)
      ? { loadBalancer: pick(lb, ['ingress']) as { ingress?: IngressEntry[] } }
      : {};
  }
  return out;
}

/** A Namespace reduced to its identity and labels (Eip namespaceSelector). */
export function slimNamespace(ns: NamespaceObject): NamespaceObject {
  const raw = ns as unknown as Json;
  if (!isRecord(raw)) return ns;
  const out = typed(raw);
  const meta = slimMeta(raw['metadata'], ['name', 'uid', 'resourceVersion', 'labels'], false);
  if (meta !== undefined) out['metadata'] = meta;
  return out;
}

/** An Eip without server bookkeeping: spec and status stay whole (parseEip and the status writer read them). */
export function slimEip(eip: EipObject): EipObject {
  const raw = eip as unknown as Json;
  if (!isRecord(raw)) return eip;
  const meta = slimMeta(raw['metadata']);
  return meta === undefined ? eip : { ...raw, metadata: meta };
}

/**
 * A Node reduced to its identity and addresses. The kubelet's report on itself (images, conditions,
 * capacity, daemon endpoints) is most of a Node's size and none of it matters here.
 */
export function slimNode(node: NodeObject): NodeObject {
  const raw = node as unknown as Json;
  if (!isRecord(raw)) return node;
  const out = typed(raw);
  // Labels: the webhook warns about a BgpPeer nodeSelector that matches no Node.
  const meta = slimMeta(raw['metadata'], ['name', 'uid', 'resourceVersion', 'labels'], false);
  if (meta !== undefined) out['metadata'] = meta;
  const status = raw['status'];
  if (isRecord(status) && Array.isArray(status['addresses'])) {
    out['status'] = {
      addresses: status['addresses'].map((a) => (isRecord(a) ? pick(a, ['type', 'address']) : {})),
    };
  }
  return out;
}
