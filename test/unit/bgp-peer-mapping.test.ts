import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { GobgpError, toGobgpError } from '../../src/bgp/errors.js';
import {
  Family_Afi,
  Family_Safi,
  PeerSchema,
  PeerState_AdminState,
  PeerState_SessionState,
} from '../../src/bgp/gen/gobgp_pb.js';
import { globalFromProto, globalToProto, peerFromProto, peerToProto } from '../../src/bgp/peer-mapping.js';

function ok<T>(r: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('peerToProto', () => {
  it('defaults the address family from the neighbour address', () => {
    const v4 = ok(peerToProto({ neighborAddress: '192.0.2.1', peerAsn: 64513 }));
    expect(v4.afiSafis.map((a) => [a.config?.family?.afi, a.config?.enabled])).toEqual([
      [Family_Afi.IP, true],
    ]);
    const v6 = ok(peerToProto({ neighborAddress: '2001:DB8::1', peerAsn: 64513 }));
    expect(v6.conf?.neighborAddress).toBe('2001:db8::1');
    expect(v6.afiSafis[0]?.config?.family?.afi).toBe(Family_Afi.IP6);
  });

  it('passes timers, transport, multihop, graceful restart, add-paths and password through', () => {
    const peer = ok(
      peerToProto({
        neighborAddress: '192.0.2.1',
        peerAsn: 64513,
        localAsn: 64512,
        authPassword: 's3cret',
        ebgpMultihop: { enabled: true, multihopTtl: 3 },
        timers: { holdTime: 9, keepaliveInterval: 3 },
        transport: { passiveMode: true, remotePort: 1179 },
        gracefulRestart: { enabled: true, restartTime: 120 },
        afiSafis: [
          { family: 'ipv4-unicast', enabled: true, addPaths: { sendMax: 8 }, mpGracefulRestart: true },
          { family: 'ipv6-unicast', enabled: true },
        ],
      }),
    );
    expect(peer.conf).toMatchObject({ peerAsn: 64513, localAsn: 64512, authPassword: 's3cret' });
    expect(peer.ebgpMultihop).toMatchObject({ enabled: true, multihopTtl: 3 });
    expect(peer.timers?.config).toMatchObject({ holdTime: 9n, keepaliveInterval: 3n, connectRetry: 0n });
    expect(peer.transport).toMatchObject({ passiveMode: true, remotePort: 1179 });
    expect(peer.gracefulRestart).toMatchObject({ enabled: true, restartTime: 120 });
    expect(peer.afiSafis[0]?.addPaths?.config?.sendMax).toBe(8);
    expect(peer.afiSafis[0]?.mpGracefulRestart?.config?.enabled).toBe(true);
    expect(peer.afiSafis[1]?.config?.family?.afi).toBe(Family_Afi.IP6);
  });

  it('names the bad field instead of throwing', () => {
    const bad = (p: Parameters<typeof peerToProto>[0]): string => {
      const r = peerToProto(p);
      return r.ok ? '(ok)' : r.error;
    };
    expect(bad({ neighborAddress: 'tor-1', peerAsn: 1 })).toMatch(/^neighborAddress: /);
    expect(bad({ neighborAddress: '192.0.2.1', peerAsn: 0 })).toBe(
      'peerAsn: 0 is not an ASN (1..4294967295)',
    );
    expect(bad({ neighborAddress: '192.0.2.1', peerAsn: 1, localAsn: 2 ** 32 })).toMatch(/^localAsn: /);
    expect(bad({ neighborAddress: '192.0.2.1', peerAsn: 1, timers: { holdTime: -1 } })).toBe(
      'holdTime: -1 is out of range',
    );
    expect(bad({ neighborAddress: '192.0.2.1', peerAsn: 1, transport: { localAddress: 'eth0' } })).toMatch(
      /^transport.localAddress: /,
    );
  });
});

describe('peerFromProto', () => {
  it('maps state, counters, timers and Go "<nil>" addresses', () => {
    const peer = create(PeerSchema, {
      conf: { neighborAddress: '192.0.2.1', peerAsn: 64513, localAsn: 64512 },
      state: {
        sessionState: PeerState_SessionState.ESTABLISHED,
        adminState: PeerState_AdminState.UP,
        routerId: '192.0.2.1',
        flops: 2,
        messages: { received: { update: 5n, total: 9n }, sent: { keepalive: 4n } },
      },
      timers: {
        config: { holdTime: 90n },
        state: { negotiatedHoldTime: 9n, uptime: { seconds: 1_700_000_000n }, downtime: { seconds: 0n } },
      },
      transport: { localAddress: '<nil>', passiveMode: true },
      afiSafis: [
        { config: { family: { afi: Family_Afi.IP6, safi: Family_Safi.UNICAST }, enabled: true } },
        { config: {} },
      ],
    });
    const status = peerFromProto(peer);
    expect(status).toMatchObject({
      sessionState: 'established',
      adminState: 'up',
      routerId: '192.0.2.1',
      flops: 2,
      negotiatedHoldTime: 9,
      messages: { received: { update: 5, total: 9 }, sent: { keepalive: 4 } },
      config: {
        neighborAddress: '192.0.2.1',
        timers: { holdTime: 90 },
        transport: { localAddress: '', passiveMode: true },
        afiSafis: [{ family: 'ipv6-unicast', enabled: true }],
      },
    });
    expect(status.uptime?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(status.downtime).toBeUndefined();
    expect(
      peerFromProto(create(PeerSchema, { state: { neighborAddress: '<nil>' } })).config.neighborAddress,
    ).toBe('');
  });
});

describe('global config', () => {
  it('validates and round-trips', () => {
    const config = { asn: 64512, routerId: '10.0.0.1', listenPort: -1, listenAddresses: ['192.0.2.2'] };
    expect(globalFromProto(ok(globalToProto(config)))).toMatchObject(config);
    expect(globalFromProto(undefined).asn).toBe(0);
    const bad = (c: typeof config): string => {
      const r = globalToProto(c);
      return r.ok ? '(ok)' : r.error;
    };
    expect(bad({ ...config, routerId: '2001:db8::1' })).toMatch(/^routerId: /);
    expect(bad({ ...config, asn: 0 })).toMatch(/^asn: /);
    expect(bad({ ...config, listenPort: 70000 })).toMatch(/^listenPort: /);
    expect(bad({ ...config, listenAddresses: ['any'] })).toMatch(/^listenAddresses: /);
  });
});

describe('toGobgpError', () => {
  it('maps gRPC codes and known gobgp messages to kinds, keeping the message', () => {
    const kindOf = (code: Code, message: string): string =>
      toGobgpError('X', new ConnectError(message, code)).kind;
    expect(kindOf(Code.Unavailable, 'down')).toBe('unavailable');
    expect(kindOf(Code.DeadlineExceeded, 'slow')).toBe('deadline-exceeded');
    expect(kindOf(Code.InvalidArgument, 'bad')).toBe('invalid-argument');
    expect(kindOf(Code.Canceled, 'http/2 stream closed with error code CANCEL (0x8)')).toBe('unavailable');
    expect(kindOf(Code.Unknown, 'family cannot be nil')).toBe('unknown');
    expect(kindOf(Code.Unknown, "can't delete a peer configuration for 192.0.2.9")).toBe('not-found');
    expect(kindOf(Code.Unknown, "can't overwrite the existing peer: 192.0.2.9")).toBe('already-exists');
    expect(kindOf(Code.Unknown, "bgp server hasn't started yet")).toBe('failed-precondition');

    const error = toGobgpError('AddPath', new ConnectError('nexthop not found', Code.Unknown));
    expect(error).toBeInstanceOf(GobgpError);
    expect(error).toMatchObject({
      operation: 'AddPath',
      detail: 'nexthop not found',
      grpcCode: Code.Unknown,
    });
    expect(error.message).toBe('AddPath: unknown: nexthop not found');
  });

  it('reports the caller abort as aborted and connection errors in the cause as unavailable', () => {
    const aborted = AbortSignal.abort();
    expect(toGobgpError('X', new ConnectError('x', Code.Canceled), aborted).kind).toBe('aborted');
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(toGobgpError('X', new ConnectError('x', Code.Internal, undefined, undefined, refused)).kind).toBe(
      'unavailable',
    );
    expect(toGobgpError('X', 'weird').kind).toBe('unknown');
  });
});
