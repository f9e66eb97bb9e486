/**
 * Address ranges: the three spellings of an Eip `spec.address` (one IP, a CIDR, `start-end`), IPv4 or
 * IPv6, as first/last bigints. Nothing is ever materialised, so an IPv6 /64 costs the same as a /32.
 */
import {
  FAMILY_BITS,
  formatIp,
  maxValue,
  parseIp,
  type IpAddress,
  type IpFamily,
  type Result,
} from './address.js';

/** How the range was written. */
export type RangeForm = 'single' | 'cidr' | 'range';

/** An inclusive range of addresses of one family. */
export interface AddressRange {
  readonly family: IpFamily;
  readonly first: bigint;
  readonly last: bigint;
  readonly form: RangeForm;
  /** Prefix length for the CIDR form (and the full length for a single address); undefined for `start-end`. */
  readonly prefixLength: number | undefined;
}

const HOW_TO_WRITE = 'write one IP (192.0.2.10), a CIDR (192.0.2.0/24) or a range (192.0.2.10-192.0.2.20)';

function parseCidr(text: string, slash: number): Result<AddressRange> {
  const ipText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const ip = parseIp(ipText);
  if (!ip.ok) return { ok: false, error: `"${text}": ${ip.error}; ${HOW_TO_WRITE}` };
  const { family, value } = ip.value;
  const bits = FAMILY_BITS[family];
  if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    return { ok: false, error: `"${text}": the prefix length must be a number from 0 to ${bits}` };
  }
  const prefixLength = Number(prefixText);
  const hostBits = BigInt(bits - prefixLength);
  const hostMask = (1n << hostBits) - 1n;
  const first = value & ~hostMask & maxValue(family);
  if (first !== value) {
    const suggestion = `${formatIp({ family, value: first })}/${prefixLength}`;
    return {
      ok: false,
      error: `"${text}" has host bits set: did you mean ${suggestion}? (for a single address write ${ipText})`,
    };
  }
  return { ok: true, value: { family, first, last: first | hostMask, form: 'cidr', prefixLength } };
}

function parseDashRange(text: string, dash: number): Result<AddressRange> {
  const startText = text.slice(0, dash);
  const endText = text.slice(dash + 1);
  const start = parseIp(startText);
  if (!start.ok) return { ok: false, error: `"${text}": start ${start.error}; ${HOW_TO_WRITE}` };
  const end = parseIp(endText);
  if (!end.ok) return { ok: false, error: `"${text}": end ${end.error}; ${HOW_TO_WRITE}` };
  if (start.value.family !== end.value.family) {
    return {
      ok: false,
      error: `"${text}" mixes families: ${startText} is ${start.value.family} and ${endText} is ${end.value.family}; use one Eip per family`,
    };
  }
  if (start.value.value > end.value.value) {
    const fixed = `${formatIp(end.value)}-${formatIp(start.value)}`;
    return { ok: false, error: `"${text}": the start is after the end; did you mean ${fixed}?` };
  }
  return {
    ok: true,
    value: {
      family: start.value.family,
      first: start.value.value,
      last: end.value.value,
      form: 'range',
      prefixLength: undefined,
    },
  };
}

/**
 * Parse an Eip address: `192.0.2.10`, `192.0.2.0/24`, `192.0.2.10-192.0.2.20` or the IPv6 equivalents.
 * Errors say what is wrong and how to write it instead (e.g. "did you mean 192.0.2.0/24?").
 */
export function parseAddressRange(text: string): Result<AddressRange> {
  if (text === '') return { ok: false, error: `the address is empty; ${HOW_TO_WRITE}` };
  if (/\s/.test(text)) return { ok: false, error: `"${text}" contains whitespace; ${HOW_TO_WRITE}` };
  const slash = text.indexOf('/');
  const dash = text.indexOf('-');
  if (slash >= 0 && dash >= 0) {
    return { ok: false, error: `"${text}" mixes a CIDR and a range; ${HOW_TO_WRITE}` };
  }
  if (slash >= 0) {
    if (text.indexOf('/', slash + 1) >= 0) return { ok: false, error: `"${text}" has more than one "/"` };
    return parseCidr(text, slash);
  }
  if (dash >= 0) {
    if (text.indexOf('-', dash + 1) >= 0) return { ok: false, error: `"${text}" has more than one "-"` };
    return parseDashRange(text, dash);
  }
  const ip = parseIp(text);
  if (!ip.ok) return { ok: false, error: `${ip.error}; ${HOW_TO_WRITE}` };
  const { family, value } = ip.value;
  return {
    ok: true,
    value: { family, first: value, last: value, form: 'single', prefixLength: FAMILY_BITS[family] },
  };
}

/** Number of addresses in the range (a bigint: an IPv6 /64 holds 2^64). */
export function rangeSize(range: AddressRange): bigint {
  return range.last - range.first + 1n;
}

/** True when `ip` lies inside `range` (families must match). */
export function rangeContains(range: AddressRange, ip: IpAddress): boolean {
  return ip.family === range.family && ip.value >= range.first && ip.value <= range.last;
}

/** True when the two ranges share at least one address (ranges of different families never overlap). */
export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** The address at `offset` from the start of the range, or undefined when out of range. */
export function addressAt(range: AddressRange, offset: bigint): IpAddress | undefined {
  if (offset < 0n || offset > range.last - range.first) return undefined;
  return { family: range.family, value: range.first + offset };
}

/** Offset of `ip` from the start of the range, or undefined when it is not inside. */
export function offsetOf(range: AddressRange, ip: IpAddress): bigint | undefined {
  return rangeContains(range, ip) ? ip.value - range.first : undefined;
}

/** Canonical text of the range in the form it was written: `ip`, `net/len` or `first-last`. */
export function formatRange(range: AddressRange): string {
  const first = formatIp({ family: range.family, value: range.first });
  switch (range.form) {
    case 'single':
      return first;
    case 'cidr':
      return `${first}/${range.prefixLength ?? FAMILY_BITS[range.family]}`;
    case 'range':
      return `${first}-${formatIp({ family: range.family, value: range.last })}`;
  }
}

/** First and last address as text (what Eip `status.firstIP` / `status.lastIP` hold). */
export function rangeBounds(range: AddressRange): { readonly firstIP: string; readonly lastIP: string } {
  return {
    firstIP: formatIp({ family: range.family, value: range.first }),
    lastIP: formatIp({ family: range.family, value: range.last }),
  };
}

/**
 * A bigint count as a JSON-safe number for status fields: exact up to 2^53-1, saturated above
 * (an IPv6 /64 pool reports 9007199254740991).
 */
export function toSafeCount(count: bigint): number {
  return count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count);
}
