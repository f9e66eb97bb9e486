/**
 * IP addresses as (family, bigint) pairs: cheap to compare, add and hash, and never lossy for IPv6.
 * Parsing goes through ip-num; formatting is RFC 5952 (compressed, lower-case IPv6).
 */
import ipNum from 'ip-num';

/** Address family. */
export type IpFamily = 'IPv4' | 'IPv6';

/** One IP address. `value` is the address as an unsigned integer (32 or 128 bits). */
export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** A value or an error message, for functions whose bad input is expected. */
export type Result<T, E = string> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** Number of bits of an address of each family. */
export const FAMILY_BITS: Readonly<Record<IpFamily, number>> = { IPv4: 32, IPv6: 128 };

/** Largest address value of each family. */
export function maxValue(family: IpFamily): bigint {
  return (1n << BigInt(FAMILY_BITS[family])) - 1n;
}

// ip-num accepts IPv6 zone ids ("fe80::1%eth0"); an address pool has no use for them.
const IPV4_CHARS = /^[0-9.]+$/;
const IPV6_CHARS = /^[0-9A-Fa-f:.]+$/;

// A canonical dotted quad (no leading zeros, each octet <= 255): ip-num accepts exactly these with
// the same value, but its validator costs microseconds per call, and the speaker parses every
// announced address on each reconcile (thousands per run during a burst of Services).
const CANONICAL_V4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parse one IPv4 or IPv6 address. Rejects zone ids, whitespace and IPv4 octets with leading zeros. */
export function parseIp(text: string): Result<IpAddress> {
  const quad = CANONICAL_V4.exec(text);
  if (quad !== null) {
    const value = ((Number(quad[1]) * 256 + Number(quad[2])) * 256 + Number(quad[3])) * 256 + Number(quad[4]);
    return { ok: true, value: { family: 'IPv4', value: BigInt(value) } };
  }
  if (IPV4_CHARS.test(text) && ipNum.Validator.isValidIPv4String(text)[0]) {
    return { ok: true, value: { family: 'IPv4', value: ipNum.IPv4.fromString(text).getValue() } };
  }
  if (text.includes(':') && IPV6_CHARS.test(text) && ipNum.Validator.isValidIPv6String(text)[0]) {
    return { ok: true, value: { family: 'IPv6', value: ipNum.IPv6.fromString(text).getValue() } };
  }
  return { ok: false, error: `"${text}" is not an IPv4 or IPv6 address` };
}

/** Build an address from its integer value. Throws RangeError when the value does not fit the family. */
export function ipFromValue(family: IpFamily, value: bigint): IpAddress {
  if (value < 0n || value > maxValue(family)) throw new RangeError(`${value} is outside the ${family} space`);
  return { family, value };
}

function formatV4(value: bigint): string {
  return formatV4Number(Number(value));
}

/** Each octet's text, and with its trailing dot: formatting is then three concatenations. */
const OCTET = Array.from({ length: 256 }, (_, i) => String(i));
const OCTET_DOT = OCTET.map((o) => `${o}.`);

/**
 * Dotted quad of an IPv4 address given as a number (0 to 2^32-1). The allocator formats one per
 * allocation and release; table lookups are ~2x faster than converting each octet (measured).
 */
export function formatV4Number(n: number): string {
  return formatV4Block(n) + formatV4LastOctet(n);
}

/** "a.b.c." of an IPv4 address given as a number: the text shared by its /24 block. */
export function formatV4Block(n: number): string {
  return (
    (OCTET_DOT[n >>> 24] as string) +
    (OCTET_DOT[(n >>> 16) & 0xff] as string) +
    (OCTET_DOT[(n >>> 8) & 0xff] as string)
  );
}

/** The last octet's text of an IPv4 address given as a number. */
export function formatV4LastOctet(n: number): string {
  return OCTET[n & 0xff] as string;
}

function formatV6(value: bigint): string {
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  return formatV6Groups(groups);
}

/** RFC 5952 text of eight 16-bit groups: the longest run of two or more zero groups (the first on a tie) becomes `::`. */
export function formatV6Groups(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text of an address: dotted quad, or RFC 5952 compressed lower-case IPv6. */
export function formatIp(ip: IpAddress): string {
  return ip.family === 'IPv4' ? formatV4(ip.value) : formatV6(ip.value);
}

/** True when both are the same address of the same family. */
export function sameIp(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.value === b.value;
}

/** Canonical form of an address string, or undefined when it is not an address. */
export function canonicalIp(text: string): string | undefined {
  const parsed = parseIp(text);
  return parsed.ok ? formatIp(parsed.value) : undefined;
}
