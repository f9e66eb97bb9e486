import { create, toBinary } from '@bufbuild/protobuf';
import { anyPack, anyUnpack } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IPAddressPrefixSchema,
  MpReachNLRIAttributeSchema,
  NextHopAttributeSchema,
  OriginAttributeSchema,
} from '../../src/bgp/gen/attribute_pb.js';
import { Family_Afi, Family_Safi, PathSchema } from '../../src/bgp/gen/gobgp_pb.js';
import {
  buildPath,
  compareRoutes,
  normalizeRoute,
  routeFromPath,
  routeKey,
  routeToPath,
} from '../../src/bgp/path-mapping.js';
import type { Route } from '../../src/bgp/types.js';

function ok<T>(r: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function error(r: { ok: true } | { ok: false; error: string }): string {
  return r.ok ? '(ok)' : r.error;
}

describe('normalizeRoute', () => {
  it('canonicalises addresses and defaults to a host route with origin IGP', () => {
    expect(ok(normalizeRoute({ prefix: '2001:0DB8:0:0::0010', nextHop: '2001:db8:0::1' }))).toEqual({
      family: 'ipv6-unicast',
      prefix: '2001:db8::10',
      prefixLen: 128,
      nextHop: '2001:db8::1',
      origin: 'igp',
      identifier: 0,
    });
    expect(
      ok(normalizeRoute({ prefix: '10.1.0.0', prefixLen: 16, nextHop: '0.0.0.0', origin: 'egp' })),
    ).toMatchObject({
      family: 'ipv4-unicast',
      prefixLen: 16,
      origin: 'egp',
    });
  });

  it('refuses loopback next hops of both families, IPv4-mapped included', () => {
    for (const nextHop of ['127.0.0.1', '127.255.255.254', '127.0.0.0']) {
      expect(error(normalizeRoute({ prefix: '192.0.2.10', nextHop }))).toContain('loopback');
    }
    for (const nextHop of ['::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect(error(normalizeRoute({ prefix: '2001:db8::10', nextHop }))).toContain('loopback');
    }
    // 128.0.0.1 and ::2 are not loopback.
    expect(normalizeRoute({ prefix: '192.0.2.10', nextHop: '128.0.0.1' }).ok).toBe(true);
    expect(normalizeRoute({ prefix: '2001:db8::10', nextHop: '::2' }).ok).toBe(true);
  });

  it('rejects bad prefixes, lengths, host bits, mixed families and identifiers with precise messages', () => {
    expect(error(normalizeRoute({ prefix: '10.0.0.256', nextHop: '0.0.0.0' }))).toMatch(/^prefix: /);
    expect(error(normalizeRoute({ prefix: '10.0.0.0', prefixLen: 33, nextHop: '0.0.0.0' }))).toBe(
      'prefixLen: 33 is not between 0 and 32',
    );
    expect(error(normalizeRoute({ prefix: '10.0.0.1', prefixLen: 24, nextHop: '0.0.0.0' }))).toBe(
      'prefix: 10.0.0.1/24 has host bits set',
    );
    expect(error(normalizeRoute({ prefix: '10.0.0.1', nextHop: 'router' }))).toMatch(/^nextHop: /);
    expect(error(normalizeRoute({ prefix: '2001:db8::1', nextHop: '192.0.2.1' }))).toBe(
      'nextHop: 192.0.2.1 is IPv4 but the prefix is IPv6',
    );
    expect(error(normalizeRoute({ prefix: '10.0.0.1', nextHop: '0.0.0.0', identifier: -1 }))).toMatch(
      /^identifier: /,
    );
  });
});

describe('routeToPath / routeFromPath', () => {
  it('encodes IPv4 with NEXT_HOP and IPv6 with MP_REACH_NLRI, as gobgp lists them', () => {
    const v4 = routeToPath(
      ok(normalizeRoute({ prefix: '198.51.100.1', nextHop: '192.0.2.2', identifier: 3 })),
    );
    expect(v4.family).toMatchObject({ afi: Family_Afi.IP, safi: Family_Safi.UNICAST });
    expect(v4.identifier).toBe(3);
    expect(v4.nlri?.typeUrl).toBe('type.googleapis.com/apipb.IPAddressPrefix');
    expect(v4.nlri && anyUnpack(v4.nlri, IPAddressPrefixSchema)).toMatchObject({
      prefix: '198.51.100.1',
      prefixLen: 32,
    });
    expect(v4.pattrs.map((a) => a.typeUrl.split('.').pop())).toEqual(['OriginAttribute', 'NextHopAttribute']);
    expect(v4.pattrs[1] && anyUnpack(v4.pattrs[1], NextHopAttributeSchema)?.nextHop).toBe('192.0.2.2');

    const v6 = routeToPath(ok(normalizeRoute({ prefix: '2001:db8::5', nextHop: '::' })));
    expect(v6.family?.afi).toBe(Family_Afi.IP6);
    const mpReach = v6.pattrs[1] && anyUnpack(v6.pattrs[1], MpReachNLRIAttributeSchema);
    expect(mpReach?.nextHops).toEqual(['::']);
    expect(mpReach?.nlris[0] && anyUnpack(mpReach.nlris[0], IPAddressPrefixSchema)?.prefix).toBe(
      '2001:db8::5',
    );
  });

  it('round-trips any valid route through the proto form (property)', () => {
    const v4 = fc.record({
      value: fc.integer({ min: 0, max: 0xffffffff }),
      len: fc.integer({ min: 0, max: 32 }),
      hop: fc.ipV4().filter((h) => !h.startsWith('127.')),
    });
    fc.assert(
      fc.property(
        v4,
        fc.constantFrom('igp', 'egp', 'incomplete') as fc.Arbitrary<Route['origin']>,
        (r, origin) => {
          const masked = r.len === 0 ? 0 : (r.value >>> (32 - r.len)) << (32 - r.len);
          const prefix = [24, 16, 8, 0].map((s) => (masked >>> s) & 0xff).join('.');
          const route = ok(normalizeRoute({ prefix, prefixLen: r.len, nextHop: r.hop, origin }));
          const back = ok(routeFromPath(routeToPath(route)));
          expect(back).toEqual({ ...route, local: true, neighborAddress: '', best: false });
        },
      ),
    );
  });

  it('shares packed parts between paths without mixing up their next hops or prefixes', () => {
    const route = (prefix: string, nextHop: string, origin: Route['origin'] = 'igp'): Route =>
      ok(normalizeRoute({ prefix, nextHop, origin }));
    const a = routeToPath(route('198.51.100.1', '192.0.2.11'));
    const b = routeToPath(route('198.51.100.2', '192.0.2.11'));
    const c = routeToPath(route('198.51.100.3', '192.0.2.12', 'egp'));
    expect(toBinary(PathSchema, a)).not.toEqual(toBinary(PathSchema, b));
    expect(ok(routeFromPath(a)).prefix).toBe('198.51.100.1');
    expect(ok(routeFromPath(b))).toMatchObject({
      prefix: '198.51.100.2',
      nextHop: '192.0.2.11',
      origin: 'igp',
    });
    expect(ok(routeFromPath(c))).toMatchObject({
      prefix: '198.51.100.3',
      nextHop: '192.0.2.12',
      origin: 'egp',
    });
    // Building more paths leaves the earlier ones as they were.
    expect(ok(routeFromPath(a))).toMatchObject({
      prefix: '198.51.100.1',
      nextHop: '192.0.2.11',
      origin: 'igp',
    });
  });

  it('reads learned paths with their neighbour and treats "<nil>" as local', () => {
    const path = routeToPath(
      ok(normalizeRoute({ prefix: '203.0.113.0', prefixLen: 24, nextHop: '192.0.2.1' })),
    );
    path.neighborIp = '192.0.2.1';
    path.best = true;
    expect(ok(routeFromPath(path))).toMatchObject({ local: false, neighborAddress: '192.0.2.1', best: true });
    path.neighborIp = '<nil>';
    expect(ok(routeFromPath(path))).toMatchObject({ local: true, neighborAddress: '' });
  });

  it('returns errors, not exceptions, for paths it cannot read', () => {
    expect(error(routeFromPath(create(PathSchema, {})))).toBe('path: not an IPv4/IPv6 unicast path');
    const wrongNlri = create(PathSchema, {
      family: { afi: Family_Afi.IP, safi: Family_Safi.UNICAST },
      nlri: anyPack(OriginAttributeSchema, create(OriginAttributeSchema, { origin: 0 })),
    });
    expect(error(routeFromPath(wrongNlri))).toBe('path: NLRI is not an IPAddressPrefix');
    const noAttrs = create(PathSchema, {
      family: { afi: Family_Afi.IP, safi: Family_Safi.UNICAST },
      nlri: anyPack(
        IPAddressPrefixSchema,
        create(IPAddressPrefixSchema, { prefix: '10.0.0.1', prefixLen: 32 }),
      ),
    });
    expect(ok(routeFromPath(noAttrs))).toMatchObject({ nextHop: '', origin: 'incomplete' });
  });

  it('buildPath refuses what normalizeRoute refuses', () => {
    expect(error(buildPath({ prefix: '192.0.2.1', nextHop: '127.0.0.1' }))).toContain('loopback');
    expect(ok(buildPath({ prefix: '192.0.2.1', nextHop: '0.0.0.0' })).route.prefix).toBe('192.0.2.1');
  });
});

describe('routeKey and compareRoutes', () => {
  const r = (prefix: string, nextHop = '0.0.0.0', identifier = 0): Route =>
    ok(normalizeRoute({ prefix, nextHop, identifier }));

  it('orders numerically (not as strings) and keys by family, prefix, next hop and path id', () => {
    const sorted = [r('10.0.0.10'), r('10.0.0.9'), r('2001:db8::1', '::'), r('10.0.0.9', '192.0.2.1')].sort(
      compareRoutes,
    );
    expect(sorted.map((x) => `${x.prefix} ${x.nextHop}`)).toEqual([
      '10.0.0.9 0.0.0.0',
      '10.0.0.9 192.0.2.1',
      '10.0.0.10 0.0.0.0',
      '2001:db8::1 ::',
    ]);
    expect(routeKey(r('10.0.0.9', '192.0.2.1', 5))).toBe('ipv4-unicast|10.0.0.9/32|192.0.2.1|5');
    expect(routeKey(r('2001:0db8::1', '::'))).toBe(routeKey(r('2001:db8:0::1', '0::0')));
  });
});
