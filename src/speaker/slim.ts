/**
 * Informer transforms of the speaker. Every node runs one speaker, and each caches every Node,
 * EndpointSlice and labelled Service of the cluster. A real Node object is mostly what the kubelet
 * reports for itself (`status.images` alone is often tens of KB), none of which a speaker reads, and
 * every object carries the API server's `managedFields`. These keep the fields the speaker's pure
 * code reads (the shapes in objects.ts). Pure and total: malformed input yields a smaller object,
 * never an exception.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  IDENTITY_META_KEYS,
  isRecord,
  pickKeys,
  slimMetadata,
  withoutBookkeeping,
  type WireJson,
} from '../kube/informer-transform.js';

function slimmed(
  obj: KubernetesObject,
  slim: (raw: WireJson, out: WireJson) => void,
  annotated = true,
): KubernetesObject {
  const raw = obj as unknown as WireJson;
  if (!isRecord(raw)) return obj;
  const out = pickKeys(raw, ['apiVersion', 'kind']);
  const meta = slimMetadata(raw['metadata'], IDENTITY_META_KEYS, annotated);
  if (meta !== undefined) out['metadata'] = meta;
  slim(raw, out);
  return out;
}

/**
 * A Node reduced to what eligibility, the BGP global config and the layer2 election read: labels and
 * annotations, `spec.unschedulable`, `status.addresses` and the type and status of each condition.
 */
export function slimNode(node: KubernetesObject): KubernetesObject {
  return slimmed(node, (raw, out) => {
    const spec = raw['spec'];
    if (isRecord(spec)) out['spec'] = pickKeys(spec, ['unschedulable']);
    const status = raw['status'];
    if (!isRecord(status)) return;
    const slim: WireJson = {};
    if (Array.isArray(status['addresses'])) slim['addresses'] = status['addresses'];
    const conditions = status['conditions'];
    if (Array.isArray(conditions))
      slim['conditions'] = conditions.map((c) => (isRecord(c) ? pickKeys(c, ['type', 'status']) : {}));
    out['status'] = slim;
  });
}

/**
 * An EndpointSlice reduced to its address type and, per endpoint, the addresses, node and conditions
 * (eligibility.ts); ports, zones, hints and target references go.
 */
export function slimEndpointSlice(slice: KubernetesObject): KubernetesObject {
  return slimmed(slice, (raw, out) => {
    if (raw['addressType'] !== undefined) out['addressType'] = raw['addressType'];
    const endpoints = raw['endpoints'];
    if (Array.isArray(endpoints))
      out['endpoints'] = endpoints.map((e) =>
        isRecord(e) ? pickKeys(e, ['addresses', 'nodeName', 'conditions']) : {},
      );
    else if (endpoints === null) out['endpoints'] = null;
  });
}

/**
 * A Service reduced to what both sides read (service-relevance.ts): identity, labels (the Eip label),
 * the deletion mark, `spec.externalTrafficPolicy` and the ingress entries. Annotations and the rest of
 * spec go: with 10,000 Services they were most of a speaker's cached strings (`npm run bench -- speaker`).
 */
export function slimService(svc: KubernetesObject): KubernetesObject {
  return slimmed(
    svc,
    (raw, out) => {
      const spec = raw['spec'];
      if (isRecord(spec)) out['spec'] = pickKeys(spec, ['externalTrafficPolicy']);
      const status = raw['status'];
      const balancer = isRecord(status) ? status['loadBalancer'] : undefined;
      if (isRecord(balancer)) out['status'] = { loadBalancer: pickKeys(balancer, ['ingress']) };
    },
    false,
  );
}

/** Eips: spec and status stay whole (several readers); only server bookkeeping goes. */
export const slimEip = withoutBookkeeping;
