// The parts of the Kubernetes CEL libraries that cel-js lacks and CRD rules commonly use: the string
// extensions (replace, charAt, reverse), regex find/findAll, list helpers (sum, min, max, isSorted,
// indexOf, lastIndexOf) and the IP/CIDR library (isIP, ip, isCIDR, cidr; Kubernetes 1.31+).
// Anything else fails type checking and surfaces as a compile error, as an unknown function would.

import { isIP } from 'node:net';
import type { Environment } from '@marcbachmann/cel-js';

/** An IP address: family and value as a bigint so CIDR containment is arithmetic. */
export class CelIP {
  constructor(
    readonly family: 4 | 6,
    readonly value: bigint,
    readonly text: string,
  ) {}
}

export class CelCIDR {
  constructor(
    readonly ip: CelIP,
    readonly prefix: number,
  ) {}
  get bits(): number {
    return this.ip.family === 4 ? 32 : 128;
  }
  contains(ip: CelIP): boolean {
    if (ip.family !== this.ip.family) return false;
    const shift = BigInt(this.bits - this.prefix);
    return ip.value >> shift === this.ip.value >> shift;
  }
  masked(): CelCIDR {
    const shift = BigInt(this.bits - this.prefix);
    const value = (this.ip.value >> shift) << shift;
    return new CelCIDR(new CelIP(this.ip.family, value, formatIP(this.ip.family, value)), this.prefix);
  }
  toString(): string {
    return `${this.ip.text}/${this.prefix}`;
  }
}

function formatIP(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  const text = groups.join(':');
  // Compress the longest run of zero groups, as Go's net.IP.String() does.
  const runs = [...text.matchAll(/(?:^|:)0(?::0)+(?::|$)/g)].sort((a, b) => b[0].length - a[0].length);
  const best = runs[0];
  if (best === undefined) return text;
  return `${text.slice(0, best.index)}::${text.slice(best.index + best[0].length)}`;
}

/** Parse like Kubernetes' strict IP parsing: no zones, no IPv4-mapped IPv6, no leading zeros. */
export function parseIP(s: string): CelIP | undefined {
  const family = isIP(s);
  if (family === 4) {
    const parts = s.split('.');
    if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return undefined;
    const value = parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
    return new CelIP(4, value, s);
  }
  if (family === 6) {
    if (s.includes('%') || s.includes('.')) return undefined;
    const [head = '', tail] = s.split('::');
    const h = head === '' ? [] : head.split(':');
    const t = tail === undefined || tail === '' ? [] : tail.split(':');
    const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g}`), 0n);
    return new CelIP(6, value, formatIP(6, value));
  }
  return undefined;
}

export function parseCIDR(s: string): CelCIDR | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const bits = s.slice(slash + 1);
  if (ip === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > (ip.family === 4 ? 32 : 128)) return undefined;
  return new CelCIDR(ip, prefix);
}

function mustIP(s: string): CelIP {
  const ip = parseIP(s);
  if (ip === undefined)
    throw new Error(`IP Address ${JSON.stringify(s)} parse error during conversion from string`);
  return ip;
}

function mustCIDR(s: string): CelCIDR {
  const c = parseCIDR(s);
  if (c === undefined)
    throw new Error(`network address ${JSON.stringify(s)} parse error during conversion from string`);
  return c;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new Error('no such overload');
}

function regexp(pattern: string, global = false): RegExp {
  return new RegExp(pattern, global ? 'gu' : 'u');
}

/** Register the Kubernetes library subset on a fresh environment. */
export function registerKubernetesLibrary(env: Environment): Environment {
  return env
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) =>
      s.replaceAll(a, b),
    )
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => Array.from(s)[Number(i)] ?? '')
    .registerFunction('string.reverse(): string', (s: string) => Array.from(s).reverse().join(''))
    .registerFunction('string.find(string): string', (s: string, p: string) => regexp(p).exec(s)?.[0] ?? '')
    .registerFunction('string.findAll(string): list<string>', (s: string, p: string) =>
      [...s.matchAll(regexp(p, true))].map((m) => m[0]),
    )
    .registerFunction('list.sum(): dyn', (l: unknown[]) =>
      l.reduce((a: unknown, b: unknown) =>
        typeof a === 'bigint' && typeof b === 'bigint' ? a + b : Number(a) + Number(b),
      ),
    )
    .registerFunction('list.min(): dyn', (l: unknown[]) => l.reduce((a, b) => (compare(a, b) <= 0 ? a : b)))
    .registerFunction('list.max(): dyn', (l: unknown[]) => l.reduce((a, b) => (compare(a, b) >= 0 ? a : b)))
    .registerFunction('list.isSorted(): bool', (l: unknown[]) =>
      l.every((v, i) => i === 0 || compare(l[i - 1], v) <= 0),
    )
    .registerFunction('list.indexOf(dyn): int', (l: unknown[], v: unknown) =>
      BigInt(l.findIndex((x) => x === v)),
    )
    .registerFunction('list.lastIndexOf(dyn): int', (l: unknown[], v: unknown) => BigInt(l.lastIndexOf(v)))
    .registerType('net.IP', CelIP)
    .registerType('net.CIDR', CelCIDR)
    .registerFunction('isIP(string): bool', (s: string) => parseIP(s) !== undefined)
    .registerFunction('ip(string): net.IP', mustIP)
    .registerFunction('net.IP.family(): int', (ip: CelIP) => BigInt(ip.family))
    .registerFunction('net.IP.isUnspecified(): bool', (ip: CelIP) => ip.value === 0n)
    .registerFunction('net.IP.isLoopback(): bool', (ip: CelIP) =>
      ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n,
    )
    .registerFunction('string(net.IP): string', (ip: CelIP) => ip.text)
    .registerOperator(
      'net.IP == net.IP',
      (a: CelIP, b: CelIP) => a.family === b.family && a.value === b.value,
    )
    .registerFunction('isCIDR(string): bool', (s: string) => parseCIDR(s) !== undefined)
    .registerFunction('cidr(string): net.CIDR', mustCIDR)
    .registerFunction('net.CIDR.containsIP(string): bool', (c: CelCIDR, s: string) => c.contains(mustIP(s)))
    .registerFunction('net.CIDR.containsIP(net.IP): bool', (c: CelCIDR, ip: CelIP) => c.contains(ip))
    .registerFunction('net.CIDR.containsCIDR(string): bool', (c: CelCIDR, s: string) => {
      const o = mustCIDR(s);
      return o.prefix >= c.prefix && c.contains(o.ip);
    })
    .registerFunction('net.CIDR.ip(): net.IP', (c: CelCIDR) => c.ip)
    .registerFunction('net.CIDR.masked(): net.CIDR', (c: CelCIDR) => c.masked())
    .registerFunction('net.CIDR.prefixLength(): int', (c: CelCIDR) => BigInt(c.prefix))
    .registerFunction('string(net.CIDR): string', (c: CelCIDR) => c.toString())
    .registerOperator('net.CIDR == net.CIDR', (a: CelCIDR, b: CelCIDR) => a.toString() === b.toString());
}
