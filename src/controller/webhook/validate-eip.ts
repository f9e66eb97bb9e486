/**
 * Admission rules for Eips (pure): the spec parses (addresses, protocol, interface, selectors), the
 * range overlaps no other Eip, at most one Eip per family is the default, and `spec.address` never
 * changes.
 * An UPDATE is judged only on what it changes, so objects that predate the webhook (or were written
 * while it was down) can still have their finalizers and metadata edited and be deleted.
 */
import { ANNOTATION_DEFAULT_EIP, EIP } from '../../api/keys.js';
import { isDefaultEipAnnotation, parseEip, type EipConfig } from '../../api/parse/eip.js';
import { nodeOwnAddresses, type NodeWithAddresses } from '../../api/parse/node-addresses.js';
import { formatIp } from '../../ip/address.js';
import { formatRange, rangeContains, rangesOverlap, type AddressRange } from '../../ip/range.js';
import {
  allow,
  deny,
  denyFields,
  isDeleting,
  nameOf,
  sameJson,
  type Operation,
  type Verdict,
} from './verdict.js';

/** One Eip admission request. `others` are the Eips the cluster holds now (any version, may include this one). */
export interface EipReview {
  readonly operation: Operation;
  readonly object: unknown;
  readonly oldObject: unknown;
  readonly others: readonly unknown[];
  /** The cluster's Nodes, when known: a new Eip holding their addresses gets a warning. */
  readonly nodes?: readonly NodeWithAddresses[];
}

function field(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function defaultAnnotation(obj: unknown): string | undefined {
  const v = field(obj, 'metadata', 'annotations', ANNOTATION_DEFAULT_EIP);
  return typeof v === 'string' ? v : undefined;
}

/** The addresses two overlapping ranges share, as `a` or `a-b`. */
function shared(a: AddressRange, b: AddressRange): string {
  const first = a.first > b.first ? a.first : b.first;
  const last = a.last < b.last ? a.last : b.last;
  const f = formatIp({ family: a.family, value: first });
  return first === last ? f : `${f}-${formatIp({ family: a.family, value: last })}`;
}

function overlapVerdict(mine: EipConfig, others: readonly unknown[]): Verdict | undefined {
  for (const other of others) {
    const otherName = nameOf(other);
    if (otherName === mine.name) continue;
    const parsed = parseEip(other);
    if (!parsed.ok || !rangesOverlap(mine.range, parsed.value.range)) continue;
    const theirs = parsed.value.range;
    const leaving = parsed.value.deleting ? ' (it is being deleted: retry once it is gone)' : '';
    return deny(
      `spec.address ${formatRange(mine.range)} overlaps Eip ${JSON.stringify(otherName)} ` +
        `(${formatRange(theirs)}) on ${shared(mine.range, theirs)}${leaving}: an address may belong to one Eip ` +
        `only; choose a range outside ${formatRange(theirs)}, or shrink or delete Eip ${JSON.stringify(otherName)} first`,
    );
  }
  return undefined;
}

/**
 * One default Eip per family: OpenELB allows one per cluster, which left a dual-stack Service that
 * relies on the default without its second family. An Eip that does not parse serves nothing and
 * blocks nothing.
 */
function defaultVerdict(mine: EipConfig, others: readonly unknown[]): Verdict | undefined {
  const family = mine.range.family;
  const holder = others.find((o) => {
    if (nameOf(o) === mine.name || isDeleting(o) || !isDefaultEipAnnotation(defaultAnnotation(o)))
      return false;
    const parsed = parseEip(o);
    return parsed.ok && parsed.value.range.family === family;
  });
  if (holder === undefined) return undefined;
  return deny(
    `only one ${family} Eip may be the default: Eip ${JSON.stringify(nameOf(holder))} already has the ` +
      `annotation ${ANNOTATION_DEFAULT_EIP}: "true"; remove it there first, or drop it from this Eip`,
  );
}

/** How many node addresses a warning names before summing up the rest. */
const LISTED = 5;

/**
 * A warning when the range holds Nodes' own addresses: they are never handed out (the allocator
 * skips them), which the user should know before counting on the Eip's size.
 */
function nodeAddressWarning(eip: EipConfig, nodes: readonly NodeWithAddresses[]): string | undefined {
  const found: string[] = [];
  for (const node of nodes) {
    for (const { ip, text } of nodeOwnAddresses(node)) {
      if (rangeContains(eip.range, ip)) found.push(`${text} (Node ${node.metadata?.name ?? '?'})`);
    }
  }
  if (found.length === 0) return undefined;
  const more = found.length > LISTED ? `, and ${String(found.length - LISTED)} more` : '';
  return (
    `spec.address ${formatRange(eip.range)} contains Nodes' own addresses: ${found.slice(0, LISTED).join(', ')}${more}; ` +
    `they are never handed out to Services. Choose a range outside the nodes' addresses`
  );
}

/** Judge one Eip write. */
export function validateEip(review: EipReview): Verdict {
  const { operation, object, oldObject, others } = review;
  if (operation === 'DELETE' || operation === 'CONNECT' || isDeleting(object)) return allow();
  const updating = operation === 'UPDATE' && oldObject !== undefined && oldObject !== null;
  if (updating) {
    const before = field(oldObject, 'spec', 'address');
    const after = field(object, 'spec', 'address');
    if (!sameJson(before, after)) {
      return deny(
        `spec.address is immutable: it is ${JSON.stringify(before ?? null)} and this update sets ` +
          `${JSON.stringify(after ?? null)}; create a new Eip with the new range (Services keep their IPs ` +
          `until they move) and delete this one instead`,
      );
    }
    const becameDefault =
      isDefaultEipAnnotation(defaultAnnotation(object)) &&
      !isDefaultEipAnnotation(defaultAnnotation(oldObject));
    // Nothing judged changed: never block metadata, finalizer or label edits.
    if (sameJson(field(object, 'spec'), field(oldObject, 'spec')) && !becameDefault) return allow();
  }
  const parsed = parseEip(object);
  if (!parsed.ok) return denyFields(EIP.kind, nameOf(object), parsed.errors);
  const eip = parsed.value;
  // The address cannot change on UPDATE, so neither can its overlaps: checked on CREATE only.
  if (!updating) {
    const overlap = overlapVerdict(eip, others);
    if (overlap !== undefined) return overlap;
  }
  const becameDefault = eip.isDefault && (!updating || !isDefaultEipAnnotation(defaultAnnotation(oldObject)));
  if (becameDefault) {
    const second = defaultVerdict(eip, others);
    if (second !== undefined) return second;
  }
  const warnings = allow(parsed.warnings);
  const nodes = updating ? undefined : nodeAddressWarning(eip, review.nodes ?? []);
  if (nodes === undefined || !warnings.allowed) return warnings;
  return { allowed: true, warnings: [...warnings.warnings, nodes] };
}
