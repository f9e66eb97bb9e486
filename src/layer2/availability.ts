/**
 * Published NIC availability: each speaker writes on its own Lease which layer2 Eips it can serve right now (it
 * found a NIC for the Eip and that NIC has link). Elections on every node read it instead of guessing from the
 * other nodes' objects, so a node whose NIC went down leaves every election as soon as its Lease says so.
 */

/** Lease annotation: comma-separated names of the layer2 Eips the node can serve now ("" = none). */
export const ANNOTATION_LAYER2_EIPS = 'layer2.openelb.kubesphere.io/eips';

/** The annotation value for `eips` (sorted, deduplicated, so an unchanged set writes nothing). */
export function formatAvailability(eips: Iterable<string>): string {
  return [...new Set(eips)].sort().join(',');
}

/**
 * The Eips a Lease says its node can serve, or undefined when the Lease carries no annotation (a speaker
 * older than this feature: callers fall back to inferring). Eip names cannot contain commas or spaces.
 */
export function parseAvailability(
  annotations: Readonly<Record<string, string>> | undefined,
): ReadonlySet<string> | undefined {
  const raw = annotations?.[ANNOTATION_LAYER2_EIPS];
  if (raw === undefined) return undefined;
  return new Set(
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
}
