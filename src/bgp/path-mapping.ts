/**
 * Routes (domain) <-> gobgp Path messages. Pure: validation returns errors as values, and the
 * builder refuses what would hurt the network, most importantly a loopback next hop (a router that
 * receives one resets the whole session and withdraws every route, see lab-feasibility §1.5).
 */
import { create } from '@bufbuild/protobuf';
import { anyIs, anyPack, anyUnpack } from '@bufbuild/protobuf/wkt';
import type { Any } from '@bufbuild/protobuf/wkt';
import { FAMILY_BITS, formatIp, parseIp } from '../ip/address.js';
import type { IpAddress, IpFamily, Result } from '../ip/address.js';
import {
  IPAddressPrefixSchema,
  MpReachNLRIAttributeSchema,
  NextHopAttributeSchema,
  OriginAttributeSchema,
} from './gen/attribute_pb.js';
import { Family_Afi, Family_Safi, FamilySchema, PathSchema } from './gen/gobgp_pb.js';
import type { Family, Path } from './gen/gobgp_pb.js';
import type { Origin, RibRoute, Route, RouteFamily, RouteInput } from './types.js';
import { decodeAttributes, decodePrefix } from './path-binary.js';

const ORIGIN_CODES: Readonly<Record<Origin, number>> = { igp: 0, egp: 1, incomplete: 2 };
const ORIGINS: readonly Origin[] = ['igp', 'egp', 'incomplete'];

/** The unicast family of an address family. */
export function routeFamilyOf(family: IpFamily): RouteFamily {
  return family === 'IPv4' ? 'ipv4-unicast' : 'ipv6-unicast';
}

/** AFI/SAFI message of a family. */
export function familyToProto(family: RouteFamily): Family {
  const afi = family === 'ipv4-unicast' ? Family_Afi.IP : Family_Afi.IP6;
  return create(FamilySchema, { afi, safi: Family_Safi.UNICAST });
}

/** The domain family of an AFI/SAFI, or undefined for families this project does not use. */
export function familyFromProto(family: Family | undefined): RouteFamily | undefined {
  if (family?.safi !== Family_Safi.UNICAST) return undefined;
  if (family.afi === Family_Afi.IP) return 'ipv4-unicast';
  if (family.afi === Family_Afi.IP6) return 'ipv6-unicast';
  return undefined;
}

function isLoopback(ip: IpAddress): boolean {
  if (ip.family === 'IPv4') return ip.value >> 24n === 127n;
  if (ip.value === 1n) return true;
  // ::ffff:127.0.0.0/104, an IPv4-mapped loopback
  return ip.value >> 24n === 0xffff7fn;
}

function isUnspecified(ip: IpAddress): boolean {
  return ip.value === 0n;
}

/** Validates and canonicalises a route: address syntax, prefix length, host bits, next hop. */
export function normalizeRoute(input: RouteInput): Result<Route> {
  const prefix = parseIp(input.prefix);
  if (!prefix.ok) return { ok: false, error: `prefix: ${prefix.error}` };
  const bits = FAMILY_BITS[prefix.value.family];
  const prefixLen = input.prefixLen ?? bits;
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > bits) {
    return { ok: false, error: `prefixLen: ${prefixLen} is not between 0 and ${bits}` };
  }
  const hostMask = (1n << BigInt(bits - prefixLen)) - 1n;
  if ((prefix.value.value & hostMask) !== 0n) {
    return { ok: false, error: `prefix: ${input.prefix}/${prefixLen} has host bits set` };
  }
  const nextHop = parseIp(input.nextHop);
  if (!nextHop.ok) return { ok: false, error: `nextHop: ${nextHop.error}` };
  if (isLoopback(nextHop.value)) {
    return {
      ok: false,
      error: `nextHop: ${input.nextHop} is a loopback address; a peer would reset the session`,
    };
  }
  if (nextHop.value.family !== prefix.value.family) {
    return {
      ok: false,
      error: `nextHop: ${input.nextHop} is ${nextHop.value.family} but the prefix is ${prefix.value.family}`,
    };
  }
  const identifier = input.identifier ?? 0;
  if (!Number.isInteger(identifier) || identifier < 0 || identifier > 0xffffffff) {
    return { ok: false, error: `identifier: ${identifier} is not a 32-bit unsigned integer` };
  }
  return {
    ok: true,
    value: {
      family: routeFamilyOf(prefix.value.family),
      prefix: formatIp(prefix.value),
      prefixLen,
      nextHop: formatIp(nextHop.value),
      origin: input.origin ?? 'igp',
      identifier,
    },
  };
}

// A burst adds ~1,000 paths per speaker that differ only in their prefix: the parts they share (family,
// origin, IPv4 next hop) are built and packed once. The messages are only serialised, never modified.
const sharedParts = new Map<string, Family | Any>();
const SHARED_PARTS_MAX = 10_000;

function sharedPart<T extends Family | Any>(key: string, make: () => T): T {
  const known = sharedParts.get(key);
  if (known !== undefined) return known as T;
  const made = make();
  if (sharedParts.size >= SHARED_PARTS_MAX) sharedParts.clear();
  sharedParts.set(key, made);
  return made;
}

/**
 * The Path to hand to AddPath or DeletePath. IPv4 carries NEXT_HOP; IPv6 carries MP_REACH_NLRI,
 * which is how gobgp itself represents (and lists) IPv6 unicast paths.
 */
export function routeToPath(route: Route): Path {
  const family = sharedPart(`f|${route.family}`, () => familyToProto(route.family));
  const nlri = anyPack(
    IPAddressPrefixSchema,
    create(IPAddressPrefixSchema, { prefix: route.prefix, prefixLen: route.prefixLen }),
  );
  const origin = sharedPart(`o|${route.origin}`, () =>
    anyPack(OriginAttributeSchema, create(OriginAttributeSchema, { origin: ORIGIN_CODES[route.origin] })),
  );
  const nextHop =
    route.family === 'ipv4-unicast'
      ? sharedPart(`n|${route.nextHop}`, () =>
          anyPack(NextHopAttributeSchema, create(NextHopAttributeSchema, { nextHop: route.nextHop })),
        )
      : anyPack(
          MpReachNLRIAttributeSchema,
          create(MpReachNLRIAttributeSchema, { family, nextHops: [route.nextHop], nlris: [nlri] }),
        );
  return create(PathSchema, { family, nlri, pattrs: [origin, nextHop], identifier: route.identifier });
}

/** Builds the Path for a route input, or explains why it must not be announced. */
export function buildPath(input: RouteInput): Result<{ route: Route; path: Path }> {
  const route = normalizeRoute(input);
  return route.ok ? { ok: true, value: { route: route.value, path: routeToPath(route.value) } } : route;
}

function nextHopOf(pattrs: readonly Any[]): string | undefined {
  for (const attr of pattrs) {
    if (anyIs(attr, NextHopAttributeSchema)) return anyUnpack(attr, NextHopAttributeSchema)?.nextHop;
    if (anyIs(attr, MpReachNLRIAttributeSchema))
      return anyUnpack(attr, MpReachNLRIAttributeSchema)?.nextHops[0];
  }
  return undefined;
}

function originOf(pattrs: readonly Any[]): Origin {
  for (const attr of pattrs) {
    if (anyIs(attr, OriginAttributeSchema)) {
      return ORIGINS[anyUnpack(attr, OriginAttributeSchema)?.origin ?? 0] ?? 'incomplete';
    }
  }
  return 'incomplete';
}

/** A listed Path as a RibRoute; an error for families or NLRI types this project does not use. */
export function routeFromPath(path: Path): Result<RibRoute> {
  const family = familyFromProto(path.family);
  if (family === undefined) return { ok: false, error: 'path: not an IPv4/IPv6 unicast path' };
  if (path.nlri === undefined && path.nlriBinary.length > 0) return routeFromBinaryPath(path, family);
  const nlri = path.nlri !== undefined ? anyUnpack(path.nlri, IPAddressPrefixSchema) : undefined;
  if (nlri === undefined) return { ok: false, error: 'path: NLRI is not an IPAddressPrefix' };
  const prefix = parseIp(nlri.prefix);
  if (!prefix.ok) return { ok: false, error: `path: NLRI ${prefix.error}` };
  const nextHopText = nextHopOf(path.pattrs);
  const nextHop = nextHopText === undefined ? undefined : parseIp(nextHopText);
  // gobgp reports local paths with an empty neighbor_ip and a missing/unspecified source id.
  const neighbor = parseIp(path.neighborIp);
  const neighborAddress = neighbor.ok && !isUnspecified(neighbor.value) ? formatIp(neighbor.value) : '';
  return {
    ok: true,
    value: {
      family,
      prefix: formatIp(prefix.value),
      prefixLen: nlri.prefixLen,
      nextHop: nextHop?.ok === true ? formatIp(nextHop.value) : (nextHopText ?? ''),
      origin: originOf(path.pattrs),
      identifier: path.identifier,
      local: neighborAddress === '',
      neighborAddress,
      best: path.best,
    },
  };
}

/** routeFromPath for a path listed with `enable_only_binary` (wire-format NLRI and attributes). */
function routeFromBinaryPath(path: Path, family: RouteFamily): Result<RibRoute> {
  const nlri = decodePrefix(path.nlriBinary, family === 'ipv4-unicast' ? 4 : 16);
  if (!nlri.ok) return { ok: false, error: `path: ${nlri.error}` };
  const { nextHop, origin } = decodeAttributes(path.pattrsBinary);
  const neighbor = path.neighborIp === '' ? undefined : parseIp(path.neighborIp);
  const neighborAddress =
    neighbor?.ok === true && !isUnspecified(neighbor.value) ? formatIp(neighbor.value) : '';
  return {
    ok: true,
    value: {
      family,
      prefix: nlri.value.prefix,
      prefixLen: nlri.value.prefixLen,
      nextHop: nextHop ?? '',
      origin,
      identifier: path.identifier,
      local: neighborAddress === '',
      neighborAddress,
      best: path.best,
    },
  };
}

/** Stable identity of a route for diffing desired against actual (family, prefix, next hop, path id). */
export function routeKey(route: Route): string {
  return `${route.family}|${route.prefix}/${route.prefixLen}|${route.nextHop}|${route.identifier}`;
}

// Listings are sorted on every reconcile (n log n comparisons of the same few thousand addresses):
// remember each address's number instead of parsing it again per comparison.
const orderCache = new Map<string, bigint>();
const ORDER_CACHE_MAX = 100_000;

function ipOrder(text: string): bigint {
  const cached = orderCache.get(text);
  if (cached !== undefined) return cached;
  const ip = parseIp(text);
  const order = ip.ok ? ip.value.value : -1n;
  if (orderCache.size >= ORDER_CACHE_MAX) orderCache.clear();
  orderCache.set(text, order);
  return order;
}

/** Total order on routes (family, prefix numerically, length, next hop, path id) for stable listings. */
export function compareRoutes(a: Route, b: Route): number {
  if (a.family !== b.family) return a.family < b.family ? -1 : 1;
  const byPrefix = ipOrder(a.prefix) - ipOrder(b.prefix);
  if (byPrefix !== 0n) return byPrefix < 0n ? -1 : 1;
  if (a.prefixLen !== b.prefixLen) return a.prefixLen - b.prefixLen;
  const byNextHop = ipOrder(a.nextHop) - ipOrder(b.nextHop);
  if (byNextHop !== 0n) return byNextHop < 0n ? -1 : 1;
  return a.identifier - b.identifier;
}
