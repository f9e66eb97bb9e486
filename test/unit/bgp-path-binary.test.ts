import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatIp, ipFromValue } from '../../src/ip/address.js';
import { addressText, decodeAttributes, decodePrefix } from '../../src/bgp/path-binary.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const toBigint = (b: Uint8Array): bigint => b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);

describe('addressText', () => {
  it('formats IPv4 and IPv6 as the project does (RFC 5952)', () => {
    expect(addressText(bytes(198, 18, 0, 1))).toBe('198.18.0.1');
    expect(addressText(new Uint8Array(16))).toBe('::');
    expect(addressText(bytes(0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1))).toBe(
      '2001:db8::1',
    );
    // Longest zero run wins; on a tie the first one.
    expect(addressText(bytes(0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3))).toBe('1:0:0:2::3');
    expect(addressText(bytes(0, 1, 0, 0, 0, 0, 0, 2, 0, 3, 0, 0, 0, 0, 0, 4))).toBe('1::2:3:0:0:4');
    expect(addressText(bytes(1, 2, 3))).toBeUndefined();
  });

  it('agrees with formatIp on any address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        expect(addressText(b)).toBe(formatIp(ipFromValue('IPv6', toBigint(b))));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
        expect(addressText(b)).toBe(formatIp(ipFromValue('IPv4', toBigint(b))));
      }),
    );
  });
});

describe('decodePrefix', () => {
  it('reads host routes and shorter prefixes of both families', () => {
    expect(decodePrefix(bytes(32, 198, 18, 0, 1), 4)).toEqual({
      ok: true,
      value: { prefix: '198.18.0.1', prefixLen: 32 },
    });
    expect(decodePrefix(bytes(24, 10, 1, 2), 4)).toEqual({
      ok: true,
      value: { prefix: '10.1.2.0', prefixLen: 24 },
    });
    expect(decodePrefix(bytes(64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1), 16)).toEqual({
      ok: true,
      value: { prefix: '2001:db8:0:1::', prefixLen: 64 },
    });
  });

  it('refuses truncated or too long NLRI', () => {
    expect(decodePrefix(bytes(32, 198, 18), 4).ok).toBe(false);
    expect(decodePrefix(bytes(33, 1, 2, 3, 4, 5), 4).ok).toBe(false);
    expect(decodePrefix(bytes(), 4).ok).toBe(false);
  });
});

describe('decodeAttributes', () => {
  it('reads ORIGIN and NEXT_HOP', () => {
    const origin = bytes(0x40, 1, 1, 0);
    const nextHop = bytes(0x40, 3, 4, 192, 0, 2, 11);
    expect(decodeAttributes([origin, nextHop])).toEqual({ nextHop: '192.0.2.11', origin: 'igp' });
    expect(decodeAttributes([bytes(0x40, 1, 1, 2)])).toEqual({ nextHop: undefined, origin: 'incomplete' });
  });

  it('reads the global next hop of MP_REACH_NLRI, with a link-local after it and extended length', () => {
    const global = [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 0x0b];
    const linkLocal = [0xfe, 0x80, ...new Array<number>(13).fill(0), 1];
    // AFI 2, SAFI 1, next hop length 32, next hops, reserved, NLRI 2001:db8::10/128.
    const value = [0, 2, 1, 32, ...global, ...linkLocal, 0, 128, ...global.slice(0, 15), 0x10];
    const mpReach = bytes(0x90, 14, 0, value.length, ...value);
    expect(decodeAttributes([bytes(0x40, 1, 1, 1), mpReach])).toEqual({
      nextHop: '2001:db8::b',
      origin: 'egp',
    });
  });

  it('skips truncated attributes instead of reading past them', () => {
    expect(decodeAttributes([bytes(0x40, 3, 4, 192, 0)])).toEqual({
      nextHop: undefined,
      origin: 'incomplete',
    });
  });
});
