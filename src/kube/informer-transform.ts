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
