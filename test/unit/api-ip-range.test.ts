import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalIp,
  formatIp,
  ipFromValue,
  maxValue,
  parseIp,
  type IpFamily,
} from '../../src/ip/address.js';
import {
  addressAt,
  formatRange,
  offsetOf,
  parseAddressRange,
  rangeBounds,
  rangeContains,
  rangeSize,
  rangesOverlap,
  toSafeCount,
  type AddressRange,
} from '../../src/ip/range.js';

const ok = (text: string): AddressRange => {
  const r = parseAddressRange(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const err = (text: string): string => {
  const r = parseAddressRange(text);
  if (r.ok) throw new Error(`expected an error for ${text}`);
  return r.error;
};

describe('parseIp / formatIp', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['fe80::', 'fe80::'],
  ])('%s -> %s', (input, canonical) => {
    expect(canonicalIp(input)).toBe(canonical);
  });

  it.each([
    '',
    '192.0.2',
    '192.0.2.256',
    '010.0.0.1',
    ' 192.0.2.1',
    'fe80::1%eth0',
    '2001:db8::1::2',
    'abc',
    '1.2.3.4.5',
  ])('rejects %j', (input) => {
    const r = parseIp(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('is not an IPv4 or IPv6 address');
  });

  it('ipFromValue refuses values outside the family', () => {
    expect(() => ipFromValue('IPv4', 1n << 32n)).toThrow(RangeError);
    expect(() => ipFromValue('IPv6', -1n)).toThrow(RangeError);
  });
});

describe('parseAddressRange', () => {
  it.each([
    ['192.0.2.10', 'IPv4', 'single', 1n, '192.0.2.10', '192.0.2.10'],
    ['192.0.2.0/24', 'IPv4', 'cidr', 256n, '192.0.2.0', '192.0.2.255'],
    ['192.0.2.10-192.0.2.20', 'IPv4', 'range', 11n, '192.0.2.10', '192.0.2.20'],
    ['192.0.2.7/32', 'IPv4', 'cidr', 1n, '192.0.2.7', '192.0.2.7'],
    ['0.0.0.0/0', 'IPv4', 'cidr', 1n << 32n, '0.0.0.0', '255.255.255.255'],
    ['2001:db8::/64', 'IPv6', 'cidr', 1n << 64n, '2001:db8::', '2001:db8::ffff:ffff:ffff:ffff'],
    ['2001:db8::fffe-2001:db8::1:2', 'IPv6', 'range', 5n, '2001:db8::fffe', '2001:db8::1:2'],
    ['2001:db8::1', 'IPv6', 'single', 1n, '2001:db8::1', '2001:db8::1'],
  ])('%s', (text, family, form, size, firstIP, lastIP) => {
    const r = ok(text);
    expect(r.family).toBe(family);
    expect(r.form).toBe(form);
    expect(rangeSize(r)).toBe(size);
    expect(rangeBounds(r)).toEqual({ firstIP, lastIP });
  });

  it.each([
    ['192.0.2.1/24', 'did you mean 192.0.2.0/24?'],
    ['2001:db8::1/64', 'did you mean 2001:db8::/64?'],
    ['192.0.2.20-192.0.2.10', 'did you mean 192.0.2.10-192.0.2.20?'],
    ['192.0.2.1-2001:db8::1', 'mixes families'],
    ['192.0.2.0/33', 'prefix length must be a number from 0 to 32'],
    ['2001:db8::/129', 'from 0 to 128'],
    ['192.0.2.0/', 'prefix length'],
    ['192.0.2.0/24/8', 'more than one "/"'],
    ['192.0.2.1-192.0.2.2-192.0.2.3', 'more than one "-"'],
    ['192.0.2.0/24-192.0.2.9', 'mixes a CIDR and a range'],
    ['', 'the address is empty'],
    ['192.0.2.1 - 192.0.2.9', 'whitespace'],
    ['garbage', 'is not an IPv4 or IPv6 address'],
    ['192.0.2.x-192.0.2.9', 'start'],
    ['192.0.2.1-192.0.2.x', 'end'],
  ])('rejects %j: %s', (text, fragment) => {
    expect(err(text)).toContain(fragment);
  });

  it('round-trips the canonical form', () => {
    for (const text of ['192.0.2.0/24', '192.0.2.10-192.0.2.20', '2001:db8::/64', '2001:db8::1']) {
      expect(formatRange(ok(text))).toBe(text);
    }
    expect(formatRange(ok('2001:DB8:0::0/64'))).toBe('2001:db8::/64');
  });

  it('never materialises a /64', () => {
    const r = ok('2001:db8::/64');
    expect(addressAt(r, (1n << 64n) - 1n)).toEqual({ family: 'IPv6', value: r.last });
    expect(addressAt(r, 1n << 64n)).toBeUndefined();
    expect(toSafeCount(rangeSize(r))).toBe(Number.MAX_SAFE_INTEGER);
    expect(toSafeCount(256n)).toBe(256);
  });
});

// ---- properties ----

const family = fc.constantFrom<IpFamily>('IPv4', 'IPv6');
const rangeOf = (fam: IpFamily) =>
  fc
    .tuple(fc.bigInt({ min: 0n, max: maxValue(fam) }), fc.bigInt({ min: 0n, max: maxValue(fam) }))
    .map(([a, b]): AddressRange => {
      const [first, last] = a <= b ? [a, b] : [b, a];
      return { family: fam, first, last, form: 'range', prefixLength: undefined };
    });
const anyRange = family.chain(rangeOf);
const cidrOf = (fam: IpFamily) =>
  fc
    .tuple(fc.bigInt({ min: 0n, max: maxValue(fam) }), fc.integer({ min: 0, max: fam === 'IPv4' ? 32 : 128 }))
    .map(([v, len]) => {
      const host = (1n << BigInt((fam === 'IPv4' ? 32 : 128) - len)) - 1n;
      return `${formatIp({ family: fam, value: v & ~host & maxValue(fam) })}/${len}`;
    });

describe('range properties', () => {
  it('contains() agrees with the bounds and offsetOf/addressAt are inverse', () => {
    fc.assert(
      fc.property(anyRange, fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (r, raw) => {
        const value = raw & maxValue(r.family);
        const ip = { family: r.family, value };
        const inside = value >= r.first && value <= r.last;
        expect(rangeContains(r, ip)).toBe(inside);
        const offset = offsetOf(r, ip);
        expect(offset !== undefined).toBe(inside);
        if (offset !== undefined) {
          expect(offset).toBeLessThan(rangeSize(r));
          expect(addressAt(r, offset)).toEqual(ip);
        }
      }),
    );
  });

  it('size equals the number of offsets addressAt accepts', () => {
    fc.assert(
      fc.property(anyRange, (r) => {
        const size = rangeSize(r);
        expect(size).toBeGreaterThan(0n);
        expect(addressAt(r, size - 1n)?.value).toBe(r.last);
        expect(addressAt(r, size)).toBeUndefined();
        expect(addressAt(r, -1n)).toBeUndefined();
      }),
    );
  });

  it('overlap is symmetric and matches a shared address', () => {
    fc.assert(
      fc.property(
        family.chain((f) => fc.tuple(rangeOf(f), rangeOf(f))),
        ([a, b]) => {
          const overlap = rangesOverlap(a, b);
          expect(rangesOverlap(b, a)).toBe(overlap);
          const lo = a.first > b.first ? a.first : b.first;
          const witness = { family: a.family, value: lo };
          expect(overlap).toBe(rangeContains(a, witness) && rangeContains(b, witness));
        },
      ),
    );
  });

  it('ranges of different families never overlap or contain each other', () => {
    fc.assert(
      fc.property(rangeOf('IPv4'), rangeOf('IPv6'), (v4, v6) => {
        expect(rangesOverlap(v4, v6)).toBe(false);
        expect(rangeContains(v6, { family: 'IPv4', value: v4.first })).toBe(false);
      }),
    );
  });

  it('every canonical CIDR parses back to itself with size 2^(bits-len)', () => {
    fc.assert(
      fc.property(
        family.chain((f) => cidrOf(f).map((text) => [f, text] as const)),
        ([fam, text]) => {
          const r = ok(text);
          expect(formatRange(r)).toBe(text);
          const len = r.prefixLength!;
          expect(rangeSize(r)).toBe(1n << BigInt((fam === 'IPv4' ? 32 : 128) - len));
        },
      ),
    );
  });

  it('formatted dash ranges parse back to the same bounds', () => {
    fc.assert(
      fc.property(anyRange, (r) => {
        const text = `${formatIp({ family: r.family, value: r.first })}-${formatIp({ family: r.family, value: r.last })}`;
        const back = ok(text);
        expect([back.first, back.last, back.family]).toEqual([r.first, r.last, r.family]);
      }),
    );
  });
});
