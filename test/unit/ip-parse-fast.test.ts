import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import ipNum from 'ip-num';
import { formatV4Number, parseIp } from '../../src/ip/address.js';

/** What parseIp answered for IPv4 text before its fast path: ip-num's validator and value. */
function viaIpNum(text: string): bigint | undefined {
  if (!/^[0-9.]+$/.test(text) || !ipNum.Validator.isValidIPv4String(text)[0]) return undefined;
  return ipNum.IPv4.fromString(text).getValue();
}

describe('parseIp IPv4 fast path', () => {
  it('agrees with ip-num on every dotted quad', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (octets) => {
        const text = octets.join('.');
        const r = parseIp(text);
        expect(r.ok && r.value.family === 'IPv4' ? r.value.value : undefined).toBe(viaIpNum(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with ip-num on arbitrary strings of digits and dots (leading zeros, 256, short)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9.]{1,16}$/), (text) => {
        const r = parseIp(text);
        expect(r.ok ? r.value.value : undefined).toBe(viaIpNum(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps the edge values', () => {
    const at = (t: string): bigint | undefined => {
      const r = parseIp(t);
      return r.ok ? r.value.value : undefined;
    };
    expect(at('0.0.0.0')).toBe(0n);
    expect(at('255.255.255.255')).toBe(4294967295n);
    expect(at('192.0.2.1\n')).toBeUndefined();
    expect(at('01.2.3.4')).toBeUndefined();
  });
});

describe('formatV4Number', () => {
  it('writes the dotted quad ip-num writes, for every 32-bit value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        expect(formatV4Number(n)).toBe(ipNum.IPv4.fromNumber(BigInt(n)).toString());
      }),
      { numRuns: 2000 },
    );
    expect([formatV4Number(0), formatV4Number(2 ** 32 - 1)]).toEqual(['0.0.0.0', '255.255.255.255']);
  });
});
