/** Admission rules for BgpConf and BgpPeer (pure): the spec parses (ASNs, addresses, timers, selectors). */
import { BGP_CONF, BGP_PEER } from '../../api/keys.js';
import { isHonouredBgpConf, parseBgpConf } from '../../api/parse/bgpconf.js';
import { labelSelectorMatches } from '../../api/label-selector.js';
import { parseBgpPeer } from '../../api/parse/bgppeer.js';
import { allow, denyFields, isDeleting, nameOf, sameJson, type Operation, type Verdict } from './verdict.js';

/** One BgpConf or BgpPeer admission request. */
export interface BgpReview {
  readonly operation: Operation;
  readonly object: unknown;
  readonly oldObject: unknown;
  /** The Nodes (their labels), when the controller's cache has synced; absent: nothing said about them. */
  readonly nodes?: readonly { readonly metadata?: { readonly labels?: Readonly<Record<string, string>> } }[];
}

function specOf(obj: unknown): unknown {
  return typeof obj === 'object' && obj !== null ? (obj as { spec?: unknown }).spec : undefined;
}

/** Deletes, deleting objects and updates that leave the spec alone are not judged. */
function unjudged(r: BgpReview): boolean {
  if (r.operation === 'DELETE' || r.operation === 'CONNECT' || isDeleting(r.object)) return true;
  return (
    r.operation === 'UPDATE' &&
    r.oldObject !== undefined &&
    r.oldObject !== null &&
    sameJson(specOf(r.object), specOf(r.oldObject))
  );
}

/** Judge one BgpConf write; a name other than `default` is allowed with a warning (the speakers ignore it). */
export function validateBgpConf(review: BgpReview): Verdict {
  if (unjudged(review)) return allow();
  const parsed = parseBgpConf(review.object);
  if (!parsed.ok) return denyFields(BGP_CONF.kind, nameOf(review.object), parsed.errors);
  const honoured = isHonouredBgpConf(parsed.value.name);
  const extra = honoured.honoured ? [] : [{ path: 'metadata.name', message: honoured.reason }];
  return allow([...parsed.warnings, ...extra]);
}

/** Judge one BgpPeer write. */
export function validateBgpPeer(review: BgpReview): Verdict {
  if (unjudged(review)) return allow();
  const parsed = parseBgpPeer(review.object);
  if (!parsed.ok) return denyFields(BGP_PEER.kind, nameOf(review.object), parsed.errors);
  const { nodeSelector, neighborAddress } = parsed.value;
  const nodes = review.nodes ?? [];
  // Allowed (Nodes may be labelled later), but said at once: otherwise nothing shows it.
  const unmatched =
    nodeSelector !== undefined &&
    nodes.length > 0 &&
    !nodes.some((n) => labelSelectorMatches(nodeSelector, n.metadata?.labels ?? {}));
  const extra = unmatched
    ? [
        {
          path: 'spec.nodeSelector',
          message: `matches none of the ${String(nodes.length)} Node(s): no speaker peers with ${neighborAddress} until a Node has those labels`,
        },
      ]
    : [];
  return allow([...parsed.warnings, ...extra]);
}
