/**
 * Which NIC of a node answers for a layer2 Eip. The node annotation layer2.openelb.kubesphere.io/v1alpha1 (an IP
 * or CIDR of the node) wins: the NIC holding that address answers for every layer2 Eip. Without it, the Eip's
 * spec.interface decides, as a NIC name or as can_reach:<ip> (the NIC of the route towards that IP, ignoring lo
 * and the Service IPs themselves: OpenELB #331). The lookups touch the host, so they are injected.
 */
import { ANNOTATION_LAYER2_NODE } from '../api/keys.js';
import type { InterfaceSelector } from '../api/parse/eip.js';
import { formatIp, parseIp, type IpAddress, type Result } from '../ip/address.js';
import { formatRange, parseAddressRange, type AddressRange } from '../ip/range.js';

/** The node annotation, parsed: one address of the node, or a CIDR containing one. */
export type NodeNicSelector =
  { readonly kind: 'ip'; readonly ip: IpAddress } | { readonly kind: 'cidr'; readonly range: AddressRange };

/** Host lookups. Each returns a NIC name or a message saying why there is none. */
export interface NicLookup {
  /** The NIC that holds `ip` as one of its addresses. */
  holding(ip: IpAddress): Result<string>;
  /** The NIC that holds an address inside `range`. */
  holdingIn(range: AddressRange): Result<string>;
  /** `name` if such a NIC exists (and can do ARP/NDP). */
  named(name: string): Result<string>;
  /** The NIC of the route towards `ip`, never `lo`, never via a route to one of `serviceIps`. */
  routeTo(ip: IpAddress, serviceIps: ReadonlySet<string>): Result<string>;
  /** The subnets configured on `nic` (for the range-not-on-subnet warning); absent: never warn. */
  subnets?(nic: string): readonly AddressRange[];
  /** The IPv6 link-local address of `nic` (source of the NS probe); absent or undefined: no IPv6 probe. */
  linkLocal?(nic: string): string | undefined;
}

/** Parse the node annotation value; undefined when the annotation is absent. */
export function parseNodeNicAnnotation(
  annotations: Readonly<Record<string, string>> | undefined,
): Result<NodeNicSelector> | undefined {
  const raw = annotations?.[ANNOTATION_LAYER2_NODE];
  if (raw === undefined) return undefined;
  const text = raw.trim();
  const fail = (why: string): Result<NodeNicSelector> => ({
    ok: false,
    error: `node annotation ${ANNOTATION_LAYER2_NODE}="${raw}" ${why}: write one IP of the node (192.0.2.5) or a CIDR (192.0.2.0/24)`,
  });
  if (!text.includes('/')) {
    const ip = parseIp(text);
    return ip.ok ? { ok: true, value: { kind: 'ip', ip: ip.value } } : fail('is not an IP address');
  }
  const range = parseAddressRange(text);
  if (!range.ok) return fail(`is not a CIDR (${range.error})`);
  return { ok: true, value: { kind: 'cidr', range: range.value } };
}

/** Human text of a node selector, for reasons. */
export function describeNodeNic(selector: NodeNicSelector): string {
  return selector.kind === 'ip' ? formatIp(selector.ip) : formatRange(selector.range);
}

/** Where a node's NIC comes from for one Eip. */
export interface NicSource {
  /** Result of parseNodeNicAnnotation on the node (undefined: no annotation). */
  readonly node: Result<NodeNicSelector> | undefined;
  /** The Eip's spec.interface. */
  readonly eip: InterfaceSelector | undefined;
  readonly eipName: string;
}

/** Resolves the NIC on THIS node (real lookups). */
export function resolveNic(
  source: NicSource,
  lookup: NicLookup,
  serviceIps: ReadonlySet<string>,
): Result<string> {
  const { node, eip, eipName } = source;
  if (node !== undefined) {
    if (!node.ok) return node;
    const sel = node.value;
    const found = sel.kind === 'ip' ? lookup.holding(sel.ip) : lookup.holdingIn(sel.range);
    return found.ok
      ? found
      : {
          ok: false,
          error: `no NIC holds ${describeNodeNic(sel)} (from ${ANNOTATION_LAYER2_NODE}): ${found.error}`,
        };
  }
  if (eip === undefined) {
    return {
      ok: false,
      error: `Eip ${eipName} has no spec.interface and the node has no ${ANNOTATION_LAYER2_NODE} annotation`,
    };
  }
  if (eip.kind === 'name') {
    const found = lookup.named(eip.name);
    return found.ok ? found : { ok: false, error: `Eip ${eipName} names NIC ${eip.name}: ${found.error}` };
  }
  const found = lookup.routeTo(eip.ip, serviceIps);
  return found.ok
    ? found
    : { ok: false, error: `Eip ${eipName} asks for can_reach:${formatIp(eip.ip)}: ${found.error}` };
}

/**
 * What THIS node can tell about ANOTHER node's NIC without touching its host: a bad annotation, or neither an
 * annotation nor spec.interface, means that node finds no NIC either. Anything else is assumed to resolve.
 */
export function peerNicVerdict(source: NicSource): Result<undefined> {
  if (source.node !== undefined) return source.node.ok ? { ok: true, value: undefined } : source.node;
  if (source.eip === undefined) {
    return {
      ok: false,
      error: `Eip ${source.eipName} has no spec.interface and the node has no ${ANNOTATION_LAYER2_NODE} annotation`,
    };
  }
  return { ok: true, value: undefined };
}
