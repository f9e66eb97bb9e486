import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv6, formatMac } from '../../src/layer2/addresses.js';
import { buildArpFrame, buildArpRequest, decideArpReply, parseArp } from '../../src/layer2/arp.js';
import { internetChecksum } from '../../src/layer2/checksum.js';
import { buildNeighborAdvertisement, buildNeighborSolicitation, parseNdp } from '../../src/layer2/ndp.js';
import { decideNdpReply } from '../../src/layer2/ndp-reply.js';
import { formatIp } from '../../src/ip/address.js';

// Unicast, locally administered MACs: the responder never answers as a multicast MAC.
const mac = fc
  .uint8Array({ minLength: 6, maxLength: 6 })
  .map((b) => formatMac(Buffer.from([((b[0] ?? 0) & 0xfc) | 0x02, ...b.subarray(1)])));
const ipv4 = fc.ipV4();
const ipv6Value = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
const ipv6 = ipv6Value.map((value) => formatIp({ family: 'IPv6', value }));
// Unicast targets: anything outside ff00::/8.
const unicastV6 = ipv6Value
  .filter((v) => v >> 120n !== 0xffn)
  .map((value) => formatIp({ family: 'IPv6', value }));

describe('layer2 codec properties', () => {
  it('formatIPv6 of bytes equals the project-wide RFC 5952 formatter', () => {
    fc.assert(
      fc.property(ipv6Value, fc.nat(7), fc.nat(8), (value, zeroFrom, zeroCount) => {
        // Force zero runs of every length and position, the interesting cases for '::' placement.
        let v = value;
        for (let g = zeroFrom; g < Math.min(8, zeroFrom + zeroCount); g++)
          v &= ~(0xffffn << BigInt(112 - 16 * g));
        const bytes = Buffer.from(v.toString(16).padStart(32, '0'), 'hex');
        return formatIPv6(bytes) === formatIp({ family: 'IPv6', value: v });
      }),
      { numRuns: 2000 },
    );
  });

  it('ARP build -> parse is the identity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), mac, ipv4, mac, ipv4, (operation, sm, si, tm, ti) => {
        const packet = { operation, senderMac: sm, senderIp: si, targetMac: tm, targetIp: ti };
        const built = buildArpFrame('ff:ff:ff:ff:ff:ff', sm, packet);
        if (!built.ok) return false;
        expect(parseArp(built.value.subarray(14))).toEqual({ ok: true, value: packet });
        return true;
      }),
    );
  });

  it('an ARP request for an owned IP gets a reply that mirrors it', () => {
    fc.assert(
      fc.property(mac, mac, ipv4, ipv4, (theirs, ours, from, owned) => {
        fc.pre(theirs !== ours && from !== owned);
        const request = buildArpRequest(theirs, from, owned);
        if (!request.ok) return false;
        const decision = decideArpReply(request.value, new Set([owned]), ours);
        if (decision.action !== 'reply') return false;
        expect(parseArp(decision.frame.subarray(14))).toEqual({
          ok: true,
          value: { operation: 2, senderMac: ours, senderIp: owned, targetMac: theirs, targetIp: from },
        });
        return decision.frame.subarray(0, 6).equals(Buffer.from(theirs.replaceAll(':', ''), 'hex'));
      }),
    );
  });

  it('NA build -> parse keeps every field and the checksum verifies', () => {
    fc.assert(
      fc.property(
        mac,
        mac,
        ipv6,
        ipv6,
        unicastV6,
        fc.boolean(),
        fc.boolean(),
        (ours, dm, src, dst, target, s, o) => {
          const built = buildNeighborAdvertisement({
            ourMac: ours,
            destinationMac: dm,
            sourceIp: src,
            destinationIp: dst,
            target,
            solicited: s,
            override: o,
          });
          if (!built.ok) return false;
          const parsed = parseNdp(built.value.subarray(14));
          expect(parsed.ok && parsed.value).toMatchObject({
            type: 136,
            sourceIp: src,
            destinationIp: dst,
            target,
            solicited: s,
            override: o,
            router: false,
            linkLayerAddress: ours,
          });
          return true;
        },
      ),
    );
  });

  it('an NS for an owned address (normal or DAD) is answered with a valid NA', () => {
    fc.assert(
      fc.property(
        mac,
        mac,
        fc.oneof(unicastV6, fc.constant('::')),
        unicastV6,
        (theirs, ours, from, owned) => {
          fc.pre(theirs !== ours);
          const ns = buildNeighborSolicitation(theirs, from, owned);
          if (!ns.ok) return false;
          const decision = decideNdpReply(ns.value, new Set([owned]), ours);
          if (decision.action !== 'reply') return false;
          const dad = from === '::';
          const na = parseNdp(decision.frame.subarray(14));
          expect(na.ok && na.value).toMatchObject({
            target: owned,
            sourceIp: owned,
            destinationIp: dad ? 'ff02::1' : from,
            solicited: !dad,
            override: true,
            linkLayerAddress: ours,
          });
          return decision.dad === dad;
        },
      ),
    );
  });

  it('no single bit flip in the addresses or ICMPv6 part of an NS yields a reply', () => {
    const ns = buildNeighborSolicitation('02:00:00:00:00:01', 'fe80::1', '2001:db8::10');
    if (!ns.ok) throw new Error(ns.error);
    const owned = new Set(['2001:db8::10']);
    fc.assert(
      fc.property(fc.integer({ min: 22 * 8, max: ns.value.length * 8 - 1 }), (bit) => {
        const corrupted = Buffer.from(ns.value);
        corrupted[bit >> 3] = (corrupted[bit >> 3] ?? 0) ^ (0x80 >> (bit & 7));
        return decideNdpReply(corrupted, owned, '02:00:00:00:00:02').action === 'drop';
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes never throw and never get a reply', () => {
    const owned = new Set(['192.0.2.1', '2001:db8::1']);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        const f = Buffer.from(bytes);
        return (
          decideArpReply(f, owned, '02:00:00:00:00:02').action === 'drop' &&
          decideNdpReply(f, owned, '02:00:00:00:00:02').action === 'drop'
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('the checksum does not depend on how the data is split', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.nat(200), { maxLength: 5 }),
        (bytes, cuts) => {
          const data = Buffer.from(bytes);
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          const parts: Buffer[] = [];
          let start = 0;
          for (const p of points) {
            parts.push(data.subarray(start, p));
            start = p;
          }
          parts.push(data.subarray(start));
          return internetChecksum(parts) === internetChecksum([data]);
        },
      ),
    );
  });
});
