/**
 * Published NIC availability: each speaker writes on its own Lease which layer2 Eips it can serve right now (it
 * found a NIC for the Eip and that NIC has link). Elections on every node read it instead of guessing from the
 * other nodes' objects, so a node whose NIC went down leaves every election as soon as its Lease says so.
 */

/** Lease annotation: comma-separated names of the layer2 Eips the node can serve now ("" = none). */
export const ANNOTATION_LAYER2_EIPS = 'layer2.openelb.kubesphere.io/eips';

/**
 * Lease annotation: the layer2 Eips the node considered and cannot serve. With it, an Eip in neither list is
 * one the node has not considered yet (it is newer than the node's last write): peers then infer from the
 * objects, as for a speaker that publishes nothing, instead of reading "cannot serve" and taking the IP
 * over for the moment it takes that node to publish (two nodes answered ARP right after an Eip appeared).
 */
export const ANNOTATION_LAYER2_EIPS_UNUSABLE = 'layer2.openelb.kubesphere.io/eips-unusable';

/** What a speaker publishes: the layer2 Eips it can serve, and those it considered and cannot. */
export function availabilityAnnotations(
  servable: Iterable<string>,
  unusable: Iterable<string>,
): Record<string, string> {
  return {
    [ANNOTATION_LAYER2_EIPS]: formatAvailability(servable),
    [ANNOTATION_LAYER2_EIPS_UNUSABLE]: formatAvailability(unusable),
  };
}

/** A node's published availability, parsed once per Lease (elections ask it once per IP). */
export interface PublishedAvailability {
  readonly servable: ReadonlySet<string>;
  /** Undefined for a speaker that publishes only the first annotation. */
  readonly unusable: ReadonlySet<string> | undefined;
}

/** The availability a Lease publishes, or undefined when it publishes none (an older speaker). */
export function parsePublished(
  annotations: Readonly<Record<string, string>> | undefined,
): PublishedAvailability | undefined {
  const servable = parseAvailability(annotations);
  if (servable === undefined) return undefined;
  return { servable, unusable: parseAvailability(annotations, ANNOTATION_LAYER2_EIPS_UNUSABLE) };
}

/**
 * Whether a node can serve `eip` per what it published: `true`, `false`, or `undefined` when it has not said
 * (nothing published: an older speaker; or the Eip is in neither list: not considered yet).
 */
export function publishedVerdict(
  published: PublishedAvailability | undefined,
  eip: string,
): boolean | undefined {
  if (published === undefined) return undefined;
  if (published.servable.has(eip)) return true;
  const unusable = published.unusable;
  // Without the second annotation (a speaker before it), an Eip missing from the first means "cannot".
  return unusable === undefined || unusable.has(eip) ? false : undefined;
}

/** The annotation value for `eips` (sorted, deduplicated, so an unchanged set writes nothing). */
export function formatAvailability(eips: Iterable<string>): string {
  return [...new Set(eips)].sort().join(',');
}

/**
 * The Eips a Lease says its node can serve (or, with `key` = ANNOTATION_LAYER2_EIPS_UNUSABLE, cannot), or
 * undefined when the Lease carries no such annotation (a speaker older than this feature: callers fall back
 * to inferring). Eip names cannot contain commas or spaces.
 */
export function parseAvailability(
  annotations: Readonly<Record<string, string>> | undefined,
  key: string = ANNOTATION_LAYER2_EIPS,
): ReadonlySet<string> | undefined {
  const raw = annotations?.[key];
  if (raw === undefined) return undefined;
  return new Set(
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
}
