import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';

/** kubectl's copy of the last applied manifest: often the largest annotation, and never read by us. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** `annotations` without the last-applied one (a new object). */
export function withoutLastApplied(annotations: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations).filter(([k]) => k !== LAST_APPLIED_ANNOTATION));
}

/**
 * An informer transform (see InformerOptions.transform) that drops what the API server keeps for
 * its own bookkeeping: `metadata.managedFields` and the last-applied annotation. Together they are
 * usually more than half of a small object. Returns a new object; the input is not modified.
 */
export function withoutBookkeeping<T extends KubernetesObject>(obj: T): T {
  const metadata = obj.metadata;
  if (metadata === undefined) return obj;
  const annotations = metadata.annotations;
  const hasLastApplied = annotations !== undefined && LAST_APPLIED_ANNOTATION in annotations;
  if (metadata.managedFields === undefined && !hasLastApplied) return obj;
  const entries = Object.entries(metadata as Record<string, unknown>);
  const slim = Object.fromEntries(entries.filter(([k]) => k !== 'managedFields')) as V1ObjectMeta;
  if (hasLastApplied) slim.annotations = withoutLastApplied(annotations);
  return { ...obj, metadata: slim };
}

/** The metadata every slim transform keeps: identity, version, creation and deletion, labels. */
export const IDENTITY_META_KEYS = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'labels',
] as const;

/** A JSON object as an informer delivers it (never trusted to have any shape). */
export type WireJson = Record<string, unknown>;

/** A plain JSON object (not null, not an array). */
export function isRecord(v: unknown): v is WireJson {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The listed keys of `from` that are present, in a new object. */
export function pickKeys(from: WireJson, keys: readonly string[]): WireJson {
  const out: WireJson = {};
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}

/**
 * `metadata` reduced to `keys` (managedFields, ownerReferences and the like go), with its annotations
 * minus the last-applied one when `annotated`; undefined when it is not an object.
 */
export function slimMetadata(meta: unknown, keys: readonly string[], annotated = true): WireJson | undefined {
  if (!isRecord(meta)) return undefined;
  const out = pickKeys(meta, keys);
  const annotations = meta['annotations'];
  if (annotated && isRecord(annotations)) {
    out['annotations'] = withoutLastApplied(annotations as Record<string, string>);
  }
  return out;
}
