/**
 * Address blocks no LoadBalancer IP can come from. Kubernetes refuses the unspecified, loopback,
 * link-local and link-local multicast addresses as a Service's `externalIPs` and as endpoints
 * (ValidateNonSpecialIP); an Eip is the pool such IPs are drawn from, so it refuses them too, plus
 * the rest of multicast, the IPv4 limited broadcast and IPv4-mapped IPv6 addresses (which
 * KEP-4858 makes invalid in `status.loadBalancer.ingress[].ip`). Private, shared (100.64/10),
 * documentation and reserved (240/4) ranges stay allowed: people do run Services on them.
 */
import { parseAddressRange, rangesOverlap, type AddressRange } from './range.js';

/** A block of special addresses and why a Service cannot use one. */
export interface SpecialBlock {
  readonly cidr: string;
  readonly what: string;
  readonly why: string;
}

/** What a block is and why no Service can use it, where both families have one. */
const UNSPECIFIED = {
  what: 'the unspecified address',
  why: 'it means "any address" and is never a destination',
};
const LOOPBACK = { what: 'loopback', why: 'every host keeps these addresses to itself' };
const MULTICAST = { what: 'multicast', why: 'a Service IP must be a unicast address' };

const BLOCKS: readonly SpecialBlock[] = [
  { cidr: '0.0.0.0/32', ...UNSPECIFIED },
  { cidr: '127.0.0.0/8', ...LOOPBACK },
  {
    cidr: '169.254.0.0/16',
    what: 'link-local',
    why: 'they are not routed and nodes use them for themselves (cloud metadata, node-local DNS)',
  },
  { cidr: '224.0.0.0/4', ...MULTICAST },
  {
    cidr: '255.255.255.255/32',
    what: 'the limited broadcast address',
    why: 'it reaches every host on the link',
  },
  { cidr: '::/128', ...UNSPECIFIED },
  { cidr: '::1/128', ...LOOPBACK },
  {
    cidr: '::ffff:0:0/96',
    what: 'IPv4-mapped IPv6',
    why: 'they stand for IPv4 addresses inside one host and are not routed; use an IPv4 Eip',
  },
  { cidr: 'fe80::/10', what: 'link-local', why: 'they are not routed and every NIC has its own' },
  { cidr: 'ff00::/8', ...MULTICAST },
];

const PARSED: readonly (SpecialBlock & { readonly range: AddressRange })[] = BLOCKS.map((block) => {
  const range = parseAddressRange(block.cidr);
  if (!range.ok) throw new Error(`internal: special block ${block.cidr}: ${range.error}`);
  return { ...block, range: range.value };
});

/** The first special block (in the order above) that `range` overlaps, or undefined when none. */
export function specialBlockIn(range: AddressRange): SpecialBlock | undefined {
  return PARSED.find((b) => rangesOverlap(b.range, range));
}
